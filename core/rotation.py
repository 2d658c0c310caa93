"""One upstream request's way through the key pool: which key to try next, and whether to try at all.

The rules (every shell follows them, because they live here):
* a failure worth another key (`keys.should_retry`: a rate limit, a bad key, a passing Gemini
  fault) moves on to the next key of the pool, within the retry window;
* once Gemini's status line said 200, nothing is retried on another key: the answer was being
  generated (and billed), so a body cut half-way is the client's error, not a reason to pay twice;
* a request Gemini refused for a value the gateway chose is sent once more, to the same key,
  with the value Gemini allows (`again`); so is an empty answer when there is no other key.
"""

from __future__ import annotations

from typing import Any

from .errors import GatewayError

__all__ = ["Rotation"]


class Rotation:
    """The keys to try for one request (`order`, from the pool) and how far it has got."""

    __slots__ = ("order", "started", "position", "error", "result", "answer", "done", "_again", "corrected", "emptied")

    def __init__(self, order: list[Any], started: float) -> None:
        self.order = order
        self.started = started
        self.position = -1
        self.error: GatewayError | None = None  # the last failure; final once `done`
        self.result: Any = None  # the parsed answer (or True for an open stream)
        self.answer: Any = None  # a native call's last Gemini answer: (status, headers, body)
        self.done = not order
        self._again = False
        self.corrected = False  # a refused value has been corrected once
        self.emptied = False  # an empty answer has been retried once

    @property
    def key(self) -> Any:
        return self.order[self.position]

    @property
    def has_next(self) -> bool:
        return self.position + 1 < len(self.order)

    def advance(self) -> bool:
        """Move to the key of the next attempt; False when there is none (the request is settled)."""
        if self.done:
            return False
        if self._again:
            self._again = False
            return True
        if not self.has_next:
            self.done = True
            return False
        self.position += 1
        return True

    def succeed(self, result: Any) -> None:
        self.result, self.error, self.done = result, None, True

    def fail(self, error: GatewayError, *, retry: bool) -> None:
        """Record a failure; `retry`: the next key may be tried (if there is one)."""
        self.error = error
        if not (retry and self.has_next):
            self.done = True

    def again(self) -> None:
        """Send the request once more to the same key (its body was corrected, or its answer was empty)."""
        self._again, self.done = True, False

    def retry_elsewhere(self) -> None:
        """Send the request once more, to the next key if there is one, else to the same key."""
        if self.has_next:
            self.done = False
        else:
            self.again()
