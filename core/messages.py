"""OpenAI chat `messages` → Gemini `systemInstruction` and `contents`.

* `system` and `developer` messages, wherever they stand, become `systemInstruction` in order.
* `user` → `user`, `assistant` → `model`; assistant `tool_calls` → `functionCall` parts.
* `tool` messages → `functionResponse` parts, named after the call their `tool_call_id` answers;
  the answers to one step share one `user` turn, in the order of the calls.
* Media never leaves as a URL we fetch: `data:` URIs become `inlineData`, http(s) URLs `fileData`
  that Gemini fetches itself.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from . import media
from .errors import InvalidRequestError
from .fields import get_dict, get_list, get_str, join_param, require_dict
from .jsontext import loads_client_json
from .models import generation, requires_thought_signatures
from .signatures import DUMMY_SIGNATURE, signature_from_extra, split_tool_call_id

__all__ = ["messages_to_gemini", "sign_first_call"]

# Ids we generate start with this; any other id came from Gemini (`functionCall.id`) and goes back.
GENERATED_ID_PREFIX = "call_"


class _Call(NamedTuple):
    name: str
    gemini_id: str | None
    order: tuple[int, int]  # (message index, position in its tool_calls): the order answers go back in


def messages_to_gemini(messages: list[Any], model: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(systemInstruction or None, contents) for the chat `messages` of a request to `model`."""
    if not messages:
        raise InvalidRequestError("'messages' must contain at least one message.", param="messages", code="invalid_value")
    converter = _Converter(keep_signatures=generation(model) is not None)
    for index, message in enumerate(messages):
        converter.add(require_dict(message, f"messages[{index}]"), index)
    contents = converter.finish()
    if requires_thought_signatures(model):
        contents = [sign_first_call(content) for content in contents]
    system = {"parts": converter.system_parts} if converter.system_parts else None
    return system, contents


class _Converter:
    def __init__(self, *, keep_signatures: bool) -> None:
        self.keep_signatures = keep_signatures
        self.system_parts: list[dict[str, Any]] = []
        self.contents: list[dict[str, Any]] = []
        self.calls: dict[str, _Call] = {}
        self.answers: list[tuple[tuple[int, int], dict[str, Any]]] = []

    def add(self, message: dict[str, Any], index: int) -> None:
        prefix = f"messages[{index}]"
        role = get_str(message, "role", prefix, required=True)
        if role in ("system", "developer"):
            self.system_parts.extend(_text_parts(message, prefix))
        elif role == "user":
            self._flush_answers()
            parts = media.content_to_parts(_required_content(message, prefix), join_param(prefix, "content"))
            if not parts:
                raise InvalidRequestError(
                    f"'{prefix}.content' is empty; a user message needs text or media.",
                    param=f"{prefix}.content",
                    code="invalid_value",
                )
            self.contents.append({"role": "user", "parts": parts})
        elif role == "assistant":
            self._flush_answers()
            parts = self._assistant_parts(message, index, prefix)
            if parts:
                self.contents.append({"role": "model", "parts": parts})
        elif role == "tool":
            self._answer(message, prefix)
        else:
            raise InvalidRequestError(
                f"'{prefix}.role' must be one of system, developer, user, assistant, tool; got {role!r}.",
                param=f"{prefix}.role",
                code="invalid_value",
            )

    def finish(self) -> list[dict[str, Any]]:
        self._flush_answers()
        if not self.contents:
            # Gemini needs at least one turn; a lone system prompt is answered as if the user said nothing.
            return [{"role": "user", "parts": [{"text": " "}]}]
        return self.contents

    def _assistant_parts(self, message: dict[str, Any], index: int, prefix: str) -> list[dict[str, Any]]:
        tool_calls = get_list(message, "tool_calls", prefix) or []
        content = message.get("content")
        if content is None and not tool_calls:
            raise InvalidRequestError(
                f"'{prefix}.content' is required unless 'tool_calls' is given.",
                param=f"{prefix}.content",
                code="missing_required_parameter",
            )
        parts = media.content_to_parts(content, join_param(prefix, "content"), allow_refusal=True)
        signature = signature_from_extra(message) if self.keep_signatures else None
        if signature:
            texts = [part for part in parts if "text" in part]
            if texts:
                # Gemini signs the last part of a text answer; put it back there. Copy, never mutate.
                last = texts[-1]
                parts = [{**part, "thoughtSignature": signature} if part is last else part for part in parts]
        for position, call in enumerate(tool_calls):
            parts.append(self._call_part(require_dict(call, f"{prefix}.tool_calls[{position}]"), (index, position)))
        return parts

    def _call_part(self, call: dict[str, Any], order: tuple[int, int]) -> dict[str, Any]:
        prefix = f"messages[{order[0]}].tool_calls[{order[1]}]"
        tool_call_id = get_str(call, "id", prefix, required=True)
        kind = get_str(call, "type", prefix)
        if kind not in (None, "function"):
            raise InvalidRequestError(
                f"'{prefix}.type' must be 'function', got {kind!r}.", param=f"{prefix}.type", code="invalid_value"
            )
        function = get_dict(call, "function", prefix)
        if function is None:
            raise InvalidRequestError(f"Missing required parameter: '{prefix}.function'.", param=f"{prefix}.function")
        name = get_str(function, "name", f"{prefix}.function", required=True)
        args = _arguments(function.get("arguments"), f"{prefix}.function.arguments")

        call_id, id_signature = split_tool_call_id(tool_call_id)
        gemini_id = None if call_id.startswith(GENERATED_ID_PREFIX) else call_id
        self.calls[tool_call_id] = _Call(name, gemini_id, order)

        function_call: dict[str, Any] = {"name": name, "args": args}
        if gemini_id:
            function_call["id"] = gemini_id
        part: dict[str, Any] = {"functionCall": function_call}
        signature = signature_from_extra(call) or id_signature
        if signature and self.keep_signatures:
            part["thoughtSignature"] = signature
        return part

    def _answer(self, message: dict[str, Any], prefix: str) -> None:
        tool_call_id = get_str(message, "tool_call_id", prefix, required=True)
        call = self.calls.get(tool_call_id)
        if call is None:
            raise InvalidRequestError(
                f"'{prefix}.tool_call_id' ({tool_call_id[:64]!r}) matches no tool call of an earlier assistant message.",
                param=f"{prefix}.tool_call_id",
                code="invalid_value",
            )
        response: dict[str, Any] = {"name": call.name, "response": _tool_result(message, prefix)}
        if call.gemini_id:
            response["id"] = call.gemini_id
        self.answers.append((call.order, {"functionResponse": response}))

    def _flush_answers(self) -> None:
        if self.answers:
            self.answers.sort(key=lambda answer: answer[0])
            self.contents.append({"role": "user", "parts": [part for _, part in self.answers]})
            self.answers = []


def _required_content(message: dict[str, Any], prefix: str) -> Any:
    if message.get("content") is None:
        raise InvalidRequestError(
            f"Missing required parameter: '{prefix}.content'.", param=f"{prefix}.content", code="missing_required_parameter"
        )
    return message["content"]


def _text_parts(message: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """A system, developer or tool message's content: a string or an array of text parts."""
    return media.content_to_parts(_required_content(message, prefix), join_param(prefix, "content"), text_only=True)


def _arguments(arguments: Any, param: str) -> dict[str, Any]:
    """Tool-call `arguments`: a JSON object as a string (an empty string means no arguments)."""
    if isinstance(arguments, dict):
        return arguments
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return {}
    if not isinstance(arguments, str):
        raise InvalidRequestError(f"'{param}' must be a JSON object encoded as a string.", param=param, code="invalid_type")
    value = loads_client_json(arguments, param)
    if not isinstance(value, dict):
        raise InvalidRequestError(f"'{param}' must encode a JSON object.", param=param, code="invalid_value")
    return value


def _tool_result(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A tool message's content as `functionResponse.response`, which Gemini wants as an object.

    A JSON object is sent as it is; anything else (plain text, a JSON list or number) goes under
    `output`, the key Gemini reads as the function's result (types.FunctionResponse).
    """
    content = message.get("content")
    if isinstance(content, dict):
        return content
    text = "".join(part["text"] for part in _text_parts(message, prefix))
    if text.lstrip().startswith("{"):
        try:
            value = loads_client_json(text, f"{prefix}.content")
        except InvalidRequestError:
            value = None
        if isinstance(value, dict):
            return value
    return {"output": text}


def sign_first_call(content: dict[str, Any]) -> dict[str, Any]:
    """Give the first functionCall of a model turn the dummy signature if it has none."""
    if content["role"] != "model":
        return content
    for index, part in enumerate(content["parts"]):
        if "functionCall" in part:
            if "thoughtSignature" in part:
                return content
            parts = list(content["parts"])
            parts[index] = {**part, "thoughtSignature": DUMMY_SIGNATURE}
            return {**content, "parts": parts}
    return content
