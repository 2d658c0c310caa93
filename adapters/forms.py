"""multipart/form-data bodies → `core.forms.Form`, with python-multipart (the parser Starlette uses).

Imported by the first request that sends a form (image edits, transcriptions), never at cold start.
The body is already in memory and capped by MAX_BODY_BYTES, so parts are collected in memory too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from core.errors import InvalidRequestError
from core.forms import MAX_PARTS, Form, Upload, check_form_type, malformed_form, too_many_parts

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks  # defined for type checkers only

__all__ = ["form_from_multipart"]

# The parser also logs each error it raises; the client gets the error and the request's own log
# line records it, so the library's copy (unstructured, on stderr) is dropped.
logging.getLogger("python_multipart").addHandler(logging.NullHandler())
logging.getLogger("python_multipart").propagate = False


def form_from_multipart(content_type: str, body: bytes) -> Form:
    """Parse a multipart/form-data body; anything else is a 400 that says what to send."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    check_form_type(kind.decode("latin-1"), boundary.decode("latin-1") if boundary else None)
    assert boundary is not None  # check_form_type refuses a form without one
    collector = _Collector()
    try:
        parser = MultipartParser(boundary, collector.callbacks())
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        detail = exc.args[0] if exc.args else type(exc).__name__
        raise malformed_form(detail) from None
    if not collector.complete:
        raise InvalidRequestError("The multipart/form-data body ends before its closing boundary.")
    return Form(collector.fields, collector.files)


class _Collector:
    """The parser's callbacks: each part's headers, then its bytes, filed as a field or a file."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.files: dict[str, list[Upload]] = {}
        self.complete = False
        self._count = 0
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._data: list[bytes] = []

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._append("_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._append("_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_part_data": lambda data, start, end: self._data.append(data[start:end]),
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _append(self, name: str, data: bytes) -> None:
        setattr(self, name, getattr(self, name) + data)

    def _begin(self) -> None:
        self._count += 1
        if self._count > MAX_PARTS:
            raise too_many_parts()
        self._headers, self._data = {}, []

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _part_end(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise InvalidRequestError("A part of the multipart/form-data body has no form-data name.")
        name = options[b"name"].decode("utf-8", "replace")
        data = b"".join(self._data)
        if b"filename" in options:
            content_type = self._headers.get(b"content-type", b"application/octet-stream").decode("latin-1")
            upload = Upload(options[b"filename"].decode("utf-8", "replace"), content_type.strip(), data)
            self.files.setdefault(name, []).append(upload)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidRequestError(f"The form field '{name}' is not UTF-8 text.", param=name) from None
            self.fields.setdefault(name, []).append(text)

    def _end(self) -> None:
        self.complete = True
