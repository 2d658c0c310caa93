"""Gemini `GenerateContentResponse` → OpenAI `chat.completion`."""

from __future__ import annotations

from typing import Any

from .candidates import blocked_prompt_message, call_ids, candidate_to_choice, response_candidates
from .chat import ChatPlan
from .errors import UpstreamError, error_from_gemini
from .usage import usage_from_gemini

__all__ = ["chat_response_from_gemini", "check_gemini_response", "response_model"]


def chat_response_from_gemini(data: Any, plan: ChatPlan, *, completion_id: str, created: int) -> dict[str, Any]:
    """The OpenAI chat completion for a whole Gemini response; ids and time are passed in."""
    data = check_gemini_response(data)
    candidates = response_candidates(data)
    if candidates:
        ids = call_ids(completion_id)
        choices = sorted((candidate_to_choice(c, ids) for c in candidates), key=lambda choice: choice["index"])
    else:
        choices = _blocked_choices(data, plan.n)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": response_model(data, plan.model),
        "choices": choices,
        "usage": usage_from_gemini(data.get("usageMetadata") or {}),
    }


def check_gemini_response(data: Any) -> dict[str, Any]:
    """`data` if it is a response object; an error object Gemini sent with HTTP 200 is raised."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise UpstreamError("Gemini answered with something that is not a response object.")
    error = data.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        raise error_from_gemini(code if isinstance(code, int) and 400 <= code < 600 else 502, data)
    return data


def response_model(data: dict[str, Any], fallback: str) -> str:
    version = data.get("modelVersion")
    return version if isinstance(version, str) and version else fallback


def _blocked_choices(data: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """No candidates: the prompt was blocked. Each choice says why, as a refusal."""
    reason = blocked_prompt_message(data.get("promptFeedback"))
    if reason is None:
        raise UpstreamError("Gemini returned no candidates and no block reason.")
    return [
        {
            "index": index,
            "message": {"role": "assistant", "content": None, "refusal": reason},
            "logprobs": None,
            "finish_reason": "content_filter",
        }
        for index in range(n)
    ]
