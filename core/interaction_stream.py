"""Streamed stored responses: Interactions API events in, Responses API events out — sans I/O.

    stream = InteractionStream(plan, (position, tag) or stored_id, token="…", created=1700000000, starting_after=None)
    for chunk in upstream_body:
        client.write(stream.feed(chunk))
    client.write(stream.close())          # or stream.fail(error) if the upstream read failed

Gemini's events (`event: <type>` / `data: {"event_type": ...}`, python-genai
`_gaos/types/interactions/interactionsseevent.py`) map onto the Responses stream:

| Interactions                        | Responses                                                 |
|-------------------------------------|-----------------------------------------------------------|
| `interaction.created`               | `response.created`, then `response.queued` or `response.in_progress` |
| `interaction.status_update`         | `response.in_progress` when the work starts               |
| `step.start` / `step.delta` / `step.stop` | the output items' events (core/interaction_output.py) |
| `interaction.completed`             | `response.completed` (`response.incomplete`: stopped early or cancelled; `response.failed`) |
| `error`, a cut, a broken event      | an `error` event, then `response.failed`                   |
| `data: [DONE]`                      | the end (the SDKs' sentinel)                               |

The same Gemini events always give the same Responses events with the same `sequence_number`s, so a
stream read again (`GET /v1/responses/{id}?stream=true&starting_after=N`: Gemini replays an
interaction's events from the start) resumes where the client's copy stopped: events up to N are
translated and not sent.
"""

from __future__ import annotations

from typing import Any

from .errors import GatewayError, UpstreamError, error_from_gemini
from .interaction_output import INPUT_STEPS, StepReader
from .interaction_response import Stored, created_of, error_status, failure, response_status, usage_metadata
from .jsontext import STDLIB, Codec
from .response_ids import StoredId
from .responses_items import OutputItems
from .responses_output import response_error, response_object, responses_usage_from_gemini
from .stream import GeminiStream

__all__ = ["InteractionStream"]

_DONE = b"[DONE]"
# The final event for each final status; cancelled work ends like work cut short.
_FINAL = {"completed": "response.completed", "incomplete": "response.incomplete", "cancelled": "response.incomplete",
          "failed": "response.failed"}


class InteractionStream(GeminiStream):
    """One stored response's events. `where` is the key (position, fingerprint) that holds it (a new
    response: its id comes with `interaction.created`), or the response's id (a GET); `token` names the
    response if the stream fails before Gemini said which interaction it is; `previous`: the response
    this one continues."""

    TERMINATOR = b""

    def __init__(self, plan: Any, where: StoredId | tuple[int, str], *, token: str, created: int, background: bool = False,
                 previous: str | None = None, starting_after: int | None = None, codec: Codec = STDLIB) -> None:
        super().__init__(codec)
        self._plan = plan
        self._fallback = token
        self._where = where
        self._created = created
        self._background = where.background if isinstance(where, StoredId) else background
        self._previous = previous
        self._after = -1 if starting_after is None else starting_after
        self._model = plan.model
        self._sequence = 0
        self._id: StoredId | None = where if isinstance(where, StoredId) else None
        self._reader: StepReader | None = None
        self._status = "in_progress"
        self._announced: set[str] = set()
        self._finished = False

    # --- GeminiStream's hooks -------------------------------------------------------------------

    def _payload(self, payload: bytes) -> bytes:
        if payload.strip() == _DONE:
            return b""  # the end; `close()` (the upstream's end) says whether the answer was whole
        try:
            data = self._codec.loads(payload)
        except ValueError:
            text = payload[:200].decode("utf-8", "replace")
            return self.fail(UpstreamError(f"Gemini sent a stream event that is not JSON: {text!r}"))
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
            data = data[0]  # a bare error array cutting the stream (discuss.ai.google.dev/t/143098)
        if not isinstance(data, dict):
            return self.fail(UpstreamError("Gemini sent a stream event that is not an object."))
        if data.get("event_type") == "error" or ("event_type" not in data and isinstance(data.get("error"), dict)):
            return self.fail(_stream_error(data.get("error")))
        return self._translate(data)

    def _translate(self, data: dict[str, Any]) -> bytes:
        if self._finished:
            return b""
        kind = data.get("event_type")
        found = data.get("interaction")
        interaction: dict[str, Any] = found if isinstance(found, dict) else {}
        if kind in ("interaction.created", "interaction.completed"):
            self._learn(interaction)
        elif kind == "interaction.status_update" and isinstance(data.get("interaction_id"), str):
            self._learn({"id": data["interaction_id"], "status": data.get("status")})
        out = self._start()
        if self._reader is None:
            return b"".join(out)  # nothing says which interaction this is yet
        events: list[dict[str, Any]] = []
        if kind == "interaction.created" or kind == "interaction.status_update":
            events = self._progress()
        elif kind == "step.start":
            step = data.get("step")
            if isinstance(step, dict) and step.get("type") not in INPUT_STEPS:
                events = self._reader.start(_index(data), step)
        elif kind == "step.delta":
            events = self._reader.delta(_index(data), data.get("delta"))
        elif kind == "step.stop":
            events = self._reader.stop(_index(data))
            usage = data.get("usage")
            if isinstance(usage, dict):
                self._usage_metadata = usage_metadata(usage)
        elif kind == "interaction.completed":
            return b"".join(out) + self._complete_with(interaction)
        if events:
            self.said = True
        out.extend(self._emit(event) for event in events)
        return b"".join(out)

    def _complete(self) -> bool:
        return self._finished

    def _end(self) -> bytes:
        return b""

    def fail(self, error: GatewayError) -> bytes:
        """End the stream with an `error` event and `response.failed`."""
        if self._closed:
            return b""
        self._closed, self.error = True, error
        out = self._start(force=True)
        reader = self._reader
        if reader is not None:
            out.extend(self._emit(event) for event in reader.finish(incomplete=True))
        out.append(self._emit({"type": "error", "code": error.code or error.type, "message": error.message, "param": error.param}))
        out.append(self._emit({"type": "response.failed", "response": self._response("failed", error=response_error(error))}))
        return b"".join(out)

    # --- the response --------------------------------------------------------------------------------

    def _learn(self, interaction: dict[str, Any]) -> None:
        if self._id is None and isinstance(interaction.get("id"), str) and interaction["id"]:
            position, tag = (self._where.position, self._where.tag) if isinstance(self._where, StoredId) else self._where
            self._id = StoredId(interaction["id"], position, tag, self._background)
        if isinstance(interaction.get("status"), str):
            self._status = response_status(interaction)
        for key in ("model", "agent"):
            if isinstance(interaction.get(key), str) and interaction[key]:
                self._model = interaction[key]
                break
        self._created = created_of(interaction, self._created)
        if isinstance(interaction.get("usage"), dict):
            self._usage_metadata = usage_metadata(interaction["usage"])

    def _start(self, *, force: bool = False) -> list[bytes]:
        """`response.created`, once, as soon as the response's id is known (or the stream must end)."""
        if self._reader is not None or (self._id is None and not force):
            return []
        self._reader = StepReader(OutputItems(self._token(), encrypted=self._plan.encrypted, tools=self._plan.tools))
        status = self._status if self._status in ("queued", "in_progress") else "in_progress"
        return [self._emit({"type": "response.created", "response": self._response(status)})]

    def _progress(self) -> list[dict[str, Any]]:
        """`response.queued` / `response.in_progress`, each once, as the interaction reaches it."""
        status = self._status
        if status not in ("queued", "in_progress") or status in self._announced:
            return []
        if status == "queued" and "in_progress" in self._announced:
            return []
        self._announced.add(status)
        return [{"type": f"response.{status}", "response": self._response(status)}]

    def _complete_with(self, interaction: dict[str, Any]) -> bytes:
        assert self._reader is not None
        status = response_status(interaction) if isinstance(interaction.get("status"), str) else "completed"
        if status in ("queued", "in_progress"):
            status = "completed"
        self._status = status
        out = [self._emit(event) for event in self._reader.finish(incomplete=status != "completed")]
        error = failure(interaction) if status == "failed" else None
        out.append(self._emit({"type": _FINAL[status], "response": self._response(status, error=error)}))
        self._finished = self.said = True
        return b"".join(out)

    def _token(self) -> str:
        return self._id.token() if self._id is not None else self._fallback

    def _response(self, status: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
        final = status not in ("queued", "in_progress")
        stored = Stored(self._id.response_id() if self._id is not None else f"resp_{self._fallback}",
                        self._background, self._id is not None, self._previous)
        reader = self._reader
        output = list(reader.items.items) if final and reader is not None else []
        usage = responses_usage_from_gemini(self._usage_metadata) if final and self._usage_metadata else None
        return response_object(self._plan, token=self._token(), created=self._created, model=self._model, status=status,
                               output=output, usage=usage, incomplete="max_output_tokens" if status == "incomplete" else None,
                               error=error, stored=stored)

    def _emit(self, event: dict[str, Any]) -> bytes:
        number = self._sequence
        self._sequence += 1
        if number <= self._after:
            return b""  # the client has it already (starting_after)
        return b"event: " + event["type"].encode() + b"\ndata: " + self._codec.dumps({**event, "sequence_number": number}) + b"\n\n"


def _index(data: dict[str, Any]) -> int:
    index = data.get("index")
    return index if isinstance(index, int) and not isinstance(index, bool) else 0


def _stream_error(error: Any) -> GatewayError:
    """An `error` event's error as the gateway's: `code` is "a URI that identifies the error type"
    (types/interactions/error.py) whose last segment names the canonical status (…/resource-exhausted),
    or a number (the bare error bodies that cut streams)."""
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    status = code if isinstance(code, int) and 400 <= code < 600 else 502
    named = error_status(error)
    return error_from_gemini(status, {"error": {**error, "code": status, **({"status": named} if named else {})}})
