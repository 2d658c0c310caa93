"""Gemini `contents` (what the chat translation builds) → Interactions API input `steps`, and the content
blocks both directions share.

The Interactions API takes a conversation as typed steps instead of role-tagged turns
(python-genai `_gaos/types/interactions/step.py`, ai.google.dev/gemini-api/docs/interactions):

* a `user` turn → a `user_input` step of content blocks (`text`, `image`, `audio`, `video`,
  `document`: `data` + `mime_type`, or `uri`), its `functionResponse` parts → `function_result`
  steps (`call_id`, `name`, `result`);
* a `model` turn → its runs of parts as `thought` (thought text as `summary`), `model_output`
  (text and media), `function_call` (`id`, `name`, `arguments`) and built-in tool steps
  (`google_search_call`/`_result`, `url_context_call`/`_result`, `code_execution_call`/`_result`);
* a part's `thoughtSignature` → the `signature` of a `thought` step just before the step it signs (a
  function call has no signature field of its own); a built-in tool part keeps its own `signature`.

Gemini matches answers to calls by position when they carry no ids; steps need ids, so a call without
one gets `call_<n>` and the n-th answer of the next turn answers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["TOOL_TYPES", "block_from_part", "steps_from_contents"]

# Gemini toolCall/toolResponse `toolType` → the step types that carry them.
TOOL_TYPES = {
    "GOOGLE_SEARCH_WEB": ("google_search_call", "google_search_result"),
    "URL_CONTEXT": ("url_context_call", "url_context_result"),
}
# Media resolution levels, Gemini's enum → the Interactions API's (types/interactions/mediaresolution.py).
RESOLUTIONS = {"MEDIA_RESOLUTION_LOW": "low", "MEDIA_RESOLUTION_MEDIUM": "medium", "MEDIA_RESOLUTION_HIGH": "high",
               "MEDIA_RESOLUTION_ULTRA_HIGH": "ultra_high"}
# MIME type prefixes → content block types; anything else is a document.
_BLOCK_TYPES = (("image/", "image"), ("audio/", "audio"), ("video/", "video"))


def steps_from_contents(contents: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Interactions input steps for Gemini `contents` (never mutated)."""
    converter = _Steps()
    for content in contents:
        if content.get("role") == "model":
            converter.model(content.get("parts") or [])
        else:
            converter.user(content.get("parts") or [])
    return converter.steps


def block_from_part(part: dict[str, Any]) -> dict[str, Any] | None:
    """A Gemini text or media part as an Interactions content block (None for any other part)."""
    if isinstance(part.get("text"), str):
        return {"type": "text", "text": part["text"]}
    for key, field in (("inlineData", "data"), ("fileData", "fileUri")):
        media = part.get(key)
        if isinstance(media, dict):
            mime = media.get("mimeType") or ""
            block: dict[str, Any] = {"type": _block_type(mime), "data" if field == "data" else "uri": media.get(field)}
            if mime:
                block["mime_type"] = mime
            level = (part.get("mediaResolution") or {}).get("level") if isinstance(part.get("mediaResolution"), dict) else None
            if level in RESOLUTIONS and block["type"] in ("image", "video"):
                block["resolution"] = RESOLUTIONS[level]
            return block
    return None


def _block_type(mime: str) -> str:
    return next((kind for prefix, kind in _BLOCK_TYPES if mime.startswith(prefix)), "document")


class _Steps:
    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self._calls: list[str] = []  # the ids of the last model turn's calls, in order
        self._numbered = 0

    def user(self, parts: list[dict[str, Any]]) -> None:
        blocks: list[dict[str, Any]] = []
        answered = 0
        for part in parts:
            response = part.get("functionResponse")
            if isinstance(response, dict):
                self._flush_user(blocks)
                blocks = []
                self.steps.append(self._result(response, answered))
                answered += 1
                continue
            block = block_from_part(part)
            if block is not None:
                blocks.append(block)
        self._flush_user(blocks)

    def model(self, parts: list[dict[str, Any]]) -> None:
        self._calls = []
        output: list[dict[str, Any]] = []
        for part in parts:
            signature = part.get("thoughtSignature") if isinstance(part.get("thoughtSignature"), str) else None
            if part.get("thought") is True and isinstance(part.get("text"), str):
                output = self._flush_output(output)
                self.steps.append(_thought(signature, part["text"]))
                continue
            if isinstance(part.get("functionCall"), dict):
                output = self._flush_output(output)
                if signature:
                    self.steps.append(_thought(signature, None))
                self.steps.append(self._call(part["functionCall"]))
                continue
            tool = self._server(part)
            if tool is not None:
                output = self._flush_output(output)
                self.steps.append(tool)
                continue
            block = block_from_part(part)
            if block is None:
                block = _code_block(part)
            if block is None:
                continue
            if signature:
                output = self._flush_output(output)
                self.steps.append(_thought(signature, None))
            output.append(block)
        self._flush_output(output)

    def _flush_user(self, blocks: list[dict[str, Any]]) -> None:
        if blocks:
            self.steps.append({"type": "user_input", "content": blocks})

    def _flush_output(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if blocks:
            self.steps.append({"type": "model_output", "content": blocks})
        return []

    def _call(self, call: dict[str, Any]) -> dict[str, Any]:
        call_id = call.get("id") if isinstance(call.get("id"), str) and call.get("id") else None
        if call_id is None:
            self._numbered += 1
            call_id = f"call_{self._numbered}"
        self._calls.append(call_id)
        args = call.get("args") if isinstance(call.get("args"), dict) else {}
        return {"type": "function_call", "id": call_id, "name": call.get("name") or "", "arguments": args}

    def _result(self, response: dict[str, Any], position: int) -> dict[str, Any]:
        call_id = response.get("id") if isinstance(response.get("id"), str) and response.get("id") else None
        if call_id is None:
            call_id = self._calls[position] if position < len(self._calls) else f"call_{position + 1}"
        result: Any = response.get("response") if isinstance(response.get("response"), dict) else {}
        media = [block for block in (block_from_part(p) for p in response.get("parts") or [] if isinstance(p, dict)) if block]
        if media:
            from .jsontext import dumps

            result = [{"type": "text", "text": dumps(result)}, *media]
        step: dict[str, Any] = {"type": "function_result", "call_id": call_id, "result": result}
        if response.get("name"):
            step["name"] = response["name"]
        return step

    def _server(self, part: dict[str, Any]) -> dict[str, Any] | None:
        """A built-in tool's toolCall / toolResponse part as its step (signature kept)."""
        for key, index in (("toolCall", 0), ("toolResponse", 1)):
            inner = part.get(key)
            if not isinstance(inner, dict):
                continue
            kinds = TOOL_TYPES.get(inner.get("toolType") or "")
            if kinds is None:
                return None
            step: dict[str, Any] = {"type": kinds[index]}
            if index == 0:
                step.update(id=inner.get("id") or "", arguments=inner.get("args") if isinstance(inner.get("args"), dict) else {})
            else:
                given = inner.get("response")
                response: dict[str, Any] = given if isinstance(given, dict) else {}
                step.update(call_id=inner.get("id") or "", result=[_tool_result(kinds[1], response)])
            if isinstance(part.get("thoughtSignature"), str):
                step["signature"] = part["thoughtSignature"]
            return step
        return None


def _thought(signature: str | None, summary: str | None) -> dict[str, Any]:
    step: dict[str, Any] = {"type": "thought"}
    if signature:
        step["signature"] = signature
    if summary:
        step["summary"] = [{"type": "text", "text": summary}]
    return step


def _tool_result(kind: str, response: dict[str, Any]) -> dict[str, Any]:
    """A toolResponse's `response` as a result entry (googlesearchresult.py, urlcontextresult.py)."""
    if kind == "google_search_result":
        suggestions = response.get("search_suggestions") or response.get("searchSuggestions")
        return {"search_suggestions": suggestions} if isinstance(suggestions, str) else {}
    return {key: value for key, value in response.items() if key in ("url", "status")}


def _code_block(part: dict[str, Any]) -> dict[str, Any] | None:
    """Code Gemini ran (executableCode / codeExecutionResult) as the text it reads as in history."""
    code = part.get("executableCode")
    if isinstance(code, dict) and isinstance(code.get("code"), str):
        return {"type": "text", "text": f"```{str(code.get('language') or '').lower()}\n{code['code']}\n```"}
    result = part.get("codeExecutionResult")
    if isinstance(result, dict) and isinstance(result.get("output"), str):
        return {"type": "text", "text": f"```output\n{result['output']}\n```"}
    return None
