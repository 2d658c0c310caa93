"""Gemini parts → Anthropic content blocks, and the stream events that build them.

Whole answers and streams push their parts through the same `ContentBlocks`, so a streamed message
ends with exactly the `content` a whole one has. Runs of parts of one kind become one block:

* thought text (`"thought": true`) → a `thinking` block;
* answer text (code execution shown as fenced code) → a `text` block, with `citations` from Google
  Search grounding;
* each `functionCall` → a `tool_use` block, its input whole (Gemini sends calls whole).

Thought signatures (https://ai.google.dev/gemini-api/docs/thought-signatures) ride in the `signature`
of a `thinking` block, where Anthropic clients keep them and send them back unchanged, marked as
this gateway's (core/signatures.py):

* a signed call's goes on the thinking block just before its tool_use (the open one, else a new,
  empty one) — Gemini 3 rejects a step whose first call comes back unsigned;
* a signed text part's goes on a thinking block just after the text block (Gemini 3 signs the last
  part of a text answer, and `content[0]` stays the text); a signed thought part's on its own block.

core/anthropic_content.py reads them back by the same rule. Images have no Anthropic block and are
left out.
"""

from __future__ import annotations

from typing import Any

from .candidates import read_part
from .citations import annotations_from_grounding
from .jsontext import dumps
from .signatures import mark_signature

__all__ = ["ContentBlocks"]


class _Open:
    """The block being built: text or thinking (tool_use blocks are built whole)."""

    __slots__ = ("kind", "index", "text", "signature")

    def __init__(self, kind: str, index: int) -> None:
        self.kind = kind
        self.index = index
        self.text: list[str] = []
        self.signature: str | None = None


class ContentBlocks:
    """Feed it a candidate's parts in order; `blocks` holds the finished content blocks.

    Every method returns the stream events (`content_block_start` / `_delta` / `_stop` dicts) its step
    produced. `single_tool` keeps only the first tool_use (`disable_parallel_tool_use`).
    """

    def __init__(self, token: str, *, single_tool: bool = False) -> None:
        self.blocks: list[dict[str, Any]] = []
        self.calls = 0
        self._token = token
        self._single = single_tool
        self._open: _Open | None = None

    def part(self, part: dict[str, Any]) -> list[dict[str, Any]]:
        kind, value, signature = read_part(part)
        events: list[dict[str, Any]] = []
        if kind == "call":
            if self._single and self.calls:
                return events
            if signature and self._open is not None and self._open.kind == "thinking" and not self._open.signature:
                self._open.signature, signature = signature, None
            events += self._close()
            if signature:
                events += self._signature_block(signature)
            return events + self._tool_use(value)
        if kind in ("reasoning", "content") and value:
            events += self._ensure("thinking" if kind == "reasoning" else "text")
            events.append(self._delta(value))
        if signature:
            if self._open is not None and not self._open.signature:
                self._open.signature = signature  # a thinking block's own, or the text block's, written after it
            else:
                events += self._close() + self._signature_block(signature)
        return events

    def finish(self, grounding: Any = None) -> list[dict[str, Any]]:
        """The candidate ended (or the stream failed): close the open block, citing sources in its text."""
        events: list[dict[str, Any]] = []
        item = self._open
        if item is not None and item.kind == "text" and grounding is not None:
            citations = _citations(grounding, "".join(item.text))
            events += [{"type": "content_block_delta", "index": item.index, "delta": {"type": "citations_delta", "citation": c}}
                       for c in citations]
            return events + self._close(citations)
        return events + self._close()

    # --- blocks ---------------------------------------------------------------------------------

    def _ensure(self, kind: str) -> list[dict[str, Any]]:
        if self._open is not None and self._open.kind == kind:
            return []
        events = self._close()
        self._open = _Open(kind, len(self.blocks))
        return [*events, _start(self._open.index, _empty(kind))]

    def _delta(self, text: str) -> dict[str, Any]:
        item = self._open
        assert item is not None
        item.text.append(text)
        delta = {"type": "thinking_delta", "thinking": text} if item.kind == "thinking" else {"type": "text_delta", "text": text}
        return {"type": "content_block_delta", "index": item.index, "delta": delta}

    def _close(self, citations: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        item, self._open = self._open, None
        if item is None:
            return []
        text = "".join(item.text)
        events: list[dict[str, Any]] = []
        if item.kind == "thinking":
            signature = mark_signature(item.signature) if item.signature else ""
            if signature:
                # "Delivered in a signature_delta event just before the block's content_block_stop" (SDK SignatureDelta).
                events.append({"type": "content_block_delta", "index": item.index,
                               "delta": {"type": "signature_delta", "signature": signature}})
            self.blocks.append({"type": "thinking", "thinking": text, "signature": signature})
            return [*events, {"type": "content_block_stop", "index": item.index}]
        block: dict[str, Any] = {"type": "text", "text": text}
        if citations:
            block["citations"] = citations
        self.blocks.append(block)
        events.append({"type": "content_block_stop", "index": item.index})
        if item.signature:
            events += self._signature_block(item.signature)
        return events

    def _signature_block(self, signature: str) -> list[dict[str, Any]]:
        """A thinking block with no thoughts, only a signature (for a signed part no thoughts preceded)."""
        index, marked = len(self.blocks), mark_signature(signature)
        self.blocks.append({"type": "thinking", "thinking": "", "signature": marked})
        return [
            _start(index, _empty("thinking")),
            {"type": "content_block_delta", "index": index, "delta": {"type": "signature_delta", "signature": marked}},
            {"type": "content_block_stop", "index": index},
        ]

    def _tool_use(self, call: dict[str, Any]) -> list[dict[str, Any]]:
        index = len(self.blocks)
        gemini_id = call.get("id")
        tool_use_id = gemini_id if isinstance(gemini_id, str) and gemini_id else f"toolu_{self._token}_{self.calls}"
        name = call.get("name") if isinstance(call.get("name"), str) else ""
        args = call.get("args") if isinstance(call.get("args"), dict) else {}
        self.calls += 1
        self.blocks.append({"type": "tool_use", "id": tool_use_id, "name": name, "input": args})
        return [
            _start(index, {"type": "tool_use", "id": tool_use_id, "name": name, "input": {}}),
            {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": dumps(args)}},
            {"type": "content_block_stop", "index": index},
        ]


def _start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _empty(kind: str) -> dict[str, Any]:
    return {"type": "thinking", "thinking": "", "signature": ""} if kind == "thinking" else {"type": "text", "text": ""}


def _citations(grounding: Any, text: str) -> list[dict[str, Any]]:
    """Google Search grounding as Anthropic's `web_search_result_location` citations of `text`."""
    citations = []
    for annotation in annotations_from_grounding(grounding, text):
        found = annotation["url_citation"]
        citations.append({
            "type": "web_search_result_location",
            "cited_text": text[found["start_index"]:found["end_index"]],
            "url": found["url"],
            "title": found["title"],
            "encrypted_index": "",  # Anthropic's pointer into its own search results; Gemini has none
        })
    return citations
