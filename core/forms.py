"""A multipart/form-data request, as a shell hands it to the core, and the reading of its fields.

Parsing the bytes is the shell's job (a well-kept parser: python-multipart in the ASGI app, the
platform's own `Request.formData()` in the JavaScript shell); the core only reads what it holds.
OpenAI's clients send repeated fields for lists (`image[]` or `image` several times), so every
field keeps all its values, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from .errors import InvalidRequestError

__all__ = ["MAX_PARTS", "Form", "Upload", "check_form_content_type", "check_form_type", "form_file", "form_files", "form_text",
           "malformed_form", "too_many_parts", "upload_type"]


MAX_PARTS = 1000  # far beyond any real form; stops a body made of empty parts from costing time


class Upload(NamedTuple):
    """One file part: what the client called it, the type it declared, and its bytes."""

    filename: str
    content_type: str
    data: bytes


class Form(NamedTuple):
    """The text fields and the file parts of a form, each name with all its values in order."""

    fields: Mapping[str, list[str]]
    files: Mapping[str, list[Upload]]


def check_form_type(kind: str, boundary: str | None) -> None:
    """A form route's content type, as the shell's parser read it (`kind` lower-case): it must be
    multipart/form-data with a boundary."""
    if kind != "multipart/form-data":
        raise InvalidRequestError(f"This endpoint takes multipart/form-data (file uploads), not {kind or 'no content type'}.")
    if not boundary:
        raise InvalidRequestError("The multipart/form-data content type has no boundary.")


def check_form_content_type(header: str) -> None:
    """A form route's Content-Type header, read here so every shell refuses the same bodies before parsing."""
    kind, _, params = header.partition(";")
    boundary = None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            boundary = value.strip().strip('"') or None
    check_form_type(kind.strip().lower(), boundary)


def malformed_form(detail: str) -> InvalidRequestError:
    """The parser could not read the body (`detail`: its own words)."""
    return InvalidRequestError(f"The multipart/form-data body is malformed: {detail.rstrip('.') or 'unreadable'}.")


def too_many_parts() -> InvalidRequestError:
    return InvalidRequestError(f"The form has more than {MAX_PARTS} parts.")


def form_text(form: Form, name: str, *, required: bool = False) -> str | None:
    """The last value of a text field (clients that repeat a scalar mean the last one)."""
    values = form.fields.get(name)
    if values:
        return values[-1]
    if name in form.files:
        raise InvalidRequestError(f"'{name}' must be a text field, not a file.", param=name)
    if required:
        raise InvalidRequestError(f"Missing required field '{name}' in the form.", param=name)
    return None


def form_files(form: Form, *names: str) -> list[Upload]:
    """Every file sent under any of `names` (e.g. `image` and `image[]`), in the order sent."""
    return [upload for name in names for upload in form.files.get(name, ())]


def form_file(form: Form, name: str) -> Upload:
    """The one file a form must carry under `name`."""
    uploads = form_files(form, name)
    if not uploads:
        if form.fields.get(name):
            raise InvalidRequestError(f"'{name}' must be a file upload (multipart/form-data), not a text field.",
                                      param=name)
        raise InvalidRequestError(f"Missing required file '{name}': send it as a multipart/form-data file part.",
                                  param=name)
    if len(uploads) > 1:
        raise InvalidRequestError(f"Send one file as '{name}', not {len(uploads)}.", param=name)
    if not uploads[0].data:
        raise InvalidRequestError(f"The file '{name}' is empty.", param=name)
    return uploads[0]


# File signatures (magic numbers) of the media types uploads are checked against.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"), (b"\xff\xd8\xff", 0, "image/jpeg"), (b"WEBP", 8, "image/webp"),
    (b"GIF8", 0, "image/gif"), (b"ftypheic", 4, "image/heic"), (b"ftypheix", 4, "image/heic"),
    (b"ftypmif1", 4, "image/heif"), (b"WAVE", 8, "audio/wav"), (b"ID3", 0, "audio/mp3"), (b"\xff\xfb", 0, "audio/mp3"),
    (b"\xff\xf3", 0, "audio/mp3"), (b"\xff\xf2", 0, "audio/mp3"), (b"AIFF", 8, "audio/aiff"), (b"fLaC", 0, "audio/flac"),
    (b"OggS", 0, "audio/ogg"), (b"\xff\xf1", 0, "audio/aac"), (b"\xff\xf9", 0, "audio/aac"),
    (b"\x1a\x45\xdf\xa3", 0, "audio/webm"), (b"ftyp", 4, "audio/mp4"),
)
_ALIASES = {
    "image/jpg": "image/jpeg", "audio/wave": "audio/wav", "audio/x-wav": "audio/wav", "audio/vnd.wave": "audio/wav",
    "audio/mpeg": "audio/mp3", "audio/mpga": "audio/mp3", "audio/x-aiff": "audio/aiff", "audio/x-flac": "audio/flac",
    "audio/x-aac": "audio/aac", "audio/m4a": "audio/mp4", "audio/x-m4a": "audio/mp4", "video/mp4": "audio/mp4",
    "video/webm": "audio/webm", "application/ogg": "audio/ogg",
}
_BY_EXTENSION = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif",
    "heic": "image/heic", "heif": "image/heif", "wav": "audio/wav", "mp3": "audio/mp3", "mpga": "audio/mp3",
    "mpeg": "audio/mp3", "aif": "audio/aiff", "aiff": "audio/aiff", "flac": "audio/flac", "ogg": "audio/ogg",
    "oga": "audio/ogg", "opus": "audio/ogg", "aac": "audio/aac", "m4a": "audio/mp4", "mp4": "audio/mp4",
    "webm": "audio/webm",
}


def upload_type(upload: Upload) -> str | None:
    """The media type of an upload: what its bytes begin with, else its declared type, else its
    file name's extension (clients often declare `application/octet-stream`)."""
    for magic, offset, kind in _MAGIC:
        if upload.data[offset: offset + len(magic)] == magic:
            return kind
    declared = upload.content_type.partition(";")[0].strip().lower()
    declared = _ALIASES.get(declared, declared)
    if declared and declared != "application/octet-stream":
        return declared
    extension = upload.filename.rpartition(".")[2].lower() if "." in upload.filename else ""
    return _BY_EXTENSION.get(extension)
