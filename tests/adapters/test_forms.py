"""multipart/form-data → core.forms.Form, with python-multipart (adapters/forms.py)."""

from __future__ import annotations

import pytest

from adapters.forms import form_from_multipart
from core.errors import InvalidRequestError
from core.forms import Form, Upload, form_file, form_files, form_text

BOUNDARY = "----gw-boundary"


def multipart(*parts: tuple) -> bytes:
    out = b""
    for part in parts:
        name, value = part[0], part[1]
        if len(part) == 2:
            out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        else:
            filename, kind = part[2], part[3]
            out += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {kind}\r\n\r\n").encode() + value + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def test_fields_and_files_keep_every_value_in_order():
    body = multipart(("prompt", "make it blue"), ("image[]", b"\x89PNG one", "a.png", "image/png"),
                     ("image[]", b"\x89PNG two", "b.png", "image/png"), ("n", "1"), ("n", "2"))
    form = form_from_multipart(f"multipart/form-data; boundary={BOUNDARY}", body)
    assert form_text(form, "prompt") == "make it blue" and form_text(form, "n") == "2"
    assert form_files(form, "image", "image[]") == [Upload("a.png", "image/png", b"\x89PNG one"),
                                                    Upload("b.png", "image/png", b"\x89PNG two")]


def test_binary_files_arrive_byte_for_byte():
    data = bytes(range(256)) * 100 + b"\r\n--" + BOUNDARY.encode()[:-1]
    form = form_from_multipart(f'multipart/form-data; boundary="{BOUNDARY}"',
                               multipart(("file", data, "x.bin", "application/octet-stream")))
    assert form_file(form, "file").data == data


@pytest.mark.parametrize(("content_type", "body", "message"), [
    ("application/json", b"{}", "multipart/form-data"),
    ("", b"", "multipart/form-data"),
    ("multipart/form-data", b"x", "boundary"),
    (f"multipart/form-data; boundary={BOUNDARY}", b"garbage without any boundary", "malformed"),
])
def test_what_is_not_a_form_is_a_clear_400(content_type, body, message):
    with pytest.raises(InvalidRequestError, match=message):
        form_from_multipart(content_type, body)


def test_reading_fields_says_what_is_wrong():
    form = Form({"file": ["text"]}, {"prompt": [Upload("p.txt", "text/plain", b"x")]})
    with pytest.raises(InvalidRequestError, match="must be a text field"):
        form_text(form, "prompt")
    with pytest.raises(InvalidRequestError, match="must be a file upload"):
        form_file(form, "file")
    with pytest.raises(InvalidRequestError, match="Missing required field"):
        form_text(form, "model", required=True)
