"""Message content parts → Gemini parts: text, images, audio and files.

The gateway never downloads anything a client names: a `data:` URI is decoded into `inlineData`,
and an http(s) URL becomes `fileData`, which Gemini fetches itself
(https://ai.google.dev/gemini-api/docs/file-input-methods). No request forgery through us.

An image's `detail` (`low`/`high`/`auto`) becomes the part's own `mediaResolution` on Gemini 3
and later, the only models that take it per part: `{"mediaResolution": {"level":
"MEDIA_RESOLUTION_HIGH"}}` beside `inlineData`/`fileData` (python-genai types.PartMediaResolution;
https://ai.google.dev/gemini-api/docs/generate-content/media-resolution). `auto` sends nothing.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from .errors import InvalidRequestError
from .fields import get_dict, get_str, join_param, require_dict

__all__ = ["DETAIL_RESOLUTIONS", "content_to_parts", "data_uri_to_part", "inline_part", "url_to_part"]

# OpenAI image `detail` → Gemini's per-part resolution level; `auto` is Gemini's own default.
DETAIL_RESOLUTIONS = {"low": "MEDIA_RESOLUTION_LOW", "high": "MEDIA_RESOLUTION_HIGH", "auto": None}

# Where a file's type is not said, the extension of its URL usually does (Gemini's supported types).
_MIME_BY_EXTENSION = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif",
    "heic": "image/heic", "heif": "image/heif", "pdf": "application/pdf", "txt": "text/plain",
    "md": "text/markdown", "csv": "text/csv", "html": "text/html", "json": "application/json",
    "mp3": "audio/mp3", "wav": "audio/wav", "ogg": "audio/ogg", "flac": "audio/flac", "aac": "audio/aac",
    "m4a": "audio/mp4", "aiff": "audio/aiff", "mp4": "video/mp4", "mpeg": "video/mpeg", "mov": "video/mov",
    "webm": "video/webm", "avi": "video/avi", "wmv": "video/wmv", "3gp": "video/3gpp",
}
_BASE64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
_BASE64_DELETE = bytes(_BASE64_ALPHABET)
# Gemini's Files API hands out names like `files/abc-123`; a bare name is resolved against Google's host.
_FILES_URI = "https://generativelanguage.googleapis.com/v1beta/"


def content_to_parts(
    content: Any, param: str, *, allow_refusal: bool = False, text_only: bool = False, detail: bool = False
) -> list[dict[str, Any]]:
    """A message `content` (string, array of parts, or null) as Gemini parts.

    `text_only` is for system, developer and tool messages, which carry text parts only; `detail`
    says the model takes a per-part `mediaResolution` for an image's `detail`.
    """
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    if not isinstance(content, list):
        what = "text parts" if text_only else "content parts"
        raise InvalidRequestError(f"'{param}' must be a string or an array of {what}.", param=param, code="invalid_type")
    parts = []
    for index, item in enumerate(content):
        item_param = join_param(param, index)
        part = _part(require_dict(item, item_param), item_param, allow_refusal, text_only, detail)
        if part is not None:
            parts.append(part)
    return parts


def _part(item: dict[str, Any], param: str, allow_refusal: bool, text_only: bool, detail: bool) -> dict[str, Any] | None:
    kind = get_str(item, "type", param, required=True)
    if kind == "text":
        text = get_str(item, "text", param, required=True)
        return {"text": text} if text else None
    if text_only:
        raise InvalidRequestError(
            f"'{param}.type' must be 'text': system, developer and tool messages carry text only (got {kind!r}).",
            param=f"{param}.type",
            code="invalid_value",
        )
    if kind == "image_url":
        image = item.get("image_url")
        # Some clients send the URL string directly instead of {"url": ...}.
        url = image if isinstance(image, str) else get_str(require_dict(image, f"{param}.image_url"), "url", f"{param}.image_url",
                                                           required=True)
        part = _url_or_data(url, f"{param}.image_url.url")
        level = _resolution(image, f"{param}.image_url") if isinstance(image, dict) else None
        return {**part, "mediaResolution": {"level": level}} if level and detail else part
    if kind == "input_audio":
        audio = get_dict(item, "input_audio", param) or {}
        data = get_str(audio, "data", f"{param}.input_audio", required=True)
        fmt = get_str(audio, "format", f"{param}.input_audio", required=True)
        _check_base64(data, f"{param}.input_audio.data")
        return {"inlineData": {"mimeType": _audio_mime(fmt), "data": data}}
    if kind == "file":
        return _file(get_dict(item, "file", param) or {}, f"{param}.file")
    if kind == "refusal" and allow_refusal:
        return None  # a refusal the model gave earlier is not something to send back as text
    raise InvalidRequestError(
        f"'{param}.type' {kind!r} is not supported; use text, image_url, input_audio or file.",
        param=f"{param}.type",
        code="invalid_value",
    )


def _resolution(image: dict[str, Any], param: str) -> str | None:
    """The Gemini resolution level for an image's `detail`, checked even where it is not sent."""
    value = get_str(image, "detail", param)
    if value is None:
        return None
    if value.lower() not in DETAIL_RESOLUTIONS:
        raise InvalidRequestError(
            f"'{param}.detail' must be low, high or auto; got {value[:20]!r}.", param=f"{param}.detail", code="invalid_value"
        )
    return DETAIL_RESOLUTIONS[value.lower()]


def _url_or_data(url: str, param: str) -> dict[str, Any]:
    if url.startswith("data:"):
        return data_uri_to_part(url, param)
    return url_to_part(url, param)


def data_uri_to_part(uri: str, param: str) -> dict[str, Any]:
    """`data:<mime>[;base64],<data>` → `inlineData` (RFC 2397)."""
    header, comma, payload = uri[len("data:"):].partition(",")
    if not comma:
        raise InvalidRequestError(f"'{param}' is not a valid data: URI (no comma).", param=param, code="invalid_value")
    params = [p.strip() for p in header.split(";")]
    mime = params[0].lower() or "text/plain"
    if "/" not in mime or " " in mime:
        raise InvalidRequestError(f"'{param}' has an invalid media type {params[0][:40]!r}.", param=param, code="invalid_value")
    if "base64" in (p.lower() for p in params[1:]):
        data = payload.strip()
        _check_base64(data, param)
    else:
        data = base64.b64encode(unquote_to_bytes(payload)).decode("ascii")
    if not data:
        raise InvalidRequestError(f"'{param}' holds no data.", param=param, code="invalid_value")
    return {"inlineData": {"mimeType": mime, "data": data}}


def inline_part(mime: str, data: str, param: str) -> dict[str, Any]:
    """Base64 `data` of type `mime` → `inlineData`; data that is not base64 is a 400 naming `param`."""
    _check_base64(data, param)
    return {"inlineData": {"mimeType": mime, "data": data}}


def url_to_part(url: str, param: str) -> dict[str, Any]:
    """An http(s) URL (or a Gemini Files API name) → `fileData`, for Gemini to fetch."""
    if url.startswith("files/"):
        return {"fileData": {"fileUri": _FILES_URI + url}}
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequestError(
            f"'{param}' must be a data: URI or an http(s) URL.", param=param, code="invalid_value"
        )
    file_data = {"fileUri": url}
    mime = _MIME_BY_EXTENSION.get(parts.path.rpartition(".")[2].lower()) if "." in parts.path else None
    if mime:
        file_data["mimeType"] = mime
    return {"fileData": file_data}


def _file(file: dict[str, Any], param: str) -> dict[str, Any]:
    """OpenAI's `file` part: `file_data` (a data: URI or bare base64) or a `file_id` naming a Gemini file."""
    file_data = get_str(file, "file_data", param)
    if file_data:
        if file_data.startswith("data:"):
            return data_uri_to_part(file_data, f"{param}.file_data")
        _check_base64(file_data, f"{param}.file_data")
        filename = get_str(file, "filename", param) or ""
        mime = _MIME_BY_EXTENSION.get(filename.rpartition(".")[2].lower(), "application/pdf")
        return {"inlineData": {"mimeType": mime, "data": file_data}}
    file_id = get_str(file, "file_id", param)
    if file_id and (file_id.startswith("files/") or file_id.startswith(("http://", "https://"))):
        return url_to_part(file_id, f"{param}.file_id")
    raise InvalidRequestError(
        f"'{param}' needs 'file_data' (base64 or a data: URI) or a 'file_id' naming a Gemini file (files/...).",
        param=param,
        code="invalid_value",
    )


def _audio_mime(fmt: str) -> str:
    fmt = fmt.lower()
    return {"mp3": "audio/mp3", "wav": "audio/wav", "pcm16": "audio/pcm", "m4a": "audio/mp4"}.get(fmt, f"audio/{fmt}")


def _check_base64(data: str, param: str) -> None:
    # bytes.translate runs in C: a 20 MB image is checked in milliseconds.
    if not data or not data.isascii() or data.encode("ascii").translate(None, _BASE64_DELETE):
        raise InvalidRequestError(f"'{param}' is not valid base64 data.", param=param, code="invalid_value")
