"""Responses API content parts (`input_text`, `input_image`, `input_file`, `input_audio`, ...) → chat content parts."""

from __future__ import annotations

from typing import Any

from .errors import InvalidRequestError
from .fields import get_str

__all__ = ["TEXT_PARTS", "part_to_chat"]

# Content part types that are text, whichever message they stand in.
TEXT_PARTS = ("input_text", "output_text", "text")


def part_to_chat(part: dict[str, Any], param: str, chat_prefix: str, role: str, aliases: dict[str, str]) -> dict[str, Any] | None:
    """One Responses content part as a chat part (None for a refusal the model gave); records its aliases."""
    kind = get_str(part, "type", param, required=True)
    if kind in TEXT_PARTS:
        return {"type": "text", "text": get_str(part, "text", param, required=True)}
    if kind == "refusal" and role == "assistant":
        return None  # a refusal the model gave is not sent back as text
    if role != "user":
        raise InvalidRequestError(
            f"'{param}.type' must be input_text: {role} messages carry text only (got {kind!r}).",
            param=f"{param}.type",
            code="invalid_value",
        )
    if kind == "input_image":
        for key in ("image_url", "file_id"):
            url = get_str(part, key, param)
            if url:
                aliases[f"{chat_prefix}.image_url.url"] = f"{param}.{key}"
                image: dict[str, Any] = {"url": url}
                if part.get("detail") is not None:  # low | high | auto: Gemini 3's per-part media resolution
                    aliases[f"{chat_prefix}.image_url.detail"] = f"{param}.detail"
                    image["detail"] = part["detail"]
                return {"type": "image_url", "image_url": image}
        raise InvalidRequestError(
            f"'{param}' needs an 'image_url' (an http(s) URL or a data: URI).", param=f"{param}.image_url",
            code="missing_required_parameter",
        )
    if kind == "input_file":
        return _file(part, param, chat_prefix, aliases)
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": part.get("input_audio")}
    raise InvalidRequestError(
        f"'{param}.type' {kind!r} is not supported; use input_text, input_image, input_file or input_audio.",
        param=f"{param}.type",
        code="invalid_value",
    )


def _file(part: dict[str, Any], param: str, chat_prefix: str, aliases: dict[str, str]) -> dict[str, Any]:
    file_url = get_str(part, "file_url", param)
    if file_url:
        aliases[f"{chat_prefix}.image_url.url"] = f"{param}.file_url"
        return {"type": "image_url", "image_url": {"url": file_url}}
    file: dict[str, Any] = {}
    for key in ("file_data", "file_id", "filename"):
        value = get_str(part, key, param)
        if value:
            file[key] = value
            aliases[f"{chat_prefix}.file.{key}"] = f"{param}.{key}"
    aliases[f"{chat_prefix}.file"] = param
    return {"type": "file", "file": file}
