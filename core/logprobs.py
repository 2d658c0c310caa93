"""Gemini `logprobsResult` → OpenAI `logprobs` (chat) and the legacy completions shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["chat_logprobs_from_gemini", "completion_logprobs_from_gemini"]


def chat_logprobs_from_gemini(result: Any) -> dict[str, Any] | None:
    """`{"content": [{token, logprob, bytes, top_logprobs}], "refusal": None}`, one entry per chosen token."""
    if not isinstance(result, dict):  # nearly every candidate: none was asked for
        return None
    steps = list(_steps(result))
    if not steps:
        return None
    content = []
    for chosen, top in steps:
        entry = _token(chosen)
        entry["top_logprobs"] = [_token(candidate) for candidate in top]
        content.append(entry)
    return {"content": content, "refusal": None}


def completion_logprobs_from_gemini(result: Any, text_offset: int = 0) -> dict[str, Any] | None:
    """The legacy `/completions` shape: parallel lists of tokens, logprobs, top maps and offsets."""
    steps = list(_steps(result))
    if not steps:
        return None
    tokens, token_logprobs, top_logprobs, offsets = [], [], [], []
    for chosen, top in steps:
        token = _text(chosen)
        tokens.append(token)
        token_logprobs.append(_logprob(chosen))
        top_logprobs.append({_text(candidate): _logprob(candidate) for candidate in top})
        offsets.append(text_offset)
        text_offset += len(token)
    return {"tokens": tokens, "token_logprobs": token_logprobs, "top_logprobs": top_logprobs, "text_offset": offsets}


def _steps(result: Any) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(chosen candidate, top candidates) per decoding step; Gemini lists both step by step."""
    if not isinstance(result, dict) or not isinstance(result.get("chosenCandidates"), list):
        return
    tops = result.get("topCandidates")
    tops = tops if isinstance(tops, list) else []
    for index, chosen in enumerate(result["chosenCandidates"]):
        if not isinstance(chosen, dict):
            continue
        step = tops[index] if index < len(tops) and isinstance(tops[index], dict) else {}
        top = step.get("candidates")
        top = top if isinstance(top, list) else []
        yield chosen, [candidate for candidate in top if isinstance(candidate, dict)]


def _token(candidate: dict[str, Any]) -> dict[str, Any]:
    text = _text(candidate)
    return {"token": text, "logprob": _logprob(candidate), "bytes": list(text.encode("utf-8"))}


def _text(candidate: dict[str, Any]) -> str:
    token = candidate.get("token")
    return token if isinstance(token, str) else ""


def _logprob(candidate: dict[str, Any]) -> float:
    value = candidate.get("logProbability")
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
