"""OpenAI Responses API requests (`POST /v1/responses`) → the equivalent chat request → Gemini.

A Responses request is rewritten as the chat completion request that means the same, and the
chat translation (core/chat.py) makes the Gemini call: one place decides how messages, tools,
schemas and thinking reach Gemini. What only the Responses API has is handled here:

* two paths — a serverless function keeps nothing, so state lives at Google: a request that asks for
  it (`previous_response_id`, `background`, `store: true`, a Deep Research model: `wants_state`) goes
  to Gemini's Interactions API (core/stateful.py, which reuses this translation); every other request
  is answered statelessly here, `store: false`, its conversation replayed in `input` as today.
  `conversation` and stored `prompt`s are a 400 on both paths;
* function tools are flat (`{"type": "function", "name", "parameters"}`), and there are more kinds
  of client tool (namespaces, custom tools, shells, tool search: core/responses_tools.py), each a
  Gemini function whose calls map back (core/responses_calls.py); `tool_choice` and `text.format`
  have their own shapes; `max_output_tokens`, `reasoning.effort` map by name;
* thought summaries are asked of Gemini when the client asks for `reasoning.summary` (and the
  deployment's INCLUDE_THOUGHTS allows them); `include: ["reasoning.encrypted_content"]` adds the
  thought signatures to the reasoning items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .chat import ChatPlan, chat_request_to_gemini
from .chat_response import check_gemini_response
from .config import Settings
from .errors import InvalidRequestError
from .exchange import Exchange, Stamp
from .fields import get_bool, get_dict, get_int, get_list, get_str, require_dict
from .jsontext import STDLIB, Codec
from .responses_input import input_to_chat_messages, loaded_tools
from .responses_output import response_from_gemini
from .responses_stream import ResponsesStream
from .responses_tools import WEB_SEARCH_TOOLS, ToolTable, gemini_function_name, tools_to_chat
from .upstream import UpstreamRequest
from .usage import usage_from_gemini

__all__ = ["ResponsesExchange", "ResponsesPlan", "responses_request_to_gemini", "translate_responses_request", "wants_state"]

_SUMMARIES = ("auto", "concise", "detailed")
ENCRYPTED_REASONING = "reasoning.encrypted_content"
# Request fields that need state this gateway does not keep → what to do instead.
_STATEFUL = {
    "previous_response_id": "This deployment keeps no responses (RESPONSES_STATE=off), so 'previous_response_id' "
    "cannot be used. Send the whole conversation in 'input' instead: your earlier input items plus the output items "
    "you received (and set store: false).",
    "conversation": "This gateway keeps no conversations. Continue a stored response with previous_response_id, or "
    "send the whole conversation in 'input': your earlier input items plus the output items you received.",
    "prompt": "This gateway keeps no stored prompts. Send the prompt itself in 'instructions' and 'input'.",
}
# Chat parameters this module writes → the Responses parameters they come from, for error messages.
_PARAM_ALIASES = {
    "max_completion_tokens": "max_output_tokens",
    "reasoning_effort": "reasoning.effort",
    "response_format": "text.format",
    "response_format.json_schema": "text.format",
    "tool_choice.function": "tool_choice",
    "tool_choice.allowed_tools": "tool_choice",
}
# Request fields passed to the chat translation as they are (same name, same meaning).
_SHARED = ("model", "temperature", "top_p", "parallel_tool_calls", "service_tier", "google", "extra_body")


class ResponsesPlan(NamedTuple):
    """A translated Responses request: the chat plan, and what the Response object repeats."""

    chat: ChatPlan
    echo: dict[str, Any]  # the request's settings, as the Response object repeats them
    encrypted: bool = False  # include: ["reasoning.encrypted_content"]
    tools: ToolTable = ToolTable()  # Gemini function name → the client tool it stands for

    @property
    def model(self) -> str:
        return self.chat.model

    @property
    def stream(self) -> bool:
        return self.chat.stream

    def upstream(self) -> list[UpstreamRequest]:
        return self.chat.upstream()


def responses_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> ResponsesPlan:
    """Translate an OpenAI `/responses` request body into a Gemini request (through chat's translation)."""
    body = require_dict(body, "body")
    _refuse_state(body)
    return translate_responses_request(body, settings)


def translate_responses_request(body: Mapping[str, Any], settings: Settings, *, start: int = 0,
                                kept: bool = False) -> ResponsesPlan:
    """The translation both paths share (the stored one, core/stateful.py, reshapes its Gemini body);
    `start`: where `body["input"]` begins in the client's input (for error parameters); `kept`: it
    continues a conversation Google keeps (`item_reference`s are skipped)."""
    tool_aliases: dict[str, str] = {}
    tools = get_list(body, "tools")
    chat_tools, table = tools_to_chat(tools or [], tool_aliases, loaded_tools(body))
    messages, aliases = input_to_chat_messages(body, table, start=start, kept=kept)
    aliases = {**_PARAM_ALIASES, **aliases, **tool_aliases}
    chat: dict[str, Any] = {key: body[key] for key in _SHARED if key in body}
    chat["messages"] = messages
    chat["stream"] = bool(get_bool(body, "stream"))
    if chat_tools:
        chat["tools"] = chat_tools
    choice = _tool_choice_to_chat(body.get("tool_choice"))
    if choice is not None:
        chat["tool_choice"] = choice
    text = get_dict(body, "text") or {}
    text_format = get_dict(text, "format", "text")
    if text_format is not None:
        chat["response_format"] = _format_to_chat(text_format)
    max_tokens = get_int(body, "max_output_tokens", minimum=1)
    if max_tokens is not None:
        chat["max_completion_tokens"] = max_tokens
    reasoning = get_dict(body, "reasoning") or {}
    effort = get_str(reasoning, "effort", "reasoning")
    if effort is not None:
        chat["reasoning_effort"] = effort
    summary = _summary(reasoning)
    include = _include(body)
    get_bool(body, "store")  # accepted; nothing is ever stored
    get_dict(body, "metadata")
    get_dict(body, "client_metadata")  # Codex's session and turn ids: accepted, not sent on
    get_str(body, "prompt_cache_key")  # Gemini caches implicitly; an explicit cache is extra_body.google.cached_content

    if settings.include_thoughts and summary is None:
        settings = settings._replace(include_thoughts=False)  # summaries only for clients that ask
    try:
        plan = chat_request_to_gemini(chat, settings)
    except InvalidRequestError as error:
        raise _renamed(error, aliases) from None
    echo = {
        "instructions": get_str(body, "instructions"),
        "max_output_tokens": max_tokens,
        "parallel_tool_calls": get_bool(body, "parallel_tool_calls") is not False,
        "reasoning": {"effort": effort, "summary": summary},
        "temperature": body.get("temperature"),
        "text": {"format": text_format or {"type": "text"}},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": tools or [],
        "top_p": body.get("top_p"),
        "truncation": get_str(body, "truncation") or "disabled",
        "user": get_str(body, "user"),
        "metadata": body.get("metadata") or {},
    }
    return ResponsesPlan(plan, echo, ENCRYPTED_REASONING in include, table)


class ResponsesExchange(Exchange):
    """One `POST /v1/responses`: one `generateContent` call, answered whole or as typed events."""

    retries_empty = True

    def __init__(self, plan: ResponsesPlan, stamp: Stamp) -> None:
        self.plan, self.model, self.stream = plan, plan.model, plan.stream
        self.token, self.created = stamp.token, stamp.created
        self.notes = plan.chat.notes

    def requests(self) -> list[UpstreamRequest]:
        return self.plan.upstream()

    def result(self) -> Any:
        data = check_gemini_response(self._responses[0])
        self.usage = usage_from_gemini(data.get("usageMetadata") or {})  # chat-shaped, for the log line
        return response_from_gemini(data, self.plan, token=self.token, created=self.created)

    def open_stream(self, codec: Codec = STDLIB) -> ResponsesStream:
        return ResponsesStream(self.plan, token=self.token, created=self.created, codec=codec)


def wants_state(body: Any, settings: Settings) -> bool:
    """Whether a request goes to Gemini's Interactions API, which keeps the state (core/stateful.py).

    Only a request that asks for state does: `previous_response_id`, `background: true`, `store: true`
    said outright, or a Deep Research model (an agent, only there). `store` left out means OpenAI's
    default, true — but the clients that leave it out (the Vercel AI SDK, the Agents SDK, the OpenAI
    SDKs) work statelessly here today, replaying the conversation (ids carry signatures and searches),
    and storing every such request at Google would be a change nobody asked for; RESPONSES_STATE=openai
    makes a missing `store` mean true, RESPONSES_STATE=off keeps every request stateless.
    """
    if settings.responses_state == "off" or not isinstance(body, dict):
        return False
    store = body.get("store")
    if body.get("previous_response_id") is not None or body.get("background") is True or store is True:
        return True
    if store is None and settings.responses_state == "openai":
        return True
    model = body.get("model") if isinstance(body.get("model"), str) else None
    model = settings.model_aliases.get(model, model) if model else None
    if model is None or "deep-research" not in model:
        return False  # the stateless path imports nothing of the stored one
    from .interaction_request import agent_for

    return agent_for(model) is not None


def _refuse_state(body: Mapping[str, Any]) -> None:
    for param, message in _STATEFUL.items():
        if body.get(param) is not None:
            raise InvalidRequestError(message, param=param, code="unsupported_parameter")
    if get_bool(body, "background"):
        raise InvalidRequestError(
            "Background responses need stored state, which this deployment does not keep (RESPONSES_STATE=off). "
            "Leave 'background' unset; for long answers, stream them (stream: true).",
            param="background",
            code="unsupported_parameter",
        )


def _tool_choice_to_chat(choice: Any) -> Any:
    """Responses `tool_choice` in chat's shape: modes as they are, `{"type": "function", "name"}` nested."""
    if choice is None or isinstance(choice, str):
        return choice
    choice = require_dict(choice, "tool_choice")
    kind = get_str(choice, "type", "tool_choice", required=True)
    if kind in ("function", "custom"):
        name = gemini_function_name(get_str(choice, "name", "tool_choice", required=True),
                                    get_str(choice, "namespace", "tool_choice"))
        return {"type": "function", "function": {"name": name}}
    if kind == "allowed_tools":
        names = []
        for index, tool in enumerate(get_list(choice, "tools", "tool_choice", required=True) or []):
            param = f"tool_choice.tools[{index}]"
            if require_dict(tool, param).get("type") in ("function", "custom"):
                name = gemini_function_name(get_str(tool, "name", param, required=True) or "", get_str(tool, "namespace", param))
                names.append({"type": "function", "function": {"name": name}})
        if not names:
            return None  # only hosted tools (web search): Gemini decides when to search
        return {"type": "allowed_tools", "allowed_tools": {"mode": get_str(choice, "mode", "tool_choice") or "auto", "tools": names}}
    if kind in WEB_SEARCH_TOOLS:
        return None  # Gemini cannot be made to search; it searches when the question needs it
    raise InvalidRequestError(
        f"'tool_choice.type' must be 'function', 'custom', 'allowed_tools' or 'web_search', got {kind!r}.",
        param="tool_choice.type",
        code="invalid_value",
    )


def _format_to_chat(text_format: dict[str, Any]) -> dict[str, Any]:
    """`text.format` as chat's `response_format`."""
    kind = get_str(text_format, "type", "text.format", required=True)
    if kind in ("text", "json_object"):
        return {"type": kind}
    if kind != "json_schema":
        raise InvalidRequestError(
            f"'text.format.type' must be text, json_object or json_schema; got {kind!r}.",
            param="text.format.type",
            code="invalid_value",
        )
    schema = get_dict(text_format, "schema", "text.format")
    if schema is None:
        raise InvalidRequestError(
            "Missing required parameter: 'text.format.schema'.", param="text.format.schema", code="missing_required_parameter"
        )
    return {"type": "json_schema", "json_schema": {"name": text_format.get("name"), "schema": schema}}


def _summary(reasoning: Mapping[str, Any]) -> str | None:
    summary = get_str(reasoning, "summary", "reasoning")
    if summary is None:
        summary = get_str(reasoning, "generate_summary", "reasoning")  # the older name
    if summary is not None and summary not in _SUMMARIES:
        raise InvalidRequestError(
            f"'reasoning.summary' must be one of {', '.join(_SUMMARIES)}; got {summary!r}.",
            param="reasoning.summary",
            code="invalid_value",
        )
    return summary


def _include(body: Mapping[str, Any]) -> list[str]:
    include = get_list(body, "include") or []
    for index, value in enumerate(include):
        if not isinstance(value, str):
            raise InvalidRequestError(f"'include[{index}]' must be a string.", param=f"include[{index}]", code="invalid_type")
    return include


def _renamed(error: InvalidRequestError, aliases: Mapping[str, str]) -> InvalidRequestError:
    """The chat translation's error, naming the Responses parameter (longest aliased prefix wins)."""
    param = error.param
    if not param:
        return error
    prefix = param
    while prefix and prefix not in aliases:
        prefix = prefix[: max(prefix.rfind("."), prefix.rfind("["), 0)]
    if not prefix:
        return error
    renamed = aliases[prefix] + param[len(prefix):]
    return InvalidRequestError(error.message.replace(param, renamed), param=renamed, code=error.code)
