"""Gemini `GenerateContentResponse` → an Anthropic `message`; its stop reason and usage."""

from __future__ import annotations

from typing import Any

from .anthropic_blocks import ContentBlocks
from .candidates import blocked_prompt_message, candidate_index, candidate_parts, finish_reason, response_candidates
from .chat_response import check_gemini_response
from .errors import UpstreamError
from .usage import usage_from_gemini

__all__ = ["message_from_gemini", "message_object", "messages_usage_from_gemini", "refusal_details", "stop_reason"]

# Chat finish reasons (core/candidates.py maps every Gemini finishReason to one) → Anthropic's.
# Gemini does not say which stop sequence it met, so a stop there reads as `end_turn`.
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "content_filter": "refusal", "tool_calls": "tool_use"}


def message_from_gemini(data: Any, plan: Any, *, token: str) -> dict[str, Any]:
    """The Message for a whole Gemini response; `token` makes the ids (`msg_<token>`, `toolu_<token>_<n>`)."""
    data = check_gemini_response(data)
    blocks = ContentBlocks(token, single_tool=plan.single_tool)
    candidates = response_candidates(data)
    if candidates:
        # The Messages API has no `n`: the first candidate is the answer.
        candidate = min(candidates, key=candidate_index)
        for part in candidate_parts(candidate):
            blocks.part(part)
        blocks.finish(candidate.get("groundingMetadata"))
        reason, details = stop_reason(candidate.get("finishReason"), blocks.calls > 0), None
    else:
        details = refusal_details(data)
        if details is None:
            raise UpstreamError("Gemini returned no candidates and no block reason.")
        reason = "refusal"
    message = message_object(token, plan.model, blocks.blocks, reason, messages_usage_from_gemini(data.get("usageMetadata")))
    if details:
        message["stop_details"] = details
    return message


def message_object(token: str, model: str, content: list[dict[str, Any]], reason: str | None,
                   usage: dict[str, Any]) -> dict[str, Any]:
    """The `message` object (a stream's `message_start` has it with no content and no stop reason yet)."""
    return {
        "id": f"msg_{token}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reason,
        "stop_sequence": None,
        "usage": usage,
    }


def stop_reason(gemini_reason: Any, called_tools: bool) -> str:
    return STOP_REASONS[finish_reason(gemini_reason, called_tools)]


def refusal_details(data: dict[str, Any]) -> dict[str, Any] | None:
    """`stop_details` for a prompt Gemini blocked (`promptFeedback.blockReason`), else None."""
    explanation = blocked_prompt_message(data.get("promptFeedback"))
    return {"type": "refusal", "category": None, "explanation": explanation} if explanation else None


def messages_usage_from_gemini(meta: Any) -> dict[str, Any]:
    """Anthropic `usage`: input without the cached tokens (Anthropic counts those apart), output with thoughts."""
    usage = usage_from_gemini(meta if isinstance(meta, dict) else {})
    assert usage is not None
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    return {
        "input_tokens": max(0, usage["prompt_tokens"] - cached),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
        "output_tokens": usage["completion_tokens"],
        "output_tokens_details": {"thinking_tokens": usage["completion_tokens_details"]["reasoning_tokens"]},
    }
