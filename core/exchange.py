"""What one client request needs from Gemini, as a small state machine any shell can drive.

    exchange = prepare(route, body, settings, stamp)     # core/endpoints.py
    requests = exchange.requests()
    while requests:                        # usually one round of one request
        responses = [send(r) for r in requests]      # the shell's I/O (in parallel if it likes)
        requests = exchange.feed(responses)
    answer = exchange.result()

A streaming exchange instead names one request in `requests()` and hands the caller a stream
translator from `open_stream()`. Upstream errors never reach the exchange: `core.call.Call`, which
drives it, maps them with `errors.error_from_gemini(status, body, model=exchange.model)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import UpstreamError
from .jsontext import STDLIB, Codec
from .upstream import UpstreamRequest

if TYPE_CHECKING:
    from .stream import GeminiStream

__all__ = [
    "ChatExchange",
    "CompletionExchange",
    "EmbeddingsExchange",
    "Exchange",
    "ImagesExchange",
    "ModelExchange",
    "ModelListExchange",
    "OneCallExchange",
    "Stamp",
]

# The endpoints' own modules are imported by the first request that needs them (`from . import ...`
# inside), which keeps them out of every cold start.

MAX_MODEL_PAGES = 20  # 20 pages of 1000 models: far beyond any real catalogue, and never a loop


class Stamp(NamedTuple):
    """The non-deterministic parts of an answer, made by the shell: a random id and the time."""

    token: str
    created: int


class Exchange:
    """Base: one round of requests whose single response is the answer."""

    model: str | None = None
    stream: bool = False
    usage: dict[str, Any] | None = None  # for the log, when the answer itself carries none
    retries_empty = False  # an answer that says nothing is asked again (chat-like endpoints)
    # Upstream state (a Gemini interaction) lives in one key's project: an exchange that continues it
    # names that key by its position in the call's keys and its fingerprint (`core.keys.key_tag`), and
    # the Call sends there only: to the key at that position if its fingerprint matches, else to the key
    # of the pool that has it (the order changed), else nowhere (a 404: the key left the pool).
    key_position: int | None = None
    key_tag: str | None = None  # None: the position alone decides
    notes: tuple[str, ...] = ()  # what the translation left out (a built-in tool a model cannot combine), for the log

    def requests(self) -> list[UpstreamRequest]:
        raise NotImplementedError

    def feed(self, responses: list[Any]) -> list[UpstreamRequest]:
        """The parsed JSON bodies of the last round, in order; returns the next round (or [])."""
        self._responses = responses
        return []

    def result(self) -> Any:
        raise NotImplementedError

    def open_stream(self, codec: Codec = STDLIB) -> GeminiStream:
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def keyed(self, position: int, tag: str) -> None:
        """The key at `position` in the call's keys, fingerprint `tag`, answered (an exchange that starts
        state records them; it never sees the key)."""

    def logged_usage(self, result: Any) -> dict[str, Any] | None:
        """The usage the request's log line reports: the exchange's own, else the answer's."""
        if self.usage is not None:
            return self.usage
        usage = result.get("usage") if isinstance(result, dict) else None
        return usage if isinstance(usage, dict) else None


class _GenerateExchange(Exchange):
    """Chat and legacy completions: `generateContent` calls, answered whole or streamed."""

    id_prefix = ""
    retries_empty = True

    def __init__(self, plan: Any, stamp: Stamp) -> None:
        self.plan, self.model, self.stream = plan, plan.model, plan.stream
        self.notes = getattr(plan, "notes", ())
        self.completion_id = f"{self.id_prefix}-{stamp.token}"
        self.created = stamp.created


class ChatExchange(_GenerateExchange):
    id_prefix = "chatcmpl"

    def requests(self) -> list[UpstreamRequest]:
        return self.plan.upstream()

    def result(self) -> Any:
        return _chat_response_from_gemini(self._responses[0], self.plan, completion_id=self.completion_id, created=self.created)

    def open_stream(self, codec: Codec = STDLIB) -> GeminiStream:
        return _chat_stream(self.plan, completion_id=self.completion_id, created=self.created, codec=codec)


class CompletionExchange(_GenerateExchange):
    id_prefix = "cmpl"

    def requests(self) -> list[UpstreamRequest]:
        return self.plan.upstream()

    def result(self) -> Any:
        from .completions import completion_response_from_gemini

        return completion_response_from_gemini(self._responses, self.plan, completion_id=self.completion_id, created=self.created)

    def open_stream(self, codec: Codec = STDLIB) -> GeminiStream:
        from .completions import CompletionStream

        return CompletionStream(self.plan, completion_id=self.completion_id, created=self.created, codec=codec)


class EmbeddingsExchange(Exchange):
    def __init__(self, plan: Any) -> None:
        self.plan, self.model = plan, plan.model

    def requests(self) -> list[UpstreamRequest]:
        return self.plan.upstream()

    def result(self) -> Any:
        from .embeddings import embeddings_response_from_gemini

        return embeddings_response_from_gemini(self._responses, self.plan)


class ModelListExchange(Exchange):
    """`models.list`, following `nextPageToken` until the catalogue is complete."""

    def __init__(self) -> None:
        self._models: list[dict[str, Any]] = []
        self._pages = 0

    def requests(self) -> list[UpstreamRequest]:
        from .catalog import list_models_request

        return [list_models_request()]

    def feed(self, responses: list[Any]) -> list[UpstreamRequest]:
        from .catalog import list_models_request, models_page

        models, token = models_page(responses[0])
        self._models.extend(models)
        self._pages += 1
        if token and self._pages < MAX_MODEL_PAGES:
            return [list_models_request(token)]
        return []

    def result(self) -> Any:
        return {"object": "list", "data": self._models}


class ModelExchange(Exchange):
    def __init__(self, model_id: str) -> None:
        from .catalog import retrieve_model_request

        self._request = retrieve_model_request(model_id)
        self.model = model_id

    def requests(self) -> list[UpstreamRequest]:
        return [self._request]

    def result(self) -> Any:
        from .catalog import model_from_gemini

        if not isinstance(self._responses[0], dict):
            raise UpstreamError("Gemini's model description is not an object.")
        return model_from_gemini(self._responses[0])


class ImagesExchange(Exchange):
    """Image generations and edits: `n` calls in parallel, their pictures in one answer."""

    def __init__(self, plan: Any, stamp: Stamp) -> None:
        self.plan, self.model, self.created = plan, plan.model, stamp.created

    def requests(self) -> list[UpstreamRequest]:
        return self.plan.upstream()

    def result(self) -> Any:
        from .images import images_response_from_gemini

        answer, self.usage = images_response_from_gemini(self._responses, self.plan, self.created)
        return answer


class OneCallExchange(Exchange):
    """Speech and transcription: one Gemini call, whose answer `convert(response, plan)` turns into
    the result (`payload.Audio`, a `payload.Payload` or JSON) and the usage to log."""

    def __init__(self, plan: Any, convert: Any) -> None:
        self.plan, self.model, self._convert = plan, plan.model, convert

    def requests(self) -> list[UpstreamRequest]:
        return self.plan.upstream()

    def result(self) -> Any:
        answer, self.usage = self._convert(self._responses[0], self.plan)
        return answer


# Chat's answer and stream translations, imported by their first use; each stub then takes its own name's
# place, so that no later request pays for an import statement.


def _chat_response_from_gemini(*args: Any, **kwargs: Any) -> Any:
    global _chat_response_from_gemini
    from .chat_response import chat_response_from_gemini

    _chat_response_from_gemini = chat_response_from_gemini
    return chat_response_from_gemini(*args, **kwargs)


def _chat_stream(*args: Any, **kwargs: Any) -> Any:
    global _chat_stream
    from .stream import ChatStream

    _chat_stream = ChatStream
    return ChatStream(*args, **kwargs)
