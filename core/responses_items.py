"""Gemini parts → Responses API output items, and the stream events that build them.

Whole responses and streams push their parts through the same `OutputItems`, so a streamed answer
ends with exactly the `output` a whole one has. Runs of parts of one kind become one item:

* thought text (`"thought": true`) → a `reasoning` item whose summary is the thought text;
* answer text → a `message` item with one `output_text` part;
* each `functionCall` → the call item of the client tool it names (core/responses_calls.py):
  `function_call` (with `namespace` for a namespace's function), `custom_tool_call`,
  `local_shell_call`, `shell_call` or `tool_search_call`, whole (Gemini sends calls whole);
* a run of `toolCall` / `toolResponse` parts (a built-in tool Gemini ran) → a `web_search_call`
  item that carries them, signatures included, in its id (core/server_tools.py).

Thought signatures (https://ai.google.dev/gemini-api/docs/thought-signatures) always ride in the
`call_id` of a signed call, `<id>__thought__<signature>` as in chat (core/signatures.py). When the
client asked for `include: ["reasoning.encrypted_content"]`, every signature also rides in a
`reasoning` item's `encrypted_content`: the reasoning item just before a signed call (or the open
one, when the thoughts precede the signed part), or one just after a signed answer text.
"""

from __future__ import annotations

from typing import Any

from .candidates import read_part, tool_call_from_gemini
from .citations import annotations_from_grounding
from .responses_calls import call_events, call_item, id_prefix
from .responses_tools import ToolTable
from .server_tools import web_search_item
from .signatures import mark_signature, unmark_signature

__all__ = ["OutputItems", "encrypted_content", "signature_from_encrypted"]

# The `encrypted_content` this gateway writes is a marked signature (core/signatures.py), so that
# another provider's opaque reasoning blob is never sent to Gemini as a signature.
encrypted_content = mark_signature
signature_from_encrypted = unmark_signature


class _Open:
    """The item being built: a message or a reasoning item (calls are built whole)."""

    __slots__ = ("kind", "index", "id", "text", "signature", "citations")

    def __init__(self, kind: str, index: int, item_id: str) -> None:
        self.kind = kind
        self.index = index
        self.id = item_id
        self.text: list[str] = []
        self.signature: str | None = None
        self.citations: list[dict[str, Any]] = []  # url_citation annotations given whole (Interactions API)


class OutputItems:
    """Feed it a candidate's parts in order; `items` holds the finished output items.

    Every method returns the stream events (dicts without `sequence_number`) its step produced.
    """

    def __init__(self, token: str, *, encrypted: bool, tools: ToolTable | None = None) -> None:
        self.items: list[dict[str, Any]] = []
        self._token = token
        self._encrypted = encrypted
        self._tools = tools or ToolTable()
        self._open: _Open | None = None
        self._calls = 0
        self._server: list[dict[str, Any]] = []  # the toolCall / toolResponse parts of one built-in tool use

    def part(self, part: dict[str, Any]) -> list[dict[str, Any]]:
        kind, value, signature = read_part(part)
        if kind == "server":
            # A new toolCall after a toolResponse starts the next search; the parts keep their signatures.
            events = self._search() if "toolCall" in value and any("toolResponse" in p for p in self._server) else []
            self._server.append(value)
            return events
        events = self._search()
        carried = signature if self._encrypted else None  # for a reasoning item's encrypted_content
        if carried and self._open is not None and self._open.kind == "reasoning":
            self._open.signature, carried = carried, None  # the thoughts just before a signed part carry it
        if kind == "call":
            events += self._close()
            if carried:
                events += self._signature_item(carried)
            return events + self._call(value, signature)
        if value and kind in ("reasoning", "content"):
            events += self._ensure("reasoning" if kind == "reasoning" else "message")
            events += self._delta(value)
        if carried:
            if self._open is not None:
                self._open.signature = carried  # a message's goes out in a reasoning item once it is done
            else:
                events += self._signature_item(carried)
        return events

    def refusal(self, reason: str) -> list[dict[str, Any]]:
        """A prompt Gemini blocked: one message item whose content is the refusal."""
        events = self._close("incomplete")
        index, item_id = len(self.items), self._id("msg")
        part = {"type": "refusal", "refusal": reason}
        where = {"item_id": item_id, "output_index": index, "content_index": 0}
        item = _message(item_id, "incomplete", [part])
        events += [
            {"type": "response.output_item.added", "output_index": index, "item": _message(item_id, "in_progress", [])},
            {"type": "response.content_part.added", **where, "part": {"type": "refusal", "refusal": ""}},
            {"type": "response.refusal.delta", **where, "delta": reason},
            {"type": "response.refusal.done", **where, "refusal": reason},
            {"type": "response.content_part.done", **where, "part": part},
            {"type": "response.output_item.done", "output_index": index, "item": item},
        ]
        self.items.append(item)
        return events

    @property
    def message_length(self) -> int:
        """The characters of the message being built (0 when none is open): where its next text starts."""
        return sum(map(len, self._open.text)) if self._open is not None and self._open.kind == "message" else 0

    def cite(self, annotations: list[dict[str, Any]]) -> None:
        """Flat `url_citation` annotations, offsets in characters of the open message, for it to carry."""
        if self._open is not None and self._open.kind == "message":
            self._open.citations.extend(annotations)

    def finish(self, *, incomplete: bool = False, grounding: Any = None) -> list[dict[str, Any]]:
        """The candidate ended (or the stream failed): close the open item; cite the sources in its text."""
        return self._search() + self._close("incomplete" if incomplete else "completed", grounding)

    # --- items ----------------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{self._token}_{len(self.items)}"

    def _ensure(self, kind: str) -> list[dict[str, Any]]:
        if self._open is not None and self._open.kind == kind:
            return []
        events = self._close()
        index = len(self.items)
        if kind == "message":
            self._open = _Open(kind, index, self._id("msg"))
            where = {"item_id": self._open.id, "output_index": index, "content_index": 0}
            return [
                *events,
                {"type": "response.output_item.added", "output_index": index, "item": _message(self._open.id, "in_progress", [])},
                {"type": "response.content_part.added", **where, "part": _output_text("", [])},
            ]
        self._open = _Open(kind, index, self._id("rs"))
        return [
            *events,
            {"type": "response.output_item.added", "output_index": index, "item": _reasoning(self._open.id, [], None)},
        ]

    def _delta(self, text: str) -> list[dict[str, Any]]:
        item = self._open
        assert item is not None
        where = {"item_id": item.id, "output_index": item.index}
        events = []
        if item.kind == "message":
            events.append({"type": "response.output_text.delta", **where, "content_index": 0, "delta": text, "logprobs": []})
        else:
            if not item.text:
                events.append({"type": "response.reasoning_summary_part.added", **where, "summary_index": 0,
                               "part": {"type": "summary_text", "text": ""}})
            events.append({"type": "response.reasoning_summary_text.delta", **where, "summary_index": 0, "delta": text})
        item.text.append(text)
        return events

    def _close(self, status: str = "completed", grounding: Any = None) -> list[dict[str, Any]]:
        item, self._open = self._open, None
        if item is None:
            return []
        text = "".join(item.text)
        where = {"item_id": item.id, "output_index": item.index}
        events: list[dict[str, Any]] = []
        if item.kind == "message":
            annotations = [_flat(a) for a in annotations_from_grounding(grounding, text)] if grounding else []
            annotations += item.citations
            events += [
                {"type": "response.output_text.annotation.added", **where, "content_index": 0, "annotation_index": n,
                 "annotation": annotation}
                for n, annotation in enumerate(annotations)
            ]
            part = _output_text(text, annotations)
            done = _message(item.id, status, [part])
            events += [
                {"type": "response.output_text.done", **where, "content_index": 0, "text": text, "logprobs": []},
                {"type": "response.content_part.done", **where, "content_index": 0, "part": part},
            ]
        else:
            summary = [{"type": "summary_text", "text": text}] if text else []
            if summary:
                events += [
                    {"type": "response.reasoning_summary_text.done", **where, "summary_index": 0, "text": text},
                    {"type": "response.reasoning_summary_part.done", **where, "summary_index": 0, "part": summary[0]},
                ]
            done = _reasoning(item.id, summary, item.signature)
        events.append({"type": "response.output_item.done", "output_index": item.index, "item": done})
        self.items.append(done)
        if item.kind == "message" and item.signature:
            events += self._signature_item(item.signature)
        return events

    def _signature_item(self, signature: str) -> list[dict[str, Any]]:
        """A reasoning item with no summary, only the signature (for a part no thoughts preceded)."""
        index, item_id = len(self.items), self._id("rs")
        item = _reasoning(item_id, [], signature)
        self.items.append(item)
        return [
            {"type": "response.output_item.added", "output_index": index, "item": _reasoning(item_id, [], None)},
            {"type": "response.output_item.done", "output_index": index, "item": item},
        ]

    def _call(self, call: dict[str, Any], signature: str | None) -> list[dict[str, Any]]:
        tool_call = tool_call_from_gemini(call, f"call_{self._token}_{self._calls}", signature)
        self._calls += 1
        ref = self._tools.ref(tool_call["function"]["name"])
        given = call.get("args")
        args: dict[str, Any] = given if isinstance(given, dict) else {}
        index, item_id = len(self.items), self._id(id_prefix(ref.kind))
        item = call_item(ref, tool_call["id"], args, item_id, "completed")
        self.items.append(item)
        return call_events(item, index)

    def _search(self) -> list[dict[str, Any]]:
        """The built-in tool use read so far, as one `web_search_call` item (added and done at once)."""
        if not self._server:
            return []
        events = self._close()
        index, item = len(self.items), web_search_item(self._server)
        self._server = []
        self.items.append(item)
        return [
            *events,
            {"type": "response.output_item.added", "output_index": index, "item": {**item, "status": "in_progress"}},
            {"type": "response.output_item.done", "output_index": index, "item": item},
        ]


def _message(item_id: str, status: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": item_id, "type": "message", "status": status, "content": content, "role": "assistant"}


def _output_text(text: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "output_text", "annotations": annotations, "logprobs": [], "text": text}


def _reasoning(item_id: str, summary: list[dict[str, Any]], signature: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "type": "reasoning", "summary": summary}
    if signature:
        item["encrypted_content"] = encrypted_content(signature)
    return item


def _flat(annotation: dict[str, Any]) -> dict[str, Any]:
    """Chat's nested `url_citation` annotation in the Responses API's flat shape."""
    citation = annotation["url_citation"]
    return {"type": "url_citation", "start_index": citation["start_index"], "end_index": citation["end_index"],
            "url": citation["url"], "title": citation["title"]}
