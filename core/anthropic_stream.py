"""Streamed Messages API answers: Gemini `alt=sse` bytes in, Anthropic stream events out — sans I/O.

    stream = MessagesStream(plan, token="…")
    for chunk in upstream_body:
        client.write(stream.feed(chunk))   # the shell may write stream.keepalive() while it waits
    client.write(stream.close())           # or stream.fail(error) if the upstream read failed

Each event is `event: <type>\\ndata: <json>\\n\\n` (Anthropic's SDKs dispatch on the `event:` line), in
the order their accumulators want (https://docs.claude.com/en/docs/build-with-claude/streaming):
`message_start` and a `ping`, then per content block `content_block_start`, its deltas (`text_delta`,
`thinking_delta`, `signature_delta`, `input_json_delta`, `citations_delta`) and `content_block_stop`
(core/anthropic_blocks.py), then `message_delta` with the stop reason and the usage, and
`message_stop`. There is no `[DONE]`.

A stream that fails — an error event from Gemini, a broken event, a cut, the shell's own failure —
ends with one `error` event in Anthropic's envelope, which the SDKs raise as an APIStatusError.
"""

from __future__ import annotations

from typing import Any

from .anthropic_blocks import ContentBlocks
from .anthropic_response import message_object, messages_usage_from_gemini, refusal_details, stop_reason
from .candidates import candidate_index, candidate_parts, response_candidates
from .errors import GatewayError
from .jsontext import STDLIB, Codec
from .stream import GeminiStream

__all__ = ["MessagesStream"]

PING = b'event: ping\ndata: {"type":"ping"}\n\n'


class MessagesStream(GeminiStream):
    """One streamed message."""

    TERMINATOR = b""

    def __init__(self, plan: Any, *, token: str, codec: Codec = STDLIB) -> None:
        super().__init__(codec)
        self._plan = plan
        self._token = token
        self._blocks = ContentBlocks(token, single_tool=plan.single_tool)
        self._started = False
        self._finished = False
        self._reason: str | None = None
        self._details: dict[str, Any] | None = None
        self._grounding: Any = None

    def keepalive(self) -> bytes:
        """What to send while Gemini is silent: a `ping` (after `message_start`, which goes first)."""
        if self._closed:
            return b""
        return self._start() if not self._started else PING

    def fail(self, error: GatewayError) -> bytes:
        """End the stream with Anthropic's `error` event (also for the shell's own failures)."""
        if self._closed:
            return b""
        self._closed = True
        self.error = error
        return self._emit(error.to_anthropic_dict())

    def _complete(self) -> bool:
        return self._finished

    def _end(self) -> bytes:
        """The stop reason and the final usage (Gemini's last events carry the totals), then `message_stop`."""
        delta: dict[str, Any] = {"stop_reason": self._reason, "stop_sequence": None}
        if self._details:
            delta["stop_details"] = self._details
        usage = messages_usage_from_gemini(self._usage_metadata)
        out = self._start()
        out += self._emit({"type": "message_delta", "delta": delta, "usage": usage})
        return out + self._emit({"type": "message_stop"})

    def _translate(self, data: dict[str, Any]) -> bytes:
        out = self._start(data.get("usageMetadata"))
        if self._finished:
            return out  # a trailing event (usage only) after the finishReason
        events: list[dict[str, Any]] = []
        candidates = response_candidates(data)
        if not candidates:
            details = refusal_details(data)
            if details is not None:  # the prompt was blocked: no content, a refusal
                self._finished, self._reason, self._details = True, "refusal", details
                events = self._blocks.finish()
        else:
            # The Messages API has no `n`: the first candidate is the answer; others are left out.
            candidate = min(candidates, key=candidate_index)
            if candidate_index(candidate) == 0:
                events = self._candidate(candidate)
        return out + b"".join(self._emit(event) for event in events)

    def _candidate(self, candidate: dict[str, Any]) -> list[dict[str, Any]]:
        events = []
        for part in candidate_parts(candidate):
            events += self._blocks.part(part)
        if isinstance(candidate.get("groundingMetadata"), dict):
            self._grounding = candidate["groundingMetadata"]
        if isinstance(candidate.get("finishReason"), str):
            self._finished = True
            self._reason = stop_reason(candidate["finishReason"], self._blocks.calls > 0)
            events += self._blocks.finish(self._grounding)
        return events

    def _start(self, meta: Any = None) -> bytes:
        """`message_start` (with the prompt's usage when Gemini has counted it) and a `ping`, once."""
        if self._started:
            return b""
        self._started = True
        usage = messages_usage_from_gemini(meta)
        usage["output_tokens"] = usage["output_tokens_details"]["thinking_tokens"] = 0
        message = message_object(self._token, self._plan.model, [], None, usage)
        return self._emit({"type": "message_start", "message": message}) + PING

    def _emit(self, event: dict[str, Any]) -> bytes:
        return b"event: " + event["type"].encode() + b"\ndata: " + self._codec.dumps(event) + b"\n\n"
