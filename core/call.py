"""One client request, from its first byte to its log line, as a sans-I/O object every shell drives.

h11's idea one level up: the call says what to do next (`core.actions`) and is told what happened.
Routing, credentials, key rotation and retries (`core.rotation`), error rendering, scrubbing keys
out of what the client gets (`core.scrub`) and the log line's fields all live here, so the ASGI
app and the Pyodide function differ only in how they do I/O.

    call = Call(instance, method, target, headers, token=..., created=..., now=...)
    action = call.start()
    ReadBody   raw = <the body>; action = call.body(raw)       (or call.body_timeout(); call.gone())
    ParseForm  action = call.form(form)                        (or call.refused(error))
    Fetch      for each request i, at most `parallel` at once:
                   while (attempt := call.attempt(i, now)) is not None:
                       send it, then tell exactly one of
                       call.answered(i, status, headers, body, now)   a whole answer, any status
                       call.streaming(i, headers, now)                a stream's 200 (its body comes later)
                       call.unreachable(i, kind, cause, now)         no status arrived (errors.TRANSPORT_KINDS)
                       call.cut(i, kind, cause, now)                 the status arrived, the body did not
               while Gemini keeps the call waiting `keepalive` s: send call.tick(now) (a Tick)
               action = call.next(now)
    Stream     send the head (if any); send call.feed(chunk) per upstream chunk (stop early once
               call.closed); then action = call.close() — or call.fail(kind, cause) if the read failed —
               which is a Tail, or a Fetch again (an empty answer asked again)
    Answer, Tail   send it: the call is over
    level, fields = call.finish(now)       # log `fields` with `call.secrets` redacted

A step called out of order raises `CallStateError`; everything else a client or Gemini can cause
becomes an answer (or, once a stream has begun, its closing error event), never an exception.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from .actions import Answer, Fetch, Outgoing, ParseForm, ReadBody, Stream, Tail, Tick
from .auth import presented_credential, upstream_keys
from .config import Settings
from .endpoints import prepare
from .errors import (
    ConfigError,
    GatewayError,
    InvalidRequestError,
    NotFoundError,
    body_too_large,
    body_too_slow,
    error_from_gemini,
    internal_error,
    transport_error,
    upstream_not_json,
)
from .exchange import Exchange, OneCallExchange, Stamp
from .instance import Instance
from .jsontext import STDLIB, Codec, parse_request_body
from .keys import key_tag, should_retry
from .payload import Audio, Payload
from .rotation import Rotation
from .routing import Route, cors_headers, landing_page, preflight_headers, route
from .scrub import Scrubber
from .sse import RESPONSE_HEADERS as SSE_HEADERS
from .upstream import UpstreamRequest
from .usage import usage_summary

if TYPE_CHECKING:
    from .fitting import Fits

__all__ = ["MAX_PARALLEL", "Attempt", "Call", "CallStateError"]

_DEFAULTS = Settings()
_NO_ROUTE = Route("")
_NO_SECRETS = Scrubber(())
_CORS_BEFORE_START = (("access-control-allow-origin", "*"),)  # for an instance that failed to configure
# The log line's level, as the `logging` module numbers them (the core imports no logging).
INFO, WARNING, ERROR = 20, 30, 40
MAX_PARALLEL = 8  # upstream requests of one client request in flight at once (images `n`, embedding batches)
KEEPALIVE = b": keep-alive\n\n"  # an SSE comment: every client's parser skips it


class CallStateError(RuntimeError):
    """A shell called a step of the call out of order (a bug in the shell, not the client's fault)."""


class Attempt:
    """One try of an upstream request: its headers (the key among them) and body."""

    __slots__ = ("headers", "body")

    def __init__(self, headers: dict[str, str], body: bytes | None) -> None:
        self.headers, self.body = headers, body


class Call:
    """One HTTP request. `target` is the path and query as the client encoded them."""

    # Slots: a call is made per request, and its fields are set and read on every step.
    __slots__ = ("_instance", "method", "_query", "_raw_path", "headers", "id", "_created", "_began", "_scheme", "_codec",
                 "_decoded", "_state", "log", "level", "secrets", "_scrub", "_cors", "_dialect", "_head_sent", "_held",
                 "_exchange", "_native", "_translator", "_requests", "_rotations", "_flying", "_upstream_headers",
                 "_checking", "attempts", "settings", "_route", "_keys", "_keyless", "_inst", "_model_name")

    def __init__(self, instance: Instance | ConfigError, method: str, target: str, headers: Mapping[str, str], *,
                 token: str, created: int, now: float, scheme: str = "http", codec: Codec = STDLIB,
                 decoded: bool = False) -> None:
        self._instance = instance
        self.method = method.upper()
        raw_path, _, self._query = target.partition("?")
        self._raw_path = raw_path or "/"
        self.headers = headers
        self.id, self._created, self._began = token, created, now
        self._scheme, self._codec, self._decoded = scheme, codec, decoded
        self._state = "new"
        self.log: dict[str, Any] = {"request_id": token, "method": self.method, "path": self._raw_path}
        self.level = INFO
        self.secrets: list[str] = []
        self._scrub = _NO_SECRETS  # until start() has the instance's (shared: without secrets it keeps no state)
        self._cors: tuple[tuple[str, str], ...] = _CORS_BEFORE_START
        self._dialect = "openai"  # whose error envelope: OpenAI's, Google's (native routes) or Anthropic's
        self._head_sent = False
        self._held: list[bytes] = []  # stream bytes kept back until the answer says something
        self._exchange: Exchange | None = None
        self._native: Any = None  # core.native.NativePlan
        self._translator: Any = None
        self._requests: list[UpstreamRequest] = []
        self._rotations: list[Rotation | None] = []
        self._flying: set[int] = set()
        self._upstream_headers: list[tuple[str, str]] = []
        self._checking = False  # a key-pool check: one models list per key, then the pool's health
        self._keys: tuple[str, ...] = ()
        self._keyless = False  # an upload's continuation: Gemini's upload URL needs no key
        self.attempts = 0
        self.settings: Settings = _DEFAULTS  # until start() has the instance's
        self._model_name: str | None = None  # the model the upstream calls are for, once known
        self._route: Route = _NO_ROUTE

    # --- the steps ------------------------------------------------------------------------------

    def start(self) -> Any:
        """The first action: an answer (preflight, landing page, an error), a ReadBody, or a Fetch."""
        if self._state != "new":
            self._expect("start", "new")
        try:
            return self._start()
        except Exception as exc:
            return self._refused_by(exc)

    def body(self, raw: bytes) -> Any:
        """The request body arrived (after ReadBody)."""
        if self._state != "reading":
            self._expect("body", "reading")
        try:
            return self._body(raw)
        except Exception as exc:
            return self._refused_by(exc)

    def body_timeout(self) -> Any:
        """The body did not arrive within ReadBody's timeout: a 408."""
        self._expect("body_timeout", "reading")
        return self._refuse(body_too_slow(self.settings.body_timeout))

    def form(self, form: Any) -> Any:
        """The body parsed as a form (after ParseForm): a `core.forms.Form`."""
        self._expect("form", "parsing")
        try:
            return self._prepare(form)
        except Exception as exc:
            return self._refused_by(exc)

    def refused(self, error: GatewayError) -> Any:
        """The shell could not take the request further (its form parser refused the body, say)."""
        self._expect("refused", "reading", "parsing")
        return self._refuse(error)

    def attempt(self, index: int, now: float) -> Attempt | None:
        """The next try of upstream request `index`, or None: it is settled (succeeded, or out of keys)."""
        if self._state != "fetching":
            self._expect("attempt", "fetching")
        if not 0 <= index < len(self._requests) or index in self._flying:
            raise CallStateError(f"attempt({index}): no such request, or its last attempt has not been reported")
        rotation = self._rotations[index]
        if rotation is None:
            rotation = self._rotations[index] = self._rotation(now)
        if not rotation.advance():
            return None
        self._flying.add(index)
        self.attempts += 1
        request = self._requests[index]
        return Attempt(request.headers(rotation.key), request.content(self._codec.dumps))

    def answered(self, index: int, status: int, headers: list[tuple[str, str]], body: bytes, now: float) -> None:
        """Gemini answered attempt `index` whole (any status; for a stream, an error status)."""
        rotation = self._landed(index)
        try:
            self._answered(rotation, index, status, headers, body, now)
        except Exception as exc:  # a bug reading Gemini's answer: that request fails, cleanly
            rotation.fail(self._bug(exc), retry=False)

    def streaming(self, index: int, headers: list[tuple[str, str]], now: float) -> None:
        """A stream's attempt got Gemini's 200: its body is read after `next()` opens the stream."""
        rotation = self._landed(index)
        self._upstream_headers = headers
        self._report(rotation, None, now)
        self._keyed(rotation)
        rotation.succeed(True)

    def unreachable(self, index: int, kind: str, cause: str, now: float) -> None:
        """The attempt got no HTTP status at all: another key may be tried."""
        rotation = self._landed(index)
        self._failed(rotation, self._transport(kind, cause), now, retry=True)

    def cut(self, index: int, kind: str, cause: str, now: float) -> None:
        """The status arrived but the body did not: Gemini was answering (and billing), so no other key."""
        rotation = self._landed(index)
        self._failed(rotation, self._transport(kind, cause), now, retry=False)

    def next(self, now: float) -> Any:
        """Every request of the Fetch is settled: the answer, the stream, or another round."""
        if self._state != "fetching":
            self._expect("next", "fetching")
        for index, rotation in enumerate(self._rotations):
            if rotation is None or not rotation.done:
                self._unsettled(index)
        if self._flying:
            self._unsettled(sorted(self._flying)[0])
        try:
            return self._next()
        except Exception as exc:
            return self._refused_by(exc)

    def _unsettled(self, index: int) -> None:
        raise CallStateError(f"next(): request {index} is not settled; call attempt() until it returns None")

    def tick(self, now: float) -> Tick:
        """Gemini has kept the client waiting: a keep-alive to send (and, the first time, the head)."""
        self._expect("tick", "fetching", "streaming")
        head = None
        if not self._head_sent:
            self._head_sent = True
            head = Stream(200, self._stream_head(), False, self._keepalive())
        # An open stream may have a keep-alive of its own (Anthropic's `ping` event); else an SSE comment.
        keepalive = getattr(self._translator, "keepalive", None) if self._state == "streaming" and not self._holding() else None
        return Tick(head, self._scrub.feed(keepalive()) if keepalive else KEEPALIVE)

    def feed(self, chunk: bytes) -> bytes:
        """Upstream stream bytes → the bytes to send the client now (maybe none yet)."""
        if self._state != "streaming":
            self._expect("feed", "streaming")
        try:
            out = self._translator.feed(chunk)
        except Exception as exc:
            out = self._translator.fail(self._bug(exc))
        return self._emit(out)

    @property
    def closed(self) -> bool:
        """The stream has ended (the translator has all it needs): stop reading, then `close()`."""
        return self._translator is None or self._translator.closed

    def close(self) -> Any:
        """The upstream stream ended: a Tail, or (an empty answer asked again) a Fetch."""
        self._expect("close", "streaming")
        try:
            out = self._translator.close()
        except Exception as exc:
            out = self._translator.fail(self._bug(exc))
        retry = self._empty_retry()
        if retry is not None:
            return retry
        return self._end(out)

    def fail(self, kind: str, cause: str) -> Tail:
        """Reading the upstream stream failed half-way: its closing error event."""
        self._expect("fail", "streaming")
        return self._end(self._translator.fail(self._transport(kind, cause)))

    @property
    def ticking(self) -> bool:
        """Whether a keep-alive tick may be sent now (the call is waiting on Gemini)."""
        return self._state in ("fetching", "streaming")

    def abort(self, exc: BaseException) -> Any:
        """The shell could not go on (a bug, or a GatewayError of its own): the answer, or a stream's end."""
        error = exc if isinstance(exc, GatewayError) else self._bug(exc)
        return self._refuse(error)

    def gone(self) -> None:
        """The client left before its answer began."""
        self.log.update(status=499, disconnected=True)
        self._state = "done"

    def finish(self, now: float, *, disconnected: bool = False) -> tuple[int, dict[str, Any]]:
        """The request's log line: (level, fields); log it with `secrets` redacted. Call once, last."""
        if disconnected:
            self.log["disconnected"] = True
        if self._exchange is not None or self._native is not None:
            self.log["attempts"] = self.attempts
        translator = self._translator
        if translator is not None:
            if translator.error is not None:
                self.log["stream_error"] = translator.error.code or translator.error.type
            if translator.usage:
                self.log["usage"] = usage_summary(translator.usage)
        self.log["ms"] = round((now - self._began) * 1000, 1)
        self._state = "done"
        return self.level, self.log

    @property
    def _prepared(self) -> Exchange:
        """The exchange of a request that is not a native call, once its body has been read."""
        if self._exchange is None:
            raise CallStateError("no exchange: the request has not been prepared, or is a native call")
        return self._exchange

    # --- start, body, exchange --------------------------------------------------------------------

    def _start(self) -> Any:
        if isinstance(self._instance, ConfigError):
            with contextlib.suppress(GatewayError):  # the error in the envelope of the API the client speaks, if its path says which
                self._dialect_of(self._path())
            raise self._instance
        # The instance, known to be configured from here on (every later step is past start()).
        instance: Instance = self._instance
        self._inst = instance
        settings = self.settings = instance.settings
        self._scrub = instance.scrubber.copy()
        self.secrets.extend(instance.secrets)
        self._cors = cors_headers(self.headers.get("origin"), settings)
        path = self._path()
        where = self._route = route(self.method, path, self.headers, self._query)
        self.log["route"] = where.name
        self._dialect = where.dialect
        if where.name == "preflight":
            headers = preflight_headers(self.headers.get("origin"), self.headers, settings)
            return self._answer(204, b"", headers, cors=False)
        if where.name == "root":
            from .landing import HTML_HEADERS, TEXT_HEADERS, html_page, prefers_html  # only `/` needs the page

            if prefers_html(self.headers.get("accept", "")):  # a browser: the page, not today's text
                page = b"" if self.method == "HEAD" else html_page(settings, instance.platform)
                return self._answer(200, page, HTML_HEADERS, cors=False)
            page = b"" if self.method == "HEAD" else landing_page(settings).encode()
            return self._answer(200, page, TEXT_HEADERS)
        query = dict(parse_qsl(self._query)) if self._query else {}
        presented = presented_credential(self.headers, query)
        if presented:
            self._secret(presented)
        if where.name == "native":
            return self._start_native(where, query)
        self._keys = upstream_keys(self.headers, query, settings, presented=presented)
        if where.name in ("gateway_keys", "gateway_keys_check"):
            return self._start_pool(where)
        if not settings.server_keys and self._keys != (presented,):  # the client's several keys: each is a secret
            for key in self._keys:                                     # (the server's were added with the settings)
                self._secret(key)
        if where.body is None or self.method != "POST":
            return self._prepare(None)
        return self._read()

    def _start_native(self, where: Route, query: Mapping[str, str]) -> Any:
        from .native import native_request, upload_secret

        settings = self.settings
        server = settings.server_keys
        plan = native_request(self.method, where.path, self._query, self.headers, raw_path=self._raw_path,
                              scope=settings.native_scope if server else None,
                              secret=upload_secret(settings.api_keys, settings.auth_tokens) if server else None)
        if plan.needs_key:
            self._keys = upstream_keys(self.headers, query, settings)
        else:
            self._keyless = True
        if not server:  # the client's own key(s); the server's were added with the settings
            for key in self._keys:
                self._secret(key)
        self._native, self._model_name = plan, plan.model
        self.log.update(model=plan.model, stream=plan.request.stream)
        if self.method in ("GET", "HEAD"):
            return self._fetch([plan.request])
        return self._read()

    def _start_pool(self, where: Route) -> Any:
        """The key pool's health for a token holder; `check` first asks Gemini with every key (a models list each)."""
        if not self.settings.server_keys:
            raise NotFoundError("This gateway holds no Gemini keys of its own (pass-through mode): there is no key pool.",
                                code="unknown_url")
        if where.name == "gateway_keys":
            return self._pool_health()
        from .catalog import list_models_request

        self._checking = True
        self._requests = [list_models_request(page_size=1)] * len(self._keys)
        self._rotations = [Rotation([key], self._began) for key in self._keys]  # each request to its own key
        return self._fetching()

    def _pool_health(self) -> Answer:
        health = self._inst.pool.health(self._keys, self._began)
        return self._answer(200, self._codec.dumps({"mode": "server", "keys": health}), [("content-type", "application/json"),
                                                                                         ("cache-control", "no-store")])

    def _read(self) -> ReadBody:
        limit = self.settings.max_body_bytes
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise body_too_large(limit)
        self._state = "reading"
        return ReadBody(limit, self.settings.body_timeout)

    def _body(self, raw: bytes) -> Any:
        if len(raw) > self.settings.max_body_bytes:
            raise body_too_large(self.settings.max_body_bytes)
        declared = self.headers.get("content-length", "")
        if not raw and declared.isdigit() and int(declared) > 0:
            # Seen with netlify-cli's local server, whose body parsers skip a body without a type.
            raise InvalidRequestError(f"The request body did not arrive: Content-Length says {declared} bytes, none "
                                      "came (`netlify dev` drops a body sent without a Content-Type header: send one).")
        if self._native is not None:
            self._native = self._native.with_body(raw)
            return self._fetch([self._native.request])
        if self._route.body == "form":
            from .forms import check_form_content_type

            content_type = self.headers.get("content-type", "")
            check_form_content_type(content_type)
            self._state = "parsing"
            return ParseForm(content_type)
        return self._prepare(parse_request_body(raw, self._codec.strict_loads))

    def _prepare(self, body: Any) -> Any:
        exchange = self._exchange = prepare(self._route, body, self.settings, Stamp(self.id, self._created))
        self._model_name = exchange.model
        if isinstance(exchange, OneCallExchange) and self._route.name == "speech":
            from .speech import check_encodable

            check_encodable(exchange.plan, self._inst.encoders)  # before Gemini is paid to speak
        self.log.update(model=exchange.model, stream=exchange.stream)
        if exchange.notes:
            self.log["notes"] = list(exchange.notes)
        return self._fetch(exchange.requests())

    # --- upstream ----------------------------------------------------------------------------------

    def _fetch(self, requests: list[UpstreamRequest]) -> Fetch:
        fits = self._inst.learnt
        # Nothing learnt yet is the common case: the requests go as the exchange made them.
        self._requests = list(requests) if fits is None else [self._fitted(fits, request) for request in requests]
        self._rotations = [None] * len(self._requests)
        return self._fetching()

    def _fitted(self, fits: Fits, request: UpstreamRequest) -> UpstreamRequest:
        """A generateContent request with what Gemini's 400s taught this instance about the model applied."""
        if not _generates(request):
            return request
        model = self._prepared.model
        if model is None:
            return request
        body = fits.apply(model, request.body, self._explicit())
        return request if body is request.body else request._replace(body=body)

    def _explicit(self) -> frozenset[str]:
        """The body paths the client set in Google's own terms: never corrected."""
        plan = getattr(self._exchange, "plan", None)
        plan = getattr(plan, "chat", plan)  # a Responses plan holds its chat plan
        return getattr(plan, "explicit", frozenset())

    def _fetching(self) -> Fetch:
        self._state = "fetching"
        settings = self.settings
        base_url = settings.gemini_base_url.rstrip("/")
        outgoing = []
        for request in self._requests:
            target = request.target()
            outgoing.append(Outgoing(request.method, base_url + target, target, request.stream))
        return Fetch(tuple(outgoing), min(len(outgoing), MAX_PARALLEL), settings.request_timeout,
                     settings.connect_timeout, self._keepalive() if self._streams() else 0.0)

    def _rotation(self, now: float) -> Rotation:
        if self._keyless:
            return Rotation([None], now)
        if self._exchange is not None and self._exchange.key_position is not None:
            # State Gemini keeps (an interaction) lives in one key's project: only that key can reach it.
            pinned = self._pinned(self._exchange.key_position, self._exchange.key_tag)
            if pinned is not None:
                return Rotation([self._keys[pinned]], now)
            rotation = Rotation([], now)
            rotation.error = NotFoundError("The Gemini key that holds this response is no longer in this gateway's key "
                                           "pool, so the response cannot be reached; start a new one.", code="not_found")
            return rotation
        pool, model = self._inst.pool, self._model_name
        rotation = Rotation(pool.order(self._keys, now, self.settings.max_attempts, model=model), now)
        if not rotation.order:
            rotation.error = pool.refusal(self._keys, now, model=model)  # every key rests for this model
        return rotation

    def _pinned(self, position: int, tag: str | None) -> int | None:
        """Where the pinned key is in this call's keys: at `position` if its fingerprint is `tag` (or no
        fingerprint is asked for), else wherever the key with that fingerprint went; None if it is gone."""
        keys = self._keys
        if tag is None:
            return position if 0 <= position < len(keys) else None
        tags = [key_tag(key) for key in keys]
        if 0 <= position < len(keys) and tags[position] == tag:
            return position
        moved = next((index for index, found in enumerate(tags) if found == tag), None)
        if moved is not None:
            self._note("keys", f"the key that holds this response moved from position {position + 1} to {moved + 1}")
        return moved

    def _landed(self, index: int) -> Rotation:
        """The rotation of request `index`, whose attempt in flight has come back."""
        if self._state != "fetching" or index not in self._flying:
            raise CallStateError(f"request {index} has no attempt in flight")
        self._flying.discard(index)
        rotation = self._rotations[index]
        assert rotation is not None  # made by the attempt now in flight
        return rotation

    def _answered(self, rotation: Rotation, index: int, status: int, headers: list[tuple[str, str]], body: bytes,
                  now: float) -> None:
        ok = 200 <= status < 300
        if self._native is not None:
            rotation.answer = (status, headers, body)
            if ok:
                self._report(rotation, None, now)
                rotation.succeed(True)
            else:
                self._failed(rotation, error_from_gemini(status, body), now, retry=True)
            return
        if self._checking:
            self._report(rotation, None if ok else error_from_gemini(status, body), now)
            rotation.done = True
            return
        if not ok:
            if status == 400 and self._correct(rotation, index, body):
                return
            # A 404 about state a pinned exchange continues means that state is gone, not that the model is unknown.
            model = self._prepared.model if self._prepared.key_position is None else None
            self._failed(rotation, error_from_gemini(status, body, model=model), now, retry=True)
            return
        if self._requests[index].stream:
            raise CallStateError("a stream's 200 is reported with streaming(), not answered()")
        try:
            # A DELETE answers google.protobuf.Empty, which may come as no body at all (js-genai reads none).
            data = self._codec.loads(body) if self._requests[index].method != "DELETE" or body.strip() else {}
        except ValueError:
            self._failed(rotation, upstream_not_json(), now, retry=False)
            return
        self._report(rotation, None, now)
        self._keyed(rotation)
        if (self._prepared.retries_empty and self.settings.retry_empty_answers and not rotation.emptied
                and isinstance(data, dict) and _empty(data)):
            rotation.emptied = True
            self._note("retried", "empty answer")
            rotation.retry_elsewhere()
            return
        rotation.succeed(data)

    def _correct(self, rotation: Rotation, index: int, body: bytes) -> bool:
        """Gemini refused a value the gateway chose (a thinking level, a penalty, ...): send the request
        once more, to the same key, with what Gemini allows (core/fitting.py)."""
        request = self._requests[index]
        model = self._prepared.model if _generates(request) else None
        if rotation.corrected or model is None:
            return False
        correction = self._inst.fits.correct(model, request.body, 400, body, self._explicit())
        if correction is None:
            return False
        rotation.corrected = True
        self._requests[index] = request._replace(body=correction.body)
        self._note("corrected", correction.note)
        rotation.again()
        return True

    def _keyed(self, rotation: Rotation) -> None:
        """Tell the exchange which key (by position in this call's keys, never the key) answered."""
        exchange = self._exchange
        # Only exchanges that start state listen (the fingerprint costs a hash, the first one an import).
        if exchange is not None and not self._keyless and type(exchange).keyed is not Exchange.keyed:
            key = rotation.key
            exchange.keyed(self._keys.index(key), key_tag(key))

    def _failed(self, rotation: Rotation, error: GatewayError, now: float, *, retry: bool) -> None:
        self._report(rotation, error, now)
        rotation.fail(error, retry=retry and should_retry(error, now - rotation.started))

    def _report(self, rotation: Rotation, error: GatewayError | None, now: float) -> None:
        if not self._keyless:
            note = self._inst.pool.report(rotation.key, error, now, model=self._model_name)
            if note:
                self._note("keys", note)

    def _transport(self, kind: str, cause: str) -> GatewayError:
        settings = self.settings
        return transport_error(kind, cause, connect_timeout=settings.connect_timeout, request_timeout=settings.request_timeout)

    def _next(self) -> Any:
        if self._checking:
            return self._pool_health()  # every key has been asked; the pool has the answers
        rotations = [rotation for rotation in self._rotations if rotation is not None]  # all of them: next() checked
        for rotation in rotations:
            if rotation.error is not None and rotation.result is None:
                if self._native is not None and rotation.answer is not None:
                    return self._relay(*rotation.answer)
                raise rotation.error
        if self._native is not None:
            if self._native.request.stream:
                return self._open_stream()
            return self._relay(*rotations[0].answer)
        exchange = self._prepared
        if exchange.stream:
            return self._open_stream()
        requests = exchange.feed([rotation.result for rotation in rotations])
        if requests:
            return self._fetch(requests)
        return self._result(exchange.result())

    def _result(self, result: Any) -> Answer:
        usage = self._prepared.logged_usage(result)
        if usage:
            self.log["usage"] = usage_summary(usage)
        if isinstance(result, Audio):
            if result.format == "mp3":
                return self._answer(200, b"", [("content-type", result.content_type)], audio=result)
            result = result.payload()
        if isinstance(result, Payload):
            return self._answer(200, result.body, [("content-type", result.content_type)])
        return self._answer(200, self._codec.dumps(result), [("content-type", "application/json")])

    def _relay(self, status: int, headers: list[tuple[str, str]], body: bytes) -> Answer:
        """Gemini's answer to a native call, as Gemini gave it (scrubbed of keys, like everything)."""
        if status >= 400:
            self.level = WARNING if status < 500 else ERROR
            self.log["error"] = "gemini"
        return self._answer(status, body, self._native_headers(headers))

    def _native_headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        from .native import native_response_headers, public_origin, upload_secret

        settings = self.settings
        origin = public_origin(self.headers, self._scheme, settings.public_url)
        secret = upload_secret(settings.api_keys, settings.auth_tokens) if settings.server_keys else None
        return native_response_headers(headers, settings.gemini_base_url, origin, secret=secret, decoded=self._decoded)

    # --- streams -----------------------------------------------------------------------------------

    def _streams(self) -> bool:
        return bool(self._requests) and self._requests[0].stream

    def _keepalive(self) -> float:
        # Gemini's own streams go to its SDKs byte for byte: no comments of ours in them.
        return 0.0 if self._native is not None else self.settings.stream_keepalive

    def _open_stream(self) -> Stream:
        if self._native is not None:
            self._translator = _Pipe()
        else:
            self._translator = self._prepared.open_stream(self._codec)
        self._state = "streaming"
        self.log["status"] = 200
        head = None if self._head_sent else self._stream_head()
        self._head_sent = True
        self._held = []
        return Stream(200, head, self._native is not None, self._keepalive())

    def _stream_head(self) -> list[tuple[str, str]]:
        if self._native is None:  # our own constant headers: nothing in them can hold a key
            return [*SSE_HEADERS, *self._cors, ("x-request-id", self.id)]
        return self._scrub.headers([*self._native_headers(self._upstream_headers), *self._cors, ("x-request-id", self.id)])

    def _emit(self, out: bytes) -> bytes:
        """Scrubbed stream bytes; while an empty answer could still be asked again, they wait."""
        out = self._scrub.feed(out) if out else b""
        if self._holding():
            if out:
                self._held.append(out)
            return b""
        if self._held:
            out, self._held = b"".join((*self._held, out)), []
        return out

    def _holding(self) -> bool:
        translator = self._translator
        if translator.said or translator.error is not None:  # the usual stream, from its first words on
            return False
        rotation = self._rotations[0] if self._rotations else None
        return (self._exchange is not None and self._exchange.retries_empty and self.settings.retry_empty_answers
                and rotation is not None and not rotation.emptied)

    def _empty_retry(self) -> Fetch | None:
        """An empty streamed answer, asked again once (nothing of it has reached the client)."""
        rotation = self._rotations[0] if self._rotations else None
        if not (self._holding() and self._translator.empty):
            return None
        assert rotation is not None  # _holding() says there is one
        rotation.emptied = True
        self._note("retried", "empty answer")
        rotation.retry_elsewhere()
        self._held = []
        return self._fetching()

    def _end(self, out: bytes) -> Tail:
        """The stream's last bytes: whatever was held back, then the end, then the scrubber's tail."""
        self._state = "done"
        scrubbed = self._scrub.feed(out) if out else b""
        held, self._held = b"".join(self._held), []
        return Tail(held + scrubbed + self._scrub.flush())

    # --- answers and errors ------------------------------------------------------------------------

    def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]], *, cors: bool = True,
                audio: Audio | None = None) -> Answer:
        self._state = "done"
        self.log.setdefault("status", status)
        all_headers = [*headers, *(self._cors if cors else ()), ("x-request-id", self.id)]
        if self._native is not None:  # Gemini's own headers are relayed: they too may quote a key
            all_headers = self._scrub.headers(all_headers)
        return Answer(status, all_headers, self._scrub.whole(body) if body else b"", audio)

    def _refused_by(self, exc: Exception) -> Any:
        """A step's failure: a GatewayError is the client's answer; anything else a bug, a clean 500."""
        return self._refuse(exc if isinstance(exc, GatewayError) else self._bug(exc))

    def _refuse(self, error: GatewayError) -> Any:
        """The error as the client's answer, or — once a stream's head has gone — its closing event."""
        self.level = WARNING if error.status < 500 else ERROR
        self.log["status"] = error.status
        self.log["error"] = error.code or error.type
        self.log["message"] = self._scrub.text(error.message[:300])
        if self._head_sent:
            if self._translator is None:
                self._translator = self._prepared.open_stream(self._codec)
            return self._end(self._translator.fail(error))
        try:
            headers = [("content-type", "application/json"), *error.headers()]
            status, envelope = error.envelope(self._dialect)
            body = self._codec.dumps(envelope)
        except Exception as exc:  # an error that cannot even be rendered is a bug: say so plainly
            return self._refuse(self._bug(exc))
        if self._dialect == "google":
            from .native import native_error_headers

            headers += native_error_headers(self._raw_path)
        return self._answer(status, body, headers)

    def _bug(self, exc: BaseException) -> GatewayError:
        """A bug: the log line says where, the client gets a clean 500 (never a traceback)."""
        from .errors import describe_exception

        self.log["exception"] = describe_exception(exc)
        return internal_error(self.id)

    # --- small things ------------------------------------------------------------------------------

    def _expect(self, step: str, *states: str) -> None:
        if self._state not in states:
            raise CallStateError(f"{step}() cannot be called while the call is {self._state} (only when {' or '.join(states)})")

    def _path(self) -> str:
        """The path, percent-decoded (the routes read it so); a path no client could mean is a 400."""
        try:
            path = unquote(self._raw_path, errors="strict")
        except UnicodeDecodeError:
            self._dialect_of(self._raw_path)
            raise InvalidRequestError("The request path is not valid percent-encoded UTF-8.") from None
        if not path.isprintable():
            self._dialect_of(self._raw_path)
            raise InvalidRequestError("The request path holds control characters.")
        self.log["path"] = path
        return path

    def _dialect_of(self, path: str) -> None:
        """The envelope for a path refused before routing: the one its API would use (`/v1beta/…` Google's)."""
        with contextlib.suppress(GatewayError):
            self._dialect = route(self.method, path, self.headers).dialect

    def _secret(self, value: str | None) -> None:
        if value:
            self.secrets.append(value)
            self._scrub.add(value)

    def _note(self, field: str, note: str) -> None:
        self.log.setdefault(field, []).append(note)


def _empty(data: dict[str, Any]) -> bool:
    """candidates.empty_answer, imported by its first call (not at import); it then takes this name's place,
    so that no later request pays for an import statement (about 10,000 instructions each)."""
    global _empty
    from .candidates import empty_answer

    _empty = empty_answer
    return empty_answer(data)


def _generates(request: UpstreamRequest) -> bool:
    """A generateContent call with a JSON body: what core/fitting.py knows how to fit."""
    return isinstance(request.body, dict) and request.path.endswith(("generateContent", "GenerateContent"))


class _Pipe:
    """A native stream: Gemini's bytes go to the client as they come; a read failure half-way ends it
    with Google's error event."""

    usage = None
    said = True

    def __init__(self) -> None:
        self.closed = False
        self.error: GatewayError | None = None

    def feed(self, chunk: bytes) -> bytes:
        return chunk

    def close(self) -> bytes:
        self.closed = True
        return b""

    def fail(self, error: GatewayError) -> bytes:
        from .native import native_error_event

        self.closed, self.error = True, error
        return native_error_event(error)
