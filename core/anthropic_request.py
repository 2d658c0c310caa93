"""Anthropic Messages API requests (`POST /v1/messages`, `/v1/messages/count_tokens`) → Gemini.

The conversation is translated in core/anthropic_content.py, the tools in core/anthropic_tools.py;
this module reads the rest:

* `model` (core/models.py `resolve_messages_model`: `claude-*` names by tier), `max_tokens`
  (required, as Anthropic requires it; cut to what the model can write, since Gemini refuses more),
  `temperature`, `top_p`, `top_k`, `stop_sequences`, `stream`;
* thinking: `thinking` (`enabled` + `budget_tokens`, `disabled`, `adaptive`) and `output_config.effort`
  (top level, or per turn on a message, the latest winning) → the thinking fit the OpenAI side uses
  (core/thinking.py). Thought summaries come back as `thinking` blocks only when the client asked for
  thinking and did not ask for `display: "omitted"`;
* `output_config.format` (JSON schema output) → `responseJsonSchema`;
* accepted and ignored, having no Gemini counterpart: `metadata`, `service_tier`, `cache_control`,
  `context_management`, `container`, `inference_geo`; `mcp_servers` needs Anthropic's connector (400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .anthropic_content import conversation_to_gemini
from .anthropic_tools import tool_choice_to_gemini, tools_to_gemini
from .chat import safety_settings
from .config import Settings
from .errors import InvalidRequestError
from .fields import get_bool, get_dict, get_int, get_list, get_number, get_str, require_dict
from .generation import MAX_STOP_SEQUENCES, fitted_config, json_output_config
from .lineup import output_token_limit
from .models import ModelChoice, resolve_messages_model
from .thinking import thinking_config_from_openai
from .upstream import API_VERSION, UpstreamRequest, generate_request

__all__ = ["CountTokensPlan", "MessagesPlan", "count_tokens_request_to_gemini", "messages_request_to_gemini"]

# Anthropic efforts → the OpenAI-side efforts core/thinking.py fits to each model ("max" is beyond "xhigh").
_EFFORTS = {"low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh", "max": "xhigh"}
_THINKING_TYPES = ("enabled", "disabled", "adaptive")


class MessagesPlan(NamedTuple):
    """A translated Messages request: the Gemini call, and what the answer's translation needs."""

    model: str
    body: dict[str, Any]
    stream: bool = False
    single_tool: bool = False  # tool_choice.disable_parallel_tool_use: at most one tool_use

    def upstream(self) -> UpstreamRequest:
        return generate_request(self.model, self.body, stream=self.stream)


class CountTokensPlan(NamedTuple):
    model: str
    body: dict[str, Any]

    def upstream(self) -> UpstreamRequest:
        return UpstreamRequest("POST", f"/{API_VERSION}/models/{self.model}:countTokens", (), self.body)


def messages_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> MessagesPlan:
    """Translate an Anthropic `/v1/messages` request body into a Gemini request."""
    body = require_dict(body, "body")
    max_tokens = get_int(body, "max_tokens", minimum=0)
    if max_tokens is None:
        raise InvalidRequestError("Missing required parameter: 'max_tokens'.", param="max_tokens",
                                  code="missing_required_parameter")
    if max_tokens == 0:
        raise InvalidRequestError("'max_tokens' must be at least 1: 0 pre-warms Anthropic's prompt cache, which Gemini "
                                  "does not have.", param="max_tokens", code="invalid_value")
    choice, gemini, single = _translate(body, settings)
    config = _generation_config(body, choice, max_tokens, settings)
    if config:
        gemini["generationConfig"] = config
    safety = safety_settings({}, settings)
    if safety:
        gemini["safetySettings"] = safety
    return MessagesPlan(choice.name, gemini, bool(get_bool(body, "stream")), single)


def count_tokens_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> CountTokensPlan:
    """`countTokens` for the request: the same contents, system instruction and tools."""
    choice, gemini, _ = _translate(require_dict(body, "body"), settings)
    return CountTokensPlan(choice.name, {"generateContentRequest": {"model": f"models/{choice.name}", **gemini}})


def _translate(body: Mapping[str, Any], settings: Settings) -> tuple[ModelChoice, dict[str, Any], bool]:
    """(the model chosen, Gemini request without generation settings, single tool_use) for what both endpoints share."""
    requested = get_str(body, "model", required=True)
    choice = resolve_messages_model(requested, settings)
    if get_list(body, "mcp_servers"):
        raise InvalidRequestError("'mcp_servers' needs Anthropic's MCP connector, which runs on Anthropic's side; "
                                  "connect the MCP server to your client instead.", param="mcp_servers", code="invalid_value")
    conversation = conversation_to_gemini(body.get("system"), get_list(body, "messages", required=True), choice.name)
    gemini: dict[str, Any] = {"contents": conversation.contents}
    if conversation.system:
        gemini["systemInstruction"] = conversation.system
    tools = tools_to_gemini(body, choice.name, conversation.referenced, search=choice.search)
    if tools:
        gemini["tools"] = tools
    tool_choice = tool_choice_to_gemini(body, any("functionDeclarations" in tool for tool in tools))
    if tool_choice.config:
        gemini["toolConfig"] = tool_choice.config
    get_dict(body, "metadata")
    return choice, gemini, tool_choice.single


def _generation_config(body: Mapping[str, Any], choice: ModelChoice, max_tokens: int, settings: Settings) -> dict[str, Any]:
    model = choice.name
    config: dict[str, Any] = {}
    for name, field in (("temperature", "temperature"), ("top_p", "topP")):
        value = get_number(body, name, minimum=0, maximum=1)  # Anthropic's ranges, both 0–1
        if value is not None:
            config[field] = value
    top_k = get_int(body, "top_k", minimum=0)
    if top_k:
        config["topK"] = top_k
    config = fitted_config(config, model)  # what the model ignores or refuses, as on the chat path
    config["maxOutputTokens"] = min(max_tokens, output_token_limit(model))
    stop = _stop_sequences(body)
    if stop:
        config["stopSequences"] = stop
    output = get_dict(body, "output_config") or {}
    thinking = _thinking_config(body, output, choice, settings)
    if thinking:
        config["thinkingConfig"] = thinking
    config.update(_output_format(output, model))
    return config


def _thinking_config(body: Mapping[str, Any], output: Mapping[str, Any], choice: ModelChoice,
                     settings: Settings) -> dict[str, Any] | None:
    thinking = get_dict(body, "thinking") or {}
    kind = get_str(thinking, "type", "thinking", required=bool(thinking))
    if kind is not None and kind not in _THINKING_TYPES:
        raise InvalidRequestError(f"'thinking.type' must be enabled, disabled or adaptive; got {kind!r}.",
                                  param="thinking.type", code="invalid_value")
    effort = _effort(body, output)
    request: dict[str, Any] = {}
    if kind == "disabled":
        request["reasoning_effort"] = "none"
    elif effort is not None:
        request["reasoning_effort"] = _EFFORTS[effort]
    elif kind == "enabled":
        budget = get_int(thinking, "budget_tokens", "thinking", minimum=0)
        if budget is None:
            raise InvalidRequestError("Missing required parameter: 'thinking.budget_tokens'.",
                                      param="thinking.budget_tokens", code="missing_required_parameter")
        request["thinking"] = {"budget_tokens": budget}
    # Thought summaries only for clients that asked for thinking; "omitted" keeps just the signatures.
    shown = kind in ("enabled", "adaptive") and get_str(thinking, "display", "thinking") != "omitted"
    # The model name's effort (`gemini-3.1-pro-preview:high`, in an alias or a tier's default) and
    # DEFAULT_REASONING_EFFORT, as on the chat path (core/chat.py).
    return thinking_config_from_openai(request, {}, choice.name, settings.include_thoughts and shown,
                                       preset=choice.effort, default=settings.default_reasoning_effort)


def _effort(body: Mapping[str, Any], output: Mapping[str, Any]) -> str | None:
    """`output_config.effort`: the latest message's own (per-turn control), else the request's."""
    effort, param = get_str(output, "effort", "output_config"), "output_config.effort"
    for index, message in enumerate(body.get("messages") or []):
        turn = message.get("output_config") if isinstance(message, dict) else None
        if isinstance(turn, dict) and turn.get("effort") is not None:
            param = f"messages[{index}].output_config.effort"
            effort = get_str(turn, "effort", f"messages[{index}].output_config")
    if effort is not None and effort not in _EFFORTS:
        raise InvalidRequestError(f"'{param}' must be one of {', '.join(_EFFORTS)}; got {effort!r}.", param=param,
                                  code="invalid_value")
    return effort


def _output_format(output: Mapping[str, Any], model: str) -> dict[str, Any]:
    """`output_config.format: {"type": "json_schema", "schema"}` → Gemini's JSON output with that schema."""
    spec = get_dict(output, "format", "output_config")
    if spec is None:
        return {}
    kind = get_str(spec, "type", "output_config.format", required=True)
    if kind != "json_schema":
        raise InvalidRequestError(f"'output_config.format.type' must be json_schema, got {kind!r}.",
                                  param="output_config.format.type", code="invalid_value")
    return json_output_config(get_dict(spec, "schema", "output_config.format"), model, "output_config.format.schema")


def _stop_sequences(body: Mapping[str, Any]) -> list[str]:
    stop = get_list(body, "stop_sequences") or []
    if not all(isinstance(item, str) for item in stop):
        raise InvalidRequestError("'stop_sequences' must be an array of strings.", param="stop_sequences", code="invalid_type")
    sequences = [item for item in stop if item]
    if len(sequences) > MAX_STOP_SEQUENCES:
        raise InvalidRequestError(f"'stop_sequences' has {len(sequences)} sequences; Gemini accepts at most "
                                  f"{MAX_STOP_SEQUENCES}.", param="stop_sequences", code="invalid_value")
    return sequences
