"""Anthropic content blocks that are content, not conversation → Gemini parts: text, images,
documents, search results, and the text blocks of system prompts.

Media never leaves as a URL the gateway fetches: base64 becomes `inlineData`, an http(s) URL
`fileData`, which Gemini fetches itself (core/media.py); Anthropic's Files API ids are a 400.
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidRequestError
from .fields import get_dict, get_str, require_dict
from .media import inline_part, url_to_part

__all__ = ["media_or_text", "text_parts"]

_USER_BLOCKS = "text, image, document, search_result, tool_result"


def text_parts(content: Any, param: str) -> list[dict[str, Any]]:
    """A `system` value or a system message's content: a string or an array of text blocks."""
    if isinstance(content, str):
        return [{"text": content}] if content else []
    if not isinstance(content, list):
        raise InvalidRequestError(f"'{param}' must be a string or an array of text blocks.", param=param, code="invalid_type")
    parts = []
    for index, block in enumerate(content):
        block_param = f"{param}[{index}]"
        kind = get_str(require_dict(block, block_param), "type", block_param, required=True)
        if kind != "text":
            raise InvalidRequestError(f"'{block_param}.type' must be 'text' in a system prompt, got {kind!r}.",
                                      param=f"{block_param}.type", code="invalid_value")
        text = get_str(block, "text", block_param, required=True)
        if text:
            parts.append({"text": text})
    return parts


def media_or_text(block: dict[str, Any], kind: str, param: str) -> list[dict[str, Any]]:
    """A user block that is content, not conversation: text, an image, a document, a search result."""
    if kind == "text":
        text = get_str(block, "text", param, required=True)
        return [{"text": text}] if text else []
    if kind == "image":
        return [_source(block, param, "image")]
    if kind == "document":
        return _document(block, param)
    if kind == "search_result":
        texts = [part["text"] for part in text_parts(block.get("content") or [], f"{param}.content")]
        head = f"Search result: {get_str(block, 'title', param) or ''} ({get_str(block, 'source', param) or ''})"
        return [{"text": "\n".join([head, *texts])}]
    if kind == "container_upload":
        raise InvalidRequestError(f"'{param}' names a file in Anthropic's code-execution container, which Gemini cannot read.",
                                  param=param, code="invalid_value")
    raise InvalidRequestError(f"'{param}.type' {kind!r} is not supported here; use {_USER_BLOCKS}.",
                              param=f"{param}.type", code="invalid_value")


def _document(block: dict[str, Any], param: str) -> list[dict[str, Any]]:
    source = get_dict(block, "source", param) or {}
    parts: list[dict[str, Any]] = []
    about = "\n".join(value for value in (get_str(block, "title", param), get_str(block, "context", param)) if value)
    if about:
        parts.append({"text": about})  # the document's title and context, which Anthropic shows the model
    kind = get_str(source, "type", f"{param}.source", required=True)
    if kind == "text":
        parts.append({"text": get_str(source, "data", f"{param}.source", required=True)})
    elif kind == "content":
        content = source.get("content")
        if isinstance(content, str):
            parts.append({"text": content})
        elif isinstance(content, list):
            for index, item in enumerate(content):
                item_param = f"{param}.source.content[{index}]"
                item_kind = get_str(require_dict(item, item_param), "type", item_param, required=True)
                if item_kind not in ("text", "image"):
                    raise InvalidRequestError(f"'{item_param}.type' must be text or image, got {item_kind!r}.",
                                              param=f"{item_param}.type", code="invalid_value")
                parts.extend(media_or_text(item, item_kind, item_param))
    else:
        parts.append(_source(block, param, "document"))
    return [part for part in parts if part.get("text") != ""]


def _source(block: dict[str, Any], param: str, what: str) -> dict[str, Any]:
    """An image or PDF `source`: base64 → inlineData, url → fileData (Gemini fetches it), a Gemini file."""
    source = get_dict(block, "source", param)
    prefix = f"{param}.source"
    if source is None:
        raise InvalidRequestError(f"Missing required parameter: '{prefix}'.", param=prefix, code="missing_required_parameter")
    kind = get_str(source, "type", prefix, required=True)
    if kind == "base64":
        default = "application/pdf" if what == "document" else None
        mime = get_str(source, "media_type", prefix) or default
        if not mime:
            raise InvalidRequestError(f"Missing required parameter: '{prefix}.media_type'.", param=f"{prefix}.media_type",
                                      code="missing_required_parameter")
        return inline_part(mime, get_str(source, "data", prefix, required=True), f"{prefix}.data")
    if kind == "url":
        part = url_to_part(get_str(source, "url", prefix, required=True), f"{prefix}.url")
        if what == "document":
            part["fileData"].setdefault("mimeType", "application/pdf")  # Anthropic's url documents are PDFs
        return part
    if kind == "file":
        file_id = get_str(source, "file_id", prefix, required=True)
        if file_id.startswith("files/"):
            return url_to_part(file_id, f"{prefix}.file_id")
        raise InvalidRequestError(f"'{prefix}.file_id' names a file in Anthropic's Files API, which Gemini cannot read; "
                                  "send the file as base64 or a URL (or a Gemini files/... name).",
                                  param=f"{prefix}.file_id", code="invalid_value")
    raise InvalidRequestError(f"'{prefix}.type' must be base64, url or file; got {kind!r}.", param=f"{prefix}.type",
                              code="invalid_value")
