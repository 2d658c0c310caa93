"""Anthropic `tools` and `tool_choice` → Gemini `tools` and `toolConfig`.

* Custom tools (`{"name", "description", "input_schema"}`, `type` absent or "custom") → one
  `functionDeclarations` entry each, the schema cleaned as for OpenAI tools (core/schema.py).
  `defer_loading: true` tools are declared only once a `tool_reference` in the conversation has
  loaded them ("Only loaded when returned via tool_reference from tool search", anthropic SDK
  ToolParam): Claude Code's ToolSearch works this way.
* Anthropic's server tools where Gemini has its own: `web_search_*` → Google Search, `web_fetch_*`
  → URL context, `code_execution_*` → code execution. The others (bash, text editor, computer use,
  memory, tool search, MCP toolsets) run on Anthropic's side or need its container: a 400 says so.
* `tool_choice` auto/any/tool/none → AUTO/ANY/ANY + that name/NONE; `disable_parallel_tool_use`
  (Gemini has no switch) is honoured by keeping only the first tool_use of the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import InvalidRequestError
from .fields import get_bool, get_dict, get_list, get_str, require_dict
from .tools import function_declaration

__all__ = ["ToolChoice", "tool_choice_to_gemini", "tools_to_gemini"]

# Server tool families (the type without its date suffix) → the Gemini tool that does the same.
SERVER_TOOLS = {"web_search": "googleSearch", "web_fetch": "urlContext", "code_execution": "codeExecution"}
_CHOICE_MODES = {"auto": "AUTO", "any": "ANY", "tool": "ANY", "none": "NONE"}
_DATED = re.compile(r"(.+)_(\d{8})$")


class ToolChoice(NamedTuple):
    config: dict[str, Any] | None  # toolConfig
    single: bool = False  # disable_parallel_tool_use


def tools_to_gemini(body: Mapping[str, Any], model: str, loaded: frozenset[str], *, search: bool) -> list[dict[str, Any]]:
    """Gemini `tools`: the custom tools' declarations, then Gemini's own tools for server tools."""
    declarations = []
    native: dict[str, dict[str, Any]] = {"googleSearch": {}} if search else {}
    for index, tool in enumerate(get_list(body, "tools") or []):
        param = f"tools[{index}]"
        tool = require_dict(tool, param)
        kind = get_str(tool, "type", param)
        if kind in (None, "custom"):
            name = get_str(tool, "name", param, required=True)
            if get_bool(tool, "defer_loading", param) and name not in loaded:
                continue
            if "input_schema" not in tool:
                raise InvalidRequestError(f"Missing required parameter: '{param}.input_schema'.",
                                          param=f"{param}.input_schema", code="missing_required_parameter")
            schema = require_dict(tool["input_schema"], f"{param}.input_schema")
            declarations.append(function_declaration(name, get_str(tool, "description", param), schema,
                                                     f"{param}.input_schema", model))
            continue
        dated = _DATED.fullmatch(kind)
        family = dated.group(1) if dated else kind
        if family not in SERVER_TOOLS:
            raise InvalidRequestError(
                f"'{param}.type' {kind!r} is one of Anthropic's own tools, which Gemini cannot run. This gateway maps "
                "web_search (Google Search), web_fetch (URL context), code_execution, and custom tools with an input_schema.",
                param=f"{param}.type", code="invalid_value",
            )
        native.setdefault(SERVER_TOOLS[family], {})
    tools: list[dict[str, Any]] = [{"functionDeclarations": declarations}] if declarations else []
    tools.extend({name: config} for name, config in native.items())
    return tools


def tool_choice_to_gemini(body: Mapping[str, Any], declared: bool) -> ToolChoice:
    """`toolConfig` for `tool_choice` (only when there are functions to choose from) and whether to keep one call."""
    choice = get_dict(body, "tool_choice")
    if choice is None:
        return ToolChoice(None)
    kind = get_str(choice, "type", "tool_choice", required=True)
    if kind not in _CHOICE_MODES:
        raise InvalidRequestError(f"'tool_choice.type' must be auto, any, tool or none; got {kind!r}.",
                                  param="tool_choice.type", code="invalid_value")
    single = bool(get_bool(choice, "disable_parallel_tool_use", "tool_choice"))
    config: dict[str, Any] = {"mode": _CHOICE_MODES[kind]}
    if kind == "tool":
        config["allowedFunctionNames"] = [get_str(choice, "name", "tool_choice", required=True)]
    return ToolChoice({"functionCallingConfig": config} if declared else None, single)
