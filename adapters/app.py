"""The gateway as one plain ASGI application: every Python platform serves this `app`.

`core.call.Call` decides everything about a request; this module does its I/O: it reads the
body, sends the upstream requests through the HTTP client, relays streams (and keep-alives while
Gemini thinks), watches for the client leaving, and writes the log line. Settings are read from
the environment on the first request, so importing the module is cheap and a misconfigured
deployment answers with an error that names the variable to fix.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from core.actions import Answer, Fetch, ParseForm, ReadBody, Stream, Tail
from core.call import Call
from core.errors import ConfigError, GatewayError
from core.instance import Instance

from .jsonfast import CODEC
from .logs import configure, log_request
from .platforms import platform_from_env
from .upstream import Upstream, transport_failure

if TYPE_CHECKING:  # types only: a Protocol or a generic alias costs import time on every cold start
    from .asgi import Receive, Scope, Send
    from .upstream import UpstreamClient, UpstreamResponse

__all__ = ["Gateway", "app"]


class Gateway:
    """The ASGI app. `settings`/`env` and a fake upstream `client_factory` can be injected for tests;
    `platform` (for the landing page) defaults to the one the environment shows (`adapters.platforms`)."""

    def __init__(self, settings: Any = None, *, env: Mapping[str, str] | None = None,
                 client_factory: Callable[[Any], UpstreamClient] | None = None, platform: str | None = None) -> None:
        self._settings = settings
        self._env = env
        self._factory = client_factory
        self._platform = platform
        self._instance: Instance | None = None
        self._upstream: Upstream | None = None
        self._clock: _Clock | None = None

    def clock(self) -> _Clock:
        """The clock of the running event loop (a test may run the app on several loops, one after another)."""
        loop = asyncio.get_running_loop()
        clock = self._clock
        if clock is None or clock.loop is not loop:
            clock = self._clock = _Clock(loop)
        return clock

    def instance(self) -> Instance | ConfigError:
        """The process's instance, made (and the settings read) by the first request that finds them valid."""
        if self._instance is None:
            env = os.environ if self._env is None else self._env
            platform = self._platform if self._platform is not None else platform_from_env(env)
            try:
                if self._settings is not None:
                    instance = Instance(self._settings, platform=platform)
                else:
                    instance = Instance.from_env(env, platform=platform)
            except ConfigError as error:
                return error
            configure(instance.settings.log_level)
            self._instance, self._upstream = instance, Upstream(instance.settings, self._factory)
        return self._instance

    async def aclose(self) -> None:
        """Close the upstream connections (at shutdown)."""
        if self._upstream is not None:
            await self._upstream.aclose()

    def client(self) -> UpstreamClient:
        assert self._upstream is not None, "the instance is loaded before any upstream call"
        return self._upstream.client()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await _Request(self, scope, receive, send).run()
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


class _ClientGone(Exception):
    """The client disconnected before its answer began."""


class _ClientLeft(Exception):
    """The client disconnected while its answer was being sent."""


class _Request:
    """One HTTP request: the I/O for its `Call`."""

    __slots__ = ("gateway", "receive", "_send", "call", "started", "finished", "responses", "raw_body", "_task", "_deadline",
                 "_expired", "_waiting", "_watch", "_left", "_tick_interval", "_last", "_ticking", "__weakref__")

    def __init__(self, gateway: Gateway, scope: Scope, receive: Receive, send: Send) -> None:
        self.gateway, self.receive, self._send = gateway, receive, send
        # ASGI servers give header names lower-cased (https://asgi.readthedocs.io/en/latest/specs/www.html#http).
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", ())}
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string", b"")
        target = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        now = time.time()
        self.call = Call(gateway.instance(), scope["method"], target, headers, token=os.urandom(12).hex(),
                         created=int(now), now=now, scheme=scope.get("scheme", "http"), codec=CODEC)
        self.started = False  # the response head has gone: errors can no longer change its status
        self.finished = False  # its last message is being sent: a disconnect now is just the end
        self.responses: dict[int, UpstreamResponse] = {}  # open upstream streams, by request index
        self.raw_body = b""
        self._task: asyncio.Task[Any] | None = None
        # What the clock looks at (adapters/app._Clock), in time.monotonic() seconds; None or 0: nothing.
        self._deadline: float | None = None  # the body must have arrived by then
        self._expired = False  # ... and did not: the clock cancelled the read
        self._waiting: float | None = None  # an upstream phase began then: watch for the client leaving from DELAY on
        self._watch: asyncio.Future[None] | None = None  # the watching task, once started
        self._left = False  # the watcher saw the client leave, and cancelled the request
        self._tick_interval = 0.0  # keep-alives after this many seconds of Gemini's silence
        self._last = 0.0  # when Gemini last sent something (or the last keep-alive went)
        self._ticking: asyncio.Future[None] | None = None  # a keep-alive being sent

    async def run(self) -> None:
        call, disconnected = self.call, False
        clock = self.gateway.clock()
        self._task = asyncio.current_task()
        clock.add(self)
        try:
            action = call.start()
            while action is not None:
                action = await self._do(action)
        except _ClientGone:
            call.gone()
        except _ClientLeft:
            disconnected = True
        except Exception as exc:
            if not self.finished:
                await self._do(call.abort(exc))
        finally:
            clock.requests.discard(self)
            for response in self.responses.values():
                await response.aclose()
            level, fields = call.finish(time.time(), disconnected=disconnected)
            log_request(fields, call.secrets, level=level)

    async def _do(self, action: Any) -> Any:
        """Carry out one action; returns the next (None once the answer is sent)."""
        kind = type(action)  # in the order a request meets them
        if kind is ReadBody:
            return await self._read(action)
        if kind is Fetch:
            return await self._watched(self._fetch(action))
        if kind is Answer:
            await self._answer(action)
            return None
        if kind is Stream:
            return await self._watched(self._relay(action))
        if kind is Tail:
            await self._stop_ticking(None)
            self.finished = True
            await self._send({"type": "http.response.body", "body": action.data, "more_body": False})
            return None
        if kind is ParseForm:
            return self._parse_form(action)
        raise TypeError(f"unknown action {action!r}")

    def sweep(self, now: float) -> None:
        """The clock's look (every `_Clock.PERIOD`): cut off a late body, start watching, send a keep-alive."""
        if self._deadline is not None and now >= self._deadline:
            self._deadline, self._expired = None, True
            if self._task is not None:
                self._task.cancel()
        if self._waiting is not None and self._watch is None and now - self._waiting >= _Clock.DELAY:
            self._watch = asyncio.ensure_future(self._watch_client())
        if self._tick_interval and self._ticking is None and now - self._last >= self._tick_interval:
            self._last = now
            self._ticking = asyncio.ensure_future(self._send_tick())

    # --- body ---------------------------------------------------------------------------------------

    async def _read(self, action: ReadBody) -> Any:
        # The clock cancels this task once the deadline has passed (no timer of its own per request).
        self._deadline = time.monotonic() + action.timeout
        try:
            self.raw_body = await self._read_body(action.limit)
        except asyncio.CancelledError:
            if not self._expired:
                raise
            _uncancel()
            return self.call.body_timeout()
        finally:
            self._deadline = None
        return self.call.body(self.raw_body)

    async def _read_body(self, limit: int) -> bytes:
        chunks, size = [], 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                chunks.append(chunk)
                if size > limit:
                    break  # enough to know it is too large: the call answers 413
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _parse_form(self, action: ParseForm) -> Any:
        from .forms import form_from_multipart  # only form routes pay for the parser

        try:
            form = form_from_multipart(action.content_type, self.raw_body)
        except GatewayError as error:
            return self.call.refused(error)
        return self.call.form(form)

    # --- upstream -----------------------------------------------------------------------------------

    async def _fetch(self, action: Fetch) -> Any:
        try:
            client = self.gateway.client()
        except ConfigError as error:
            return self.call.abort(error)
        if action.keepalive:
            self._tick_every(action.keepalive)
        if action.parallel == 1:
            for index in range(len(action.requests)):
                await self._attempts(client, action, index)
        else:
            indices = iter(range(len(action.requests)))

            async def worker() -> None:
                for index in indices:  # the workers share one iterator: at most `parallel` requests in flight
                    await self._attempts(client, action, index)

            await asyncio.gather(*(worker() for _ in range(action.parallel)))
        return self.call.next(time.time())

    async def _attempts(self, client: UpstreamClient, action: Fetch, index: int) -> None:
        """One upstream request through the key pool: each try as the call says, each outcome told."""
        call, outgoing = self.call, action.requests[index]
        while (attempt := call.attempt(index, time.time())) is not None:
            try:
                response = await client.request(outgoing.method, outgoing.target, attempt.headers, attempt.body)
            except Exception as exc:
                call.unreachable(index, *_failure(exc), time.time())  # no status came: another key may be tried
                continue
            if outgoing.stream and response.status == 200:
                self.responses[index] = response
                call.streaming(index, list(response.headers.items()), time.time())
                continue
            try:
                body = await response.read()
            except Exception as exc:
                call.cut(index, *_failure(exc), time.time())  # the status came, the body did not: never another key
                continue
            call.answered(index, response.status, list(response.headers.items()), body, time.time())

    async def _relay(self, action: Stream) -> Any:
        call = self.call
        response = self.responses.pop(0)
        try:
            if action.headers is not None:
                await self._start(action.status, action.headers)
            if action.keepalive:
                self._tick_every(action.keepalive)
            ticking = bool(self._tick_interval)
            monotonic = time.monotonic
            try:
                async for chunk in response.stream():
                    if ticking:
                        self._last = monotonic()
                    out = call.feed(chunk)
                    if out:
                        await self._body(out)
                    if call.closed:
                        break
            except Exception as exc:
                return await self._stop_ticking(call.fail(*_failure(exc)))
            return await self._stop_ticking(call.close())
        finally:
            await response.aclose()

    async def _watched(self, work: Any) -> Any:
        """Run an upstream phase; if the client leaves meanwhile, the watcher cancels it, so a Gemini
        call nobody waits for stops (and stops costing tokens) at once."""
        self._waiting = time.monotonic()
        try:
            return await work
        except asyncio.CancelledError:
            if not self._left:
                raise
            _uncancel()
            await self._stop_ticking(None)
            raise (_ClientLeft if self.started else _ClientGone) from None
        finally:
            self._waiting = None
            if self._watch is not None:
                self._watch.cancel()
                self._watch = None

    async def _watch_client(self) -> None:
        """Wait for the client to leave; then cancel the request, unless its answer is already complete.

        ASGI tells of a disconnect only through `receive()`, which, once the body has been read, blocks
        until the client leaves (or, in uvicorn and Mangum, until the response is complete). Watching
        costs a task, so it starts only once a phase has run for `_Clock.DELAY`: most answers are done
        by then, and a client that leaves a slow one is noticed at most that much (and a period) later.
        """
        try:
            while (await self.receive())["type"] != "http.disconnect":
                pass
        except Exception:  # a server that cannot receive any more has lost its client too
            pass
        if not self.finished and self._waiting is not None:
            self._left = True
            if self._task is not None:
                self._task.cancel()

    # --- keep-alive ---------------------------------------------------------------------------------

    def _tick_every(self, interval: float) -> None:
        """Keep-alives while Gemini is silent: after every `interval` seconds without an upstream chunk, one."""
        if not self._tick_interval:
            self._tick_interval, self._last = interval, time.monotonic()

    async def _stop_ticking(self, action: Any) -> Any:
        """Stop the keep-alives unless the next action goes on streaming (an empty answer asked again)."""
        if self._tick_interval and type(action) is not Fetch:
            self._tick_interval = 0.0
            if self._ticking is not None:
                await asyncio.shield(self._ticking)
        return action

    async def _send_tick(self) -> None:
        try:
            if self.call.ticking:
                await self.tick()
        finally:
            self._ticking = None

    async def tick(self) -> None:
        """Send the call's keep-alive (its head first, if the answer has not begun)."""
        tick = self.call.tick(time.time())
        if tick.head is not None:
            await self._start(tick.head.status, tick.head.headers or [])
        await self._body(tick.data)

    # --- writing ------------------------------------------------------------------------------------

    async def _answer(self, answer: Answer) -> None:
        if self._tick_interval:
            await self._stop_ticking(None)
        body = answer.body
        if answer.audio is not None:
            from .audio import audio_payload  # the MP3 encoder loads with the first MP3 request

            body = audio_payload(answer.audio).body
        await self._start(answer.status, answer.headers, length=len(body))
        self.finished = True
        await self._send({"type": "http.response.body", "body": body})

    async def _start(self, status: int, headers: list[tuple[str, str]], *, length: int | None = None) -> None:
        """The response head; `length`, a whole answer's Content-Length (a stream has none)."""
        self.started = True
        encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        if length is not None:
            encoded.append((b"content-length", str(length).encode()))
        await self._send({"type": "http.response.start", "status": status, "headers": encoded})

    async def _body(self, data: bytes) -> None:
        await self._send({"type": "http.response.body", "body": data, "more_body": True})


class _Clock:
    """The requests in flight on one event loop, looked at every PERIOD seconds (`_Request.sweep`):
    a body past its deadline is cut off, a phase that has waited on Gemini for DELAY starts watching
    for its client leaving, a silent stream gets its keep-alive. One timer for every request, armed
    while any is in flight, rather than two or three of each request's own (a timer costs a handle,
    a heap push and a cancel: about a tenth of a chat request's work in the shell)."""

    PERIOD = 0.025
    DELAY = 0.05

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.requests: set[_Request] = set()
        self._handle: asyncio.TimerHandle | None = None

    def add(self, request: _Request) -> None:
        self.requests.add(request)
        if self._handle is None:
            self._handle = self.loop.call_later(self.PERIOD, self._sweep)

    def _sweep(self) -> None:
        now = time.monotonic()
        for request in list(self.requests):
            request.sweep(now)
        self._handle = self.loop.call_later(self.PERIOD, self._sweep) if self.requests else None


def _failure(exc: Exception) -> tuple[str, str]:
    """(kind, cause) of the HTTP client's failure; anything else is a bug, raised again as it was."""
    failure = transport_failure(exc)
    if failure is None:
        raise exc
    return failure


def _uncancel() -> None:
    """Python 3.11+ counts cancellations; one caught and handled here must be taken back."""
    task = asyncio.current_task()
    if task is not None and hasattr(task, "uncancel"):
        task.uncancel()


app = Gateway()
