"""OpenAI chat `messages` → Gemini `systemInstruction` and `contents`.

* `system` and `developer` messages, wherever they stand, become `systemInstruction` in order.
* `user` → `user`, `assistant` → `model`; assistant `tool_calls` → `functionCall` parts.
* `tool` messages → `functionResponse` parts, named after the call their `tool_call_id` answers;
  the answers to one step share one `user` turn, in the order of the calls.
* Media never leaves as a URL we fetch: `data:` URIs become `inlineData`, http(s) URLs `fileData`
  that Gemini fetches itself. Media in a tool message rides inside the `functionResponse` on Gemini 3
  (`functionResponse.parts`); older models get it as parts after the answers.
* Gemini's server-side tool parts (core/server_tools.py) come back from the tool-call id they rode
  in, or from `extra_content.google.server_tool_invocations`, to their place in the model turn.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from . import media
from .errors import InvalidRequestError
from .fields import get_dict, get_list, get_str, join_param, require_dict
from .jsontext import loads_client_json
from .lineup import generation, per_part_media_resolution, requires_thought_signatures
from .server_tools import EXTRA_KEY, is_server_part, supports_tool_combination, unpack_parts
from .signatures import DUMMY_SIGNATURE, server_of_tool_call_id, signature_from_extra, split_tool_call_id

__all__ = ["messages_to_gemini", "sign_first_call"]

# Ids we generate start with this; any other id came from Gemini (`functionCall.id`) and goes back.
GENERATED_ID_PREFIX = "call_"


class _Call(NamedTuple):
    name: str
    gemini_id: str | None
    order: tuple[int, int]  # (message index, position in its tool_calls): the order answers go back in


def messages_to_gemini(
    messages: list[Any], model: str, *, server_tools: bool = True
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(systemInstruction or None, contents) for the chat `messages` of a request to `model`; Gemini's
    server-side tool parts go back only with `server_tools` (the request sets the combination flag)."""
    if not messages:
        raise InvalidRequestError("'messages' must contain at least one message.", param="messages", code="invalid_value")
    converter = _Converter(keep_signatures=generation(model) is not None, gemini_3=supports_tool_combination(model),
                           server_tools=server_tools, detail=per_part_media_resolution(model))
    for index, message in enumerate(messages):
        converter.add(require_dict(message, f"messages[{index}]"), index)
    contents = converter.finish()
    if requires_thought_signatures(model):
        contents = [sign_first_call(content) for content in contents]
    system = {"parts": converter.system_parts} if converter.system_parts else None
    return system, contents


class _Converter:
    def __init__(self, *, keep_signatures: bool, gemini_3: bool, server_tools: bool = True, detail: bool = False) -> None:
        self.keep_signatures = keep_signatures
        # Gemini 3+: server-side tool parts go back (when asked for), and tool results may carry media inside them.
        self.gemini_3 = gemini_3
        self.server_tools = server_tools and gemini_3
        self.detail = detail  # image_url.detail becomes the part's mediaResolution (Gemini 3)
        self.system_parts: list[dict[str, Any]] = []
        self.contents: list[dict[str, Any]] = []
        self.calls: dict[str, _Call] = {}
        self.answers: list[tuple[tuple[int, int], dict[str, Any]]] = []
        self.answer_media: list[dict[str, Any]] = []  # tool results' media, after the answers (before Gemini 3)

    def add(self, message: dict[str, Any], index: int) -> None:
        prefix = f"messages[{index}]"
        role = get_str(message, "role", prefix, required=True)
        if role in ("system", "developer"):
            self.system_parts.extend(_text_parts(message, prefix))
        elif role == "user":
            self._flush_answers()
            parts = media.content_to_parts(_required_content(message, prefix), join_param(prefix, "content"), detail=self.detail)
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
        parts = self._server_parts(_extra_server_parts(message)) + parts
        for position, call in enumerate(tool_calls):
            call = require_dict(call, f"{prefix}.tool_calls[{position}]")
            parts.extend(self._server_parts(unpack_parts(server_of_tool_call_id(get_str(call, "id") or ""))))
            parts.append(self._call_part(call, (index, position)))
        seen: set[Any] = set()
        return [part for part in parts if _first_time(part, seen)]

    def _server_parts(self, parts: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """Server-side tool parts to send back: only to Gemini 3+, which made them, with the flag set."""
        return list(parts) if parts and self.server_tools else []

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
        result, attached = _tool_result(message, prefix)
        response: dict[str, Any] = {"name": call.name, "response": result}
        if call.gemini_id:
            response["id"] = call.gemini_id
        if attached and self.gemini_3:
            response["parts"] = attached  # multimodal function responses (Gemini 3)
        elif attached:
            self.answer_media.extend(attached)
        self.answers.append((call.order, {"functionResponse": response}))

    def _flush_answers(self) -> None:
        if self.answers:
            self.answers.sort(key=lambda answer: answer[0])
            self.contents.append({"role": "user", "parts": [part for _, part in self.answers] + self.answer_media})
            self.answers, self.answer_media = [], []


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


def _tool_result(message: dict[str, Any], prefix: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A tool message's content as `functionResponse.response`, which Gemini wants as an object, and
    the media parts (images, files) it holds.

    A JSON object is sent as it is; anything else (plain text, a JSON list or number) goes under
    `output`, the key Gemini reads as the function's result (types.FunctionResponse).
    """
    content = message.get("content")
    if isinstance(content, dict):
        return content, []
    parts = media.content_to_parts(_required_content(message, prefix), join_param(prefix, "content"))
    text = "".join(part["text"] for part in parts if "text" in part)
    attached = [part for part in parts if "text" not in part]
    if text.lstrip().startswith("{"):
        try:
            value = loads_client_json(text, f"{prefix}.content")
        except InvalidRequestError:
            value = None
        if isinstance(value, dict):
            return value, attached
    return {"output": text}, attached


def _extra_server_parts(message: dict[str, Any]) -> list[dict[str, Any]] | None:
    """`extra_content.google.server_tool_invocations`, the parts a text answer carried."""
    extra = message.get("extra_content")
    google = extra.get("google") if isinstance(extra, dict) else None
    parts = google.get(EXTRA_KEY) if isinstance(google, dict) else None
    return [part for part in parts if is_server_part(part)] if isinstance(parts, list) else None


def _first_time(part: dict[str, Any], seen: set[Any]) -> bool:
    """False for a server-side tool part already in the turn (a client may send both carriers back)."""
    if not is_server_part(part):
        return True
    key = next((kind, inner.get("id")) for kind, inner in part.items() if kind in ("toolCall", "toolResponse"))
    if key in seen:
        return False
    seen.add(key)
    return True


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
