"""Interactions API steps → Responses API output items, whole or step event by step event — sans I/O.

A `StepReader` turns steps into the Gemini parts the stateless path already knows how to render
(core/responses_items.py `OutputItems`), so stored and stateless responses have the same items,
ids, signatures and stream events:

| step (types/interactions/*.py)                | part given to OutputItems                              |
|-----------------------------------------------|--------------------------------------------------------|
| `thought` `summary` text                      | `{"text", "thought": true}` (a reasoning item)         |
| `thought` `signature`                         | `thoughtSignature` of the next call or text it signs   |
| `model_output` `text` (+ `annotations`)       | `{"text"}` (a message; `url_citation`s, byte offsets → characters) |
| `function_call` `id`, `name`, `arguments`     | `{"functionCall": {id, name, args}}` (a call item)     |
| `google_search_call` / `_result`, `url_context_call` / `_result` | `toolCall` / `toolResponse` (a `web_search_call` item) |
| `code_execution_call` / `_result`             | `executableCode` / `codeExecutionResult` (text)        |
| `user_input`, `function_result`               | nothing: the request's own input (a GET repeats it)    |

In a stream, `step.start` opens a step, `step.delta`s fill it (text and thought summaries go out as
they come; a call's `arguments_delta`s are joined and the call goes out whole at `step.stop`, as
OutputItems builds calls), `step.stop` ends it.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import UpstreamError
from .interaction_steps import TOOL_TYPES
from .responses_items import OutputItems

__all__ = ["INPUT_STEPS", "StepReader", "output_steps"]

INPUT_STEPS = frozenset({"user_input", "function_result"})  # what a client sends; a GET repeats them first
# Built-in tool step types → (part key, Gemini toolType).
_SERVER_STEPS = {step: (("toolCall", "toolResponse")[n], tool) for tool, kinds in TOOL_TYPES.items() for n, step in enumerate(kinds)}


def output_steps(steps: Any) -> list[dict[str, Any]]:
    """The steps that are the model's answer: those after the last input step (POST answers hold only
    those; GET /interactions/{id} "returns the full step timeline, including the initial user_input step",
    ai.google.dev/gemini-api/docs/interactions-breaking-changes-may-2026)."""
    steps = [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []
    last = max((n for n, step in enumerate(steps) if step.get("type") in INPUT_STEPS), default=-1)
    return steps[last + 1:]


class _Open:
    """A step being read: its skeleton, the argument text and message text so far, its citations."""

    __slots__ = ("annotations", "arguments", "start", "step", "text")

    def __init__(self, step: dict[str, Any]) -> None:
        self.step = dict(step)
        self.arguments: list[str] = []
        self.text: list[str] = []
        self.start: int | None = None  # where its text begins in the open message (characters)
        self.annotations: list[Any] = []


class StepReader:
    """Feeds `items` from steps; every method returns the stream events (dicts) its step produced."""

    def __init__(self, items: OutputItems) -> None:
        self.items = items
        self._open: dict[int, _Open] = {}
        self._signature: str | None = None  # a thought's signature, for the next call or text

    def whole(self, index: int, step: dict[str, Any]) -> list[dict[str, Any]]:
        """One finished step (a POST or GET answer's)."""
        kind = step.get("type")
        skeleton = {key: value for key, value in step.items() if key not in ("content", "summary")}
        events = self.start(index, skeleton)
        if kind == "thought":
            for block in step.get("summary") or []:
                events += self.delta(index, {"type": "thought_summary", "content": block})
        elif kind == "model_output":
            for block in step.get("content") or []:
                if isinstance(block, dict) and block.get("type") == "text":
                    events += self.delta(index, {"type": "text", "text": block.get("text")})
                    events += self._cite(self._open[index], block.get("annotations"))
                    self._open[index].start, self._open[index].text = None, []
        return events + self.stop(index)

    def start(self, index: int, step: Any) -> list[dict[str, Any]]:
        if not isinstance(step, dict):
            return []
        self._open[index] = _Open(step)
        if step.get("type") == "thought" and isinstance(step.get("signature"), str) and step["signature"]:
            self._signature = step["signature"]
        return []

    def delta(self, index: int, delta: Any) -> list[dict[str, Any]]:
        current = self._open.get(index)
        if current is None or not isinstance(delta, dict) or current.step.get("type") in INPUT_STEPS:
            return []
        kind = delta.get("type")
        if kind == "text" and isinstance(delta.get("text"), str) and delta["text"]:
            events = self.items.part(self._signed({"text": delta["text"]}))
            if current.start is None:  # after part(): a step between two texts (a search) opens a new message
                current.start = self.items.message_length - len(delta["text"]) if current.step.get("type") == "model_output" else 0
            current.text.append(delta["text"])
            return events
        if kind == "thought_summary":
            content = delta.get("content")
            text = content.get("text") if isinstance(content, dict) else None
            return self.items.part({"text": text, "thought": True}) if isinstance(text, str) and text else []
        if kind == "thought_signature" and isinstance(delta.get("signature"), str) and delta["signature"]:
            self._signature = delta["signature"]
        elif kind == "arguments_delta" and isinstance(delta.get("arguments"), str):
            current.arguments.append(delta["arguments"])
        elif kind == "text_annotation_delta" and isinstance(delta.get("annotations"), list):
            current.annotations.extend(delta["annotations"])
        elif kind in _SERVER_STEPS or kind in ("code_execution_call", "code_execution_result"):
            current.step.update({key: value for key, value in delta.items() if key != "type"})
        return []

    def stop(self, index: int) -> list[dict[str, Any]]:
        current = self._open.pop(index, None)
        if current is None:
            return []
        step, kind = current.step, current.step.get("type")
        if kind == "model_output":
            return self._cite(current, current.annotations)
        if kind == "function_call":
            return self.items.part(self._signed({"functionCall": self._call(current)}))
        if kind in _SERVER_STEPS:
            return self.items.part(_server_part(step))
        if kind == "code_execution_call":
            arguments = _dict(step.get("arguments"))
            return self.items.part({"executableCode": {"language": arguments.get("language") or "", "code": arguments.get("code") or ""}})
        if kind == "code_execution_result" and isinstance(step.get("result"), str):
            return self.items.part({"codeExecutionResult": {"output": step["result"]}})
        return []

    def finish(self, *, incomplete: bool = False) -> list[dict[str, Any]]:
        """The answer ended (or stopped early): close what is open."""
        events: list[dict[str, Any]] = []
        for index in sorted(self._open):
            events += self.stop(index)
        return events + self.items.finish(incomplete=incomplete)

    def _signed(self, part: dict[str, Any]) -> dict[str, Any]:
        signature, self._signature = self._signature, None
        return {**part, "thoughtSignature": signature} if signature else part

    def _call(self, current: _Open) -> dict[str, Any]:
        step = current.step
        arguments = step.get("arguments") if isinstance(step.get("arguments"), dict) else {}
        text = "".join(current.arguments)
        if not arguments and text.strip():
            try:
                parsed = json.loads(text)
            except ValueError:
                raise UpstreamError(f"Gemini streamed arguments for {step.get('name')!r} that are not JSON.") from None
            arguments = parsed if isinstance(parsed, dict) else {}
        call: dict[str, Any] = {"name": step.get("name") if isinstance(step.get("name"), str) else "", "args": arguments}
        if isinstance(step.get("id"), str) and step["id"]:
            call["id"] = step["id"]
        return call

    def _cite(self, current: _Open, annotations: Any) -> list[dict[str, Any]]:
        """The text's `url_citation`s (byte offsets into the text) as the open message's (characters)."""
        if not isinstance(annotations, list) or not annotations or current.start is None:
            return []
        text = "".join(current.text)
        encoded = text.encode("utf-8")
        cited = []
        for annotation in annotations:
            if not isinstance(annotation, dict) or annotation.get("type") != "url_citation" or not isinstance(annotation.get("url"), str):
                continue
            start, end = _offset(annotation.get("start_index"), 0), _offset(annotation.get("end_index"), len(encoded))
            start, end = min(start, len(encoded)), min(max(end, start), len(encoded))
            chars = len(encoded[:start].decode("utf-8", "ignore"))
            length = len(encoded[start:end].decode("utf-8", "ignore"))
            title = annotation.get("title") if isinstance(annotation.get("title"), str) else annotation["url"]
            cited.append({"type": "url_citation", "start_index": current.start + chars,
                          "end_index": current.start + chars + length, "url": annotation["url"], "title": title})
        self.items.cite(cited)
        return []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _offset(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def _server_part(step: dict[str, Any]) -> dict[str, Any]:
    """A built-in tool step as the toolCall / toolResponse part Gemini's generateContent would give."""
    key, tool = _SERVER_STEPS[step["type"]]
    if key == "toolCall":
        args = step.get("arguments") if isinstance(step.get("arguments"), dict) else {}
        inner: dict[str, Any] = {"toolType": tool, "args": args, "id": step.get("id") or ""}
    else:
        results = [r for r in step.get("result") or [] if isinstance(r, dict)]
        response = results[0] if len(results) == 1 else {"results": results}
        inner = {"toolType": tool, "response": response, "id": step.get("call_id") or ""}
    part: dict[str, Any] = {key: inner}
    if isinstance(step.get("signature"), str) and step["signature"]:
        part["thoughtSignature"] = step["signature"]
    return part
