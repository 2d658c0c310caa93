"""ASGI's types, in one place (https://asgi.readthedocs.io/en/latest/specs/www.html)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

__all__ = ["Message", "Receive", "Scope", "Send"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
