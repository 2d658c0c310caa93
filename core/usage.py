"""Gemini `usageMetadata` → OpenAI `usage`."""

from __future__ import annotations

from typing import Any

__all__ = ["add_usage", "usage_from_gemini", "usage_summary"]


def usage_from_gemini(meta: Any) -> dict[str, Any] | None:
    """OpenAI usage: completion tokens count the answer and the thoughts, as OpenAI bills reasoning.

    `promptTokenCount` already includes cached tokens; `toolUsePromptTokenCount` (search results and
    other tool input Gemini reads) is prompt input too (types.GenerateContentResponseUsageMetadata).
    """
    if not isinstance(meta, dict):
        return None
    # The counts (a JSON true is no count), read in one pass: this runs for every answer and stream event.
    counts = {key: value for key, value in meta.items() if type(value) is int}
    count = counts.get
    prompt = count("promptTokenCount", 0) + count("toolUsePromptTokenCount", 0)
    thoughts = count("thoughtsTokenCount", 0)
    completion = count("candidatesTokenCount", 0) + thoughts
    total = count("totalTokenCount", 0) or prompt + completion
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total,
        "prompt_tokens_details": {
            "cached_tokens": count("cachedContentTokenCount", 0),
            "audio_tokens": _modality(meta, "promptTokensDetails", "AUDIO"),
        },
        "completion_tokens_details": {
            "reasoning_tokens": thoughts,
            "audio_tokens": _modality(meta, "candidatesTokensDetails", "AUDIO"),
        },
    }


def _count(meta: dict[str, Any], key: str) -> int:
    value = meta.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _modality(meta: dict[str, Any], key: str, modality: str) -> int:
    details = meta.get(key)
    if not details or not isinstance(details, list):
        return 0
    return sum(_count(d, "tokenCount") for d in details if isinstance(d, dict) and d.get("modality") == modality)


def add_usage(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    """The sum of two OpenAI usage objects (for answers assembled from several Gemini calls)."""
    if a is None or b is None:
        return a or b
    return {key: add_usage(value, b.get(key)) if isinstance(value, dict) else value + b.get(key, 0) for key, value in a.items()}


def usage_summary(usage: dict[str, Any]) -> dict[str, Any]:
    """The three totals a log line carries."""
    return {key: usage[key] for key in ("prompt_tokens", "completion_tokens", "total_tokens") if usage.get(key) is not None}
