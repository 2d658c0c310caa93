"""Gemini `GenerateContentResponse` → an OpenAI Responses API `response` object."""

from __future__ import annotations

from typing import Any

from .candidates import FINISH_REASONS, blocked_prompt_message, candidate_index, candidate_parts, response_candidates
from .chat_response import check_gemini_response, response_model
from .errors import GatewayError, UpstreamError
from .responses_items import OutputItems
from .usage import usage_from_gemini

__all__ = ["incomplete_reason", "response_error", "response_from_gemini", "response_object", "responses_usage_from_gemini"]

# Chat finish reasons (candidates.FINISH_REASONS) that leave a response `incomplete`, and why.
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}
# Gateway error statuses → the `code` of a failed response's `error` (a fixed list in the API).
_ERROR_CODES = {400: "invalid_prompt", 429: "rate_limit_exceeded"}


def response_from_gemini(data: Any, plan: Any, *, token: str, created: int) -> dict[str, Any]:
    """The Response object for a whole Gemini response; the id token and the time are passed in."""
    data = check_gemini_response(data)
    items = OutputItems(token, encrypted=plan.encrypted, tools=plan.tools)
    candidates = response_candidates(data)
    incomplete = None
    if candidates:
        # The Responses API has no `n`: the first candidate is the answer.
        candidate = min(candidates, key=candidate_index)
        for part in candidate_parts(candidate):
            items.part(part)
        incomplete = incomplete_reason(candidate.get("finishReason"))
        items.finish(incomplete=incomplete is not None, grounding=candidate.get("groundingMetadata"))
    else:
        reason = blocked_prompt_message(data.get("promptFeedback"))
        if reason is None:
            raise UpstreamError("Gemini returned no candidates and no block reason.")
        items.refusal(reason)
        incomplete = "content_filter"
    return response_object(
        plan,
        token=token,
        created=created,
        model=response_model(data, plan.model),
        status="incomplete" if incomplete else "completed",
        output=items.items,
        usage=responses_usage_from_gemini(data.get("usageMetadata") or {}),
        incomplete=incomplete,
    )


def response_object(
    plan: Any,
    *,
    token: str,
    created: int,
    model: str,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
    incomplete: str | None = None,
    error: dict[str, Any] | None = None,
    stored: Any = None,
) -> dict[str, Any]:
    """The `response` object, with the request's settings repeated as the API does. `stored`: what a
    stored response (core/stateful.py) says of itself — its `id`, `background`, `previous_response_id`."""
    echo = plan.echo
    return {
        "id": stored.id if stored is not None else f"resp_{token}",
        "object": "response",
        "created_at": created,
        "status": status,
        "background": stored.background if stored is not None else False,
        "error": error,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": echo["instructions"],
        "max_output_tokens": echo["max_output_tokens"],
        "model": model,
        "output": output,
        "output_text": _output_text(output),
        "parallel_tool_calls": echo["parallel_tool_calls"],
        "previous_response_id": stored.previous_response_id if stored is not None else None,
        "reasoning": echo["reasoning"],
        "store": stored is not None and stored.store,
        "temperature": echo["temperature"],
        "text": echo["text"],
        "tool_choice": echo["tool_choice"],
        "tools": echo["tools"],
        "top_p": echo["top_p"],
        "truncation": echo["truncation"],
        "usage": usage,
        "user": echo["user"],
        "metadata": echo["metadata"],
    }


def responses_usage_from_gemini(meta: Any) -> dict[str, Any] | None:
    """Responses `usage`: the chat counts (core/usage.py) under the Responses API's names."""
    usage = usage_from_gemini(meta)
    if usage is None:
        return None
    return {
        "input_tokens": usage["prompt_tokens"],
        "input_tokens_details": {"cached_tokens": usage["prompt_tokens_details"]["cached_tokens"], "cache_write_tokens": 0},
        "output_tokens": usage["completion_tokens"],
        "output_tokens_details": {"reasoning_tokens": usage["completion_tokens_details"]["reasoning_tokens"]},
        "total_tokens": usage["total_tokens"],
    }


def incomplete_reason(gemini_reason: Any) -> str | None:
    """Why a candidate that ended with `gemini_reason` is incomplete, or None if it is complete."""
    return _INCOMPLETE.get(FINISH_REASONS.get(gemini_reason, "stop")) if isinstance(gemini_reason, str) else None


def response_error(error: GatewayError) -> dict[str, Any]:
    """A failed response's `error` object."""
    return {"code": _ERROR_CODES.get(error.status, "server_error"), "message": error.message}


def _output_text(output: list[dict[str, Any]]) -> str:
    """All `output_text` of the output's messages, joined: what the OpenAI SDKs offer as `response.output_text`."""
    return "".join(
        part["text"] for item in output if item["type"] == "message" for part in item["content"] if part["type"] == "output_text"
    )
