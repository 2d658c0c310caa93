"""The HTTP client that calls Gemini, kept per event loop, and its failures named for the core.

The client (adapters/client.py) is created on first use and kept per event loop: Mangum and some
platform runtimes run each invocation in a fresh loop, and a connection cannot outlive the loop
that opened it. Which key to use and whether to try again is the core's decision (core/call.py);
this module only says how a call failed, by table (`transport_failure`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from core.config import Settings
from core.errors import ConfigError

from .client import ClientError, ConnectTimeout, HTTPClient, ProxyConfigError, ReadTimeout

__all__ = ["Upstream", "transport_failure"]  # and, for type checkers, the UpstreamClient / UpstreamResponse protocols


if TYPE_CHECKING:  # the seams' types; a Protocol class costs import time on every cold start

    class UpstreamResponse(Protocol):
        """An answer whose status and headers have arrived; its body is read whole or streamed, once."""

        # Read-only members: an attribute of a narrower type (a dict of headers) satisfies them.
        @property
        def status(self) -> int: ...

        @property
        def headers(self) -> Mapping[str, str]: ...

        async def read(self) -> bytes: ...

        def stream(self) -> AsyncIterator[bytes]: ...

        async def aclose(self) -> None: ...

    class UpstreamClient(Protocol):
        """What the shell needs of an HTTP client bound to GEMINI_BASE_URL (the tests' fake implements it)."""

        async def request(
            self, method: str, target: str, headers: Mapping[str, str], body: bytes | None = None
        ) -> UpstreamResponse: ...

        async def aclose(self) -> None: ...


# The client's exceptions → how the core names the failure (core.errors.TRANSPORT_KINDS). Order
# matters: the timeouts are ClientErrors too.
_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectTimeout, "connect_timeout"),
    (ReadTimeout, "timeout"),
    (ClientError, "unreachable"),  # ConnectError, ProtocolError and the rest
)


def transport_failure(exc: BaseException) -> tuple[str, str] | None:
    """(kind, cause) for a failure of the HTTP client; None when it is not one (a bug, reported as such)."""
    for cls, kind in _KINDS:
        if isinstance(exc, cls):
            return kind, type(exc).__name__
    return None


class Upstream:
    """The process's HTTP client to Gemini, remade when the event loop changes."""

    def __init__(self, settings: Settings, factory: Callable[[Settings], UpstreamClient] | None = None) -> None:
        self.settings = settings
        self._factory: Callable[[Settings], UpstreamClient] = factory or _http_client  # tests inject a fake client
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: UpstreamClient | None = None

    def client(self) -> UpstreamClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._loop, self._client = loop, self._factory(self.settings)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


def _http_client(settings: Settings) -> HTTPClient:
    try:
        return HTTPClient(settings.gemini_base_url, connect_timeout=settings.connect_timeout,
                          read_timeout=settings.request_timeout, env=os.environ)
    except ProxyConfigError as exc:  # an unusable HTTPS_PROXY / HTTP_PROXY / ALL_PROXY
        raise ConfigError(exc.variable, str(exc)) from None
