"""Responses API `instructions` and `input` items → chat `messages`, which the chat translation finishes.

* `instructions` → a `system` message; `input` as a string → one `user` message.
* `message` items (typed, or "easy" ones with only `role` and `content`): `user`, `system`,
  `developer` → the same role; parts `input_text` → `text`, `input_image` → `image_url`,
  `input_file` → `file` (`file_data`, `file_id`) or `image_url` (`file_url`: Gemini fetches it),
  `input_audio` as it is.
* One model step is one run of `reasoning`, assistant `message` and `function_call` items → one
  `assistant` message (text plus `tool_calls`), as Gemini wants it back: one `model` turn.
* `function_call_output` → a `tool` message answering the call with the same `call_id`.
* Thought signatures come back in the `call_id` (`<id>__thought__<signature>`, read by the chat
  translation) and in the `encrypted_content` of a `reasoning` item this gateway wrote, which
  signs the next call of its step, or else the step's text (core/responses_items.py).

Every chat parameter this creates is mapped to the input parameter it came from (`aliases`), so a
400 raised by the chat translation names what the client sent: `input[2].content[1].image_url`,
never `messages[3].content[1].image_url.url`.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from .errors import InvalidRequestError
from .fields import get_str, require_dict
from .responses_items import signature_from_encrypted
from .signatures import extra_content, split_tool_call_id

__all__ = ["ChatInput", "input_to_chat_messages"]

# Content part types that are text, whichever message they stand in.
_TEXT_PARTS = ("input_text", "output_text", "text")


class ChatInput(NamedTuple):
    messages: list[dict[str, Any]]
    aliases: dict[str, str]  # chat parameter → the Responses parameter it was made from


def input_to_chat_messages(body: Mapping[str, Any]) -> ChatInput:
    """The chat `messages` for a Responses request's `instructions` and `input`."""
    converter = _Converter()
    instructions = get_str(body, "instructions")
    if instructions:
        converter.append({"role": "system", "content": instructions}, "instructions")
    given = body.get("input")
    if given is None:
        raise InvalidRequestError("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    if isinstance(given, str):
        converter.append({"role": "user", "content": given}, "input")
    elif isinstance(given, list) and given:
        for index, item in enumerate(given):
            converter.add(require_dict(item, f"input[{index}]"), f"input[{index}]")
    else:
        raise InvalidRequestError(
            "'input' must be a string or a non-empty array of input items.", param="input", code="invalid_value"
        )
    converter.end_step()
    return ChatInput(converter.messages, converter.aliases)


class _Converter:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.aliases: dict[str, str] = {}
        self._step: dict[str, Any] | None = None  # the assistant message of the model step being read
        self._step_prefix = ""  # its chat parameter, `messages[<n>]`
        self._signature: str | None = None  # from the step's reasoning item, for its first call or its text
        self._calls: dict[str, str] = {}  # call id (with and without its signature) → the call_id as sent

    def append(self, message: dict[str, Any], param: str) -> str:
        prefix = f"messages[{len(self.messages)}]"
        self.messages.append(message)
        self.aliases[prefix] = param
        return prefix

    def add(self, item: dict[str, Any], param: str) -> None:
        kind = get_str(item, "type", param)
        if kind is None and "role" in item:
            kind = "message"
        if kind == "message":
            self._message(item, param)
        elif kind == "function_call":
            self._call(item, param)
        elif kind == "function_call_output":
            self._output(item, param)
        elif kind == "reasoning":
            signature = signature_from_encrypted(get_str(item, "encrypted_content", param))
            self._signature = signature or self._signature
        elif kind == "item_reference":
            raise InvalidRequestError(
                f"'{param}' is an item_reference; this gateway is stateless and keeps no items, so send the item itself.",
                param=param,
                code="invalid_value",
            )
        else:
            raise InvalidRequestError(
                f"'{param}.type' {kind!r} is not supported; input items are message, function_call, "
                "function_call_output and reasoning.",
                param=f"{param}.type",
                code="invalid_value",
            )

    def end_step(self) -> None:
        """The model step is over: its text takes a signature no call used."""
        step, signature = self._step, self._signature
        self._step = self._signature = None
        if step is None:
            return
        if not step["tool_calls"]:
            del step["tool_calls"]
            if signature and step["content"]:
                step["extra_content"] = extra_content(signature)
        if not step["content"]:
            step["content"] = None if "tool_calls" in step else ""

    # --- items ----------------------------------------------------------------------------------

    def _message(self, item: dict[str, Any], param: str) -> None:
        role = get_str(item, "role", param, required=True)
        if role == "assistant":
            step = self._open_step(param)
            self._parts(item, param, self._step_prefix, step["content"], role)
            return
        if role not in ("user", "system", "developer"):
            raise InvalidRequestError(
                f"'{param}.role' must be one of user, assistant, system, developer; got {role!r}.",
                param=f"{param}.role",
                code="invalid_value",
            )
        if role == "user":
            self.end_step()
        content = item.get("content")
        if isinstance(content, str):
            self.append({"role": role, "content": content}, param)
            return
        parts: list[dict[str, Any]] = []
        prefix = f"messages[{len(self.messages)}]"
        self._parts(item, param, prefix, parts, role)
        self.append({"role": role, "content": parts}, param)

    def _parts(self, item: dict[str, Any], param: str, prefix: str, out: list[dict[str, Any]], role: str) -> None:
        """`item.content` as chat parts, appended to `out` (a string is one text part)."""
        content = item.get("content")
        if content is None:
            raise InvalidRequestError(
                f"Missing required parameter: '{param}.content'.", param=f"{param}.content", code="missing_required_parameter"
            )
        if isinstance(content, str):
            if content:
                self.aliases[f"{prefix}.content[{len(out)}]"] = f"{param}.content"
                out.append({"type": "text", "text": content})
            return
        if not isinstance(content, list):
            raise InvalidRequestError(
                f"'{param}.content' must be a string or an array of content parts.", param=f"{param}.content", code="invalid_type"
            )
        for index, part in enumerate(content):
            part_param = f"{param}.content[{index}]"
            chat_prefix = f"{prefix}.content[{len(out)}]"
            converted = self._part(require_dict(part, part_param), part_param, chat_prefix, role)
            if converted is not None:
                self.aliases[chat_prefix] = part_param
                out.append(converted)

    def _part(self, part: dict[str, Any], param: str, chat_prefix: str, role: str) -> dict[str, Any] | None:
        kind = get_str(part, "type", param, required=True)
        if kind in _TEXT_PARTS:
            return {"type": "text", "text": get_str(part, "text", param, required=True)}
        if kind == "refusal" and role == "assistant":
            return None  # a refusal the model gave is not sent back as text
        if role != "user":
            raise InvalidRequestError(
                f"'{param}.type' must be input_text: {role} messages carry text only (got {kind!r}).",
                param=f"{param}.type",
                code="invalid_value",
            )
        if kind == "input_image":
            for key in ("image_url", "file_id"):
                url = get_str(part, key, param)
                if url:
                    self.aliases[f"{chat_prefix}.image_url.url"] = f"{param}.{key}"
                    image: dict[str, Any] = {"url": url}
                    if part.get("detail") is not None:
                        self.aliases[f"{chat_prefix}.image_url.detail"] = f"{param}.detail"
                        image["detail"] = part["detail"]
                    return {"type": "image_url", "image_url": image}
            raise InvalidRequestError(
                f"'{param}' needs an 'image_url' (an http(s) URL or a data: URI).", param=f"{param}.image_url",
                code="missing_required_parameter",
            )
        if kind == "input_file":
            return self._file(part, param, chat_prefix)
        if kind == "input_audio":
            return {"type": "input_audio", "input_audio": part.get("input_audio")}
        raise InvalidRequestError(
            f"'{param}.type' {kind!r} is not supported; use input_text, input_image, input_file or input_audio.",
            param=f"{param}.type",
            code="invalid_value",
        )

    def _file(self, part: dict[str, Any], param: str, chat_prefix: str) -> dict[str, Any]:
        file_url = get_str(part, "file_url", param)
        if file_url:
            self.aliases[f"{chat_prefix}.image_url.url"] = f"{param}.file_url"
            return {"type": "image_url", "image_url": {"url": file_url}}
        file: dict[str, Any] = {}
        for key in ("file_data", "file_id", "filename"):
            value = get_str(part, key, param)
            if value:
                file[key] = value
                self.aliases[f"{chat_prefix}.file.{key}"] = f"{param}.{key}"
        self.aliases[f"{chat_prefix}.file"] = param
        return {"type": "file", "file": file}

    def _call(self, item: dict[str, Any], param: str) -> None:
        call_id = get_str(item, "call_id", param, required=True)
        name = get_str(item, "name", param, required=True)
        step = self._open_step(param)
        call: dict[str, Any] = {"id": call_id, "type": "function", "function": {"name": name, "arguments": item.get("arguments")}}
        if self._signature and split_tool_call_id(call_id)[1] is None:
            call["extra_content"] = extra_content(self._signature)
        self._signature = None  # Gemini signs the first call of a step; the others go back unsigned
        prefix = f"{self._step_prefix}.tool_calls[{len(step['tool_calls'])}]"
        step["tool_calls"].append(call)
        self.aliases.update({prefix: param, f"{prefix}.function": param, f"{prefix}.id": f"{param}.call_id"})
        self._calls[call_id] = self._calls[split_tool_call_id(call_id)[0]] = call_id

    def _output(self, item: dict[str, Any], param: str) -> None:
        call_id = get_str(item, "call_id", param, required=True)
        # A client may have kept only the id part of a call_id that carried a signature.
        answered = self._calls.get(call_id) or self._calls.get(split_tool_call_id(call_id)[0])
        if answered is None:
            raise InvalidRequestError(
                f"'{param}.call_id' ({call_id[:64]!r}) answers no function_call item earlier in 'input'. This gateway "
                "is stateless: send the function_call items along with their outputs.",
                param=f"{param}.call_id",
                code="invalid_value",
            )
        output = item.get("output")
        if output is None:
            raise InvalidRequestError(
                f"Missing required parameter: '{param}.output'.", param=f"{param}.output", code="missing_required_parameter"
            )
        self.end_step()
        prefix = self.append({"role": "tool", "tool_call_id": answered, "content": _output_content(output, param)}, param)
        self.aliases[f"{prefix}.content"] = f"{param}.output"

    def _open_step(self, param: str) -> dict[str, Any]:
        if self._step is None:
            self._step = {"role": "assistant", "content": [], "tool_calls": []}
            self._step_prefix = self.append(self._step, param)
        return self._step


def _output_content(output: Any, param: str) -> Any:
    """A function call's output: a string or JSON object as it is; an array of text parts as chat text parts."""
    if isinstance(output, (str, dict)):
        return output
    if not isinstance(output, list):
        raise InvalidRequestError(
            f"'{param}.output' must be a string or an array of input_text parts.", param=f"{param}.output", code="invalid_type"
        )
    parts = []
    for index, part in enumerate(output):
        part_param = f"{param}.output[{index}]"
        kind = get_str(require_dict(part, part_param), "type", part_param, required=True)
        if kind not in _TEXT_PARTS:
            raise InvalidRequestError(
                f"'{part_param}.type' must be input_text: function call outputs carry text here (got {kind!r}).",
                param=f"{part_param}.type",
                code="invalid_value",
            )
        parts.append({"type": "text", "text": get_str(part, "text", part_param, required=True)})
    return parts
