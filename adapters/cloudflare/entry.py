"""The gateway as a Cloudflare Python Worker: `Default.fetch` drives the core's `Call` with the
Workers runtime's own Fetch API (through Pyodide's FFI), as adapters/netlify/handler.mjs does in
JavaScript: read the body (and parse a form), fetch Gemini, stream the answer with keep-alives.

Python Workers: https://developers.cloudflare.com/workers/languages/python/ (the `workers` module's
WorkerEntrypoint and Response; `js` for the runtime APIs: fetch, TransformStream, AbortSignal).
There is no LAME here: speech comes as WAV or PCM, and MP3 is refused up front (core/speech.py).
wrangler.toml names this module and uploads core/ and adapters/ with it.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import js
from pyodide.ffi import JsException, create_proxy, to_js
from workers import Response, WorkerEntrypoint

from adapters.fetched import call_for, form_from_entries, instance_from, kind_of
from adapters.logs import log_request
from core.actions import Answer, Fetch, ParseForm, ReadBody, Stream, Tail
from core.call import CallStateError
from core.errors import GatewayError
from core.forms import malformed_form

__all__ = ["Default"]


def _settings(env: Any) -> dict[str, str]:
    """The Worker's variables and secrets (strings; bindings are objects and are skipped)."""
    values = {name: getattr(env, name) for name in js.Object.keys(env)}
    return {name: value for name, value in values.items() if isinstance(value, str)}


def _now() -> float:
    return time.time()  # the core's clock; Workers move it on between I/O, which is when the core reads it


def _js(value: Any) -> Any:
    return to_js(value, dict_converter=js.Object.fromEntries)


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [(pair[0], pair[1]) for pair in headers]


def _failure(error: JsException) -> tuple[str, str]:
    """(kind, cause) of a failed fetch or read, as the Call takes them (the cause: the error's name or code)."""
    cause = getattr(error.js_error, "cause", None)
    name = error.name if error.name == "TimeoutError" else (getattr(cause, "code", None) or error.name)
    return kind_of(name), name


async def _within(promise: Any, seconds: float) -> Any:
    """`promise`'s value, or None after `seconds`."""
    try:
        return await asyncio.wait_for(asyncio.ensure_future(promise), seconds)
    except asyncio.TimeoutError:
        return None


class Default(WorkerEntrypoint):  # type: ignore[misc]  # the runtime's class: untyped (Any) to mypy
    """Every HTTP request to the Worker."""

    async def fetch(self, request: Any) -> Any:
        return await _Exchange(request, self.env, self.ctx).run()


class _Exchange:
    """One request's Call and the I/O it asks for."""

    def __init__(self, request: Any, env: Any, ctx: Any) -> None:
        self.request, self.ctx = request, ctx
        self.upstream: Any = None  # Gemini's streamed response, once a Fetch has one
        headers = {name.lower(): value for name, value in _pairs(request.headers)}
        instance = instance_from(lambda: _settings(env), "cloudflare", encoders=frozenset())  # no LAME in a Python Worker
        self.call = call_for(instance, request.method, request.url, headers, token=secrets.token_hex(12),
                             created=int(_now()), now=_now())

    async def run(self) -> Any:
        call, owned, body = self.call, False, b""
        try:
            action = call.start()
            while True:
                if isinstance(action, ReadBody):
                    raw = await _within(self.request.arrayBuffer(), action.timeout)
                    body = raw.to_bytes() if raw is not None else b""
                    action = call.body_timeout() if raw is None else call.body(body)
                elif isinstance(action, ParseForm):
                    action = await self._form(body, action)
                elif isinstance(action, Fetch):
                    fetching = asyncio.ensure_future(self._fetch_all(action))
                    done, _ = await asyncio.wait({fetching}, timeout=action.keepalive or None)
                    if not done:  # Gemini is slow to answer: begin the stream, and keep it alive
                        tick = call.tick(_now())
                        if tick.head is None:
                            raise CallStateError("a call's first keep-alive carries its head")
                        owned = True
                        return self._stream(tick.head, tick.data, fetching)
                    action = fetching.result()
                elif isinstance(action, Stream):
                    owned = True
                    return self._stream(action, b"", None)
                else:
                    return self._answer(action)
        except Exception as error:
            if self.request.signal.aborted:
                call.gone()  # the client left: nobody will read this answer
                return Response(None, status=499)
            return self._answer(call.abort(error))
        finally:
            if not owned:
                self._finish()

    def _answer(self, answer: Answer) -> Any:
        # Response() refuses any body, even an empty one, with a 204.
        return Response(answer.body or None, status=answer.status, headers=list(answer.headers))

    async def _form(self, body: bytes, action: ParseForm) -> Any:
        try:
            form = await js.Response.new(to_js(body), _js({"headers": {"content-type": action.content_type}})).formData()
        except JsException as error:
            return self.call.refused(malformed_form(error.message))
        entries = []
        for name, value in _pairs(form):
            entries.append((name, value) if isinstance(value, str) else
                           (name, value.name, value.type, (await value.arrayBuffer()).to_bytes()))
        parsed = form_from_entries(entries)
        return self.call.refused(parsed) if isinstance(parsed, GatewayError) else self.call.form(parsed)

    async def _fetch_all(self, action: Fetch) -> Any:
        pending = list(enumerate(action.requests))

        async def worker() -> None:
            while pending:
                index, outgoing = pending.pop(0)
                await self._attempts(index, outgoing, action.timeout)

        await asyncio.gather(*(worker() for _ in range(action.parallel)))
        return self.call.next(_now())

    async def _attempts(self, index: int, outgoing: Any, timeout: float) -> None:
        call = self.call
        while (attempt := call.attempt(index, _now())) is not None:
            signal = js.AbortSignal.any(to_js([self.request.signal, js.AbortSignal.timeout(int(timeout * 1000))]))
            init = {"method": outgoing.method, "headers": [list(pair) for pair in attempt.headers.items()], "signal": signal,
                    "redirect": "manual", **({"body": to_js(attempt.body)} if attempt.body else {})}
            try:
                response = await js.fetch(outgoing.url, _js(init))
            except JsException as error:
                if self.request.signal.aborted:
                    raise
                call.unreachable(index, *_failure(error), _now())
                continue
            if outgoing.stream and response.status == 200:
                self.upstream = response
                call.streaming(index, _pairs(response.headers), _now())
                continue
            try:
                data = (await response.arrayBuffer()).to_bytes()
            except JsException as error:
                if self.request.signal.aborted:
                    raise
                call.cut(index, *_failure(error), _now())
                continue
            call.answered(index, response.status, _pairs(response.headers), data, _now())

    def _stream(self, head: Stream, initial: bytes, pending: Any) -> Any:
        """The client's stream: a TransformStream whose writer the relay feeds (in the background)."""
        pipe = js.TransformStream.new()
        relay = _Relay(self, pipe.writable.getWriter())
        # waitUntil takes a Promise: the task as a thenable proxy that lives as long as the relay runs.
        self.ctx.waitUntil(js.Promise.resolve(create_proxy(asyncio.ensure_future(relay.run(head, initial, pending)))))
        return Response(pipe.readable, status=head.status, headers=list(head.headers or []))

    def _finish(self, disconnected: bool = False) -> None:
        level, fields = self.call.finish(_now(), disconnected=disconnected)
        log_request(fields, self.call.secrets, level=level)


class _Relay:
    """Everything a stream sends after its head: Gemini's stream through the call, another Fetch (an
    empty answer asked again), the Tail, and a keep-alive whenever Gemini is silent for `keepalive` s."""

    def __init__(self, exchange: _Exchange, writer: Any) -> None:
        self.exchange, self.call, self.writer = exchange, exchange.call, writer
        self.open, self.last = True, time.monotonic()
        self.ticker: asyncio.Task[None] | None = None

    async def send(self, data: bytes | None) -> None:
        if self.open and data:
            try:
                await self.writer.write(to_js(data))
            except JsException:  # the client went away mid-stream
                self.open = False
                self.gone = True

    def keep_alive(self, seconds: float | None) -> None:
        if self.ticker is None and seconds:
            self.ticker = asyncio.ensure_future(self._tick(seconds))

    async def _tick(self, seconds: float) -> None:
        while self.open:
            await asyncio.sleep(min(1.0, seconds))
            if self.open and self.call.ticking and time.monotonic() - self.last >= seconds:
                self.last = time.monotonic()
                await self.send(self.call.tick(_now()).data)

    async def run(self, head: Stream, initial: bytes, pending: Any) -> None:
        self.gone, reader = False, None
        try:
            await self.send(initial)
            self.keep_alive(head.keepalive)
            action = await pending if pending is not None else head
            while self.open:
                if isinstance(action, Tail):
                    await self.send(action.data)
                    break
                if isinstance(action, Fetch):
                    action = await self.exchange._fetch_all(action)
                    continue
                self.keep_alive(action.keepalive)
                reader, action = self.exchange.upstream.body.getReader(), None
                while self.open and action is None:
                    try:
                        chunk = await reader.read()
                        self.last = time.monotonic()
                        out = None if chunk.done else self.call.feed(chunk.value.to_bytes())
                        action = self.call.close() if chunk.done else None
                    except JsException as error:  # an error event (then [DONE], in OpenAI's streams)
                        out, action = None, self.call.fail(*_failure(error))
                    await self.send(out)
                    if action is None and self.call.closed:
                        action = self.call.close()
        except Exception as error:
            await self.send(self.call.abort(error).data)
        finally:
            self.open = False
            if self.ticker is not None:
                self.ticker.cancel()
            if reader is not None:
                reader.cancel()  # stop reading Gemini (and paying for its tokens)
            if not self.gone:
                try:
                    await self.writer.close()
                except JsException:
                    self.gone = True
            self.exchange._finish(disconnected=self.gone)
