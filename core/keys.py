"""The key pool: which key to try first, what to try next, and which (key, model) pairs to rest.

The state lives in one process (a serverless instance) and is fed the wall-clock time (Unix
seconds) by the shell. Each request starts one position further round the pool, so load spreads
across keys. Free-tier quotas count per Google project, per model, per minute and per day
(https://ai.google.dev/gemini-api/docs/rate-limits), so a quota error rests the (key, model) pair,
not the key: the key stays usable for other models.

* a per-minute quota: the pair rests for Gemini's `retryDelay` (at least a second);
* a per-day quota: the pair rests until the next midnight Pacific time, when the quota resets,
  whatever `retryDelay` says ("0s" must not bring it back a second later);
* a key Gemini calls invalid or suspended, a 403 for its project, or exhausted prepaid credits:
  that key rests for KEY_COOLDOWN, for every model.

Log notes name a key by its position in the pool (1-based), never by the key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import (
    AuthenticationError,
    GatewayError,
    GatewayTimeoutError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    UpstreamError,
)

__all__ = ["RETRY_WINDOW", "KeyPool", "key_tag", "should_retry"]

RETRY_WINDOW = 30.0  # seconds after the first attempt during which a failure may still be retried
RATE_LIMIT_REST = 30.0  # rest for a 429 that names no retry delay
MIN_RATE_LIMIT_REST = 1.0  # a 429 that says "0s" still rests a second
_MAX_TRACKED = 4096  # rests remembered at once (pass-through clients bring their own keys)
_ANY_MODEL = "*"  # the bucket of calls that name no model (the native API, older shells)

# A failure worth another key: the key's quota, the key itself, or a passing upstream fault.
_RETRYABLE = (RateLimitError, AuthenticationError, PermissionDeniedError, UpstreamError, ServiceUnavailableError, GatewayTimeoutError)


class _KeyRest:
    """A whole key set aside: invalid (401), denied (403) or out of prepaid credits (402)."""

    __slots__ = ("until", "kind")

    def __init__(self, until: float, kind: str) -> None:
        self.until, self.kind = until, kind


class KeyPool:
    """What this instance knows about its keys' quotas (one per process)."""

    def __init__(self, cooldown: float) -> None:
        self._cooldown = cooldown
        self._turn = 0
        self._keys: dict[str, _KeyRest] = {}
        self._pairs: dict[tuple[str, str], tuple[float, str]] = {}  # (key, model) → (until, quota id)
        self._positions: dict[str, int] = {}  # key → its 1-based position, for log notes

    def order(self, keys: Sequence[str], now: float, max_attempts: int, model: str | None = None) -> list[str]:
        """The keys to try for one request, each at most once, rotated.

        With a `model`: only keys usable now for it, at most `max_attempts`; `[]` when every key
        rests (answer with `refusal()`). Without one (the current shells): every key, resting
        ones last, soonest back first, as before.
        """
        if not keys:
            return []
        self._remember_positions(keys)
        start = self._turn % len(keys) if len(keys) > 1 else 0
        if len(keys) > 1:
            self._turn += 1
        rotated = list(keys[start:]) + list(keys[:start])
        if not self._keys and not self._pairs:  # nothing rests: every key is ready (the usual case, per request)
            return rotated[:max_attempts]
        bucket = _ANY_MODEL if model is None else model
        ready = [key for key in rotated if self._wake(key, bucket, now) <= now]
        if model is not None:
            return ready[:max_attempts]
        resting = sorted((key for key in rotated if key not in ready), key=lambda key: self._wake(key, bucket, now))
        return (ready + resting)[:max_attempts]

    def report(self, key: str | None, error: GatewayError | None, now: float, model: str | None = None) -> str | None:
        """Record how a key fared; returns a short log note when it starts a rest.

        Success clears the key's rests (for `model`); `None` (a call that needs no key) is no key.
        """
        if key is None:
            return None
        bucket = _ANY_MODEL if model is None else model
        if error is None:
            if self._keys or self._pairs:
                self._keys.pop(key, None)
                self._pairs.pop((key, bucket), None)
            return None
        who = self._who(key)
        if isinstance(error, AuthenticationError) or (isinstance(error, PermissionDeniedError) and error.project) or (
            isinstance(error, RateLimitError) and error.code == "insufficient_quota"
        ):
            kind = ("invalid" if isinstance(error, AuthenticationError)
                    else "denied" if isinstance(error, PermissionDeniedError) else "billing")
            self._make_room(now)
            self._keys[key] = _KeyRest(now + self._cooldown, kind)
            return f"{who}: {_KIND_NOTES[kind]}, rests {self._cooldown:g} s"
        if not isinstance(error, RateLimitError):
            return None
        quota = error.quota
        if quota is not None and quota.per_day:
            from .pacific import next_pacific_midnight  # only a daily quota needs the Pacific clock

            until = max(next_pacific_midnight(now), now + (error.retry_after or 0.0))
            rest = f"rests until {_utc_clock(until)}"
        else:
            delay = error.retry_after if error.retry_after is not None else RATE_LIMIT_REST
            until = now + max(delay, MIN_RATE_LIMIT_REST)
            rest = f"rests {until - now:.0f} s"
        quota_id = quota.quota_id if quota is not None else "rate limit"
        self._make_room(now)
        self._pairs[(key, bucket)] = (until, quota_id)
        if quota is not None and quota.model and quota.model != bucket:
            self._pairs[(key, quota.model)] = (until, quota_id)  # the same quota, asked for by its own name
        named = quota.model if quota is not None and quota.model else model
        return f"{who}: {quota_id}{f' ({named})' if named else ''}, {rest}"

    def refusal(self, keys: Sequence[str], now: float, model: str | None = None) -> GatewayError:
        """The error when `order()` gave `[]`: a 429 with `Retry-After` at the earliest wake-up,
        or the key error itself when every key is invalid or denied."""
        bucket = _ANY_MODEL if model is None else model
        if keys and all(key in self._keys and self._keys[key].kind in ("invalid", "denied") and self._keys[key].until > now
                        for key in keys):
            wait = min(self._keys[key].until for key in keys) - now
            if any(self._keys[key].kind == "invalid" for key in keys):
                return AuthenticationError(
                    f"Gemini refused {_keys_phrase(keys)} as invalid or suspended; {_set_aside(keys)} for {wait:.0f} s more."
                )
            return PermissionDeniedError(
                f"Gemini denied {_keys_phrase(keys)} permission; {_set_aside(keys)} for {wait:.0f} s more."
            )
        wakes = sorted((self._wake(key, bucket, now), key) for key in keys) if keys else []
        earliest = wakes[0][0] if wakes else now + RATE_LIMIT_REST
        pair = self._pairs.get((wakes[0][1], bucket)) if wakes else None
        quota_id = f" ({pair[1]})" if pair else ""
        return RateLimitError(
            f"Every Gemini API key of this gateway has hit its quota{f' for {model}' if model else ''}{quota_id}; "
            f"the first is back at {_utc_clock(earliest)} (in {max(earliest - now, 0):.0f} s).",
            retry_after=max(earliest - now, 1.0),
        )

    def health(self, keys: Sequence[str], now: float) -> list[dict[str, Any]]:
        """Per key position (1-based, never the key): its state, until when, and its resting models."""
        report = []
        for position, key in enumerate(keys, 1):
            rest = self._keys.get(key)
            whole = rest if rest is not None and rest.until > now else None
            state = "ok" if whole is None else "resting" if whole.kind == "billing" else "invalid"
            rests = {bucket: (until, quota) for (k, bucket), (until, quota) in self._pairs.items() if k == key and until > now}
            models = {bucket: until for bucket, (until, _) in rests.items()}
            note = _KIND_NOTES[whole.kind] if whole else "; ".join(sorted({quota for _, quota in rests.values()}))
            report.append({"position": position, "state": state, "until": whole.until if whole else None, "models": models,
                           "note": note or None})
        return report

    def resting(self, key: str, now: float, model: str | None = None) -> bool:
        """Whether `key` may not be used for `model` (or for calls that name no model) now."""
        return self._wake(key, _ANY_MODEL if model is None else model, now) > now

    def _wake(self, key: str, bucket: str, now: float) -> float:
        """When `key` is usable again for `bucket`: now or earlier when it does not rest."""
        wake = 0.0
        rest = self._keys.get(key)
        if rest is not None and rest.until > now:
            wake = rest.until
        pair = self._pairs.get((key, bucket))
        if pair is not None and pair[0] > now:
            wake = max(wake, pair[0])
        return wake

    def _who(self, key: str) -> str:
        position = self._positions.get(key)
        return f"key {position}" if position else "a key"

    def _remember_positions(self, keys: Sequence[str]) -> None:
        if self._positions.get(keys[0]) == 1 and self._positions.get(keys[-1]) == len(keys):
            return  # the same list as last time (checked at its ends: cheap on every request)
        if len(self._positions) + len(keys) > _MAX_TRACKED:
            self._positions = {}
        for position, key in enumerate(keys, 1):
            self._positions[key] = position

    def _make_room(self, now: float) -> None:
        """Keep the remembered rests bounded: drop the expired ones, then the oldest."""
        if len(self._keys) + len(self._pairs) < _MAX_TRACKED:
            return
        self._keys = {k: rest for k, rest in self._keys.items() if rest.until > now}
        self._pairs = {pair: value for pair, value in self._pairs.items() if value[0] > now}
        while len(self._keys) + len(self._pairs) >= _MAX_TRACKED:
            if self._pairs:
                self._pairs.pop(next(iter(self._pairs)))
            else:
                self._keys.pop(next(iter(self._keys)))


_KIND_NOTES = {
    "invalid": "invalid or suspended",
    "denied": "permission denied for its project",
    "billing": "prepaid credits exhausted",
}


def _keys_phrase(keys: Sequence[str]) -> str:
    return "the API key" if len(keys) == 1 else f"all {len(keys)} API keys"


def _set_aside(keys: Sequence[str]) -> str:
    return "it is set aside" if len(keys) == 1 else "they are set aside"


def should_retry(error: GatewayError, elapsed: float) -> bool:
    """Whether a failed attempt may be tried again with the next key."""
    return isinstance(error, _RETRYABLE) and elapsed < RETRY_WINDOW


def _utc_clock(moment: float) -> str:
    from .pacific import utc_clock

    return utc_clock(moment)


def key_tag(key: str) -> str:
    """A key's fingerprint for ids that must find it again (core/response_ids.py): 8 hex digits of a
    SHA-256 of the key, the same whatever the pool's order. 32 bits of a digest give nothing of a
    ~210-bit key back, and tell two keys of one pool apart (a collision in a pool of 50 is ~3e-7)."""
    import hashlib  # only stored responses need it

    return hashlib.sha256(b"gemini-openai-gateway/interaction-key/v1\0" + key.encode("utf-8")).hexdigest()[:8]
