"""Gemini candidates and their parts → OpenAI choices, shared by whole responses and streams."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from .citations import annotations_from_grounding
from .jsontext import dumps
from .logprobs import chat_logprobs_from_gemini
from .server_tools import EXTRA_KEY, is_server_part, pack_parts
from .signatures import extra_content, join_tool_call_id

__all__ = [
    "FINISH_REASONS",
    "blocked_prompt_message",
    "call_ids",
    "candidate_parts",
    "candidate_to_choice",
    "empty_answer",
    "empty_stream",
    "finish_reason",
    "finish_reason_of",
    "has_substance",
    "image_markdown",
    "read_part",
    "refusal_of",
    "response_candidates",
    "server_extra",
    "tool_call_from_gemini",
]

# Every Gemini FinishReason (types.FinishReason, plus js-genai's two newer values) → OpenAI.
# OpenAI has five values; whenever the model called a function the answer is "tool_calls" instead.
FINISH_REASONS = {
    "FINISH_REASON_UNSPECIFIED": "stop",
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "LANGUAGE": "stop",
    "OTHER": "stop",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "MALFORMED_FUNCTION_CALL": "stop",
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter",
    "IMAGE_OTHER": "stop",
    "NO_IMAGE": "stop",
    "UNEXPECTED_TOOL_CALL": "stop",
    "TOO_MANY_TOOL_CALLS": "stop",
    "MISSING_THOUGHT_SIGNATURE": "stop",
    "MALFORMED_RESPONSE": "stop",
}
_DEFAULT_FINISH = "stop"
# An answer with nothing in it that ended this way is worth asking again: Gemini sometimes ends a turn
# with STOP and no parts, or fails to write the function call it meant (MALFORMED_FUNCTION_CALL).
_EMPTY_RETRYABLE = frozenset({"STOP", "MALFORMED_FUNCTION_CALL"})
# Parts that hold something for the client, whatever else they carry.
_SUBSTANTIAL = ("functionCall", "inlineData", "fileData", "executableCode", "codeExecutionResult", "toolCall", "toolResponse")


def finish_reason(gemini_reason: Any, called_tools: bool) -> str:
    if called_tools:
        return "tool_calls"
    return FINISH_REASONS.get(gemini_reason, _DEFAULT_FINISH) if isinstance(gemini_reason, str) else _DEFAULT_FINISH


def has_substance(data: dict[str, Any]) -> bool:
    """Whether a response (or one stream event) holds anything for the client: text or thoughts, a call,
    media, code, or a refusal (a blocked prompt)."""
    return _has_substance(data, response_candidates(data))


def _has_substance(data: dict[str, Any], candidates: list[dict[str, Any]]) -> bool:
    feedback = data.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        return True
    for candidate in candidates:
        for part in candidate_parts(candidate):
            if part.get("text") or any(name in part for name in _SUBSTANTIAL):
                return True
    return False


def empty_answer(data: dict[str, Any]) -> bool:
    """A whole answer whose candidates all ended normally (or with a malformed call) and said nothing."""
    candidates = response_candidates(data)
    if not candidates:
        return False
    for candidate in candidates:
        if candidate.get("finishReason") not in _EMPTY_RETRYABLE:
            return False
    return not _has_substance(data, candidates)


def empty_stream(said: bool, finishes: Collection[str]) -> bool:
    """A finished stream that said nothing and whose candidates all ended as `empty_answer` means."""
    return not said and bool(finishes) and all(reason in _EMPTY_RETRYABLE for reason in finishes)


def call_ids(completion_id: str) -> Iterator[str]:
    """Tool-call ids unique to one completion: `call_<completion id suffix>_<n>`."""
    token = completion_id.rpartition("-")[2] or completion_id
    n = 0
    while True:
        yield f"call_{token}_{n}"
        n += 1


def response_candidates(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The response's candidates that are objects: its own list when all are (every answer, every stream
    event — not to be changed in place), else a filtered copy."""
    candidates = data.get("candidates")
    if not isinstance(candidates, list):
        return []
    for candidate in candidates:
        if not isinstance(candidate, dict):
            return [c for c in candidates if isinstance(c, dict)]
    return candidates


def candidate_parts(candidate: dict[str, Any]) -> list[dict[str, Any]]:
    """The candidate's parts that are objects: its own list when all are, else a filtered copy (as
    response_candidates)."""
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list):
        return []
    for part in parts:
        if not isinstance(part, dict):
            return [part for part in parts if isinstance(part, dict)]
    return parts


def read_part(part: dict[str, Any]) -> tuple[str, Any, str | None]:
    """(kind, value, thought signature) of a part, every translator's first question about it. Kind and
    value: ("reasoning" | "content", text), ("call", functionCall), ("image", data: URL), ("server", the
    part: a toolCall / toolResponse of a built-in tool, core/server_tools.py) or ("other", None)."""
    signature = part.get("thoughtSignature")
    if not (signature and isinstance(signature, str)):
        signature = None
    text = part.get("text")
    if isinstance(text, str):  # the usual part, first
        return ("reasoning" if part.get("thought") is True else "content"), text, signature
    inline = part.get("inlineData")
    if isinstance(inline, dict) and part.get("thought") is not True:  # thought images are drafts
        mime, data = inline.get("mimeType"), inline.get("data")
        if isinstance(mime, str) and mime.startswith("image/") and isinstance(data, str) and data:
            return "image", f"data:{mime};base64,{data}", signature
    call = part.get("functionCall")
    if isinstance(call, dict):
        return "call", call, signature
    if is_server_part(part):
        return "server", part, signature
    code = part.get("executableCode")
    if isinstance(code, dict) and isinstance(code.get("code"), str):
        language = code.get("language")
        language = language if isinstance(language, str) else ""
        return "content", f"\n```{language.lower()}\n{code['code']}\n```\n", signature
    result = part.get("codeExecutionResult")
    if isinstance(result, dict) and isinstance(result.get("output"), str):
        return "content", f"\n```output\n{result['output']}\n```\n", signature
    return "other", None, signature


def tool_call_from_gemini(
    call: dict[str, Any], call_id: str, signature: str | None, server: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An OpenAI tool call; the signature rides in the id and in `extra_content`, the server-side tool
    parts that came before it in the id."""
    gemini_id = call.get("id")
    base = gemini_id if isinstance(gemini_id, str) and gemini_id else call_id
    name = call.get("name") if isinstance(call.get("name"), str) else ""
    args = call.get("args") if isinstance(call.get("args"), dict) else {}
    tool_call: dict[str, Any] = {
        "id": join_tool_call_id(base, signature, pack_parts(server) if server else None),
        "type": "function",
        "function": {"name": name, "arguments": dumps(args)},
    }
    if signature:
        tool_call["extra_content"] = extra_content(signature)
    return tool_call


def candidate_to_choice(candidate: dict[str, Any], ids: Iterator[str]) -> dict[str, Any]:
    """A whole Gemini candidate as an OpenAI `chat.completion` choice."""
    content: list[str] = []
    reasoning: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    server: list[dict[str, Any]] = []  # server-side tool parts waiting for the next call to carry them
    signature = None
    for part in candidate_parts(candidate):
        kind, value, part_sig = read_part(part)
        if kind == "call":
            tool_calls.append(tool_call_from_gemini(value, next(ids), part_sig, server))
            server = []
            continue
        if kind == "server":
            server.append(value)
            continue
        if part_sig:
            signature = part_sig
        if kind == "content":
            content.append(value)
        elif kind == "image":
            content.append(image_markdown(value, bool(content)))
        elif kind == "reasoning":
            reasoning.append(value)

    text = "".join(content)
    message: dict[str, Any] = {"role": "assistant", "content": None if tool_calls and not text else text, "refusal": None}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    if tool_calls:
        message["tool_calls"] = tool_calls
    if signature or server:
        message["extra_content"] = server_extra(signature, server)
    grounding = candidate.get("groundingMetadata")
    annotations = annotations_from_grounding(grounding, text) if grounding is not None else None
    if annotations:
        message["annotations"] = annotations
    return {
        "index": candidate_index(candidate),
        "message": message,
        "logprobs": chat_logprobs_from_gemini(candidate.get("logprobsResult")),
        "finish_reason": finish_reason(candidate.get("finishReason"), bool(tool_calls)),
    }


def server_extra(signature: str | None, server: list[dict[str, Any]]) -> dict[str, Any]:
    """`extra_content` for a text answer: its signature, and the server-side tool parts no call carried."""
    extra = extra_content(signature) if signature else {"google": {}}
    if server:
        extra["google"][EXTRA_KEY] = server
    return extra


def image_markdown(url: str, after_text: bool) -> str:
    """A picture in a whole answer, as the Markdown every chat client renders (Open WebUI, LobeChat,
    Cherry Studio); a stream sends pictures as `delta.images` instead (core/stream.py)."""
    return f"\n\n![image]({url})" if after_text else f"![image]({url})"


def candidate_index(candidate: dict[str, Any]) -> int:
    # Gemini omits `"index": 0` on the first candidate.
    index = candidate.get("index", 0)
    return index if type(index) is int and 0 <= index < 64 else 0  # type(): a JSON true is no index


def refusal_of(data: dict[str, Any], finish_reasons: Collection[str] = ()) -> str | None:
    """Why Gemini refused to answer at all: `blockReason: X` (the prompt was blocked), or
    `finishReason: X` for the first candidate stopped for one of `finish_reasons`; else None."""
    feedback = data.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        return f"blockReason: {feedback['blockReason']}"
    reasons = (c.get("finishReason") for c in response_candidates(data))
    stopped = next((reason for reason in reasons if isinstance(reason, str) and reason in finish_reasons), None)
    return f"finishReason: {stopped}" if stopped else None


def finish_reason_of(data: dict[str, Any]) -> str:
    """The first candidate's finishReason, for a message ("none" when there is none)."""
    candidates = response_candidates(data)
    reason = candidates[0].get("finishReason") if candidates else None
    return reason if isinstance(reason, str) and reason else "none"


def blocked_prompt_message(feedback: Any) -> str | None:
    """A readable explanation when Gemini refused the prompt itself (`promptFeedback.blockReason`)."""
    if not isinstance(feedback, dict) or not isinstance(feedback.get("blockReason"), str):
        return None
    message = f"Gemini blocked the prompt (blockReason: {feedback['blockReason']})."
    ratings = feedback.get("safetyRatings")
    ratings = ratings if isinstance(ratings, list) else []
    flagged = [
        f"{rating['category'].removeprefix('HARM_CATEGORY_').lower()}: {rating['probability'].lower()}"
        for rating in ratings
        if isinstance(rating, dict)
        and isinstance(rating.get("category"), str)
        and rating.get("probability") in ("LOW", "MEDIUM", "HIGH")
    ]
    if flagged:
        message += " Flagged: " + ", ".join(flagged) + "."
    return message
