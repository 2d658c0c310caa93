"""Streamed Responses API answers: Gemini `alt=sse` bytes in, typed Responses events out — sans I/O.

    stream = ResponsesStream(plan, token="…", created=1700000000)
    for chunk in upstream_body:
        client.write(stream.feed(chunk))
    client.write(stream.close())          # or stream.fail(error) if the upstream read failed

Each event is `event: <type>\\ndata: <json>\\n\\n` with an increasing `sequence_number`, in the
order the OpenAI SDK's `responses.stream()` accumulates: `response.created`,
`response.in_progress`, then per output item `response.output_item.added`, its content events
(core/responses_items.py) and `response.output_item.done`, and last `response.completed` (or
`response.incomplete` when Gemini stopped at MAX_TOKENS or a safety filter). There is no `[DONE]`.

A stream that fails — an error event from Gemini, a broken event, a cut, the shell's own failure —
closes its open item as incomplete and ends with an `error` event and `response.failed`.
"""

from __future__ import annotations

from typing import Any

from .candidates import blocked_prompt_message, candidate_index, candidate_parts, response_candidates
from .chat_response import response_model
from .errors import GatewayError
from .jsontext import STDLIB, Codec
from .responses_items import OutputItems
from .responses_output import incomplete_reason, response_error, response_object, responses_usage_from_gemini
from .stream import GeminiStream

__all__ = ["ResponsesStream"]


class ResponsesStream(GeminiStream):
    """One streamed response."""

    def __init__(self, plan: Any, *, token: str, created: int, codec: Codec = STDLIB) -> None:
        super().__init__(codec)
        self._plan = plan
        self._token = token
        self._created = created
        self._model = plan.model
        self._items = OutputItems(token, encrypted=plan.encrypted, tools=plan.tools)
        self._sequence = 0
        self._started = False
        self._finished = False
        self._incomplete: str | None = None
        self._grounding: Any = None

    TERMINATOR = b""

    def _complete(self) -> bool:
        return self._finished

    def _end(self) -> bytes:
        """The final response: completed, or incomplete (MAX_TOKENS, a safety stop)."""
        status = "incomplete" if self._incomplete else "completed"
        return self._emit({"type": f"response.{status}", "response": self._response(status)})

    def fail(self, error: GatewayError) -> bytes:
        """End the stream with an `error` event and `response.failed` (also for the shell's own failures)."""
        if self._closed:
            return b""
        self._closed = True
        self.error = error
        out = self._start()
        for event in self._items.finish(incomplete=True):
            out.append(self._emit(event))
        out.append(self._emit({"type": "error", "code": error.code or error.type, "message": error.message, "param": error.param}))
        response = self._response("failed", error=response_error(error))
        out.append(self._emit({"type": "response.failed", "response": response}))
        return b"".join(out)

    def _translate(self, data: dict[str, Any]) -> bytes:
        if not self._started:
            self._model = response_model(data, self._plan.model)
        out = self._start()
        if self._finished:
            return b"".join(out)  # a trailing event (usage only) after the finishReason
        events = []
        candidates = response_candidates(data)
        if not candidates:
            reason = blocked_prompt_message(data.get("promptFeedback"))
            if reason is not None:
                events = self._items.refusal(reason)
                self._finished, self._incomplete = True, "content_filter"
        else:
            # The Responses API has no `n`: the first candidate is the answer; others are left out.
            candidate = min(candidates, key=candidate_index)
            if candidate_index(candidate) == 0:
                events = self._candidate(candidate)
        out.extend(self._emit(event) for event in events)
        return b"".join(out)

    def _candidate(self, candidate: dict[str, Any]) -> list[dict[str, Any]]:
        events = []
        for part in candidate_parts(candidate):
            events += self._items.part(part)
        if isinstance(candidate.get("groundingMetadata"), dict):
            self._grounding = candidate["groundingMetadata"]
        if isinstance(candidate.get("finishReason"), str):
            self._finished = True
            self._incomplete = incomplete_reason(candidate["finishReason"])
            events += self._items.finish(incomplete=self._incomplete is not None, grounding=self._grounding)
        return events

    def _start(self) -> list[bytes]:
        """`response.created` and `response.in_progress`, once, before anything else."""
        if self._started:
            return []
        self._started = True
        response = self._response("in_progress")
        return [
            self._emit({"type": "response.created", "response": response}),
            self._emit({"type": "response.in_progress", "response": response}),
        ]

    def _response(self, status: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
        final = status != "in_progress"
        return response_object(
            self._plan,
            token=self._token,
            created=self._created,
            model=self._model,
            status=status,
            output=list(self._items.items) if final else [],
            usage=responses_usage_from_gemini(self._usage_metadata or {}) if final else None,
            incomplete=self._incomplete if status == "incomplete" else None,
            error=error,
        )

    def _emit(self, event: dict[str, Any]) -> bytes:
        number = self._sequence
        self._sequence += 1
        return b"event: " + event["type"].encode() + b"\ndata: " + self._codec.dumps({**event, "sequence_number": number}) + b"\n\n"
