"""A small HTTP/1.1 client for the one origin the gateway calls: keep-alive, TLS, streamed bodies.

Why not httpx: under load 78% of the gateway's CPU went to httpx, httpcore and anyio, and the
import alone cost about as much as a bare interpreter start. This client does what calling Gemini
needs and nothing more — one origin, HTTP/1.1, a bounded pool of kept-alive connections, responses
parsed by httptools (llhttp, Node's parser, as uvicorn uses it), an `HTTPS_PROXY` tunnel — and
bench/RESULTS.md has the figures behind the choice. tests/adapters/test_client_differential.py
holds it to httpx's behaviour against misbehaving servers, and names each deliberate difference.

    client = HTTPClient("https://generativelanguage.googleapis.com", connect_timeout=10, read_timeout=300)
    response = await client.request("POST", "/v1beta/models/m:generateContent", headers, body)
    data = await response.read()                 # or: async for chunk in response.stream(): ...

`request()` returns once the final status and headers are in: a failure it raises means no status
arrived; a failure while reading the body means one did (the caller must not retry on another key
then — that request was billed). `connect_timeout` bounds opening a connection; `read_timeout`
bounds the whole header section, then each wait for the body, and the wait for a free connection
when `max_connections` are busy.

Gemini bills every request it receives, so a request is sent again only once, only when a reused
kept-alive connection closed before any byte of the answer (the server dropped it while it was
parked: it never read the request), and only on a fresh connection. A connection goes back to the
pool only when its exchange ended exactly at a message boundary; anything else closes it.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
from collections import deque
from typing import AsyncIterator, Mapping
from urllib.parse import unquote, urlsplit

import httptools

__all__ = ["CAConfigError", "ClientError", "ConnectError", "ConnectTimeout", "HTTPClient", "HeaderTooLarge",
           "LocalProtocolError", "PoolTimeout", "ProtocolError", "ProxyConfigError", "ReadTimeout", "Response"]

MAX_CONNECTIONS = 256  # per client: under the usual 1024 descriptors, with as many left for our own clients
_IDLE_LIMIT = 100  # kept-alive connections parked per client
_HIGH_WATER = 1 << 20  # buffered body bytes above which the socket stops being read
# The header section (with any 1xx before it), the trailers, or a chunk's size line: what the
# parser holds before it yields body bytes. httpcore allows 100 KiB, Node 16 KiB; Google sends ~1 KiB.
_HEAD_LIMIT = 64 * 1024
_FIELD_LIMIT = 100  # fields in one header or trailer section

_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")  # RFC 9110 §5.6.2
_FRAMING = frozenset({"host", "content-length", "transfer-encoding"})  # the client writes these itself
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class ClientError(Exception):
    """A call that got no usable HTTP answer."""


class ConnectError(ClientError):
    pass


class ConnectTimeout(ClientError):
    pass


class ReadTimeout(ClientError):
    pass


class PoolTimeout(ReadTimeout):
    """Every allowed connection stayed busy for `read_timeout`: the request was never sent."""


class ProtocolError(ClientError):
    """The server closed the connection or sent something that is not HTTP/1.1."""


class HeaderTooLarge(ProtocolError):
    """A header section (or trailers) over the client's bounds: the server is flooding it."""


class LocalProtocolError(ProtocolError):
    """A request the client refuses to write: it would break HTTP/1.1 framing. Nothing was sent."""


class _Unanswered(ProtocolError):
    """The connection closed before any byte of the answer."""


class ProxyConfigError(ValueError):
    """A proxy variable this client cannot use; `variable` names it."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(message)
        self.variable = variable


class CAConfigError(ProxyConfigError):
    """`SSL_CERT_FILE` or `SSL_CERT_DIR` names no usable CA certificates."""


class _Stop(Exception):
    """Raised from a parser callback to stop llhttp at a message boundary."""


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection, carrying one request/response exchange at a time."""

    def __init__(self, client: HTTPClient) -> None:
        self._client = client
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.used = False  # has carried a complete exchange: a candidate for a stale keep-alive
        self.active = False  # between writing a request and giving the connection back
        self.holds_slot = False  # counted in the client's connections until it closes
        self.parser = _parser(self)
        self._reset(False)

    def _reset(self, head_only: bool) -> None:
        self.head_only = head_only
        self.status = 0  # of the final answer: 1xx answers are skipped
        self.headers: dict[str, str] = {}
        self.keep_alive = False
        self.complete = False
        self.answered = False  # any byte of the current answer arrived
        self.doubt = False  # the exchange did not end exactly at a message boundary
        self._fields = 0
        self._held = 0  # bytes received since the parser last yielded body: bounded by _HEAD_LIMIT
        self._head: list[bytes] | None = []  # the header phase's raw bytes, kept for a replay
        self._replay = 0  # 0: none yet, 1: waiting for the rest of the section, 2: done
        self._body: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._error: Exception | None = None
        self._wake: asyncio.Future | None = None

    def begin(self, head_only: bool) -> None:
        if self.used:
            self._reset(head_only)
        else:
            self.head_only = head_only
        self.active = True

    # asyncio.Protocol -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self.active or self.complete:
            # An idle connection the server talks on, or bytes after the answer: no boundary to trust.
            self.doubt = True
            self.close()
            return
        self.answered = True
        self._held += len(data)
        if self._head is not None:
            self._head.append(data)
            if self._replay == 1:  # a replay waits for the end of the header section
                if self._held > _HEAD_LIMIT:
                    self._fail(HeaderTooLarge(f"the server's header section exceeded {_HEAD_LIMIT // 1024} KiB"))
                    self.close()
                elif b"\r\n\r\n" in b"".join(self._head[-4:]) and not self._try_replay():  # chunks are never empty
                    self._fail(ProtocolError("invalid HTTP response: conflicting Content-Length values"))
                    self.close()
                return
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(ProtocolError("the server switched protocols (HTTP 101) unasked"))
        except httptools.HttpParserError as exc:
            if self.complete:  # garbage after a complete answer, or a HEAD answer cut short on purpose
                self.doubt = True
            elif self._error is None and not (self._head is not None and "Content-Length" in str(exc) and self._try_replay()):
                self._fail(ProtocolError(f"invalid HTTP response: {exc}"))
        if self._held > _HEAD_LIMIT and not self.complete:
            where = "header section" if not self.status else "trailer section or chunk size line"
            self._fail(HeaderTooLarge(f"the server's {where} exceeded {_HEAD_LIMIT // 1024} KiB"))
        if self._error is not None or self.doubt:
            self.close()

    def _try_replay(self) -> bool:
        """Parse the header phase again with repeated identical Content-Length values merged into
        one (RFC 9110 §8.6 allows it; llhttp refuses them). True if that is under way."""
        if self._replay == 2 or self._head is None:
            return False
        raw = b"".join(self._head)
        start, end = _final_head(raw)
        if end < 0:
            self._replay = 1  # the rest of the section is still to come: joined again once it has
            return True
        merged = _merge_lengths(raw[start:end])
        if merged is None:
            return False
        self._replay = 2
        self._head = None
        self.parser = _parser(self)
        self.headers = {}
        self._feed(raw[:start] + merged + raw[end:])
        return True

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._client._forget(self)
        if not self.active or self.complete:
            return
        if self.status and exc is None and "content-length" not in self.headers and "transfer-encoding" not in self.headers:
            self.on_message_complete()  # a body delimited by the end of the connection (RFC 9112 §6.3)
        elif not self.answered:
            self._fail(_Unanswered("the server closed the connection without answering"))
        elif exc is not None:
            self._fail(ProtocolError(f"the connection was reset before the answer was complete ({type(exc).__name__})"))
        else:
            self._fail(ProtocolError("the server closed the connection before the answer was complete"))

    # httptools callbacks ------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        if self.status:
            raise _Stop  # a second message after the final answer
        self.headers = {}
        self._fields = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._fields += 1
        if self._fields > _FIELD_LIMIT:
            where = "trailer section" if self.status else "header section"
            self._fail(HeaderTooLarge(f"the server's {where} has more than {_FIELD_LIMIT} fields"))
            raise _Stop
        if self.status:
            return  # a trailer: not part of the answer's headers (as in httpx)
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:
            if status == 101:
                self._fail(ProtocolError("the server switched protocols (HTTP 101) unasked"))
                raise _Stop
            return  # informational (RFC 9110 §15.2): the final answer follows
        headers = self.headers
        keep_alive = self.parser.should_keep_alive()  # llhttp forgets it once the message is complete
        coding = headers.get("transfer-encoding")
        if coding is not None:
            # Nothing asked for other codings (no TE header is sent); h11 refuses them the same way.
            if coding.lower() != "chunked":
                self._fail(ProtocolError(f"unsupported Transfer-Encoding: {coding[:40]!r}"))
                raise _Stop
            if headers.pop("content-length", None) is not None:
                keep_alive = False  # RFC 9112 §6.3: chunked wins; a sign of smuggling, so no reuse
        self._held = 0
        if self._head is not None:  # what the bytes counted so far let through within one read
            raw = b"".join(self._head)
            end = _final_head(raw)[1]
            if end > _HEAD_LIMIT:
                self._fail(HeaderTooLarge(f"the server's header section exceeded {_HEAD_LIMIT // 1024} KiB"))
                raise _Stop
            self._held = max(len(raw) - end, 0) if end >= 0 else 0
            self._head = None
        self.keep_alive = keep_alive
        self.status = status
        self._fields = 0
        self._notify()
        if self.head_only:
            # llhttp cannot be told the request was HEAD: the answer ends here whatever its length says.
            self.keep_alive = False
            self.on_message_complete()
            raise _Stop

    def on_body(self, body: bytes) -> None:
        self._held = 0
        self._body.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._notify()

    def on_message_complete(self) -> None:
        if self.status:
            self.complete = True
            self._notify()

    # used by Response ---------------------------------------------------------------------------
    async def wait_headers(self, timeout: float) -> None:
        if self.status:
            return
        deadline = asyncio.get_running_loop().time() + timeout  # for the whole section, however it drips
        while not self.status:
            try:
                await self._wait(timeout, deadline)
            except ClientError:
                if self.status:
                    return  # the status arrived first: what went wrong after it is the body's to raise
                raise

    async def next_body(self, timeout: float) -> bytes | None:
        """Whatever of the body has arrived (at least one byte), or None at its end.

        Everything buffered is handed over at once: when Gemini's events arrive together they are
        translated and sent together, and nothing ever waits for more to arrive.
        """
        while not self._body:
            if self.complete:
                return None
            await self._wait(timeout)
        chunk = self._body.popleft() if len(self._body) == 1 else b"".join(self._body)
        self._body.clear()
        self._buffered -= len(chunk)
        if self._paused and self._buffered < _HIGH_WATER // 2 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    @property
    def reusable(self) -> bool:
        return (self.complete and self.keep_alive and not self.doubt and not self.closed and self.transport is not None
                and not self.transport.is_closing() and self.transport.get_write_buffer_size() == 0)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        self._client._forget(self)

    async def _wait(self, timeout: float, deadline: float | None = None) -> None:
        if self._error is not None:
            raise self._error
        loop = asyncio.get_running_loop()
        self._wake = wake = loop.create_future()
        # A timer rather than asyncio.wait_for: this runs once per streamed chunk.
        if deadline is None:
            timer = loop.call_later(timeout, _expire, wake, timeout)
        else:
            timer = loop.call_at(deadline, _expire, wake, timeout)
        try:
            await wake
        finally:
            timer.cancel()
            self._wake = None
        if self._error is not None:
            raise self._error

    def _notify(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._notify()


class Response:
    """The status and headers of an answer; its body is read whole or streamed, once."""

    def __init__(self, client: HTTPClient, connection: _Connection) -> None:
        self._client = client
        self._connection: _Connection | None = connection
        self.status = connection.status
        self.headers = connection.headers

    async def read(self) -> bytes:
        connection = self._connection
        if connection is not None and connection.complete:
            # Usually the whole answer came with its headers: no need to wait for anything.
            self._connection = None
            body = b"".join(connection._body)
            connection._body.clear()
            self._client._release(connection)
            return body
        return b"".join([chunk async for chunk in self.stream()])

    async def stream(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            return
        try:
            while True:
                chunk = await connection.next_body(self._client.read_timeout)
                if chunk is None:
                    break
                yield chunk
        except BaseException:
            await self.aclose()
            raise
        self._connection = None
        self._client._release(connection)

    async def aclose(self) -> None:
        """Give up on the rest of the body: the connection cannot carry another request."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class HTTPClient:
    """Requests to one origin over a bounded pool of kept-alive HTTP/1.1 connections."""

    def __init__(self, base_url: str, *, connect_timeout: float, read_timeout: float,
                 env: Mapping[str, str] | None = None, ssl_context: ssl.SSLContext | None = None,
                 max_connections: int = MAX_CONNECTIONS, pool_timeout: float | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")  # a relay may serve Gemini under a path
        if self.prefix and not _visible(self.prefix):
            raise ValueError("the URL's path has characters a request line cannot carry")
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address (RFC 3986 §3.2.2)
        self._hostport = f"{host}:{self.port}"
        self.authority = host if self.port == (443 if self.scheme == "https" else 80) else self._hostport
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.pool_timeout = read_timeout if pool_timeout is None else pool_timeout
        self.max_connections = max_connections
        environment = os.environ if env is None else env
        self._ssl = (ssl_context or _ssl_context(environment)) if self.scheme == "https" else None
        self._proxy = _proxy_for(self.scheme, self.host, self.port, environment)
        # Through a proxy, plain http carries the absolute URL (RFC 9112 §3.2.2) and the proxy's
        # credentials on every request; https is tunnelled, and the credentials go with CONNECT.
        forward = self._proxy is not None and self.scheme == "http"
        self._origin = f"http://{self.authority}" if forward else ""
        self._fixed = f"host: {self.authority}\r\n" + (self._proxy[2] if forward else "")  # type: ignore[index]
        self._fixed_lines = self._fixed.count("\n")
        self._idle: list[_Connection] = []
        self._count = 0  # connections open or opening, parked ones included
        self._waiters: deque[tuple[asyncio.Future, bool]] = deque()  # (future, wants a fresh connection)

    async def request(self, method: str, target: str, headers: Mapping[str, str], body: bytes | None = None) -> Response:
        """Send a request (`target`: path and query) and return once the final answer's headers are in."""
        message = self._message(method, target, headers, body)
        head_only = method == "HEAD"
        connection = self._parked() or await self._acquire(fresh=False)
        reused = connection.used
        connection.begin(head_only)
        try:
            connection.transport.write(message)  # type: ignore[union-attr]
            await connection.wait_headers(self.read_timeout)
        except _Unanswered as exc:
            connection.close()
            if not reused:
                raise ProtocolError(str(exc)) from None
        except BaseException:
            connection.close()
            raise
        else:
            return Response(self, connection)
        # A kept-alive connection the server had dropped while it was parked: it never read the
        # request. Once, on a connection of its own; if that one fails too, so does the request.
        connection = await self._acquire(fresh=True)
        connection.begin(head_only)
        try:
            connection.transport.write(message)  # type: ignore[union-attr]
            await connection.wait_headers(self.read_timeout)
        except _Unanswered as exc:
            connection.close()
            raise ProtocolError(str(exc)) from None
        except BaseException:
            connection.close()
            raise
        return Response(self, connection)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _message(self, method: str, target: str, headers: Mapping[str, str], body: bytes | None) -> bytes:
        """The request's bytes, refusing anything that would let a value end a line (RFC 9112 §3, §5)."""
        path = self.prefix + target
        if method not in _METHODS and not _is_token(method):
            raise LocalProtocolError(f"not an HTTP method: {method[:20]!r}")
        if not _visible(path):
            raise LocalProtocolError("the request target has characters a request line cannot carry (controls, spaces, "
                                     "non-ASCII)")
        for name in headers:
            if name not in _CHECKED:
                if not _is_token(name) or name.lower() in _FRAMING:
                    raise LocalProtocolError(f"not a header name the client may write: {name[:40]!r}")
                if len(_CHECKED) < 1024:
                    _CHECKED.add(name)
        head = [f"{method} {self._origin}{path} HTTP/1.1\r\n{self._fixed}"]
        head.extend(f"{name}: {value}\r\n" for name, value in headers.items())
        if body is not None:
            head.append(f"content-length: {len(body)}\r\n")
        try:
            encoded = "".join(head).encode("latin-1")
        except UnicodeEncodeError:
            raise LocalProtocolError("a header value has a character outside Latin-1") from None
        # Names and the target are checked above: a CR, LF or NUL beyond the line ends written here
        # can only be in a value (RFC 9110 §5.5: "invalid and dangerous"). Three scans in C.
        lines = len(head) + self._fixed_lines
        if encoded.count(b"\n") != lines or encoded.count(b"\r") != lines or b"\0" in encoded:
            raise LocalProtocolError("a header value holds CR, LF or NUL")
        return encoded + b"\r\n" + (body or b"")

    # the pool ----------------------------------------------------------------------------------
    def _parked(self) -> _Connection | None:
        """The connection parked last (the least likely to have been dropped), if any."""
        idle = self._idle
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    async def _acquire(self, fresh: bool) -> _Connection:
        """A parked connection (unless `fresh`), or a new one once there is room for it."""
        while True:
            if not fresh and (connection := self._parked()) is not None:
                return connection
            if self._count < self.max_connections:
                self._count += 1
                return await self._connect()
            if fresh and self._idle:
                parked = self._idle.pop(0)  # the oldest parked connection makes room
                parked.holds_slot = False
                parked.close()
                return await self._connect()
            handed = await self._queue(fresh)
            if handed is None:  # a slot, handed over
                return await self._connect()
            if not handed.closed:
                return handed

    async def _queue(self, fresh: bool) -> _Connection | None:
        """Wait for a connection (None: the slot of one that closed) in first-come order."""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        entry = (waiter, fresh)
        self._waiters.append(entry)
        message = f"no free connection to {self.authority} within {self.pool_timeout:g} s " \
                  f"({self.max_connections} connection{'s' if self.max_connections != 1 else ''} busy)"
        timer = loop.call_later(self.pool_timeout, _give_up, waiter, message)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                handed = waiter.result()  # handed over just as this request gave up: pass it on
                if handed is None:
                    self._free_slot()
                else:
                    self._release(handed)
            raise
        finally:
            timer.cancel()
            try:
                self._waiters.remove(entry)
            except ValueError:
                pass

    def _hand_over(self, connection: _Connection | None) -> bool:
        """Give a connection, or the slot of one (None), to the first request waiting for one."""
        while self._waiters:
            waiter, fresh = self._waiters.popleft()
            if waiter.done():
                continue
            if connection is not None and fresh:
                connection.holds_slot = False  # it wants a new connection: this one makes room
                connection.close()
                connection = None
            waiter.set_result(connection)
            return True
        return False

    def _free_slot(self) -> None:
        if not self._hand_over(None):
            self._count -= 1

    def _forget(self, connection: _Connection) -> None:
        """A connection closed: its slot goes to a waiting request, or back to the pool."""
        if connection.holds_slot:
            connection.holds_slot = False
            if not connection.active and connection in self._idle:
                self._idle.remove(connection)
            self._free_slot()

    def _release(self, connection: _Connection) -> None:
        connection.active = False
        if connection.reusable:
            connection.used = True
            if connection._paused:  # a big body read whole: listen again, for the server's close too
                connection._paused = False
                connection.transport.resume_reading()  # type: ignore[union-attr]
            if self._hand_over(connection):
                return
            if len(self._idle) < _IDLE_LIMIT:
                self._idle.append(connection)
                return
        connection.close()

    async def _connect(self) -> _Connection:
        """A new connection, in a slot the caller holds."""
        try:
            connection = await asyncio.wait_for(self._open(), self.connect_timeout)
        except BaseException as exc:
            self._free_slot()
            if isinstance(exc, asyncio.TimeoutError):
                raise ConnectTimeout(f"could not connect to {self.authority} within {self.connect_timeout:g} s") from None
            if isinstance(exc, (OSError, ssl.SSLError)):
                raise ConnectError(f"could not connect to {self.authority}: {type(exc).__name__}") from None
            raise
        connection.holds_slot = True
        if connection.closed:  # lost while it was being set up
            connection.close()
            raise ConnectError(f"could not connect to {self.authority}: the connection closed at once")
        return connection

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        if self._proxy is None:
            _, connection = await loop.create_connection(
                lambda: _Connection(self), self.host, self.port, ssl=self._ssl,
                server_hostname=self.host if self._ssl else None)
            return connection
        proxy_host, proxy_port, authorization = self._proxy
        transport, connection = await loop.create_connection(lambda: _Connection(self), proxy_host, proxy_port)
        if self.scheme == "http":
            return connection
        # HTTPS: an HTTP CONNECT tunnel to the origin, then TLS inside it (RFC 9110 §9.3.6).
        tunnel = _Tunnel(loop)
        transport.set_protocol(tunnel)
        try:
            transport.write(f"CONNECT {self._hostport} HTTP/1.1\r\nhost: {self._hostport}\r\n{authorization}\r\n"
                            .encode("latin-1"))
            status = await tunnel.established
            # "Any 2xx (Successful) response indicates that the sender (and all inbound proxies)
            # will switch to tunnel mode" (RFC 9110 §9.3.6).
            if not 200 <= status < 300:
                raise ConnectError(f"the proxy refused to tunnel to {self.authority} (HTTP {status})")
            if tunnel.extra:
                raise ConnectError("the proxy sent bytes after its answer to CONNECT, before TLS")
        except BaseException:
            transport.close()
            raise
        assert self._ssl is not None  # an https origin always has one
        tls = await loop.start_tls(transport, connection, self._ssl, server_hostname=self.host)
        if tls is None:  # the loop's start_tls never answers None; typeshed allows it
            raise ConnectError(f"could not start TLS with {self.authority} through the proxy")
        connection.connection_made(tls)
        return connection


_CHECKED: set[str] = set()  # header names already found to be tokens, not the client's own


class _Tunnel(asyncio.Protocol):
    """Reads a proxy's answer to CONNECT; the tunnel is then handed to TLS."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.established: asyncio.Future = loop.create_future()
        self.extra = False  # bytes after the answer: nothing may come before the TLS handshake
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        if self.established.done():
            self.extra = True
            return
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _HEAD_LIMIT:
                    self.established.set_exception(ConnectError("the proxy's answer to CONNECT is too large"))
                return
            line = bytes(self._buffer[:12])
            status = int(line[9:]) if line[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 ") and line[9:].isdigit() else 0
            del self._buffer[:end + 4]
            if 100 <= status < 200:
                continue  # informational: the real answer follows
            self.extra = bool(self._buffer) and 200 <= status < 300
            self.established.set_result(status)
            return

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.established.done():
            self.established.set_result(0)


def _parser(connection: _Connection) -> httptools.HttpResponseParser:
    parser = httptools.HttpResponseParser(connection)
    # Content-Length with chunked: chunked wins (RFC 9112 §6.3) and the connection is not reused
    # (on_headers_complete); llhttp's default is to refuse the answer. httptools 0.6.3 and later.
    if _LENIENCIES:
        parser.set_dangerous_leniencies(lenient_chunked_length=True)
    return parser


_LENIENCIES = hasattr(httptools.HttpResponseParser, "set_dangerous_leniencies")


def _is_token(text: str) -> bool:
    """A method or a header name: one or more tchar (RFC 9110 §5.6.2). Only names not seen before get here."""
    return bool(text) and all(char in _TCHAR for char in text)


def _visible(text: str) -> bool:
    """Visible ASCII only: a request line has no room for controls, spaces or anything else."""
    return text.isascii() and text.isprintable() and " " not in text and bool(text)


def _final_head(raw: bytes) -> tuple[int, int]:
    """Where the header section of the final (non-1xx) answer in `raw` starts and ends; (0, -1)
    while its end has not arrived."""
    start = 0
    while True:
        while raw.startswith(b"\r\n", start):
            start += 2
        end = raw.find(b"\r\n\r\n", start)
        if end < 0:
            return 0, -1
        if raw[start + 9:start + 10] != b"1":  # "HTTP/1.1 1xx"
            return start, end + 4
        start = end + 4


def _merge_lengths(section: bytes) -> bytes | None:
    """A header section with its Content-Length fields, if all the same number, as one; else None."""
    lines = section.split(b"\r\n")
    lengths = [index for index, line in enumerate(lines) if line.partition(b":")[0].lower() == b"content-length"]
    values = {value.strip() for index in lengths for value in lines[index].partition(b":")[2].split(b",")}
    if len(values) != 1 or not next(iter(values)).isdigit() or (len(lengths) == 1 and b"," not in lines[lengths[0]]):
        return None
    merged = [line for index, line in enumerate(lines) if index not in lengths[1:]]
    merged[lengths[0]] = b"content-length: " + values.pop()
    return b"\r\n".join(merged)


def _expire(waiter: asyncio.Future, timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(ReadTimeout(f"no data from the server for {timeout:g} s"))


def _give_up(waiter: asyncio.Future, message: str) -> None:
    if not waiter.done():
        waiter.set_exception(PoolTimeout(message))


def _ssl_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """Verified TLS: the CAs that SSL_CERT_FILE / SSL_CERT_DIR name when set (a corporate proxy's; httpx
    and OpenSSL read the same variables), otherwise certifi's bundle where it is installed (some
    serverless images lack a system one)."""
    cafile, capath = env.get("SSL_CERT_FILE") or None, env.get("SSL_CERT_DIR") or None
    if cafile is None and capath is None:
        bundle = _certifi_bundle()
        context = ssl.create_default_context(cafile=bundle) if bundle else ssl.create_default_context()
    else:
        if capath is not None and not os.path.isdir(capath):
            raise CAConfigError("SSL_CERT_DIR", "SSL_CERT_DIR must name a folder of CA certificates")
        try:
            context = ssl.create_default_context(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as exc:
            raise CAConfigError("SSL_CERT_FILE", f"SSL_CERT_FILE must name a file of PEM CA certificates "
                                                 f"({type(exc).__name__})") from None
    context.set_alpn_protocols(["http/1.1"])
    return context


def _certifi_bundle() -> str | None:
    """certifi's cacert.pem, found without importing certifi: `certifi.where()` goes through
    importlib.resources, about 11 ms of a cold instance's first request (bench/RESULTS.md)."""
    from importlib.util import find_spec

    spec = find_spec("certifi")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundle = os.path.join(folder, "cacert.pem")
        if os.path.isfile(bundle):
            return bundle
    return None


def _proxy_for(scheme: str, host: str, port: int, env: Mapping[str, str]) -> tuple[str, int, str] | None:
    """(host, port, Proxy-Authorization header line) from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY."""
    lowered = {key.lower(): value for key, value in env.items()}
    variable = next((name for name in (f"{scheme}_proxy", "all_proxy") if lowered.get(name)), None)
    if variable is None or _bypassed(host, port, lowered.get("no_proxy", "")):
        return None
    url = lowered[variable]
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise ProxyConfigError(variable.upper(), f"must be an http:// proxy (host:port or http://host:port), "
                                                 f"got {parts.scheme}://")
    authorization = ""
    if parts.username:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization = f"proxy-authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
    return parts.hostname, parts.port or 80, authorization


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Whether NO_PROXY names the origin: `*`; a host or domain (`example.com` covers its subdomains,
    with or without a leading `.` or `*.`), optionally with `:port` (`[::1]:8000` for IPv6); an IP
    address; a CIDR network (`10.0.0.0/8`), as curl reads it (CURLOPT_NOPROXY)."""
    host = host.lower()
    for entry in (item.strip().lower() for item in no_proxy.split(",")):
        if entry == "*":
            return True
        name, only_port = _split_port(entry)
        if not name or (only_port is not None and only_port != port):
            continue
        if "/" in name:
            if _in_network(host, name):
                return True
            continue
        domain = name[2:] if name.startswith("*.") else name.lstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [v6] or [v6]:port
        name, _, rest = entry[1:].partition("]")
        return name, int(rest[1:]) if rest[:1] == ":" and rest[1:].isdigit() else None
    name, colon, port = entry.rpartition(":")
    if colon and name.count(":") == 0 and port.isdigit():
        return name, int(port)
    return entry, None  # no port, or a bare IPv6 address


def _in_network(host: str, network: str) -> bool:
    import ipaddress  # only for a CIDR entry: about 2 ms of import

    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False
