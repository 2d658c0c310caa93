"""Gemini's server-side tool invocations (`toolCall` / `toolResponse` parts), carried through OpenAI clients.

Gemini 3 runs Google Search, URL context and Maps beside function calling only when the request sets
`toolConfig.includeServerSideToolInvocations`; its answer then holds `toolCall {toolType, args, id}`
and `toolResponse {toolType, response, id}` parts, each with a `thoughtSignature`, which must go back
unchanged in the model turn (https://ai.google.dev/gemini-api/docs/tool-combination). OpenAI clients
keep only what they understand, so the parts ride where the clients send things back verbatim:

* Responses API: a `web_search_call` output item whose `id` is `ws_gm_<packed parts>`; every client
  echoes the item (or, the Vercel AI SDK with `store`, an `item_reference` to its id);
* Chat Completions: the next tool call's id (`<id>__server__<packed>__thought__<signature>`, see
  core/signatures.py), or `extra_content.google.server_tool_invocations` on a text answer.

Packed = URL-safe base64 (no padding) of the zlib-compressed JSON list of parts.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .lineup import generation

__all__ = [
    "EXTRA_KEY",
    "is_server_part",
    "pack_parts",
    "parts_from_web_search_id",
    "supports_tool_combination",
    "unpack_parts",
    "web_search_item",
]

EXTRA_KEY = "server_tool_invocations"  # under extra_content.google, next to thought_signature
WEB_SEARCH_PREFIX = "ws_gm_"
_PART_KEYS = ("toolCall", "toolResponse")
# toolType → how a web_search_call's `action` describes it (the Responses API has search and open_page).
_URL_TOOLS = frozenset({"URL_CONTEXT"})


def supports_tool_combination(model: str) -> bool:
    """Gemini 3+ combines built-in tools with function calling (with the flag); 2.5 answers 400 "Tool call
    context circulation is not enabled for models/gemini-2.5-flash" (prism-php/prism#972, tested per model)."""
    gen = generation(model)
    return gen is not None and gen >= (3, 0)


def is_server_part(part: Any) -> bool:
    return isinstance(part, dict) and any(isinstance(part.get(key), dict) for key in _PART_KEYS)


def pack_parts(parts: list[dict[str, Any]]) -> str:
    """The parts as a compact, URL- and id-safe string."""
    raw = json.dumps(parts, separators=(",", ":"), ensure_ascii=False).encode()
    import zlib  # only an answer with server-side tool parts packs them

    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def unpack_parts(packed: Any) -> list[dict[str, Any]] | None:
    """The parts `pack_parts` made, or None when `packed` is not one of ours (or is damaged)."""
    if not isinstance(packed, str) or not packed:
        return None
    import zlib

    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))
        parts = json.loads(raw)
    except (binascii.Error, ValueError, zlib.error):
        return None
    if isinstance(parts, list) and parts and all(is_server_part(part) for part in parts):
        return parts
    return None


def parts_from_web_search_id(item_id: Any) -> list[dict[str, Any]] | None:
    """The parts a `web_search_call` id this gateway wrote carries; None for other providers' searches."""
    if isinstance(item_id, str) and item_id.startswith(WEB_SEARCH_PREFIX):
        return unpack_parts(item_id[len(WEB_SEARCH_PREFIX):])
    return None


def web_search_item(parts: list[dict[str, Any]], status: str = "completed") -> dict[str, Any]:
    """The Responses `web_search_call` item for one run of server-side tool parts."""
    call: dict[str, Any] = next((part["toolCall"] for part in parts if isinstance(part.get("toolCall"), dict)), {})
    given = call.get("args")
    args: dict[str, Any] = given if isinstance(given, dict) else {}
    if call.get("toolType") in _URL_TOOLS:
        urls = [url for url in args.get("urls") or [] if isinstance(url, str)]
        action: dict[str, Any] = {"type": "open_page", "url": urls[0] if urls else None}
    else:
        queries = [query for query in args.get("queries") or [] if isinstance(query, str)]
        action = {"type": "search", "query": " | ".join(queries) or str(call.get("toolType") or ""), "queries": queries}
    return {"id": WEB_SEARCH_PREFIX + pack_parts(parts), "type": "web_search_call", "status": status, "action": action}
