"""Responses API call items ↔ Gemini function calls, for every kind of client tool.

Each kind (core/responses_tools.py) has a call item and an output item:

| kind        | call item          | its arguments as Gemini sees them       | output item               |
|-------------|--------------------|-----------------------------------------|---------------------------|
| function    | `function_call`    | `arguments` (plus `namespace`)          | `function_call_output`    |
| custom      | `custom_tool_call` | `{"input": <input>}` (plus `namespace`) | `custom_tool_call_output` |
| local_shell | `local_shell_call` | `action` without `type`                 | `local_shell_call_output` |
| shell       | `shell_call`       | `action`                                | `shell_call_output`       |
| tool_search | `tool_search_call` | `arguments` (client execution)          | `tool_search_output`      |

Shapes from openai-python's types (ResponseCustomToolCall, LocalShellCall, ResponseFunctionShellToolCall,
ResponseToolSearchCall and their outputs).
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidRequestError
from .fields import get_str
from .jsontext import dumps, loads_client_json
from .responses_tools import ToolRef

__all__ = ["CALL_ITEMS", "OUTPUT_ITEMS", "call_events", "call_from_item", "call_item", "id_prefix", "output_call_id", "output_value"]

CALL_ITEMS = {"function_call": "function", "custom_tool_call": "custom", "local_shell_call": "local_shell",
              "shell_call": "shell", "tool_search_call": "tool_search"}
OUTPUT_ITEMS = {"function_call_output": "function", "custom_tool_call_output": "custom",
                "local_shell_call_output": "local_shell", "shell_call_output": "shell", "tool_search_output": "tool_search"}
_ID_PREFIXES = {"function": "fc", "custom": "ctc", "local_shell": "lsh", "shell": "sh", "tool_search": "ts"}
_ITEM_TYPES = {kind: item for item, kind in CALL_ITEMS.items()}


def call_from_item(item: dict[str, Any], kind: str, param: str) -> tuple[str, ToolRef, Any] | None:
    """(call_id, tool, arguments) of a call item; None for a tool search the server ran (nothing to replay)."""
    call_id = output_call_id(item, kind, param)  # the same id rules as for the outputs that answer it
    if call_id is None:
        return None
    if kind in ("function", "custom"):
        ref = ToolRef(kind, get_str(item, "name", param, required=True) or "", get_str(item, "namespace", param) or None)
        if kind == "function":
            return call_id, ref, item.get("arguments")
        return call_id, ref, {"input": get_str(item, "input", param) or ""}
    if kind == "tool_search":
        arguments = item.get("arguments")
        if isinstance(arguments, str):
            arguments = loads_client_json(arguments, f"{param}.arguments") if arguments.strip() else {}
        return call_id, ToolRef(kind, kind), arguments if isinstance(arguments, dict) else {}
    action = item.get("action")
    if not isinstance(action, dict):
        raise InvalidRequestError(f"'{param}.action' must be an object.", param=f"{param}.action", code="invalid_type")
    return call_id, ToolRef(kind, kind), {key: value for key, value in action.items() if key != "type" and value is not None}


def output_call_id(item: dict[str, Any], kind: str, param: str) -> str | None:
    """The `call_id` of a call item, or of the output item that answers it; None for a tool search the
    server ran (hosted: nothing to replay)."""
    if kind == "tool_search" and item.get("execution") != "client":
        return None
    call_id = get_str(item, "call_id", param) or (get_str(item, "id", param) if kind == "local_shell" else None)
    if not call_id:
        raise InvalidRequestError(f"Missing required parameter: '{param}.call_id'.", param=f"{param}.call_id",
                                  code="missing_required_parameter")
    return call_id


def output_value(item: dict[str, Any], kind: str, param: str) -> Any:
    """An output item's result: a string or content parts (function, custom, local_shell) or an object."""
    if kind == "shell":
        output = item.get("output")
        return {"output": output if isinstance(output, list) else []}
    if kind == "tool_search":
        given = item.get("tools")
        tools: list[Any] = given if isinstance(given, list) else []
        names = [tool.get("name") for tool in tools if isinstance(tool, dict) and isinstance(tool.get("name"), str)]
        return {"loaded_tools": names}
    output = item.get("output")
    if output is None:
        raise InvalidRequestError(f"Missing required parameter: '{param}.output'.", param=f"{param}.output",
                                  code="missing_required_parameter")
    return output


def call_item(ref: ToolRef, call_id: str, arguments: dict[str, Any], item_id: str, status: str) -> dict[str, Any]:
    """The output item for a function call Gemini made into the client tool `ref`."""
    item: dict[str, Any] = {"id": item_id, "type": _ITEM_TYPES[ref.kind], "status": status}
    if ref.kind == "function":
        item.update(arguments=dumps(arguments), call_id=call_id, name=ref.name)
    else:
        item["call_id"] = call_id
    if ref.kind == "custom":
        value = arguments.get("input")
        item.update(name=ref.name, input=value if isinstance(value, str) else dumps(arguments))
    elif ref.kind == "local_shell":
        command = arguments.get("command")
        command = [command] if isinstance(command, str) else [str(arg) for arg in command or []]
        action: dict[str, Any] = {"type": "exec", "command": command, "env": arguments.get("env") or {}}
        action.update({key: arguments[key] for key in ("timeout_ms", "working_directory", "user") if key in arguments})
        item["action"] = action
    elif ref.kind == "shell":
        commands = arguments.get("commands")
        commands = [commands] if isinstance(commands, str) else [str(command) for command in commands or []]
        item["action"] = {"commands": commands, "timeout_ms": arguments.get("timeout_ms"),
                          "max_output_length": arguments.get("max_output_length")}
    elif ref.kind == "tool_search":
        item.update(execution="client", arguments=arguments)
    if ref.namespace:
        item["namespace"] = ref.namespace
    return item


def id_prefix(kind: str) -> str:
    return _ID_PREFIXES[kind]


def call_events(item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """The stream events that build a call item (which Gemini sends whole)."""
    where = {"item_id": item["id"], "output_index": index}
    opened = {**item, "status": "in_progress"}
    events: list[dict[str, Any]] = []
    if item["type"] == "function_call":
        opened["arguments"] = ""
        events = [
            {"type": "response.function_call_arguments.delta", **where, "delta": item["arguments"]},
            {"type": "response.function_call_arguments.done", **where, "name": item["name"], "arguments": item["arguments"]},
        ]
    elif item["type"] == "custom_tool_call":
        opened["input"] = ""
        events = [
            {"type": "response.custom_tool_call_input.delta", **where, "delta": item["input"]},
            {"type": "response.custom_tool_call_input.done", **where, "input": item["input"]},
        ]
    return [{"type": "response.output_item.added", "output_index": index, "item": opened}, *events,
            {"type": "response.output_item.done", "output_index": index, "item": item}]
