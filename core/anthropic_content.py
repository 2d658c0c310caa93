"""Anthropic Messages API `system` and `messages` → Gemini `systemInstruction` and `contents`.

* `system` (a string or text blocks), and system-role messages before any user or assistant message,
  → `systemInstruction`. A system-role message later in the conversation applies from where it
  stands (Claude Code sends one after its first user message and more at the end), so its text
  joins the user turn there as `<system>…</system>`: Gemini has no system turns, and text kept in
  place leaves the prompt's prefix unchanged for Gemini's implicit caching.
* `user` → `user`, `assistant` → `model`; consecutive turns of one role become one, as Anthropic
  combines them ("Consecutive user or assistant turns in your request will be combined").
* User blocks: text, images, documents and search results as core/anthropic_media.py makes them;
  `tool_result` → a `functionResponse` named after the `tool_use` it answers: `{"output": text}`, or
  `{"error": text}` when `is_error`. Its images and documents stand beside it in the same turn, and
  every functionResponse comes first in its turn (Gemini wants the answers right after the calls).
* Assistant blocks: `text`, `tool_use` → `functionCall` (the id goes back when Gemini issued it),
  and `thinking` blocks, whose `signature` holds a thought signature this gateway wrote
  (core/signatures.py). A signature belongs to the block after its thinking block when that is a
  tool_use, else to the text before it, else to the text after it (core/anthropic_blocks.py writes
  them so). Gemini 3's first call of a step without one gets the documented dummy.
* `cache_control` and `citations` are accepted and ignored; `redacted_thinking` and the results of
  Anthropic's server tools are dropped: they are state of Anthropic's own.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, NamedTuple

from .anthropic_media import media_or_text, text_parts
from .errors import InvalidRequestError
from .fields import get_bool, get_dict, get_str, require_dict
from .lineup import generation, requires_thought_signatures
from .messages import sign_first_call
from .signatures import unmark_signature

__all__ = ["Conversation", "conversation_to_gemini"]

# Tool-use ids this gateway makes start with this; any other id came from Gemini and goes back to it.
GENERATED_ID_PREFIX = "toolu_"
# Blocks of Anthropic's own state (its server tools, redacted thoughts), which Gemini cannot use.
_DROPPED = frozenset({
    "redacted_thinking", "server_tool_use", "web_search_tool_result", "web_fetch_tool_result",
    "code_execution_tool_result", "bash_code_execution_tool_result", "text_editor_code_execution_tool_result",
    "tool_search_tool_result", "mcp_tool_use", "mcp_tool_result", "compaction",
})


class Conversation(NamedTuple):
    system: dict[str, Any] | None  # systemInstruction
    contents: list[dict[str, Any]]
    referenced: frozenset[str]  # tools named by `tool_reference` blocks: deferred tools now loaded


class _Call(NamedTuple):
    name: str
    gemini_id: str | None
    order: int


class _Turn:
    __slots__ = ("role", "answers", "parts")

    def __init__(self, role: str) -> None:
        self.role = role
        self.answers: list[tuple[int, dict[str, Any]]] = []  # (call order, functionResponse part)
        self.parts: list[dict[str, Any]] = []


def conversation_to_gemini(system: Any, messages: Any, model: str) -> Conversation:
    """(systemInstruction, contents, referenced tools) for a request's `system` and `messages`."""
    if not isinstance(messages, list) or not messages:
        raise InvalidRequestError("'messages' must be a non-empty array of messages.", param="messages", code="invalid_value")
    converter = _Converter(keep_signatures=generation(model) is not None)
    converter.system.extend(text_parts(system, "system") if system is not None else [])
    for index, message in enumerate(messages):
        converter.add(require_dict(message, f"messages[{index}]"), f"messages[{index}]")
    contents = converter.contents()
    if requires_thought_signatures(model):
        contents = [sign_first_call(content) for content in contents]
    instruction = {"parts": converter.system} if converter.system else None
    return Conversation(instruction, contents, frozenset(converter.referenced))


class _Converter:
    def __init__(self, *, keep_signatures: bool) -> None:
        self.keep_signatures = keep_signatures
        self.system: list[dict[str, Any]] = []
        self.turns: list[_Turn] = []
        self.calls: dict[str, _Call] = {}
        self.referenced: set[str] = set()
        self.started = False

    def add(self, message: dict[str, Any], prefix: str) -> None:
        role = get_str(message, "role", prefix, required=True)
        content = message.get("content")
        if content is None:
            raise InvalidRequestError(f"Missing required parameter: '{prefix}.content'.", param=f"{prefix}.content",
                                      code="missing_required_parameter")
        if role == "system":
            self._system(text_parts(content, f"{prefix}.content"))
            return
        if role not in ("user", "assistant"):
            raise InvalidRequestError(f"'{prefix}.role' must be user, assistant or system; got {role!r}.",
                                      param=f"{prefix}.role", code="invalid_value")
        self.started = True
        turn = _Turn("user" if role == "user" else "model")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            raise InvalidRequestError(f"'{prefix}.content' must be a string or an array of content blocks.",
                                      param=f"{prefix}.content", code="invalid_type")
        if role == "user":
            for index, block in enumerate(blocks):
                self._user_block(require_dict(block, f"{prefix}.content[{index}]"), f"{prefix}.content[{index}]", turn)
        else:
            self._assistant(blocks, f"{prefix}.content", turn)
        self.turns.append(turn)

    def contents(self) -> list[dict[str, Any]]:
        """The turns with something in them, each role's run merged, functionResponses first."""
        merged: list[_Turn] = []
        for turn in self.turns:
            if not turn.answers and not turn.parts:
                continue
            if merged and merged[-1].role == turn.role:
                merged[-1].answers.extend(turn.answers)
                merged[-1].parts.extend(turn.parts)
            else:
                merged.append(turn)
        if not merged:
            # Gemini needs at least one turn; a lone system prompt is answered as if the user said nothing.
            return [{"role": "user", "parts": [{"text": " "}]}]
        return [{"role": t.role, "parts": [part for _, part in sorted(t.answers, key=lambda a: a[0])] + t.parts} for t in merged]

    def _system(self, parts: list[dict[str, Any]]) -> None:
        if not self.started:
            self.system.extend(parts)
        elif parts:
            text = "\n\n".join(part["text"] for part in parts)
            turn = _Turn("user")
            turn.parts.append({"text": f"<system>\n{text}\n</system>"})
            self.turns.append(turn)

    # --- user blocks ----------------------------------------------------------------------------

    def _user_block(self, block: dict[str, Any], param: str, turn: _Turn) -> None:
        kind = get_str(block, "type", param, required=True)
        if kind == "tool_result":
            self._tool_result(block, param, turn)
        elif kind == "mid_conv_system":  # the SDK's system block inside a message
            self._system(text_parts(block.get("content") or [], f"{param}.content"))
        elif kind in ("tool_use", "thinking"):
            raise InvalidRequestError(f"'{param}' is a {kind} block, which only assistant messages hold.",
                                      param=f"{param}.type", code="invalid_value")
        elif kind not in _DROPPED:
            turn.parts.extend(media_or_text(block, kind, param))

    def _tool_result(self, block: dict[str, Any], param: str, turn: _Turn) -> None:
        tool_use_id = get_str(block, "tool_use_id", param, required=True)
        call = self.calls.get(tool_use_id)
        if call is None:
            raise InvalidRequestError(
                f"'{param}.tool_use_id' ({tool_use_id[:64]!r}) matches no tool_use block of an earlier assistant message.",
                param=f"{param}.tool_use_id", code="invalid_value",
            )
        texts: list[str] = []
        content = block.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for index, item in enumerate(content):
                item_param = f"{param}.content[{index}]"
                item = require_dict(item, item_param)
                kind = get_str(item, "type", item_param, required=True)
                if kind == "tool_reference":  # Claude Code's ToolSearch loads a deferred tool
                    name = get_str(item, "tool_name", item_param, required=True)
                    self.referenced.add(name)
                    texts.append(f"Tool {name} loaded.")
                    continue
                for part in media_or_text(item, kind, item_param):
                    if "text" in part:
                        texts.append(part["text"])
                    else:
                        turn.parts.append(part)  # images and documents beside the answer, in the same turn
        elif content is not None:
            raise InvalidRequestError(f"'{param}.content' must be a string or an array of content blocks.",
                                      param=f"{param}.content", code="invalid_type")
        # Gemini reads the key "output" as a function's result and "error" as its failure (types.FunctionResponse).
        key = "error" if get_bool(block, "is_error", param) else "output"
        response: dict[str, Any] = {"name": call.name, "response": {key: "\n\n".join(texts)}}
        if call.gemini_id:
            response["id"] = call.gemini_id
        turn.answers.append((call.order, {"functionResponse": response}))

    # --- assistant blocks -----------------------------------------------------------------------

    def _assistant(self, blocks: list[Any], prefix: str, turn: _Turn) -> None:
        parts: list[dict[str, Any]] = []
        signatures: list[tuple[int, str]] = []  # (index of the part after the thinking block, signature)
        for index, block in enumerate(blocks):
            param = f"{prefix}[{index}]"
            block = require_dict(block, param)
            kind = get_str(block, "type", param, required=True)
            if kind == "text":
                text = get_str(block, "text", param, required=True)
                if text:
                    parts.append({"text": text})
            elif kind == "thinking":
                signature = unmark_signature(block.get("signature"))
                if signature and self.keep_signatures:
                    signatures.append((len(parts), signature))
            elif kind == "tool_use":
                parts.append(self._tool_use(block, param))
            elif kind not in _DROPPED:
                raise InvalidRequestError(
                    f"'{param}.type' {kind!r} cannot stand in an assistant message; use text, thinking or tool_use.",
                    param=f"{param}.type", code="invalid_value",
                )
        turn.parts.extend(_signed(parts, signatures))

    def _tool_use(self, block: dict[str, Any], param: str) -> dict[str, Any]:
        tool_use_id = get_str(block, "id", param, required=True)
        name = get_str(block, "name", param, required=True)
        args = get_dict(block, "input", param) or {}
        gemini_id = None if tool_use_id.startswith(GENERATED_ID_PREFIX) else tool_use_id
        self.calls[tool_use_id] = _Call(name, gemini_id, len(self.calls))
        call: dict[str, Any] = {"name": name, "args": args}
        if gemini_id:
            call["id"] = gemini_id
        return {"functionCall": call}


def _signed(parts: list[dict[str, Any]], signatures: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """`parts` with each signature on the part it belongs to (copies; two never share a part)."""
    if not signatures:
        return parts
    parts = list(parts)

    def sign(target: int, signature: str) -> None:
        if "thoughtSignature" not in parts[target]:
            parts[target] = {**parts[target], "thoughtSignature": signature}

    # Thinking blocks side by side (a signed text's, then a signed call's) stand at one position.
    for position, group in groupby(signatures, key=lambda item: item[0]):
        queue = [signature for _, signature in group]
        after = parts[position] if position < len(parts) else None
        before = parts[position - 1] if position > 0 else None
        if after is not None and "functionCall" in after:
            sign(position, queue.pop())  # the block right before a tool_use is the call's
        if queue and before is not None and "text" in before:
            sign(position - 1, queue.pop(0))
        elif queue and after is not None and "text" in after:
            sign(position, queue.pop())
    return parts
