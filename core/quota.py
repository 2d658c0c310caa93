"""What a Gemini 429 says about the quota it hit: which quota, per minute or per day, for which
model, and how long to wait.

Free-tier quotas count per Google Cloud project, per model, per minute and per day; a 429 names
the quota in a `google.rpc.QuotaFailure` detail and the wait in a `google.rpc.RetryInfo` detail
(https://ai.google.dev/gemini-api/docs/rate-limits). A real body, from
https://github.com/googleapis/python-genai/issues/2044:

    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
         "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
         "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"}}, ...]},
    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "47s"}

Older answers name the quota in `google.rpc.ErrorInfo` metadata instead (`quota_limit`:
"GenerateContentRequestsPerMinutePerProjectPerRegion", google-gemini/deprecated-generative-ai-python#206).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

__all__ = ["MAX_RETRY_DELAY", "Quota", "quota_from_error", "retry_delay"]

# A wait longer than this is not believed: no Gemini quota window is longer than a day.
MAX_RETRY_DELAY = 86400.0
# Only plain non-negative decimals count: "NaNs", "infs", "-1s" or "1e400s" are not a wait.
_SECONDS = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,9}))?s")
_RETRY_IN = re.compile(r"retry in ([0-9]{1,12}(?:\.[0-9]{1,9})?)\s*s", re.IGNORECASE)
_QUOTA_FAILURE = "type.googleapis.com/google.rpc.QuotaFailure"


class Quota(NamedTuple):
    """The quota a 429 names."""

    quota_id: str  # e.g. GenerateRequestsPerDayPerProjectPerModel-FreeTier
    per_day: bool  # a daily quota: resets at midnight Pacific time, waiting a minute will not help
    model: str | None  # `quotaDimensions.model`, when the quota counts per model


def quota_from_error(details: list[dict[str, Any]]) -> Quota | None:
    """The quota a 429's details name; a daily one if any violation is daily (it outlasts the rest)."""
    quotas = []
    for detail in details:
        if detail.get("@type") == _QUOTA_FAILURE and isinstance(detail.get("violations"), list):
            for violation in detail["violations"]:
                if isinstance(violation, dict) and isinstance(violation.get("quotaId"), str):
                    dimensions = violation.get("quotaDimensions")
                    model = dimensions.get("model") if isinstance(dimensions, dict) else None
                    quotas.append(_quota(violation["quotaId"], model if isinstance(model, str) else None))
        metadata = detail.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("quota_limit"), str):
            quotas.append(_quota(metadata["quota_limit"], None))
    daily = [quota for quota in quotas if quota.per_day]
    chosen = daily or quotas
    return chosen[0] if chosen else None


def retry_delay(details: list[dict[str, Any]], message: str) -> float | None:
    """Seconds to wait, from `RetryInfo.retryDelay` (`"37s"`) or the message's "Please retry in 29.05s."

    Only finite, non-negative delays count, capped at MAX_RETRY_DELAY.
    """
    for detail in details:
        delay = detail.get("retryDelay")
        if isinstance(delay, str):
            match = _SECONDS.fullmatch(delay.strip())
            if match:
                return min(float(match.group(0)[:-1]), MAX_RETRY_DELAY)
    match = _RETRY_IN.search(message)
    return min(float(match.group(1)), MAX_RETRY_DELAY) if match else None


def _quota(quota_id: str, model: str | None) -> Quota:
    return Quota(quota_id[:120], "perday" in quota_id.lower(), model[:128] if model else None)
