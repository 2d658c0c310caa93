"""A continuation's answers to the previous response's calls → Interactions `function_result` steps.

With `previous_response_id` a client sends only what is new: typically the outputs of the calls the
previous response made (`function_call_output`, `custom_tool_call_output`, ...), whose call items are
at Google, not in `input` (OpenAI's function calling guide; the Agents SDK with previous_response_id).
The stateless translation (core/responses_input.py) requires every output to follow its call, so the
leading outputs that answer no call in `input` are read here, straight into `function_result` steps
(python-genai `_gaos/types/interactions/functionresultstep.py`: `call_id`, `result`: a string, an
object, or text and image contents); the rest of `input` goes through the shared translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import media
from .interaction_steps import block_from_part
from .responses_calls import CALL_ITEMS, OUTPUT_ITEMS, output_call_id, output_value
from .responses_parts import part_to_chat
from .signatures import split_tool_call_id

__all__ = ["leading_answers"]


def leading_answers(body: Mapping[str, Any], *, continued: bool) -> tuple[list[dict[str, Any]], Any]:
    """(function_result steps for the leading outputs that answer no call in `input`, the rest of `input`)."""
    given = body.get("input")
    if not continued or not isinstance(given, list):
        return [], given
    called = {_call_id(item) for item in given if isinstance(item, dict) and item.get("type") in CALL_ITEMS}
    steps: list[dict[str, Any]] = []
    count = 0
    for index, item in enumerate(given):
        kind = OUTPUT_ITEMS.get(str(item.get("type"))) if isinstance(item, dict) else None
        if kind is None:
            break
        param = f"input[{index}]"
        call_id = output_call_id(item, kind, param)
        if call_id is not None and split_tool_call_id(call_id)[0] in called:
            break
        count += 1
        if call_id is not None:  # a hosted tool search's output has nothing to answer
            steps.append({"type": "function_result", "call_id": split_tool_call_id(call_id)[0],
                          "result": _result(output_value(item, kind, param), f"{param}.output")})
    return steps, given[count:]


def _call_id(item: dict[str, Any]) -> str:
    call_id = item.get("call_id") or (item.get("id") if item.get("type") == "local_shell_call" else None)
    return split_tool_call_id(call_id)[0] if isinstance(call_id, str) else ""


def _result(output: Any, param: str) -> Any:
    """An output as a function result: a string or object as it is; content parts as text and images."""
    if isinstance(output, (str, dict)):
        return output
    blocks = []
    for index, part in enumerate(output if isinstance(output, list) else []):
        part_param = f"{param}[{index}]"
        converted = part_to_chat(part, part_param, part_param, "user", {}) if isinstance(part, dict) else None
        for gemini_part in media.content_to_parts([converted], part_param) if converted else []:
            block = block_from_part(gemini_part)
            if block is not None:
                blocks.append(block)
    return blocks
