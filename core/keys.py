"""The key pool: which key to try first, what to try next, and which keys to rest for a while.

The state lives in one process (a serverless instance) and is fed the time by the shell. Each
request starts one position further round the pool, so load spreads across keys; a key Gemini
called invalid rests for `KEY_COOLDOWN`, a rate-limited key for Gemini's own retry delay.
"""

from __future__ import annotations

from typing import Sequence

from .errors import (
    AuthenticationError,
    GatewayError,
    GatewayTimeoutError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    UpstreamError,
)

__all__ = ["RETRY_WINDOW", "KeyPool", "should_retry"]

RETRY_WINDOW = 30.0  # seconds after the first attempt during which a failure may still be retried
RATE_LIMIT_REST = 30.0  # rest for a 429 that names no retry delay
_MAX_TRACKED = 4096  # resting keys remembered at once (pass-through clients bring their own)

# A failure worth another key: the key's quota, the key itself, or a passing upstream fault.
_RETRYABLE = (RateLimitError, AuthenticationError, PermissionDeniedError, UpstreamError, ServiceUnavailableError, GatewayTimeoutError)


class KeyPool:
    def __init__(self, cooldown: float) -> None:
        self._cooldown = cooldown
        self._turn = 0
        self._resting: dict[str, float] = {}

    def order(self, keys: Sequence[str], now: float, max_attempts: int) -> list[str]:
        """The keys to try for one request, each at most once: rested keys first, in rotation."""
        if len(keys) <= 1:
            return list(keys)
        start = self._turn % len(keys)
        self._turn += 1
        rotated = list(keys[start:]) + list(keys[:start])
        ready = [key for key in rotated if self._resting.get(key, 0.0) <= now]
        # Resting keys are still tried last (soonest back first): better than failing untried.
        resting = sorted((key for key in rotated if self._resting.get(key, 0.0) > now), key=self._resting.__getitem__)
        return (ready + resting)[:max_attempts]

    def report(self, key: str | None, error: GatewayError | None, now: float) -> None:
        """Record how a key fared: success clears its rest, a bad key or a 429 starts one.
        `None` (a native call that needs no key) is no key to rest."""
        if key is None:
            return
        if error is None:
            self._resting.pop(key, None)
            return
        if isinstance(error, (AuthenticationError, PermissionDeniedError)):
            until = now + self._cooldown
        elif isinstance(error, RateLimitError):
            until = now + (error.retry_after if error.retry_after is not None else RATE_LIMIT_REST)
        else:
            return
        if len(self._resting) >= _MAX_TRACKED:
            self._resting = {k: t for k, t in self._resting.items() if t > now}
            if len(self._resting) >= _MAX_TRACKED:
                self._resting.pop(next(iter(self._resting)))
        self._resting[key] = until

    def resting(self, key: str, now: float) -> bool:
        return self._resting.get(key, 0.0) > now


def should_retry(error: GatewayError, elapsed: float) -> bool:
    """Whether a failed attempt may be tried again with the next key."""
    return isinstance(error, _RETRYABLE) and elapsed < RETRY_WINDOW
