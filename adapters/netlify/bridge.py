"""The Netlify function's Python half: what `adapters/app.py` decides, for a JavaScript shell doing the I/O.

Runs inside Pyodide, loaded by `functions/gateway.mjs`. The JavaScript reads the request, calls
`fetch`, parses forms, encodes MP3 and streams the answer; for everything else it asks one `Call`
per request:

    call = Call(method, url, headers, token, created, now)    # url: req.url, the public one
    action = call.start(env)          # {read: true} | {fetch: [...], timeout} | an answer
    action = call.received(body)      # after {read}: the request body as a Uint8Array
    # {form: true}: parse the body with undici's `formData()`, then
    action = call.parsed(entries)     # [name, text] or [name, filename, type, Uint8Array], in order
    action = call.malformed(message)  # or: formData() threw this message
    # {fetch}: for each request i, the key rotation of adapters/upstream.py::_rotate —
    #   while (headers = call.attempt(i, now)): fetch, then
    #   call.succeeded(i, now, body?, headers) (true: done; body: none for a stream)
    #   or call.failed(i, now, status, body, headers) or call.unreachable(i, now, error_name)
    #   (body: the whole answer as fetch decoded it; headers: [[name, value], ...] of the response)
    action = call.next()              # another {fetch} round, or the answer
    # a stream instead: call.open_stream(headers) -> {status, headers, pipe?}; then call.feed(chunk)
    # (not when `pipe`: a native stream goes to the client byte for byte) / call.close() /
    # call.fail(error_name) until call.closed
    call.finish(now)                  # the request's log line; then the shell destroys the proxy

An answer is `{status, headers, body}` (body: a Uint8Array, or none), or speech for the JavaScript
to encode: `{status, headers, encode: "mp3", samples, rate, channels, bitrate}` (samples: 16-bit
little-endian PCM). Every method takes and returns plain JavaScript values (numbers, strings,
arrays, objects, Uint8Array; `to_js(..., create_pyproxies=False)` guarantees no proxy hides
inside), and gateway errors come back as answers, not exceptions: the only Python object the shell
holds is the `Call`. Gemini's own API (`native` routes, core/native.py) is forwarded: its answer
goes to the client as Gemini gave it, and the gateway's own errors there use Google's envelope.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pyodide.ffi import to_js

from adapters.audio import BITRATE as MP3_BITRATE
from adapters.logs import configure, describe_exception, log_request
from core.auth import presented_credential, upstream_keys
from core.config import Settings, settings_from_env
from core.errors import (
    GatewayError,
    InvalidRequestError,
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
from core.payload import Audio, Payload
from core.routing import Route, cors_headers, landing_page, preflight_headers, route
from core.sse import RESPONSE_HEADERS as SSE_HEADERS
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

    order: list[str | None]
    started: float
    position: int = -1
    error: GatewayError | None = None
    retry: bool = True
    answer: tuple[int, bytes, list[tuple[str, str]]] | None = None  # a native call's last Gemini answer


@dataclass
class _Round:
    requests: list[UpstreamRequest]
    rotations: dict[int, _Rotation] = field(default_factory=dict)
    bodies: list[Any] = field(default_factory=list)


class _Pipe:
    """A native stream, which the JavaScript pipes as it comes; a read failure half-way ends it with
    Google's error event (as `_pipe` in adapters/app.py)."""

    usage = None

    def __init__(self) -> None:
        self.closed = False
        self.error: GatewayError | None = None

    def feed(self, chunk: bytes) -> bytes:
        return chunk

    def close(self) -> bytes:
        self.closed = True
        return b""

    def fail(self, error: GatewayError) -> bytes:
        self.closed, self.error = True, error
        from core.native import native_error_event

        return native_error_event(error)


def _js(value: Any) -> Any:
    return to_js(value, create_pyproxies=False)


class Call:
    """One HTTP request, from its first byte to its log line."""

    settings: Settings
    pool: KeyPool
    where: Route
    keys: tuple[str | None, ...]
    round: _Round

    def __init__(self, method: str, url: str, headers: Any, token: str, created: int, now: float) -> None:
        parts = urlsplit(url)
        # Percent-decoded, as an ASGI server hands adapters/app.py its `path` (the query stays raw).
        self.method, self.path, self.query = method.upper(), unquote(parts.path) or "/", parts.query
        self.headers: dict[str, str] = headers.to_py()
        self.scheme, self.host = parts.scheme, parts.netloc
        self.id, self.created, self.began = token, created, now
        self.cors: list[tuple[str, str]] = [("access-control-allow-origin", "*")]
        self.secrets: list[str] = []
        self.log: dict[str, Any] = {"request_id": token, "method": self.method, "path": self.path}
        self.level = logging.INFO
        self.attempts = 0
        self.native = False  # a native Gemini route: errors in Google's envelope
        self.dialect = "openai"  # the API the client speaks, which sets its errors' envelope (Route.dialect)
        self.plan: Any = None  # a native route's core.native.NativePlan
        self.exchange: Exchange | None = None
        self.translator: Any = None  # a core.stream.GeminiStream, or a _Pipe

    def start(self, env: Any) -> Any:
        """`env`: the process environment, read on the first request (as `Gateway.upstream` does)."""
        return self._step(lambda: self._start(env))

    def received(self, body: Any) -> Any:
        return self._step(lambda: self._received(body.to_bytes()))

    def parsed(self, entries: Any) -> Any:
        return self._step(lambda: self._prepare(self._form(entries)))

    def malformed(self, message: str) -> Any:
        return self._step(lambda: self._malformed(message))

    def next(self) -> Any:
        return self._step(self._next)

    def _start(self, env: Any) -> dict[str, Any]:
        instance = _instance_from(env)
        settings = self.settings = instance.settings
        self.pool = instance.pool
        self.secrets.extend(settings.api_keys + settings.auth_tokens)
        self.cors = cors_headers(self.headers.get("origin"), settings)
        where = self.where = route(self.method, self.path, self.headers)
        self.native = where.name == "native"
        self.dialect = where.dialect
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
        if self.native:
            from core.native import native_request

            plan = native_request(self.method, where.path, self.query, self.headers)
            self.keys = upstream_keys(self.headers, query, settings) if plan.needs_key else (None,)
            self.plan = plan
            self.log.update(model=plan.model, stream=plan.request.stream)
            reads = self.method != "GET"
        else:
            self.keys = upstream_keys(self.headers, query, settings)
            reads = where.body is not None and self.method == "POST"
        self.secrets.extend(key for key in self.keys if key)
        if not reads:
            return self._forward(b"") if self.native else self._prepare(None)
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.max_body_bytes:
            raise body_too_large(settings.max_body_bytes)
        return {"read": True}

    def _received(self, raw: bytes) -> dict[str, Any]:
        if len(raw) > self.settings.max_body_bytes:
            raise body_too_large(self.settings.max_body_bytes)
        declared = self.headers.get("content-length", "")
        if not raw and declared.isdigit() and int(declared) > 0:
            # Seen with netlify-cli's local server, whose body parsers skip a body without a type.
            raise InvalidRequestError(f"The request body did not reach the function: Content-Length says {declared} "
                                      "bytes, none arrived (`netlify dev` drops a body sent without a Content-Type "
                                      "header: send one).")
        if self.native:
            return self._forward(raw)
        if self.where.body == "form":
            _check_form_type(self.headers.get("content-type", ""))
            return {"form": True}
        return self._prepare(parse_request_body(raw))

    def _malformed(self, message: str) -> Any:
        from core.forms import malformed_form

        raise malformed_form(message)

    def _form(self, entries: Any) -> Any:
        """undici's FormData entries as a `core.forms.Form`, each name with all its values in order."""
        from core.forms import MAX_PARTS, Form, Upload, too_many_parts

        fields: dict[str, list[str]] = {}
        files: dict[str, list[Upload]] = {}
        for count, entry in enumerate(entries, 1):
            if count > MAX_PARTS:
                raise too_many_parts()
            if len(entry) == 2:
                fields.setdefault(entry[0], []).append(entry[1])
                continue
            name, filename, kind, data = entry
            # undici (as the HTML spec says) types a file part that declares no type as text/plain;
            # python-multipart calls it application/octet-stream, which lets the file name decide.
            kind = "application/octet-stream" if kind in ("", "text/plain") else kind
            files.setdefault(name, []).append(Upload(filename, kind, data.to_bytes()))
        return Form(fields, files)

    def _prepare(self, body: Any) -> dict[str, Any]:
        self.exchange = prepare(self.where, body, self.settings, Stamp(self.id, self.created))
        self.log.update(model=self.exchange.model, stream=self.exchange.stream)
        return self._fetch(self.exchange.requests())

    def _forward(self, raw: bytes) -> dict[str, Any]:
        self.plan = self.plan.with_body(raw)
        return self._fetch([self.plan.request])

    def _fetch(self, requests: list[UpstreamRequest]) -> dict[str, Any]:
        self.round = _Round(requests, bodies=[None] * len(requests))
        base_url = self.settings.gemini_base_url
        return {"timeout": self.settings.request_timeout, "fetch": [
            {"method": r.method, "url": r.url(base_url), "stream": r.stream, "body": r.content(dumps_bytes)}
            for r in requests]}

    def _next(self) -> dict[str, Any]:
        for rotation in self.round.rotations.values():
            if rotation.error is not None and not rotation.retry:
                if rotation.answer is not None:
                    return self._relayed(*rotation.answer)
                raise rotation.error
        if self.native:
            return self._relayed(200, *self.round.bodies[0])
        requests = self.exchange.feed(self.round.bodies)
        if requests:
            return self._fetch(requests)
        result = self.exchange.result()
        usage = self.exchange.logged_usage(result)
        if usage:
            self.log["usage"] = usage_summary(usage)
        if isinstance(result, Audio) and result.format == "mp3":  # LAME, in the JavaScript
            pcm = result.pcm
            return {**self._answer(200, b"", [("content-type", result.content_type)]), "encode": "mp3",
                    "samples": pcm.data, "rate": pcm.rate, "channels": pcm.channels, "bitrate": MP3_BITRATE}
        if isinstance(result, Audio):
            result = result.payload()
        if isinstance(result, Payload):
            return self._answer(200, result.body, [("content-type", result.content_type)])
        return self._answer(200, dumps_bytes(result), [("content-type", "application/json")])

    def _relayed(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> dict[str, Any]:
        """Gemini's answer to a native call, as Gemini gave it (as `_forward` in adapters/app.py)."""
        if status != 200:
            self.level = logging.WARNING if status < 500 else logging.ERROR
            self.log["error"] = "gemini"
        return self._answer(status, body, self._native_headers(headers))

    def _native_headers(self, headers: Any) -> list[tuple[str, str]]:
        from core.native import native_response_headers, public_origin

        origin = public_origin({"host": self.host, **self.headers}, self.scheme)
        # fetch has decoded the body already: its content-encoding no longer describes it.
        pairs = [(name, value) for name, value in headers if name.lower() != "content-encoding"]
        return native_response_headers(pairs, self.settings.gemini_base_url, origin)

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

    def succeeded(self, index: int, now: float, body: Any = None, headers: Any = None) -> bool:
        """Gemini answered 200 (`body`: the whole answer, none for a stream); false: try again."""
        if body is not None and self.native:
            self.round.bodies[index] = (body.to_bytes(), headers.to_py())
        elif body is not None:
            try:
                self.round.bodies[index] = json.loads(body.to_bytes())
            except ValueError:
                self._report(index, upstream_not_json(), now)
                return False
        self._report(index, None, now)
        return True

    def failed(self, index: int, now: float, status: int, body: Any, headers: Any = None) -> None:
        """Gemini answered an error status."""
        content = body.to_bytes()
        if self.native:  # Gemini's answer is the client's, unless another key does better
            self._report(index, error_from_gemini(status, content), now, answer=(status, content, headers.to_py()))
        else:
            self._report(index, error_from_gemini(status, content, model=self.exchange.model), now)

    def unreachable(self, index: int, now: float, name: str) -> None:
        """`fetch` threw (`name`: the error's name or undici's code) before the answer was complete."""
        self._report(index, self._fetch_error(name), now)

    def _report(self, index: int, error: GatewayError | None, now: float, answer: Any = None) -> None:
        rotation = self.round.rotations[index]
        self.pool.report(rotation.order[rotation.position], error, now)
        rotation.error, rotation.answer = error, answer
        if error is not None:
            rotation.retry = rotation.position + 1 < len(rotation.order) and should_retry(error, now - rotation.started)

    def _fetch_error(self, name: str) -> GatewayError:
        """fetch's failures as gateway errors, as `error_from_transport` maps the HTTP client's (never with the key)."""
        if name == "TimeoutError":  # AbortSignal.timeout(REQUEST_TIMEOUT) fired
            return upstream_timeout(self.settings.request_timeout, name)
        if name == "UND_ERR_CONNECT_TIMEOUT":  # https://undici.nodejs.org/#/docs/api/Errors
            return upstream_timeout(self.settings.connect_timeout, name, connecting=True)
        return upstream_unreachable(self.settings.gemini_base_url, name)

    def open_stream(self, headers: Any = None) -> Any:
        """The stream's head; `headers`: Gemini's response headers (a native stream passes them on)."""
        self.log["status"] = 200
        if self.native:
            self.translator = _Pipe()
            head = [*self._native_headers(headers.to_py()), *self.cors, ("x-request-id", self.id)]
            return _js({"status": 200, "headers": head, "pipe": True})
        self.translator = self.exchange.open_stream()
        return _js({"status": 200, "headers": [*SSE_HEADERS, *self.cors, ("x-request-id", self.id)]})

    @property
    def closed(self) -> bool:
        return self.translator is None or self.translator.closed

    def feed(self, chunk: Any) -> Any:
        return self._translate(lambda translator: translator.feed(chunk.to_bytes()))

    def close(self) -> Any:
        return self._translate(lambda translator: translator.close())

    def fail(self, name: str) -> Any:
        """The upstream read failed mid-stream: an error event (and `[DONE]`, for OpenAI's streams)."""
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
        if self.exchange is not None or self.plan is not None:
            self.log["attempts"] = self.attempts
        if self.translator is not None:
            if self.translator.error is not None:
                self.log["stream_error"] = self.translator.error.code or self.translator.error.type
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
        status, envelope = error.envelope(self.dialect)
        self.log["status"] = status
        self.log["error"] = error.code or error.type
        self.log["message"] = error.message[:300]
        headers = [("content-type", "application/json"), *error.headers()]
        if self.native:
            from core.native import native_error_headers

            headers += native_error_headers(self.path)
        return self._answer(status, dumps_bytes(envelope), headers)

    def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]], *, cors: bool = True) -> dict[str, Any]:
        self.log.setdefault("status", status)
        # Response() refuses any body, even an empty one, with a 204; None becomes `undefined`.
        return {"status": status, "headers": [*headers, *(self.cors if cors else ()), ("x-request-id", self.id)], "body": body or None}

    def _internal_error(self, exc: BaseException) -> GatewayError:
        """A bug: one log line naming where it happened, a clean 500, never a traceback to the client."""
        self.log["exception"] = describe_exception(exc)
        return internal_error(self.id)


def _check_form_type(content_type: str) -> None:
    """A form route's body must be multipart/form-data with a boundary (core.forms.check_form_type);
    undici would also take a urlencoded body, which holds no files."""
    from email.message import Message

    from core.forms import check_form_type

    header = Message()
    header["content-type"] = content_type
    check_form_type(content_type.partition(";")[0].strip().lower(), header.get_param("boundary"))
