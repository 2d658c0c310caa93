"""A Gemini `generateContent` body (what the chat translation builds) → an Interactions API create body,
and the upstream requests of the Interactions API.

The stateful Responses path (core/stateful.py) translates a request exactly as the stateless one does
— tools, schemas, thinking, safety, media, signatures (core/chat.py and friends) — and then reshapes
the result for `POST /v1beta/interactions` (python-genai `_gaos/types/interactions/
createmodelinteraction.py`; ai.google.dev/gemini-api/docs/interactions):

| generateContent                                  | Interactions                                       |
|--------------------------------------------------|----------------------------------------------------|
| `contents`                                       | `input` steps (core/interaction_steps.py)          |
| `systemInstruction.parts[].text`                 | `system_instruction` (one string)                  |
| `tools[].functionDeclarations[]`                 | `tools[]` `{"type": "function", name, description, parameters}` |
| `googleSearch`, `urlContext`, `codeExecution`, `googleMaps` | `{"type": "google_search"}`, `url_context`, ... |
| `toolConfig.functionCallingConfig`               | `generation_config.tool_choice`                    |
| `generationConfig.thinkingConfig`                | `generation_config.thinking_level`, `thinking_summaries` |
| `maxOutputTokens`, `stopSequences`, `seed`       | `max_output_tokens`, `stop_sequences`, `seed`      |
| `responseMimeType` + `responseJsonSchema`        | `response_format {"type": "text", "mime_type", "schema"}` |
| `safetySettings`                                 | `safety_settings` (lowercase names)                |
| `serviceTier`                                    | `service_tier`                                     |

Left out, because the Interactions API has no field for them: `temperature`, `topP` (python-genai
dropped them from generationconfig.py on 2026-07-21, commit 293238d4; the penalties went on 2026-07-08,
ba552f72; older SDK docs still list them), `topK` (ignored by Gemini since 3.6 anyway, core/lineup.py),
`includeServerSideToolInvocations` (built-in tools and
functions combine there by design), `mediaResolution` of the whole request. `cachedContent` has no
Interactions counterpart either ("Remove cached_content", python-genai CHANGELOG): a 400.
Deep Research is an agent, not a model: `agent` + `agent_config`, no `generation_config` (the SDK
refuses the pair), always in the background ("You must use background execution",
ai.google.dev/gemini-api/docs/deep-research).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .errors import InvalidRequestError
from .upstream import API_VERSION, UpstreamRequest

__all__ = [
    "API_REVISION",
    "DEEP_RESEARCH_AGENTS",
    "agent_for",
    "cancel_request",
    "create_request",
    "delete_request",
    "get_request",
    "interaction_body",
]

# The steps schema this translation reads, pinned (the REST samples of
# ai.google.dev/gemini-api/docs/background-execution send it; python-genai GOOGLE_GENAI_API_REVISION).
API_REVISION = "2026-05-20"
# OpenAI's deep research models → Gemini's Deep Research agents (types/interactions/agentoption.py):
# the larger model to Max, the mini one to the faster agent.
DEEP_RESEARCH_AGENTS = {
    "o3-deep-research": "deep-research-max-preview-04-2026",
    "o3-deep-research-2025-06-26": "deep-research-max-preview-04-2026",
    "o4-mini-deep-research": "deep-research-preview-04-2026",
    "o4-mini-deep-research-2025-06-26": "deep-research-preview-04-2026",
}
_AGENT_PREFIXES = ("deep-research-",)  # Gemini's own agent names, passed as they are
_NATIVE_TOOLS = {"googleSearch": "google_search", "googleSearchRetrieval": "google_search", "urlContext": "url_context",
                 "codeExecution": "code_execution", "googleMaps": "google_maps"}
# An agent searches and reads the web by itself (Deep Research's default tools: Google Search, URL context).
_AGENT_BUILT_IN = frozenset({"google_search", "url_context"})
_CHOICES = {"AUTO": "auto", "ANY": "any", "NONE": "none", "VALIDATED": "validated"}
_LEVELS = ("minimal", "low", "medium", "high")


def agent_for(model: str | None) -> str | None:
    """The Gemini agent a Responses `model` names (OpenAI's deep research models, or an agent's own name)."""
    if not model:
        return None
    if model in DEEP_RESEARCH_AGENTS:
        return DEEP_RESEARCH_AGENTS[model]
    return model if model.startswith(_AGENT_PREFIXES) else None


def interaction_body(gemini: Mapping[str, Any], steps: list[dict[str, Any]], *, model: str, agent: str | None,
                     summaries: bool) -> dict[str, Any]:
    """The create body for a generateContent body whose conversation is `steps` (never mutates `gemini`)."""
    if gemini.get("cachedContent"):
        raise InvalidRequestError(
            "'extra_body.google.cached_content' cannot be used with a stored response: Gemini's Interactions API "
            "has no cached content. Leave store, previous_response_id and background unset to use it.",
            param="extra_body.google.cached_content",
            code="unsupported_parameter",
        )
    body: dict[str, Any] = {"agent": agent} if agent else {"model": model}
    body["input"] = steps
    system = "\n\n".join(part["text"] for part in (gemini.get("systemInstruction") or {}).get("parts") or []
                         if isinstance(part.get("text"), str) and part["text"])
    if system:
        body["system_instruction"] = system
    tools = _tools(gemini.get("tools") or [], agent is not None)
    if tools:
        body["tools"] = tools
    config = gemini.get("generationConfig") or {}
    if agent:
        body["agent_config"] = {"type": "deep-research", "thinking_summaries": "auto" if summaries else "none"}
    else:
        generation = _generation(config, gemini.get("toolConfig") or {})
        if generation:
            body["generation_config"] = generation
    response_format = _response_format(config)
    if response_format:
        body["response_format"] = response_format
    safety = [_safety(setting) for setting in gemini.get("safetySettings") or []]
    if safety:
        body["safety_settings"] = safety
    if gemini.get("serviceTier"):
        body["service_tier"] = gemini["serviceTier"]
    return body


def create_request(body: dict[str, Any], *, stream: bool) -> UpstreamRequest:
    """`POST /v1beta/interactions`, answered whole or as an event stream (`stream` is in `body` too)."""
    return UpstreamRequest("POST", f"/{API_VERSION}/interactions", (), {**body, "stream": True} if stream else body,
                           stream=stream, forward=_REVISION)


def get_request(interaction: str, *, stream: bool = False, last_event_id: str | None = None) -> UpstreamRequest:
    """`GET /v1beta/interactions/{id}`; `stream`: its events again, from the start (or after `last_event_id`)."""
    query: tuple[tuple[str, str], ...] = (("stream", "true"),) if stream else ()
    if stream and last_event_id:
        query += (("last_event_id", last_event_id),)
    return UpstreamRequest("GET", _path(interaction), query, stream=stream, forward=_REVISION)


def cancel_request(interaction: str) -> UpstreamRequest:
    return UpstreamRequest("POST", _path(interaction) + "/cancel", forward=_REVISION)


def delete_request(interaction: str) -> UpstreamRequest:
    return UpstreamRequest("DELETE", _path(interaction), forward=_REVISION)


_REVISION = (("api-revision", API_REVISION),)


def _path(interaction: str) -> str:
    return f"/{API_VERSION}/interactions/{quote(interaction, safe='')}"


def _tools(tools: list[dict[str, Any]], agent: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools:
        for declaration in tool.get("functionDeclarations") or []:
            function: dict[str, Any] = {"type": "function", "name": declaration["name"]}
            if declaration.get("description"):
                function["description"] = declaration["description"]
            parameters = declaration.get("parametersJsonSchema", declaration.get("parameters"))
            if parameters is not None:
                function["parameters"] = parameters
            out.append(function)
        for key, kind in _NATIVE_TOOLS.items():
            if key in tool and not (agent and kind in _AGENT_BUILT_IN) and {"type": kind} not in out:
                out.append({"type": kind})
    return out


def _generation(config: Mapping[str, Any], tool_config: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for source, target in (("maxOutputTokens", "max_output_tokens"), ("stopSequences", "stop_sequences"), ("seed", "seed")):
        if config.get(source) is not None:
            out[target] = config[source]
    thinking = config.get("thinkingConfig") or {}
    level = _level(thinking)
    if level:
        out["thinking_level"] = level
    if thinking:
        out["thinking_summaries"] = "auto" if thinking.get("includeThoughts") else "none"
    calling = tool_config.get("functionCallingConfig") or {}
    mode = _CHOICES.get(str(calling.get("mode") or "").upper())
    if mode:
        names = calling.get("allowedFunctionNames")
        out["tool_choice"] = {"allowed_tools": {"mode": mode, "tools": list(names)}} if names else mode
    return out


def _level(thinking: Mapping[str, Any]) -> str | None:
    """`thinkingLevel` as it is; a budget (Google's own `thinking_budget`) on the level scale core/thinking.py uses."""
    level = thinking.get("thinkingLevel")
    if isinstance(level, str) and level.lower() in _LEVELS:
        return level.lower()
    budget = thinking.get("thinkingBudget")
    if isinstance(budget, int) and not isinstance(budget, bool) and budget >= 0:
        return "minimal" if budget == 0 else "low" if budget <= 1024 else "medium" if budget <= 8192 else "high"
    return None


def _response_format(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """JSON mode and structured output as `response_format` (types/interactions/textresponseformat.py)."""
    if config.get("responseMimeType") != "application/json":
        return None
    out: dict[str, Any] = {"type": "text", "mime_type": "application/json"}
    schema = config.get("responseJsonSchema", config.get("responseSchema"))
    if schema is not None:
        out["schema"] = schema
    return out


def _safety(setting: Mapping[str, Any]) -> dict[str, Any]:
    """`HARM_CATEGORY_HARASSMENT` / `BLOCK_NONE` → `{"type": "harassment", "threshold": "block_none"}`: the
    category's field is `type` there (python-genai types/interactions/safetysetting.py)."""
    category = str(setting.get("category") or "")
    category = category[len("HARM_CATEGORY_"):] if category.startswith("HARM_CATEGORY_") else category
    return {"type": category.lower(), "threshold": str(setting.get("threshold") or "").lower()}
