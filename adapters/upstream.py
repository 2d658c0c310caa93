"""Calls to Gemini: one shared HTTP client, key rotation, and transport failures as gateway errors.

The client (adapters/client.py) is created on first use and kept per event loop: Mangum and some
platform runtimes run each invocation in a fresh loop, and a connection cannot outlive the loop
that opened it.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, Callable, Sequence

from core.config import Settings
from core.errors import (
    ConfigError,
    GatewayError,
    UpstreamError,
    error_from_gemini,
    upstream_not_json,
    upstream_timeout,
    upstream_unreachable,
)
from core.keys import KeyPool, should_retry
from core.upstream import UpstreamRequest

from .client import ClientError, ConnectError, ConnectTimeout, HTTPClient, ProtocolError, ProxyConfigError, ReadTimeout
from .jsonfast import dumps, loads

__all__ = ["Attempts", "Upstream", "error_from_transport"]


class Attempts:
    """How many upstream attempts a client request took (for the access log)."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


class _ClientSlot:
    """The client, and the event loop it belongs to."""

    __slots__ = ("loop", "client")

    def __init__(self, loop: Any = None, client: Any = None) -> None:
        self.loop, self.client = loop, client


class Upstream:
    """Sends `UpstreamRequest`s for one process; shared by every request it serves."""

    def __init__(self, settings: Settings, client_factory: Callable[[Settings], Any] | None = None) -> None:
        self.settings = settings
        self.pool = KeyPool(settings.key_cooldown)
        self._factory = client_factory or _http_client  # tests inject a fake client
        self._slot = _ClientSlot()

    def client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._slot.client is None or self._slot.loop is not loop:
            self._slot = _ClientSlot(loop, self._factory(self.settings))
        return self._slot.client

    async def aclose(self) -> None:
        if self._slot.client is not None:
            client, self._slot = self._slot.client, _ClientSlot()
            await client.aclose()

    async def fetch_json(self, request: UpstreamRequest, keys: Sequence[str], attempts: Attempts, *, model: str | None) -> Any:
        """A whole JSON answer, trying the pool's keys in turn on retryable failures."""

        async def once(client: Any, key: str) -> Any:
            response = await client.request(request.method, request.target(), request.headers(key), request.content(dumps))
            content = await response.read()
            if response.status != 200:
                raise error_from_gemini(response.status, content, model=model)
            try:
                return loads(content)
            except ValueError:
                raise upstream_not_json() from None

        return await self._rotate(once, keys, attempts)

    async def open_stream(self, request: UpstreamRequest, keys: Sequence[str], attempts: Attempts, *, model: str | None) -> Any:
        """A response with status 200 whose body is still to be read; retried only before this returns."""

        async def once(client: Any, key: str) -> Any:
            response = await client.request(request.method, request.target(), request.headers(key), request.content(dumps))
            if response.status != 200:
                raise error_from_gemini(response.status, await response.read(), model=model)
            return response

        return await self._rotate(once, keys, attempts)

    async def forward(self, request: UpstreamRequest, keys: Sequence[str | None], attempts: Attempts) -> Any:
        """A native request's answer, whatever its status: a failure worth another key is retried
        (as for the OpenAI routes), and the last answer is the client's, as Gemini gave it. For a
        status other than 200 the body has been read: `response.content`."""

        async def once(client: Any, key: str | None) -> Any:
            response = await client.request(request.method, request.target(), request.headers(key), request.content(dumps))
            if response.status == 200:
                return response
            response.content = await response.read()
            error = error_from_gemini(response.status, response.content)
            error.answer = response  # what the client gets if no other key does better
            raise error

        try:
            return await self._rotate(once, keys, attempts)
        except GatewayError as error:
            answer = getattr(error, "answer", None)
            if answer is None:
                raise
            return answer

    async def _rotate(self, once: Any, keys: Sequence[str], attempts: Attempts) -> Any:
        client = self.client()
        started = time.monotonic()
        order = self.pool.order(keys, started, self.settings.max_attempts)
        for position, key in enumerate(order):
            attempts.count += 1
            try:
                result = await once(client, key)
            except Exception as exc:
                error = exc if isinstance(exc, GatewayError) else error_from_transport(exc, self.settings)
                if error is None:
                    raise  # not an upstream failure: a bug, reported as such
                now = time.monotonic()
                self.pool.report(key, error, now)
                if position + 1 < len(order) and should_retry(error, now - started):
                    continue
                raise error from None
            self.pool.report(key, None, time.monotonic())
            return result
        raise UpstreamError("No Gemini API key to call with.")


def _http_client(settings: Settings) -> HTTPClient:
    try:
        return HTTPClient(settings.gemini_base_url, connect_timeout=settings.connect_timeout,
                          read_timeout=settings.request_timeout, env=os.environ)
    except ProxyConfigError as exc:  # an unusable HTTPS_PROXY / HTTP_PROXY / ALL_PROXY
        raise ConfigError(exc.variable, str(exc)) from None


def error_from_transport(exc: BaseException, settings: Settings) -> GatewayError | None:
    """The client's failures as the gateway error the client sees (never with the key); None if not the client's."""
    if isinstance(exc, ConnectTimeout):
        return upstream_timeout(settings.connect_timeout, "ConnectTimeout", connecting=True)
    if isinstance(exc, ReadTimeout):
        return upstream_timeout(settings.request_timeout, "ReadTimeout")
    if isinstance(exc, (ConnectError, ProtocolError, ClientError)):
        return upstream_unreachable(settings.gemini_base_url, type(exc).__name__)
    return None
