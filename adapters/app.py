"""The gateway as one plain ASGI application: every Python platform serves this `app`.

The core decides (routing, auth, translation, retries); this module does the I/O: it reads the
request, calls Gemini through `Upstream`, writes the answer, and logs one line per request.
Settings are read from the environment on the first request, so importing the module is cheap
and a misconfigured deployment answers with an error that names the variable to fix.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

from core.auth import presented_credential, upstream_keys
from core.config import Settings, settings_from_env
from core.errors import GatewayError, body_too_large, internal_error
from core.exchange import Exchange, Stamp, prepare
from core.jsontext import dumps_bytes, parse_request_body
from core.payload import Audio, Payload
from core.routing import Route, cors_headers, landing_page, preflight_headers, route
from core.sse import RESPONSE_HEADERS as SSE_HEADERS
from core.stream import GeminiStream
from core.usage import usage_summary

from .jsonfast import CODEC, dumps
from .logs import configure, describe_exception, log_request
from .upstream import Attempts, Upstream, error_from_transport

__all__ = ["Gateway", "app"]

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class _ClientGone(Exception):
    """The client disconnected before its request body arrived."""


class Gateway:
    """The ASGI app. `settings`/`env` and a fake upstream `client_factory` can be injected for tests."""

    def __init__(self, settings: Settings | None = None, *, env: Any = None, client_factory: Any = None) -> None:
        self._settings = settings
        self._env = env
        self._client_factory = client_factory
        self._upstream: Upstream | None = None

    @property
    def upstream(self) -> Upstream:
        """The process-wide upstream, created (and the settings read) on first use."""
        if self._upstream is None:
            settings = self._settings or settings_from_env(os.environ if self._env is None else self._env)
            configure(settings.log_level)
            self._upstream = Upstream(settings, self._client_factory)
        return self._upstream

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await _Request(self, scope, receive, send).handle()
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._upstream is not None:
                    await self._upstream.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


class _Request:
    """One HTTP request, start to log line."""

    def __init__(self, gateway: Gateway, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        self.gateway, self.scope, self.receive, self._send = gateway, scope, receive, send
        self.headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", ())}
        self.id = os.urandom(12).hex()
        self.cors: list[tuple[str, str]] = [("access-control-allow-origin", "*")]
        self.started = False  # the response has begun: errors can no longer change its status
        self.finished = False  # its last message is being sent: a disconnect now is just the end
        self.native = False  # a native Gemini route: errors in Google's envelope
        self.dialect = "openai"  # the API the client speaks, which sets its errors' envelope (Route.dialect)
        self.level: int | None = None  # the log level, when the answer sets it (a forwarded error)
        self.secrets: list[str] = []
        self.log: dict[str, Any] = {"request_id": self.id, "method": scope.get("method"), "path": scope.get("path")}

    async def handle(self) -> None:
        began = time.monotonic()
        level = logging.INFO
        try:
            upstream = self.gateway.upstream
            self.secrets.extend(upstream.settings.api_keys + upstream.settings.auth_tokens)
            self.cors = cors_headers(self.headers.get("origin"), upstream.settings)
            where = route(self.scope["method"], self.scope["path"], self.headers)
            self.native = where.name == "native"
            self.dialect = where.dialect
            await self._dispatch(upstream, where)
        except GatewayError as error:
            level = logging.WARNING if error.status < 500 else logging.ERROR
            await self._error(error)
        except _ClientGone:
            self.log.update(status=499, disconnected=True)
        except Exception as exc:
            level = logging.ERROR
            await self._error(self._internal_error(exc))
        finally:
            self.log["ms"] = round((time.monotonic() - began) * 1000, 1)
            log_request(self.log, self.secrets, level=self.level or level)

    async def _dispatch(self, upstream: Upstream, where: Route) -> None:
        settings = upstream.settings
        self.log["route"] = where.name
        if where.name == "preflight":
            await self._respond(204, b"", preflight_headers(self.headers.get("origin"), self.headers, settings), cors=False)
            return
        if where.name == "root":
            page = b"" if self.scope["method"] == "HEAD" else landing_page(settings).encode()
            await self._respond(200, page, [("content-type", "text/plain; charset=utf-8")])
            return

        raw_query = self.scope.get("query_string", b"")
        query = dict(parse_qsl(raw_query.decode("latin-1"))) if raw_query else {}
        presented = presented_credential(self.headers, query)
        if presented:
            self.secrets.append(presented)
        if where.name == "native":
            await self._native(upstream, where, raw_query.decode("latin-1"), query)
            return
        keys = upstream_keys(self.headers, query, settings)
        self.secrets.extend(keys)
        body = await self._body(where, settings.max_body_bytes)
        exchange = prepare(where, body, settings, Stamp(self.id, int(time.time())))
        self.log.update(model=exchange.model, stream=exchange.stream)
        attempts = Attempts()
        try:
            if exchange.stream:
                await self._guarded(self._stream(upstream, exchange, keys, attempts))
            else:
                await self._guarded(self._whole(upstream, exchange, keys, attempts))
        finally:
            self.log["attempts"] = attempts.count

    async def _body(self, where: Route, limit: int) -> Any:
        """The request body as the route takes it: parsed JSON, a parsed form, or None."""
        if where.body is None or self.scope["method"] != "POST":
            return None
        raw = await self._read_body(limit)
        if where.body == "form":
            from .forms import form_from_multipart  # only form routes pay for the parser

            return form_from_multipart(self.headers.get("content-type", ""), raw)
        return parse_request_body(raw)

    async def _guarded(self, work: Awaitable[None]) -> None:
        """Run the upstream part of a request; if the client leaves meanwhile, the watcher cancels
        it, so a Gemini call nobody waits for stops (and stops costing tokens) at once."""
        watcher = _Watcher(self)
        try:
            await work
        except asyncio.CancelledError:
            if not watcher.fired:
                raise
            _uncancel()
            if not self.started:
                raise _ClientGone from None
            self.log["disconnected"] = True
        finally:
            watcher.stop()

    async def _native(self, upstream: Upstream, where: Route, raw_query: str, query: dict[str, str]) -> None:
        """Gemini's own API, forwarded (core/native.py): errors in Google's envelope, not OpenAI's."""
        from core.native import native_request

        settings = upstream.settings
        plan = native_request(self.scope["method"], where.path, raw_query, self.headers)
        keys: tuple[str | None, ...] = upstream_keys(self.headers, query, settings) if plan.needs_key else (None,)
        self.secrets.extend(key for key in keys if key)
        plan = plan.with_body(await self._read_body(settings.max_body_bytes))
        self.log.update(model=plan.model, stream=plan.request.stream)
        attempts = Attempts()
        try:
            await self._guarded(self._forward(upstream, plan, keys, attempts))
        finally:
            self.log["attempts"] = attempts.count

    async def _forward(self, upstream: Upstream, plan: Any, keys: tuple[str | None, ...], attempts: Attempts) -> None:
        from core.native import native_response_headers, public_origin

        response = await upstream.forward(plan.request, keys, attempts)
        origin = public_origin(self.headers, self.scope.get("scheme", "http"))
        headers = native_response_headers(response.headers.items(), upstream.settings.gemini_base_url, origin)
        if response.status != 200:
            self.level = logging.WARNING if response.status < 500 else logging.ERROR
            self.log["error"] = "gemini"
            await self._respond(response.status, response.content, headers)
            return
        if not plan.request.stream:
            await self._respond(200, await response.read(), headers)
            return
        try:
            await self._start(200, headers)
            await self._pipe(response, upstream)
        finally:
            await response.aclose()
            self.log["status"] = 200

    async def _pipe(self, response: Any, upstream: Upstream) -> None:
        """A native stream, byte for byte; a failure half-way ends it with an error event."""
        tail = b""
        try:
            async for chunk in response.stream():
                await self._send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception as exc:
            from core.native import native_error_event

            error = error_from_transport(exc, upstream.settings) or self._internal_error(exc)
            self.log["stream_error"] = error.code or error.type
            tail = native_error_event(error)
        self.finished = True
        await self._send({"type": "http.response.body", "body": tail, "more_body": False})

    async def _whole(self, upstream: Upstream, exchange: Exchange, keys: tuple[str, ...], attempts: Attempts) -> None:
        requests = exchange.requests()
        while requests:
            if len(requests) == 1:
                responses = [await upstream.fetch_json(requests[0], keys, attempts, model=exchange.model)]
            else:
                calls = (upstream.fetch_json(request, keys, attempts, model=exchange.model) for request in requests)
                responses = list(await asyncio.gather(*calls))
            requests = exchange.feed(responses)
        result = exchange.result()
        usage = exchange.logged_usage(result)
        if usage:
            self.log["usage"] = usage_summary(usage)
        if isinstance(result, Audio):
            from .audio import audio_payload  # the MP3 encoder loads with the first MP3 request

            result = audio_payload(result)
        if isinstance(result, Payload):
            await self._respond(200, result.body, [("content-type", result.content_type)])
        else:
            await self._respond(200, dumps(result), [("content-type", "application/json")])

    async def _stream(self, upstream: Upstream, exchange: Exchange, keys: tuple[str, ...], attempts: Attempts) -> None:
        # Every retry happens inside open_stream, before the first byte is sent to the client.
        request = exchange.requests()[0]
        response = await upstream.open_stream(request, keys, attempts, model=exchange.model)
        translator = exchange.open_stream(CODEC)
        try:
            await self._start(200, list(SSE_HEADERS))
            await self._relay(response, translator, upstream)
        finally:
            await response.aclose()
            self.log["status"] = 200
            if translator.error is not None:
                self.log["stream_error"] = translator.error.code
            if translator.usage:
                self.log["usage"] = usage_summary(translator.usage)

    async def _relay(self, response: Any, translator: GeminiStream, upstream: Upstream) -> None:
        try:
            async for chunk in response.stream():
                out = translator.feed(chunk)
                if out:
                    await self._send({"type": "http.response.body", "body": out, "more_body": True})
                if translator.closed:
                    break
            tail = translator.close()
        except Exception as exc:
            tail = translator.fail(error_from_transport(exc, upstream.settings) or self._internal_error(exc))
        self.finished = True
        await self._send({"type": "http.response.body", "body": tail, "more_body": False})

    def _internal_error(self, exc: BaseException) -> GatewayError:
        """A bug: one log line naming where it happened, a clean 500, never a traceback to the client."""
        self.log["exception"] = describe_exception(exc)
        return internal_error(self.id)

    async def _read_body(self, limit: int) -> bytes:
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise body_too_large(limit)
        chunks, size = [], 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise body_too_large(limit)
                chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _error(self, error: GatewayError) -> None:
        status, envelope = error.envelope(self.dialect)
        self.log["status"] = status
        self.log["error"] = error.code or error.type
        self.log["message"] = error.message[:300]
        if self.started:
            return  # a stream already answered 200; its error event has been sent
        headers = [("content-type", "application/json"), *error.headers()]
        if self.native:
            from core.native import native_error_headers

            headers += native_error_headers(self.scope["path"])
        await self._respond(status, dumps_bytes(envelope), headers)

    async def _respond(self, status: int, body: bytes, headers: list[tuple[str, str]], *, cors: bool = True) -> None:
        self.log.setdefault("status", status)
        await self._start(status, [*headers, ("content-length", str(len(body)))], cors=cors)
        self.finished = True
        await self._send({"type": "http.response.body", "body": body})

    async def _start(self, status: int, headers: list[tuple[str, str]], *, cors: bool = True) -> None:
        self.started = True
        all_headers = [*headers, *(self.cors if cors else ()), ("x-request-id", self.id)]
        encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in all_headers]
        await self._send({"type": "http.response.start", "status": status, "headers": encoded})


class _Watcher:
    """Cancels a request's task when its client disconnects before the answer is complete.

    ASGI tells of a disconnect only through `receive()`, which, once the body has been read, blocks
    until the client leaves (or, in uvicorn and Mangum, until the response is complete). Watching
    costs a task per request, so it starts only once a request has run for `DELAY`: most answers
    are done by then, and a client that leaves a slow one is noticed at most that much later.
    """

    DELAY = 0.05

    def __init__(self, request: _Request) -> None:
        self.fired = False
        self._request = request
        self._task = asyncio.current_task()
        self._watch: asyncio.Future | None = None
        self._timer = asyncio.get_running_loop().call_later(self.DELAY, self._start)

    def _start(self) -> None:
        self._watch = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            while (await self._request.receive())["type"] != "http.disconnect":
                pass
        except Exception:  # a server that cannot receive any more has lost its client too
            pass
        if not self._request.finished:
            self.fired = True
            self._task.cancel()

    def stop(self) -> None:
        self._timer.cancel()
        if self._watch is not None:
            self._watch.cancel()


def _uncancel() -> None:
    """Python 3.11+ counts cancellations; one caught and handled here must be taken back."""
    task = asyncio.current_task()
    if task is not None and hasattr(task, "uncancel"):
        task.uncancel()


app = Gateway()
