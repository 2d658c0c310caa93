"""Calls to Gemini: one shared `httpx.AsyncClient`, key rotation, and httpx failures as gateway errors.

The client is created on first use (httpx is paid for at the first request, not at import) and
kept per event loop: Mangum and some platform runtimes run each invocation in a fresh loop, and
an httpx client cannot outlive the loop that opened its connections.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Sequence

from core.config import Settings
from core.errors import (
    GatewayError,
    UpstreamError,
    error_from_gemini,
    upstream_not_json,
    upstream_timeout,
    upstream_unreachable,
)
from core.jsontext import dumps_bytes
from core.keys import KeyPool, should_retry
from core.upstream import UpstreamRequest

__all__ = ["Attempts", "Upstream", "error_from_httpx"]


@dataclass
class Attempts:
    """How many upstream attempts a client request took (for the access log)."""

    count: int = 0


@dataclass
class _ClientSlot:
    loop: Any = None
    client: Any = None


class Upstream:
    """Sends `UpstreamRequest`s for one process; shared by every request it serves."""

    def __init__(self, settings: Settings, transport: Any = None) -> None:
        self.settings = settings
        self.pool = KeyPool(settings.key_cooldown)
        self._transport = transport  # tests inject httpx.MockTransport
        self._slot = _ClientSlot()

    def client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._slot.client is None or self._slot.loop is not loop:
            import httpx  # deferred: most of a cold start's import time

            timeout = httpx.Timeout(self.settings.request_timeout, connect=self.settings.connect_timeout)
            limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100, keepalive_expiry=30)
            self._slot = _ClientSlot(loop, httpx.AsyncClient(timeout=timeout, limits=limits, transport=self._transport))
        return self._slot.client

    async def aclose(self) -> None:
        if self._slot.client is not None:
            client, self._slot = self._slot.client, _ClientSlot()
            await client.aclose()

    async def fetch_json(self, request: UpstreamRequest, keys: Sequence[str], attempts: Attempts, *, model: str | None) -> Any:
        """A whole JSON answer, trying the pool's keys in turn on retryable failures."""

        async def once(client: Any, key: str) -> Any:
            response = await client.request(
                request.method, request.url(self.settings.gemini_base_url),
                content=None if request.body is None else dumps_bytes(request.body), headers=request.headers(key),
            )
            if response.status_code != 200:
                raise error_from_gemini(response.status_code, response.content, model=model)
            try:
                return json.loads(response.content)
            except ValueError:
                raise upstream_not_json() from None

        return await self._rotate(once, keys, attempts)

    async def open_stream(self, request: UpstreamRequest, keys: Sequence[str], attempts: Attempts, *, model: str | None) -> Any:
        """An open `httpx.Response` with status 200, ready to read; retried only before this returns."""

        async def once(client: Any, key: str) -> Any:
            built = client.build_request(
                request.method, request.url(self.settings.gemini_base_url),
                content=dumps_bytes(request.body), headers=request.headers(key),
            )
            response = await client.send(built, stream=True)
            if response.status_code != 200:
                try:
                    body = await response.aread()
                finally:
                    await response.aclose()
                raise error_from_gemini(response.status_code, body, model=model)
            return response

        return await self._rotate(once, keys, attempts)

    async def _rotate(self, once: Any, keys: Sequence[str], attempts: Attempts) -> Any:
        client = self.client()
        started = time.monotonic()
        order = self.pool.order(keys, started, self.settings.max_attempts)
        for position, key in enumerate(order):
            attempts.count += 1
            try:
                result = await once(client, key)
            except Exception as exc:
                error = exc if isinstance(exc, GatewayError) else error_from_httpx(exc, self.settings)
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


def error_from_httpx(exc: BaseException, settings: Settings) -> GatewayError | None:
    """httpx's exception tree as the gateway error the client sees (never with the key); None if not httpx's."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        connecting = isinstance(exc, httpx.ConnectTimeout)
        seconds = settings.connect_timeout if connecting else settings.request_timeout
        return upstream_timeout(seconds, type(exc).__name__, connecting=connecting)
    if isinstance(exc, httpx.HTTPError):
        return upstream_unreachable(settings.gemini_base_url, type(exc).__name__)
    return None
