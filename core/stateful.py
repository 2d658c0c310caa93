"""Stored Responses API responses, kept by Gemini's Interactions API and never by the gateway.

    POST   /v1/responses                    (state asked for: core/responses.py `wants_state`)
                                            → POST /v1beta/interactions
    GET    /v1/responses/{id}               → GET /v1beta/interactions/{id} (`?stream=true`: its events again,
                                              `starting_after=N` resumes after event N)
    POST   /v1/responses/{id}/cancel        → POST /v1beta/interactions/{id}/cancel
    DELETE /v1/responses/{id}               → DELETE /v1beta/interactions/{id}
    GET    /v1/responses/{id}/input_items   → GET /v1beta/interactions/{id} (the input steps it repeats)

* `previous_response_id` → `previous_interaction_id`: only the new input is sent (its leading
  `function_call_output`s answer the previous response's calls, as `function_result` steps), and only
  this request's `instructions` and `tools` (Interactions parameters are "turn-scoped", as OpenAI's
  instructions are "not carried over"). Thought signatures stay with Google.
* The response id names the interaction and the key that holds it (core/response_ids.py); every call
  about it goes to that key alone (`Exchange.key_position` / `key_tag`, core/call.py).
* `background: true` → Gemini's background mode: the answer is `queued` / `in_progress` at once.
  Deep Research models always run there (core/interaction_request.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .config import Settings
from .errors import InvalidRequestError, UpstreamError
from .exchange import Exchange, Stamp
from .fields import get_bool, get_str, require_dict
from .interaction_request import agent_for, cancel_request, create_request, delete_request, get_request, interaction_body
from .interaction_response import Stored, echo_from_interaction, input_items, response_from_interaction, usage_metadata
from .interaction_steps import steps_from_contents
from .interaction_stream import InteractionStream
from .jsontext import STDLIB, Codec
from .response_ids import StoredId, stored_id
from .responses import ENCRYPTED_REASONING, ResponsesPlan, translate_responses_request
from .responses_answers import leading_answers
from .routing import Route
from .upstream import UpstreamRequest
from .usage import usage_from_gemini

__all__ = ["StoredPlan", "StoredResponseExchange", "stored_access", "stored_request_to_gemini"]

_REFUSED = {
    "conversation": "This gateway keeps no conversations. Continue a stored response with previous_response_id, or "
    "send the whole conversation in 'input'.",
    "prompt": "This gateway keeps no stored prompts. Send the prompt itself in 'instructions' and 'input'.",
}
_NO_KEY = (0, "00000000")  # before Gemini answered, no key holds anything


class StoredPlan(NamedTuple):
    """A translated request for a stored response."""

    responses: ResponsesPlan  # what the Response repeats, the client's tools, include[]
    body: dict[str, Any]  # the Interactions create body (without `stream`)
    model: str  # the model, or the agent
    stream: bool
    background: bool
    store: bool
    previous: StoredId | None


def stored_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> StoredPlan:
    """Translate a Responses request that asks for state into an Interactions create request."""
    body = require_dict(body, "body")
    for param, message in _REFUSED.items():
        if body.get(param) is not None:
            raise InvalidRequestError(message, param=param, code="unsupported_parameter")
    previous_id = get_str(body, "previous_response_id")
    previous = stored_id(previous_id, "previous_response_id") if previous_id is not None else None
    store = get_bool(body, "store") is not False
    background = bool(get_bool(body, "background"))
    requested = get_str(body, "model")
    agent = agent_for(settings.model_aliases.get(requested, requested) if requested else None)
    if agent:
        background = True  # "You must use background execution" (ai.google.dev/gemini-api/docs/deep-research)
    if background and not store:
        raise InvalidRequestError(
            "A background response must be stored: 'store': false with 'background': true (or a deep research model) "
            "leaves nothing to poll. Leave 'store' unset.",
            param="store", code="invalid_value",
        )
    answers, rest = leading_answers(body, continued=previous is not None)
    chat_body = {key: value for key, value in body.items() if key not in ("previous_response_id", "background", "store")}
    chat_body["input"] = rest or " "  # the request's settings still need translating when it only answers calls
    if agent:
        chat_body.pop("model", None)  # the agent is no model: the translation checks the rest with the default one
    plan = translate_responses_request(chat_body, settings, start=len(answers), kept=previous is not None)
    steps = answers + (steps_from_contents(plan.chat.body.get("contents") or []) if rest else [])
    if not steps:
        raise InvalidRequestError("'input' must be a string or a non-empty array of input items.", param="input",
                                  code="invalid_value")
    create = interaction_body(plan.chat.body, steps, model=plan.model, agent=agent,
                              summaries=plan.echo["reasoning"]["summary"] is not None)
    if previous is not None:
        create["previous_interaction_id"] = previous.interaction
    create["store"] = store
    if background:
        create["background"] = True
    return StoredPlan(plan, create, agent or plan.model, plan.stream, background, store, previous)


class StoredResponseExchange(Exchange):
    """`POST /v1/responses` with state: one `POST /v1beta/interactions`, answered whole or streamed."""

    def __init__(self, plan: StoredPlan, stamp: Stamp) -> None:
        self.plan, self.model, self.stream = plan, plan.model, plan.stream
        self.token, self.created = stamp.token, stamp.created
        self.notes = plan.responses.chat.notes
        if plan.previous is not None:  # the continuation goes to the key that holds the conversation
            self.key_position, self.key_tag = plan.previous.position, plan.previous.tag
        self._key: tuple[int, str] | None = None

    def requests(self) -> list[UpstreamRequest]:
        return [create_request(self.plan.body, stream=self.plan.stream)]

    def keyed(self, position: int, tag: str) -> None:
        self._key = (position, tag)

    def result(self) -> Any:
        data = _interaction(self._responses[0])
        where = StoredId(data["id"], *(self._key or _NO_KEY), self.plan.background)
        self.usage = _logged_usage(data)
        return response_from_interaction(data, self.plan.responses, self._stored(where), token=where.token(), created=self.created)

    def open_stream(self, codec: Codec = STDLIB) -> InteractionStream:
        previous = self.plan.previous.response_id() if self.plan.previous is not None else None
        return InteractionStream(self.plan.responses, self._key or _NO_KEY, token=self.token, created=self.created,
                                 background=self.plan.background, previous=previous, codec=codec)

    def _stored(self, where: StoredId) -> Stored:
        previous = self.plan.previous.response_id() if self.plan.previous is not None else None
        return Stored(where.response_id(), self.plan.background, self.plan.store, previous)


def stored_access(route: Route, stamp: Stamp) -> Exchange:
    """The exchange for a route about a stored response (retrieve, cancel, delete, input items)."""
    return _ACCESS[route.name](stored_id(route.response_id or ""), route.query, stamp)


class _Access(Exchange):
    """A call about one stored response: to the key that holds it only. Its `model` is None, so a 404
    says the response is gone, not that a model is unknown."""

    def __init__(self, where: StoredId, pairs: tuple[tuple[str, str], ...], stamp: Stamp) -> None:
        self.where, self.query = where, dict(pairs)
        self.key_position, self.key_tag = where.position, where.tag
        self.created = stamp.created
        # `include` may repeat (`include[]=a&include[]=b`, or without the brackets)
        self._encrypted = any(key in ("include", "include[]") and value == ENCRYPTED_REASONING for key, value in pairs)

    def _response(self, data: Mapping[str, Any]) -> dict[str, Any]:
        data = _interaction(data)
        self.usage = _logged_usage(data)
        echo = echo_from_interaction(data, encrypted=self._encrypted)
        previous = data.get("previous_interaction_id")
        before = StoredId(previous, self.where.position, self.where.tag).response_id() if isinstance(previous, str) and previous else None
        stored = Stored(self.where.response_id(), self.where.background, True, before)
        return response_from_interaction(data, echo, stored, token=self.where.token(), created=self.created)


class _Retrieve(_Access):
    """`GET /v1/responses/{id}`: the response now, or (`stream=true`) its events from the start or after `starting_after`."""

    def __init__(self, where: StoredId, pairs: tuple[tuple[str, str], ...], stamp: Stamp) -> None:
        super().__init__(where, pairs, stamp)
        query = self.query
        self.stream = query.get("stream", "").lower() == "true"
        self._after = _whole_number(query["starting_after"], "starting_after") if "starting_after" in query else None

    def requests(self) -> list[UpstreamRequest]:
        return [get_request(self.where.interaction, stream=self.stream)]

    def result(self) -> Any:
        return self._response(self._responses[0])

    def open_stream(self, codec: Codec = STDLIB) -> InteractionStream:
        return InteractionStream(echo_from_interaction({}, encrypted=self._encrypted), self.where, token=self.where.token(),
                                 created=self.created, starting_after=self._after, codec=codec)


class _Cancel(_Access):
    """`POST /v1/responses/{id}/cancel` (Gemini cancels "background interactions that are still running")."""

    def requests(self) -> list[UpstreamRequest]:
        return [cancel_request(self.where.interaction)]

    def result(self) -> Any:
        return self._response(self._responses[0])


class _Delete(_Access):
    """`DELETE /v1/responses/{id}`: OpenAI's deletion answer (Gemini's DELETE does not cancel running work)."""

    def requests(self) -> list[UpstreamRequest]:
        return [delete_request(self.where.interaction)]

    def result(self) -> Any:
        return {"id": self.where.response_id(), "object": "response", "deleted": True}


class _InputItems(_Access):
    """`GET /v1/responses/{id}/input_items` (`order` desc by default, `after`, `limit` 1-100)."""

    def __init__(self, where: StoredId, pairs: tuple[tuple[str, str], ...], stamp: Stamp) -> None:
        super().__init__(where, pairs, stamp)
        query = self.query
        self._order = query.get("order", "desc")
        if self._order not in ("asc", "desc"):
            raise InvalidRequestError(f"'order' must be asc or desc; got {self._order[:20]!r}.", param="order", code="invalid_value")
        self._limit = _whole_number(query["limit"], "limit") if "limit" in query else 20
        if not 1 <= self._limit <= 100:
            raise InvalidRequestError("'limit' must be between 1 and 100.", param="limit", code="invalid_value")
        self._after = query.get("after")

    def requests(self) -> list[UpstreamRequest]:
        return [get_request(self.where.interaction)]

    def result(self) -> Any:
        items = input_items(_interaction(self._responses[0]), self.where.token())
        if self._order == "desc":
            items.reverse()
        if self._after:
            ids = [item["id"] for item in items]
            items = items[ids.index(self._after) + 1:] if self._after in ids else []
        page = items[:self._limit]
        return {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None, "has_more": len(items) > len(page)}


_ACCESS = {"response": _Retrieve, "response_cancel": _Cancel, "response_delete": _Delete, "response_input_items": _InputItems}


def _interaction(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise UpstreamError("Gemini's interaction has no id.")
    return data


def _logged_usage(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The usage the log line reports (chat-shaped), when the interaction has any yet."""
    return usage_from_gemini(usage_metadata(data["usage"])) if isinstance(data.get("usage"), dict) else None


def _whole_number(value: str, param: str) -> int:
    if not value.isdigit():
        raise InvalidRequestError(f"'{param}' must be a whole number; got {value[:20]!r}.", param=param, code="invalid_value")
    return int(value)
