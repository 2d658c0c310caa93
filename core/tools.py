"""OpenAI `tools`, `tool_choice` and `web_search_options` → Gemini `tools` and `toolConfig`.

Built-in tools (Google Search, URL context, code execution, Maps) beside function declarations:
Gemini 3 takes them together only with `toolConfig.includeServerSideToolInvocations`
(https://ai.google.dev/gemini-api/docs/tool-combination), which `tool_setup` sets; without it Gemini
answers 400 "Tool use with function calling is unsupported" (symfony/ai#803). Older models cannot
combine them at all, so there the function tools are kept and the built-in tools left out, with a
note for the request's log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import InvalidRequestError
from .fields import get_dict, get_list, get_str, require_dict
from .lineup import supports_json_schema
from .schema import to_gemini_json_schema, to_gemini_openapi_schema
from .server_tools import supports_tool_combination

__all__ = ["ToolSetup", "function_declaration", "tool_config_from_openai", "tool_setup", "tools_from_openai"]


class ToolSetup(NamedTuple):
    """Gemini `tools` and `toolConfig` for a request, and notes on what was left out (for the log)."""

    tools: list[dict[str, Any]]
    tool_config: dict[str, Any] | None
    notes: tuple[str, ...] = ()


def tool_setup(body: Mapping[str, Any], model: str, *, search: bool) -> ToolSetup:
    """`tools` and `toolConfig` together: built-in tools beside functions set the combination flag (Gemini
    3+) or are left out (older models, which refuse the combination)."""
    tools = tools_from_openai(body, model, search=search)
    config = tool_config_from_openai(body)
    if not tools:  # most requests
        return ToolSetup(tools, config)
    builtin = [next(iter(tool)) for tool in tools if "functionDeclarations" not in tool]
    if not builtin or len(builtin) == len(tools):
        return ToolSetup(tools, config)
    if supports_tool_combination(model):
        return ToolSetup(tools, {**(config or {}), "includeServerSideToolInvocations": True})
    note = f"left out {', '.join(builtin)}: {model} cannot combine built-in tools with function calling"
    return ToolSetup([tool for tool in tools if "functionDeclarations" in tool], config, (note,))

# OpenAI's hosted web-search tool types (Chat and Responses APIs) → Google Search grounding.
_WEB_SEARCH_TYPES = ("web_search", "web_search_preview")
# Gemini's own tool objects, accepted as they are (snake_case or camelCase) for clients that know them.
_NATIVE_TOOLS = {
    "googleSearch": "googleSearch", "google_search": "googleSearch",
    "codeExecution": "codeExecution", "code_execution": "codeExecution",
    "urlContext": "urlContext", "url_context": "urlContext",
    "googleMaps": "googleMaps", "google_maps": "googleMaps",
    "googleSearchRetrieval": "googleSearchRetrieval", "google_search_retrieval": "googleSearchRetrieval",
}
_CHOICE_MODES = {"none": "NONE", "auto": "AUTO", "required": "ANY"}


def tools_from_openai(body: Mapping[str, Any], model: str, *, search: bool) -> list[dict[str, Any]]:
    """Gemini `tools`: one `functionDeclarations` entry, then Google Search and native tools."""
    if not search and body.get("tools") is None and body.get("web_search_options") is None:
        return []
    declarations = []
    native: dict[str, Any] = {}
    for index, tool in enumerate(get_list(body, "tools") or []):
        param = f"tools[{index}]"
        tool = require_dict(tool, param)
        kind = tool.get("type")
        if kind == "function":
            declarations.append(_declaration(tool, param, model))
        elif kind in _WEB_SEARCH_TYPES:
            search = True
        elif kind is None and len(tool) == 1 and next(iter(tool)) in _NATIVE_TOOLS:
            key, value = next(iter(tool.items()))
            native[_NATIVE_TOOLS[key]] = value if isinstance(value, dict) else {}
        else:
            raise InvalidRequestError(
                f"'{param}.type' {kind!r} is not supported; use 'function' or 'web_search'.",
                param=f"{param}.type",
                code="invalid_value",
            )
    if body.get("web_search_options") is not None:
        get_dict(body, "web_search_options")
        search = True
    if search:
        native.setdefault("googleSearch", {})

    tools: list[dict[str, Any]] = []
    if declarations:
        tools.append({"functionDeclarations": declarations})
    tools.extend({name: config} for name, config in native.items())
    return tools


def tool_config_from_openai(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """Gemini `toolConfig` for `tool_choice`: none/auto/required, a named function, or allowed_tools."""
    choice = body.get("tool_choice")
    if choice is None:
        return None
    if isinstance(choice, str):
        if choice not in _CHOICE_MODES:
            raise InvalidRequestError(
                f"'tool_choice' must be none, auto, required or a function; got {choice!r}.",
                param="tool_choice",
                code="invalid_value",
            )
        return {"functionCallingConfig": {"mode": _CHOICE_MODES[choice]}}
    choice = require_dict(choice, "tool_choice")
    kind = get_str(choice, "type", "tool_choice")
    if kind == "function":
        function = get_dict(choice, "function", "tool_choice") or {}
        name = get_str(function, "name", "tool_choice.function", required=True)
        return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    if kind == "allowed_tools":
        allowed = get_dict(choice, "allowed_tools", "tool_choice") or {}
        mode = get_str(allowed, "mode", "tool_choice.allowed_tools") or "auto"
        names = [_allowed_name(tool, index) for index, tool in enumerate(get_list(allowed, "tools", "tool_choice.allowed_tools") or [])]
        if mode == "required":
            return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": names}}
        return {"functionCallingConfig": {"mode": "AUTO"}}
    raise InvalidRequestError(
        f"'tool_choice.type' must be 'function' or 'allowed_tools', got {kind!r}.",
        param="tool_choice.type",
        code="invalid_value",
    )


def _declaration(tool: dict[str, Any], param: str, model: str) -> dict[str, Any]:
    function = get_dict(tool, "function", param)
    if function is None:
        raise InvalidRequestError(f"Missing required parameter: '{param}.function'.", param=f"{param}.function")
    prefix = f"{param}.function"
    name = get_str(function, "name", prefix, required=True)
    description = get_str(function, "description", prefix)
    return function_declaration(name, description, function.get("parameters"), f"{prefix}.parameters", model)


def function_declaration(name: str, description: str | None, parameters: Any, schema_param: str, model: str) -> dict[str, Any]:
    """A Gemini `functionDeclaration`, its JSON Schema cleaned for what `model` accepts."""
    declaration: dict[str, Any] = {"name": name}
    if description:
        declaration["description"] = description
    if parameters is not None and not _no_arguments(parameters):
        if supports_json_schema(model):
            declaration["parametersJsonSchema"] = to_gemini_json_schema(parameters, schema_param)
        else:
            declaration["parameters"] = to_gemini_openapi_schema(parameters, schema_param)
    return declaration


def _no_arguments(parameters: Any) -> bool:
    """`{"type": "object", "properties": {}}` — Gemini rejects an object schema with no properties."""
    return isinstance(parameters, dict) and parameters.get("type") == "object" and not parameters.get("properties")


def _allowed_name(tool: Any, index: int) -> str:
    param = f"tool_choice.allowed_tools.tools[{index}]"
    function = get_dict(require_dict(tool, param), "function", param) or {}
    return get_str(function, "name", f"{param}.function", required=True)
