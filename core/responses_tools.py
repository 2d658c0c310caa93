"""Responses API `tools` → chat function tools, and the table that maps Gemini's calls back to them.

Gemini knows one kind of client tool, the function declaration, so every Responses tool becomes one:

* `function` → itself; `namespace` (`{"type": "namespace", "name", "tools": [...]}`) → one function per
  member, named `<namespace>.<name>`; its calls come back as calls into the namespace (`name` plus
  `namespace`, which Codex needs to route them);
* `custom` (freeform, e.g. Codex's `apply_patch` with a Lark grammar) → a function taking one string,
  `input`, with the format in its description; `local_shell`, `shell` and client-executed `tool_search`
  → functions taking the arguments those calls carry (core/responses_calls.py);
* `web_search` (every version) → Google Search. Hosted `tool_search` has nothing to run on: every
  deferred tool is declared at once. Other hosted tools are a 400.

Function names must suit Gemini: "a-z, A-Z, 0-9, or contain underscores, colons, dots, and dashes, with a
maximum length of 64", starting with a letter or an underscore (generativelanguage v1beta
FunctionDeclaration.name; python-genai allows 128, the stricter rule is kept). A name that does not is
rewritten the same way on every request (the gateway keeps nothing), so history maps back too. Two
tools with one Gemini name, or a namespace named like a function, are a 400.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from .errors import InvalidRequestError
from .fields import get_str, require_dict

__all__ = ["WEB_SEARCH_TOOLS", "ToolRef", "ToolTable", "gemini_function_name", "tools_to_chat"]

# OpenAI's hosted web-search tools, in every version → Google Search grounding.
WEB_SEARCH_TOOLS = frozenset({"web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11"})
_VALID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
_INVALID_CHARS = re.compile(r"[^A-Za-z0-9_.:-]")
_MAX_NAME = 64
NAMESPACE_SEPARATOR = "."
# Built-in client tools → the function Gemini sees: its name, description and parameters.
_STRING_LIST = {"type": "array", "items": {"type": "string"}}
_BUILTIN = {
    "local_shell": ("Run a command on the user's machine. `command` is the argv, e.g. [\"bash\", \"-lc\", \"ls\"].", {
        "type": "object",
        "properties": {"command": _STRING_LIST, "timeout_ms": {"type": "integer"}, "working_directory": {"type": "string"}},
        "required": ["command"],
    }),
    "shell": ("Run shell commands on the user's machine, in order; each command is one shell command line.", {
        "type": "object",
        "properties": {"commands": _STRING_LIST, "timeout_ms": {"type": "integer"}, "max_output_length": {"type": "integer"}},
        "required": ["commands"],
    }),
    "tool_search": ("Search the deferred tools and load the matching ones for the next step.", {
        "type": "object", "properties": {"query": {"type": "string"}, "limit": {"type": "number"}}, "required": ["query"],
    }),
}
_CUSTOM_INPUT = "input"


class ToolRef(NamedTuple):
    """A client tool as the client named it: `kind` is function, custom, local_shell, shell or tool_search."""

    kind: str
    name: str
    namespace: str | None = None


class ToolTable:
    """Gemini function name ↔ the client tool it stands for."""

    def __init__(self) -> None:
        self.refs: dict[str, ToolRef] = {}
        self._params: dict[str, str] = {}

    def add(self, ref: ToolRef, param: str) -> str:
        name = gemini_function_name(ref.name, ref.namespace)
        known = self.refs.get(name)
        if known is not None and known != ref:
            raise InvalidRequestError(
                f"'{param}' ({_shown(ref)}) collides with '{self._params[name]}' ({_shown(known)}): both would reach "
                f"Gemini as the function {name!r}. Rename one of them.",
                param=param,
                code="invalid_value",
            )
        self.refs.setdefault(name, ref)
        self._params.setdefault(name, param)
        return name

    def ref(self, gemini_name: str) -> ToolRef:
        """The client tool behind a function Gemini called (a plain function when none was declared)."""
        return self.refs.get(gemini_name) or ToolRef("function", gemini_name)

    def kind_of(self, name: str, namespace: str | None = None) -> str:
        ref = self.refs.get(gemini_function_name(name, namespace))
        return ref.kind if ref else "function"


def gemini_function_name(name: str, namespace: str | None = None) -> str:
    """The function name Gemini sees for a client tool: as it is when Gemini allows it, else a fixed rewrite."""
    raw = f"{namespace}{NAMESPACE_SEPARATOR}{name}" if namespace else name
    if _VALID_NAME.fullmatch(raw):
        return raw
    cleaned = _INVALID_CHARS.sub("_", raw)
    if not (cleaned[:1].isascii() and (cleaned[:1].isalpha() or cleaned[:1] == "_")):
        cleaned = "_" + cleaned
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]  # keeps rewritten names apart
    return f"{cleaned[:_MAX_NAME - 9]}_{digest}"


def tools_to_chat(
    tools: list[Any], aliases: dict[str, str], loaded: Iterable[tuple[dict[str, Any], str]] = ()
) -> tuple[list[dict[str, Any]], ToolTable]:
    """(chat tools, table) for the request's `tools` plus the tools `tool_search_output` items loaded."""
    converter = _Converter(aliases)
    for index, tool in enumerate(tools):
        converter.tool(require_dict(tool, f"tools[{index}]"), f"tools[{index}]")
    converter.check_namespaces()
    for tool, param in loaded:
        if isinstance(tool, dict) and tool.get("type") in ("function", "custom", "namespace"):
            converter.tool(tool, param, loaded=True)
    return converter.out, converter.table


class _Converter:
    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases
        self.out: list[dict[str, Any]] = []
        self.table = ToolTable()
        self.namespaces: dict[str, str] = {}  # namespace name → its param
        self.functions: dict[str, str] = {}  # top-level function or custom tool name → its param
        self.search = False

    def tool(self, tool: dict[str, Any], param: str, namespace: str | None = None, *, loaded: bool = False) -> None:
        kind = tool.get("type")
        if kind in ("function", "custom"):
            name = get_str(tool, "name", param, required=True)
            if not name:
                raise InvalidRequestError(f"'{param}.name' must not be empty.", param=f"{param}.name", code="invalid_value")
            if namespace is None:
                self.functions.setdefault(name, param)
            self._declare(ToolRef(kind, name, namespace), param, tool, loaded)
        elif kind == "namespace" and namespace is None:
            self._namespace(tool, param, loaded)
        elif kind in _BUILTIN and namespace is None:
            if kind == "tool_search" and tool.get("execution") != "client":
                return  # hosted tool search: the deferred tools are all declared already
            self._declare(ToolRef(kind, kind), param, tool, loaded)
        elif kind in WEB_SEARCH_TOOLS and namespace is None:
            if not self.search:
                self.search = True
                self.out.append({"type": "web_search"})  # user_location, filters, external_web_access: Gemini has none
        elif kind is None and len(tool) == 1 and namespace is None:
            self.out.append(tool)  # a Gemini tool object ({"code_execution": {}}), as chat takes it
        else:
            where = "in a namespace; use 'function' or 'custom'" if namespace else (
                "; use function, custom, namespace, local_shell, shell, tool_search or web_search (Google Search)")
            raise InvalidRequestError(f"'{param}.type' {kind!r} is not supported{where}.", param=f"{param}.type", code="invalid_value")

    def check_namespaces(self) -> None:
        for name, param in self.namespaces.items():
            if name in self.functions:
                raise InvalidRequestError(
                    f"'{param}.name' {name!r} collides with the function at '{self.functions[name]}': a namespace and a "
                    "tool cannot share a name.",
                    param=f"{param}.name",
                    code="invalid_value",
                )

    def _namespace(self, tool: dict[str, Any], param: str, loaded: bool) -> None:
        name = get_str(tool, "name", param, required=True)
        if not name:
            raise InvalidRequestError(f"'{param}.name' must not be empty.", param=f"{param}.name", code="invalid_value")
        if not loaded:
            self.namespaces.setdefault(name, param)
        members = tool.get("tools")
        if not isinstance(members, list):
            raise InvalidRequestError(f"'{param}.tools' must be an array of tools.", param=f"{param}.tools", code="invalid_type")
        for index, member in enumerate(members):
            self.tool(require_dict(member, f"{param}.tools[{index}]"), f"{param}.tools[{index}]", name, loaded=loaded)

    def _declare(self, ref: ToolRef, param: str, tool: dict[str, Any], loaded: bool) -> None:
        gemini_name = gemini_function_name(ref.name, ref.namespace)
        if loaded and gemini_name in self.table.refs:
            return  # a tool the request declares as well
        self.table.add(ref, param)
        if ref.kind == "function":
            function = {key: value for key, value in tool.items() if key not in ("type", "defer_loading", "output_schema")}
            function["name"] = gemini_name
        elif ref.kind == "custom":
            function = {"name": gemini_name, "description": _custom_description(tool, param),
                        "parameters": {"type": "object", "properties": {_CUSTOM_INPUT: {"type": "string"}}, "required": [_CUSTOM_INPUT]}}
        else:
            description, parameters = _BUILTIN[ref.kind]
            given = tool.get("parameters") if ref.kind == "tool_search" else None
            function = {"name": gemini_name, "description": get_str(tool, "description", param) or description,
                        "parameters": given if isinstance(given, dict) else parameters}
        chat_param = f"tools[{len(self.out)}]"
        self.aliases.update({chat_param: param, f"{chat_param}.function": param})
        self.out.append({"type": "function", "function": function})


def _custom_description(tool: dict[str, Any], param: str) -> str:
    """A freeform tool's description, with what its one string argument must look like."""
    lines = [get_str(tool, "description", param) or ""]
    lines.append(f"Call it with one argument, `{_CUSTOM_INPUT}`: the tool's raw input text, exactly as the tool takes it.")
    fmt = tool.get("format")
    if isinstance(fmt, dict) and fmt.get("type") == "grammar" and isinstance(fmt.get("definition"), str):
        syntax = fmt.get("syntax") if isinstance(fmt.get("syntax"), str) else "grammar"
        lines.append(f"`{_CUSTOM_INPUT}` must match this {syntax} grammar:\n{fmt['definition']}")
    return "\n\n".join(line for line in lines if line)


def _shown(ref: ToolRef) -> str:
    return f"{ref.kind} {ref.namespace + NAMESPACE_SEPARATOR if ref.namespace else ''}{ref.name}"
