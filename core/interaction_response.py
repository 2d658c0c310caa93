"""An Interactions API `Interaction` resource → the Responses API `response` object (and its input items).

| Interaction `status` (types/interactions/interaction.py) | Response `status`                      |
|-----------------------------------------------------------|----------------------------------------|
| `queued`, `in_progress`                                   | the same                               |
| `completed`, `requires_action` (calls for the client)     | `completed` (as OpenAI ends a turn of calls) |
| `incomplete`, `budget_exceeded`                           | `incomplete`, reason `max_output_tokens` |
| `failed`, `cancelled`                                     | the same (`error` from `errors`)        |

`usage` (`total_input_tokens`, `total_output_tokens`, `total_thought_tokens`, `total_cached_tokens`,
`total_tool_use_tokens`, `total_tokens`) is read as the `usageMetadata` it mirrors, so usage means the
same on both paths. `created` (ISO 8601) becomes `created_at`. A GET answers without the request, so what
the response repeats of it (instructions, tools, ...) is read back from the interaction itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from .interaction_output import INPUT_STEPS, StepReader, output_steps
from .jsontext import dumps
from .pacific import utc_seconds
from .responses_items import OutputItems
from .responses_output import response_object, responses_usage_from_gemini
from .responses_tools import ToolTable

__all__ = ["Echo", "Stored", "echo_from_interaction", "input_items", "response_from_interaction", "response_status",
           "usage_metadata"]

_STATUSES = {"queued": "queued", "in_progress": "in_progress", "completed": "completed", "requires_action": "completed",
             "incomplete": "incomplete", "budget_exceeded": "incomplete", "failed": "failed", "cancelled": "cancelled"}
_USAGE = (("total_input_tokens", "promptTokenCount"), ("total_output_tokens", "candidatesTokenCount"),
          ("total_thought_tokens", "thoughtsTokenCount"), ("total_cached_tokens", "cachedContentTokenCount"),
          ("total_tool_use_tokens", "toolUsePromptTokenCount"), ("total_tokens", "totalTokenCount"))
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?")
# Interactions tool types → the Responses tool a GET shows for them.
_TOOLS_BACK = {"google_search": {"type": "web_search"}}


class Stored(NamedTuple):
    """What a stored response says of itself."""

    id: str
    background: bool = False
    store: bool = True
    previous_response_id: str | None = None


class Echo(NamedTuple):
    """A plan-like view of an interaction, for answers made without the request (GET, cancel)."""

    echo: dict[str, Any]
    model: str
    encrypted: bool = False
    tools: ToolTable = ToolTable()


def response_from_interaction(data: Mapping[str, Any], plan: Any, stored: Stored, *, token: str, created: int) -> dict[str, Any]:
    """The Response object for an Interaction (a POST's answer, a GET's, a cancel's)."""
    status = response_status(data)
    items = OutputItems(token, encrypted=plan.encrypted, tools=plan.tools)
    reader = StepReader(items)
    for index, step in enumerate(output_steps(data.get("steps"))):
        reader.whole(index, step)
    reader.finish(incomplete=status not in ("completed",))
    incomplete = "max_output_tokens" if status == "incomplete" else None
    return response_object(
        plan, token=token, created=created_of(data, created), model=_model(data, plan.model), status=status,
        output=items.items, usage=responses_usage_from_gemini(usage_metadata(data.get("usage"))) if data.get("usage") else None,
        incomplete=incomplete, error=failure(data) if status == "failed" else None, stored=stored,
    )


def response_status(data: Mapping[str, Any]) -> str:
    status = data.get("status")
    return _STATUSES.get(status, "completed") if isinstance(status, str) else "completed"


def usage_metadata(usage: Any) -> dict[str, Any]:
    """Interactions `usage` as the generateContent `usageMetadata` it mirrors."""
    usage = usage if isinstance(usage, dict) else {}
    return {target: usage[source] for source, target in _USAGE if isinstance(usage.get(source), int)}


def failure(data: Mapping[str, Any]) -> dict[str, Any]:
    """A failed interaction's error, as a Response's `error`."""
    errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
    step_errors = [s["error"] for s in data.get("steps") or [] if isinstance(s, dict) and isinstance(s.get("error"), dict)]
    found = (errors or step_errors or [{}])[-1]
    message = found.get("message") if isinstance(found.get("message"), str) else "The Gemini interaction failed."
    limited = found.get("code") == 429 or error_status(found) == "RESOURCE_EXHAUSTED"
    return {"code": "rate_limit_exceeded" if limited else "server_error", "message": message}


def error_status(error: Mapping[str, Any]) -> str | None:
    """The canonical status an Interactions error names: its `status`, else its `code` when that is "a URI
    that identifies the error type" (types/interactions/error.py), whose last segment is the status
    (…/resource-exhausted → RESOURCE_EXHAUSTED) or the status itself."""
    named, code = error.get("status"), error.get("code")
    if isinstance(named, str):
        return named
    return code.rstrip("/").rsplit("/", 1)[-1].replace("-", "_").upper() if isinstance(code, str) else None


def created_of(data: Mapping[str, Any], default: int) -> int:
    """`created` ("2026-05-08T10:44:43Z") as Unix seconds; `default` when absent or unreadable."""
    found = _ISO.fullmatch(data.get("created") or "") if isinstance(data.get("created"), str) else None
    if found is None:
        return default
    seconds = utc_seconds(*(int(found.group(n)) for n in range(1, 7)))
    zone = found.group(7)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds


def echo_from_interaction(data: Mapping[str, Any], *, encrypted: bool = False) -> Echo:
    """What a response repeats of its request, read back from the stored interaction."""
    config = _dict(data.get("generation_config"))
    level, summaries = config.get("thinking_level"), config.get("thinking_summaries")
    response_format = _dict(data.get("response_format"))
    text_format: dict[str, Any] = {"type": "text"}
    if response_format.get("mime_type") == "application/json":
        schema = response_format.get("schema")
        text_format = {"type": "json_schema", "name": "response", "schema": schema, "strict": False} if schema else {"type": "json_object"}
    echo = {
        "instructions": data.get("system_instruction") if isinstance(data.get("system_instruction"), str) else None,
        "max_output_tokens": config.get("max_output_tokens") if isinstance(config.get("max_output_tokens"), int) else None,
        "parallel_tool_calls": True,
        "reasoning": {"effort": level if isinstance(level, str) else None, "summary": "auto" if summaries == "auto" else None},
        "temperature": None,
        "text": {"format": text_format},
        "tool_choice": "auto",
        "tools": [_tool_back(tool) for tool in data.get("tools") or [] if isinstance(tool, dict) and _tool_back(tool)],
        "top_p": None,
        "truncation": "disabled",
        "user": None,
        "metadata": {},
    }
    return Echo(echo, _model(data, ""), encrypted)


def input_items(data: Mapping[str, Any], token: str) -> list[dict[str, Any]]:
    """The input items of a stored response: the steps a GET repeats before the answer, as Responses items."""
    steps = [s for s in data.get("steps") or [] if isinstance(s, dict)]
    last = max((n for n, step in enumerate(steps) if step.get("type") in INPUT_STEPS), default=-1)
    items = []
    for n, step in enumerate(steps[:last + 1]):
        item = _input_item(step, f"{token}_{n}")
        if item is not None:
            items.append(item)
    return items


def _input_item(step: dict[str, Any], suffix: str) -> dict[str, Any] | None:
    kind = step.get("type")
    if kind in ("user_input", "model_output"):
        user = kind == "user_input"
        content = [_part_back(block, user) for block in step.get("content") or [] if isinstance(block, dict)]
        content = [part for part in content if part is not None]
        return {"id": f"msg_{suffix}", "type": "message", "role": "user" if user else "assistant", "status": "completed",
                "content": content} if content else None
    if kind == "function_result":
        result = step.get("result")
        output = result if isinstance(result, str) else dumps(result)
        return {"id": f"fco_{suffix}", "type": "function_call_output", "call_id": step.get("call_id") or "",
                "output": output, "status": "completed"}
    if kind == "function_call":
        return {"id": f"fc_{suffix}", "type": "function_call", "call_id": step.get("id") or "", "name": step.get("name") or "",
                "arguments": dumps(step.get("arguments") or {}), "status": "completed"}
    return None


def _part_back(block: dict[str, Any], user: bool) -> dict[str, Any] | None:
    kind = block.get("type")
    if kind == "text" and isinstance(block.get("text"), str):
        if user:
            return {"type": "input_text", "text": block["text"]}
        return {"type": "output_text", "text": block["text"], "annotations": [], "logprobs": []}
    if not user:
        return None
    source = block.get("uri") or (f"data:{block.get('mime_type') or 'application/octet-stream'};base64,{block['data']}"
                                  if isinstance(block.get("data"), str) else None)
    if not isinstance(source, str):
        return None
    if kind == "image":
        return {"type": "input_image", "image_url": source, "detail": block.get("resolution") or "auto"}
    return {"type": "input_file", "file_url" if block.get("uri") else "file_data": source}


def _tool_back(tool: dict[str, Any]) -> dict[str, Any] | None:
    if tool.get("type") == "function":
        return {"type": "function", "name": tool.get("name"), "description": tool.get("description"),
                "parameters": tool.get("parameters"), "strict": None}
    return _TOOLS_BACK.get(tool.get("type") or "")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _model(data: Mapping[str, Any], default: str) -> str:
    for key in ("model", "agent"):
        if isinstance(data.get(key), str) and data[key]:
            return data[key]
    return default
