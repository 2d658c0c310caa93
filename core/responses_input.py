"""Responses API `instructions` and `input` items → chat `messages`, which the chat translation finishes.

* `instructions` → a `system` message; `input` as a string → one `user` message.
* `message` items (typed, or "easy" ones with only `role` and `content`): `user`, `system`,
  `developer` → the same role; parts `input_text` → `text`, `input_image` → `image_url`,
  `input_file` → `file` (`file_data`, `file_id`) or `image_url` (`file_url`: Gemini fetches it),
  `input_audio` as it is.
* One model step is one run of `reasoning`, assistant `message` and `function_call` items → one
  `assistant` message (text plus `tool_calls`), as Gemini wants it back: one `model` turn.
* Call items of every kind (`function_call`, `custom_tool_call`, `local_shell_call`, `shell_call`,
  client `tool_search_call`; core/responses_calls.py) → `tool_calls` named as Gemini knows the tool
  (core/responses_tools.py); their output items → `tool` messages answering the same `call_id`,
  with any `input_image` / `input_file` parts as media.
* Thought signatures come back in the `call_id` (`<id>__thought__<signature>`, read by the chat
  translation) and in the `encrypted_content` of a `reasoning` item this gateway wrote, which
  signs the next call of its step, or else the step's text (core/responses_items.py).
* Gemini's server-side tool parts come back from the `web_search_call` items that carried them
  (core/server_tools.py): into the next call's id, or the step's `extra_content`.
* `item_reference`: this gateway keeps nothing. A reference to a reasoning item it wrote is skipped
  (its signature rides in the call id), one to its `web_search_call` is read from the id, one to its
  message is skipped when the step's calls are all there (the text was narration); anything else
  is a 400 that says to send the item itself.

Every chat parameter this creates is mapped to the input parameter it came from (`aliases`), so a
400 raised by the chat translation names what the client sent: `input[2].content[1].image_url`,
never `messages[3].content[1].image_url.url`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import InvalidRequestError
from .fields import get_str, require_dict
from .jsontext import dumps
from .responses_calls import CALL_ITEMS, OUTPUT_ITEMS, call_from_item, output_call_id, output_value
from .responses_items import signature_from_encrypted
from .responses_parts import part_to_chat
from .responses_tools import ToolTable, gemini_function_name
from .server_tools import EXTRA_KEY, pack_parts, parts_from_web_search_id
from .signatures import extra_content, join_tool_call_id, split_tool_call_id

__all__ = ["ChatInput", "input_to_chat_messages", "loaded_tools"]

# The ids of the output items this gateway writes: `<prefix>_<request id>_<n>` (core/responses_items.py).
_OUR_ID = re.compile(r"(msg|rs|fc|ctc|lsh|sh|ts)_[A-Za-z0-9]+_[0-9]+")
_STATELESS = ("this gateway is stateless and keeps no items, so send the item itself (with the Vercel AI SDK: "
              "providerOptions: {openai: {store: false}})")


class ChatInput(NamedTuple):
    messages: list[dict[str, Any]]
    aliases: dict[str, str]  # chat parameter → the Responses parameter it was made from


def loaded_tools(body: Mapping[str, Any]) -> list[tuple[Any, str]]:
    """(tool, param) for every tool a client-run `tool_search_output` in `input` loaded: declared too."""
    given = body.get("input")
    found = []
    for index, item in enumerate(given if isinstance(given, list) else []):
        if isinstance(item, dict) and item.get("type") == "tool_search_output" and isinstance(item.get("tools"), list):
            found += [(tool, f"input[{index}].tools[{n}]") for n, tool in enumerate(item["tools"])]
    return found


def input_to_chat_messages(body: Mapping[str, Any], tools: ToolTable | None = None, *, start: int = 0,
                           kept: bool = False) -> ChatInput:
    """The chat `messages` for a Responses request's `instructions` and `input`; `start`: the index in
    the client's `input` of this `input`'s first item (a stored response reads its leading answers itself);
    `kept`: the conversation is kept at Google (previous_response_id), so an `item_reference` names an
    item it has already and is skipped."""
    converter = _Converter(tools or ToolTable(), kept)
    instructions = get_str(body, "instructions")
    if instructions:
        converter.append({"role": "system", "content": instructions}, "instructions")
    given = body.get("input")
    if given is None:
        raise InvalidRequestError("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    if isinstance(given, str):
        converter.append({"role": "user", "content": given}, "input")
    elif isinstance(given, list) and given:
        for index, item in enumerate(given, start):
            converter.add(require_dict(item, f"input[{index}]"), f"input[{index}]")
    else:
        raise InvalidRequestError(
            "'input' must be a string or a non-empty array of input items.", param="input", code="invalid_value"
        )
    converter.end_step()
    return ChatInput(converter.messages, converter.aliases)


class _Converter:
    def __init__(self, tools: ToolTable, kept: bool = False) -> None:
        self.tools = tools
        self.kept = kept
        self.messages: list[dict[str, Any]] = []
        self.aliases: dict[str, str] = {}
        self._step: dict[str, Any] | None = None  # the assistant message of the model step being read
        self._step_prefix = ""  # its chat parameter, `messages[<n>]`
        self._signature: str | None = None  # from the step's reasoning item, for its first call or its text
        self._server: list[dict[str, Any]] = []  # server-side tool parts for the step's next call (or its text)
        self._skipped: list[str] = []  # the step's references to messages of ours, skipped
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
        elif kind in CALL_ITEMS:
            self._call(item, CALL_ITEMS[kind], param)
        elif kind in OUTPUT_ITEMS:
            self._output(item, OUTPUT_ITEMS[kind], param)
        elif kind == "reasoning":
            signature = signature_from_encrypted(get_str(item, "encrypted_content", param))
            self._signature = signature or self._signature
        elif kind == "web_search_call":
            self._server_parts(parts_from_web_search_id(item.get("id")), param)  # another provider's: nothing to send
        elif kind == "item_reference":
            self._reference(get_str(item, "id", param, required=True) or "", param)
        else:
            raise InvalidRequestError(
                f"'{param}.type' {kind!r} is not supported; input items are message, reasoning, function_call, "
                "custom_tool_call, local_shell_call, shell_call, tool_search_call, their outputs, web_search_call and "
                "item_reference.",
                param=f"{param}.type",
                code="invalid_value",
            )

    def end_step(self) -> None:
        """The model step is over: its text takes a signature and the server-side tool parts no call used."""
        step, signature, server, skipped = self._step, self._signature, self._server, self._skipped
        self._step, self._signature, self._server, self._skipped = None, None, [], []
        if step is None:
            return
        if skipped and not step["tool_calls"]:
            raise InvalidRequestError(f"'{skipped[0]}' is an item_reference to a message; {_STATELESS}.",
                                      param=skipped[0], code="invalid_value")
        if not step["tool_calls"]:
            del step["tool_calls"]
            if signature and step["content"]:
                step["extra_content"] = extra_content(signature)
        if server:
            step.setdefault("extra_content", {"google": {}})["google"][EXTRA_KEY] = server
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
            converted = part_to_chat(require_dict(part, part_param), part_param, chat_prefix, role, self.aliases)
            if converted is not None:
                self.aliases[chat_prefix] = part_param
                out.append(converted)

    def _call(self, item: dict[str, Any], kind: str, param: str) -> None:
        found = call_from_item(item, kind, param)
        if found is None:
            return  # a tool search the server ran: nothing Gemini did
        call_id, ref, arguments = found
        step = self._open_step(param)
        name = gemini_function_name(ref.name, ref.namespace)
        if not isinstance(arguments, str) and arguments is not None:
            arguments = dumps(arguments)
        sent_id, server = call_id, self._server
        if server:  # the server-side tool parts before this call ride in its id, as the chat translation reads it
            head, signature = split_tool_call_id(call_id)
            sent_id, self._server = join_tool_call_id(head, signature, pack_parts(server)), []
        call: dict[str, Any] = {"id": sent_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        if self._signature and split_tool_call_id(call_id)[1] is None:
            call["extra_content"] = extra_content(self._signature)
        self._signature = None  # Gemini signs the first call of a step; the others go back unsigned
        prefix = f"{self._step_prefix}.tool_calls[{len(step['tool_calls'])}]"
        step["tool_calls"].append(call)
        self.aliases.update({prefix: param, f"{prefix}.function": param, f"{prefix}.id": f"{param}.call_id"})
        self._calls[call_id] = self._calls[split_tool_call_id(call_id)[0]] = sent_id

    def _output(self, item: dict[str, Any], kind: str, param: str) -> None:
        call_id = output_call_id(item, kind, param)
        if call_id is None:
            return  # a hosted tool search's output
        # A client may have kept only the id part of a call_id that carried a signature.
        answered = self._calls.get(call_id) or self._calls.get(split_tool_call_id(call_id)[0])
        if answered is None:
            raise InvalidRequestError(
                f"'{param}.call_id' ({call_id[:64]!r}) answers no call item earlier in 'input'. This gateway "
                "is stateless: send the call items along with their outputs.",
                param=f"{param}.call_id",
                code="invalid_value",
            )
        output = output_value(item, kind, param)
        self.end_step()
        prefix = self.append({"role": "tool", "tool_call_id": answered, "content": self._output_content(output, param)}, param)
        self.aliases[f"{prefix}.content"] = f"{param}.output"

    def _server_parts(self, parts: list[dict[str, Any]] | None, param: str) -> None:
        if parts:
            self._open_step(param)
            self._server.extend(parts)

    def _reference(self, item_id: str, param: str) -> None:
        """An `item_reference`: honoured where what it names travels elsewhere, else a 400 that says why."""
        if self.kept:
            return  # the previous response's items are at Google already
        parts = parts_from_web_search_id(item_id)
        if parts:
            self._server_parts(parts, param)
        elif _OUR_ID.fullmatch(item_id) and item_id.startswith("rs_"):
            return  # our reasoning item: its signature rides in the call_id too, its summary is not sent back
        elif _OUR_ID.fullmatch(item_id) and item_id.startswith("msg_"):
            self._open_step(param)
            self._skipped.append(param)  # narration before the step's calls; a 400 at the step's end if none come
        else:
            raise InvalidRequestError(f"'{param}' is an item_reference to {item_id[:64]!r}; {_STATELESS}.",
                                      param=param, code="invalid_value")

    def _output_content(self, output: Any, param: str) -> Any:
        """A call's output: a string or JSON object as it is; content parts (text, images, files) as chat parts."""
        if isinstance(output, (str, dict)):
            return output
        if not isinstance(output, list):
            raise InvalidRequestError(
                f"'{param}.output' must be a string or an array of input_text, input_image and input_file parts.",
                param=f"{param}.output", code="invalid_type",
            )
        prefix = f"messages[{len(self.messages)}]"
        parts: list[dict[str, Any]] = []
        for index, part in enumerate(output):
            part_param, chat_prefix = f"{param}.output[{index}]", f"{prefix}.content[{len(parts)}]"
            converted = part_to_chat(require_dict(part, part_param), part_param, chat_prefix, "user", self.aliases)
            if converted is not None:
                self.aliases[chat_prefix] = part_param
                parts.append(converted)
        return parts

    def _open_step(self, param: str) -> dict[str, Any]:
        if self._step is None:
            self._step = {"role": "assistant", "content": [], "tool_calls": []}
            self._step_prefix = self.append(self._step, param)
        return self._step

