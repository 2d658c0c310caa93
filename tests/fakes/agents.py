"""What the fake Gemini does for agents: call only the functions a request declares, and run a
built-in tool server-side the way Gemini 3 reports it. (What Gemini refuses about tools — built-in
tools beside functions without the combination flag, invalid function names — is in strict.py.)

Called from two marked lines in tests/fakes/echo.py (`# agents:`), so the fake's own structure can
change around them.

Behaviour with the flag on a Gemini 3 model whose tools include Google Search or URL context: the
answer to a user's question starts with a signed `toolCall` and a signed `toolResponse` part of type
GOOGLE_SEARCH_WEB (or URL_CONTEXT), shaped as in the tool-combination page's example, before the
function calls or the text.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Any

BUILT_IN = ("googleSearch", "google_search", "urlContext", "url_context", "codeExecution", "code_execution",
            "googleMaps", "google_maps", "fileSearch", "file_search", "googleSearchRetrieval")
_SERVER_TOOLS = {"googleSearch": "GOOGLE_SEARCH_WEB", "google_search": "GOOGLE_SEARCH_WEB",
                 "urlContext": "URL_CONTEXT", "url_context": "URL_CONTEXT"}


def _declarations(body: dict) -> list[dict]:
    return [d for tool in body.get("tools") or [] if isinstance(tool, dict)
            for d in tool.get("functionDeclarations") or tool.get("function_declarations") or [] if isinstance(d, dict)]


def _built_in(body: dict) -> list[str]:
    return [key for tool in body.get("tools") or [] if isinstance(tool, dict) for key in tool if key in BUILT_IN]


def _flag(body: dict) -> bool:
    config = body.get("toolConfig") or body.get("tool_config") or {}
    return bool(config.get("includeServerSideToolInvocations") or config.get("include_server_side_tool_invocations"))


def signature(text: str, salt: str = "") -> str:
    """The fake's thought signature for an answer to `text` (deterministic, so tests can expect it)."""
    return base64.b64encode(hashlib.sha256(f"{salt}{text}".encode()).digest()).decode()


def declared_calls(body: dict, matches: Iterable[re.Match]) -> list[re.Match]:
    """The `call <name>` directives that name a declared function: Gemini calls nothing else."""
    names = {d.get("name") for d in _declarations(body)}
    return [match for match in matches if match.group(1) in names]


def server_side(model: str, body: dict, groups: list[list[dict]], text: str, answering_user: bool) -> list[list[dict]]:
    """The answer's part groups, with a built-in tool's toolCall/toolResponse first where Gemini 3 would
    report one (the flag set, a search or URL tool declared, a user's question to answer)."""
    kinds = [_SERVER_TOOLS[key] for key in _built_in(body) if key in _SERVER_TOOLS]
    if not (kinds and answering_user and _flag(body) and model.startswith("gemini-3")):
        return groups
    kind = kinds[0]
    call_id = signature(text, "id")[:8].replace("+", "a").replace("/", "b")
    if kind == "URL_CONTEXT":
        args: dict[str, Any] = {"urls": re.findall(r"https?://\S+", text)[:1] or ["https://example.com/"]}
        response: dict[str, Any] = {"url_retrieval_status": "URL_RETRIEVAL_STATUS_SUCCESS"}
    else:
        args, response = {"queries": [text[:80]]}, {"search_suggestions": f"<div class=\"chips\">{text[:40]}</div>"}
    parts = [
        {"toolCall": {"toolType": kind, "args": args, "id": call_id}, "thoughtSignature": signature(text, "toolCall")},
        {"toolResponse": {"toolType": kind, "response": response, "id": call_id}, "thoughtSignature": signature(text, "toolResponse")},
    ]
    return [parts, *groups]


def server_parts_sent_back(contents: list[dict]) -> list[dict]:
    """Every toolCall / toolResponse part in the model turns of a request (what tests assert came back)."""
    return [part for content in contents if isinstance(content, dict) and content.get("role") == "model"
            for part in content.get("parts") or [] if isinstance(part, dict) and ("toolCall" in part or "toolResponse" in part)]
