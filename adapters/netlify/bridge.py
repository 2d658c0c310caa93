"""The Netlify function's Python half: what `adapters/app.py` decides, for a JavaScript shell doing the I/O.

Runs inside Pyodide, loaded by `functions/gateway.mjs`. The JavaScript reads the request, calls
`fetch` and streams the answer; for everything else it asks one `Call` per request:

    call = Call(method, path, query, headers, token, created, now)
    action = call.start(env)          # {read: true} | {fetch: [...], timeout} | {status, headers, body}
    action = call.received(body)      # after {read}: the request body as a Uint8Array
    # {fetch}: for each request i, the key rotation of adapters/upstream.py::_rotate —
    #   while (headers = call.attempt(i, now)): fetch, then call.succeeded(i, now, body?) (true: done)
    #   or call.failed(i, now, status, body) or call.unreachable(i, now, error_name)
    action = call.next()              # another {fetch} round, or the answer
    # a stream instead: call.open_stream() -> {status, headers}; then call.feed(chunk) / call.close()
    # / call.fail(error_name) until call.closed
    call.finish(now)                  # the request's log line; then the shell destroys the proxy

Every method takes and returns plain JavaScript values (numbers, strings, arrays, objects,
Uint8Array; `to_js(..., create_pyproxies=False)` guarantees no proxy hides inside), and gateway
errors come back as answers, not exceptions: the only Python object the shell holds is the `Call`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from pyodide.ffi import to_js

from adapters.logs import configure, describe_exception, log_request
from core.auth import presented_credential, upstream_keys
from core.config import Settings, settings_from_env
from core.errors import (
    GatewayError,
    UpstreamError,
    body_too_large,
    error_from_gemini,
    internal_error,
    upstream_not_json,
    upstream_timeout,
    upstream_unreachable,
)
from core.exchange import Exchange, Stamp, prepare
from core.jsontext import dumps_bytes, parse_request_body
from core.keys import KeyPool, should_retry
from core.routing import Route, cors_headers, landing_page, preflight_headers, route
from core.sse import RESPONSE_HEADERS as SSE_HEADERS
from core.stream import GeminiStream
from core.upstream import UpstreamRequest
from core.usage import usage_summary

__all__ = ["Call"]


@dataclass
class _Instance:
    """What one function instance keeps between requests (as `Upstream` does in the ASGI app)."""

    settings: Settings
    pool: KeyPool


_instance: _Instance | None = None


def _instance_from(env: Any) -> _Instance:
    """Settings are read on the first request that finds them valid; a bad value fails each request."""
    global _instance
    if _instance is None:
        settings = settings_from_env(env.to_py())
        configure(settings.log_level)
        _instance = _Instance(settings, KeyPool(settings.key_cooldown))
    return _instance


@dataclass
class _Rotation:
    """One upstream request's turn through the key pool."""

    order: list[str]
    started: float
    position: int = -1
    error: GatewayError | None = None
    retry: bool = True


@dataclass
class _Round:
    requests: list[UpstreamRequest]
    rotations: dict[int, _Rotation] = field(default_factory=dict)
    bodies: list[Any] = field(default_factory=list)


def _js(value: Any) -> Any:
    return to_js(value, create_pyproxies=False)


class Call:
    """One HTTP request, from its first byte to its log line."""

    settings: Settings
    pool: KeyPool
    where: Route
    keys: tuple[str, ...]
    round: _Round

    def __init__(self, method: str, path: str, query: str, headers: Any, token: str, created: int, now: float) -> None:
        self.method, self.path, self.query = method.upper(), path, query
        self.headers: dict[str, str] = headers.to_py()
        self.id, self.created, self.began = token, created, now
        self.cors: list[tuple[str, str]] = [("access-control-allow-origin", "*")]
        self.secrets: list[str] = []
        self.log: dict[str, Any] = {"request_id": token, "method": self.method, "path": path}
        self.level = logging.INFO
        self.attempts = 0
        self.exchange: Exchange | None = None
        self.translator: GeminiStream | None = None

    def start(self, env: Any) -> Any:
        """`env`: the process environment, read on the first request (as `Gateway.upstream` does)."""
        return self._step(lambda: self._start(env))

    def received(self, body: Any) -> Any:
        return self._step(lambda: self._prepare(self._parse(body.to_bytes())))

    def next(self) -> Any:
        return self._step(self._next)

    def _start(self, env: Any) -> dict[str, Any]:
        instance = _instance_from(env)
        settings = self.settings = instance.settings
        self.pool = instance.pool
        self.secrets.extend(settings.api_keys + settings.auth_tokens)
        self.cors = cors_headers(self.headers.get("origin"), settings)
        where = self.where = route(self.method, self.path)
        self.log["route"] = where.name
        if where.name == "preflight":
            return self._answer(204, b"", preflight_headers(self.headers.get("origin"), self.headers, settings), cors=False)
        if where.name == "root":
            page = b"" if self.method == "HEAD" else landing_page(settings).encode()
            return self._answer(200, page, [("content-type", "text/plain; charset=utf-8")])
        query = dict(parse_qsl(self.query))
        presented = presented_credential(self.headers, query)
        if presented:
            self.secrets.append(presented)
        self.keys = upstream_keys(self.headers, query, settings)
        self.secrets.extend(self.keys)
        if self.method == "POST":
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > settings.max_body_bytes:
                raise body_too_large(settings.max_body_bytes)
            return {"read": True}
        return self._prepare(None)

    def _parse(self, raw: bytes) -> dict[str, Any]:
        if len(raw) > self.settings.max_body_bytes:
            raise body_too_large(self.settings.max_body_bytes)
        return parse_request_body(raw)

    def _prepare(self, body: dict[str, Any] | None) -> dict[str, Any]:
        self.exchange = prepare(self.where, body, self.settings, Stamp(self.id, self.created))
        self.log.update(model=self.exchange.model, stream=self.exchange.stream)
        return self._fetch(self.exchange.requests())

    def _fetch(self, requests: list[UpstreamRequest]) -> dict[str, Any]:
        self.round = _Round(requests, bodies=[None] * len(requests))
        base_url = self.settings.gemini_base_url
        return {"timeout": self.settings.request_timeout, "fetch": [
            {"method": r.method, "url": r.url(base_url), "stream": r.stream,
             "body": None if r.body is None else dumps_bytes(r.body)} for r in requests]}

    def _next(self) -> dict[str, Any]:
        for rotation in self.round.rotations.values():
            if rotation.error is not None and not rotation.retry:
                raise rotation.error
        requests = self.exchange.feed(self.round.bodies)
        if requests:
            return self._fetch(requests)
        result = self.exchange.result()
        if isinstance(result, dict) and isinstance(result.get("usage"), dict):
            self.log["usage"] = usage_summary(result["usage"])
        return self._answer(200, dumps_bytes(result), [("content-type", "application/json")])

    def attempt(self, index: int, now: float) -> Any:
        """The headers (key included) for the next try of request `index`, or nothing: stop."""
        rotation = self.round.rotations.get(index)
        if rotation is None:
            order = self.pool.order(self.keys, now, self.settings.max_attempts)
            rotation = self.round.rotations[index] = _Rotation(order, now)
            if not order:
                rotation.error, rotation.retry = UpstreamError("No Gemini API key to call with."), False
        if not rotation.retry or rotation.position + 1 >= len(rotation.order):
            rotation.retry = False
            return None
        rotation.position += 1
        self.attempts += 1
        return _js(self.round.requests[index].headers(rotation.order[rotation.position]))

    def succeeded(self, index: int, now: float, body: Any = None) -> bool:
        """Gemini answered 200 (`body`: the whole JSON answer, none for a stream); false: try again."""
        if body is not None:
            try:
                self.round.bodies[index] = json.loads(body.to_bytes())
            except ValueError:
                self._report(index, upstream_not_json(), now)
                return False
        self._report(index, None, now)
        return True

    def failed(self, index: int, now: float, status: int, body: Any) -> None:
        """Gemini answered an error status."""
        self._report(index, error_from_gemini(status, body.to_bytes(), model=self.exchange.model), now)

    def unreachable(self, index: int, now: float, name: str) -> None:
        """`fetch` threw (`name`: the error's name or undici's code) before the answer was complete."""
        self._report(index, self._fetch_error(name), now)

    def _report(self, index: int, error: GatewayError | None, now: float) -> None:
        rotation = self.round.rotations[index]
        self.pool.report(rotation.order[rotation.position], error, now)
        rotation.error = error
        if error is not None:
            rotation.retry = rotation.position + 1 < len(rotation.order) and should_retry(error, now - rotation.started)

    def _fetch_error(self, name: str) -> GatewayError:
        """fetch's failures as gateway errors, as `error_from_transport` maps the HTTP client's (never with the key)."""
        if name == "TimeoutError":  # AbortSignal.timeout(REQUEST_TIMEOUT) fired
            return upstream_timeout(self.settings.request_timeout, name)
        if name == "UND_ERR_CONNECT_TIMEOUT":  # https://undici.nodejs.org/#/docs/api/Errors
            return upstream_timeout(self.settings.connect_timeout, name, connecting=True)
        return upstream_unreachable(self.settings.gemini_base_url, name)

    def open_stream(self) -> Any:
        self.translator = self.exchange.open_stream()
        self.log["status"] = 200
        return _js({"status": 200, "headers": [*SSE_HEADERS, *self.cors, ("x-request-id", self.id)]})

    @property
    def closed(self) -> bool:
        return self.translator is None or self.translator.closed

    def feed(self, chunk: Any) -> Any:
        return self._translate(lambda translator: translator.feed(chunk.to_bytes()))

    def close(self) -> Any:
        return self._translate(lambda translator: translator.close())

    def fail(self, name: str) -> Any:
        """The upstream read failed mid-stream: an OpenAI error event and `[DONE]`."""
        return self._translate(lambda translator: translator.fail(self._fetch_error(name)))

    def _translate(self, work: Any) -> Any:
        try:
            out = work(self.translator)
        except Exception as exc:
            out = self.translator.fail(self._internal_error(exc))
        return _js(out)

    def gone(self) -> None:
        """The client left before the answer started."""
        self.log.update(status=499, disconnected=True)

    def finish(self, now: float, disconnected: bool = False) -> None:
        """Write the request's log line (call once, last)."""
        if disconnected:
            self.log["disconnected"] = True
        if self.exchange is not None:
            self.log["attempts"] = self.attempts
        if self.translator is not None:
            if self.translator.error is not None:
                self.log["stream_error"] = self.translator.error.code
            if self.translator.usage:
                self.log["usage"] = usage_summary(self.translator.usage)
        self.log["ms"] = round((now - self.began) * 1000, 1)
        log_request(self.log, self.secrets, level=self.level)

    def _step(self, work: Any) -> Any:
        try:
            return _js(work())
        except GatewayError as error:
            self.level = logging.WARNING if error.status < 500 else logging.ERROR
            return _js(self._error(error))
        except Exception as exc:
            self.level = logging.ERROR
            return _js(self._error(self._internal_error(exc)))

    def _error(self, error: GatewayError) -> dict[str, Any]:
        self.log["status"] = error.status
        self.log["error"] = error.code or error.type
        self.log["message"] = error.message[:300]
        return self._answer(error.status, dumps_bytes(error.to_dict()), [("content-type", "application/json"), *error.headers()])

    def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]], *, cors: bool = True) -> dict[str, Any]:
        self.log.setdefault("status", status)
        # Response() refuses any body, even an empty one, with a 204; None becomes `undefined`.
        return {"status": status, "headers": [*headers, *(self.cors if cors else ()), ("x-request-id", self.id)], "body": body or None}

    def _internal_error(self, exc: BaseException) -> GatewayError:
        """A bug: one log line naming where it happened, a clean 500, never a traceback to the client."""
        self.log["exception"] = describe_exception(exc)
        return internal_error(self.id)
