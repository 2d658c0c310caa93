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
import contextlib
import os
import ssl
from collections import deque
from collections.abc import AsyncIterator, Mapping
from urllib.parse import urlsplit

from .connection import Connection
from .http_errors import (
    CAConfigError,
    ClientError,
    ConnectError,
    ConnectTimeout,
    HeaderTooLarge,
    LocalProtocolError,
    PoolTimeout,
    ProtocolError,
    ProxyConfigError,
    ReadTimeout,
    _Unanswered,
)
from .reach import Tunnel, proxy_for, tls_context

# The exceptions are the client's API too (adapters/http_errors.py holds them).
__all__ = ["CAConfigError", "ClientError", "ConnectError", "ConnectTimeout", "HTTPClient", "HeaderTooLarge",
           "LocalProtocolError", "PoolTimeout", "ProtocolError", "ProxyConfigError", "ReadTimeout", "Response"]

MAX_CONNECTIONS = 256  # per client: under the usual 1024 descriptors, with as many left for our own clients
_IDLE_LIMIT = 100  # kept-alive connections parked per client
_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")  # RFC 9110 §5.6.2
_FRAMING = frozenset({"host", "content-length", "transfer-encoding"})  # the client writes these itself
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class Response:
    """The status and headers of an answer; its body is read whole or streamed, once."""

    def __init__(self, client: HTTPClient, connection: Connection) -> None:
        self._client = client
        self._connection: Connection | None = connection
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
        self._ssl = (ssl_context or tls_context(environment)) if self.scheme == "https" else None
        self._proxy = proxy_for(self.scheme, self.host, self.port, environment)
        # Through a proxy, plain http carries the absolute URL (RFC 9112 §3.2.2) and the proxy's
        # credentials on every request; https is tunnelled, and the credentials go with CONNECT.
        forward = self._proxy is not None and self.scheme == "http"
        self._origin = f"http://{self.authority}" if forward else ""
        self._fixed = f"host: {self.authority}\r\n" + (self._proxy[2] if forward else "")  # type: ignore[index]
        self._fixed_lines = self._fixed.count("\n")
        self._idle: list[Connection] = []
        self._count = 0  # connections open or opening, parked ones included
        self._waiters: deque[tuple[asyncio.Future[Connection | None], bool]] = deque()  # (future, wants a fresh connection)

    async def request(self, method: str, target: str, headers: Mapping[str, str], body: bytes | None = None) -> Response:
        """Send a request (`target`: path and query) and return once the final answer's headers are in."""
        message = self._message(method, target, headers, body)
        head_only = method == "HEAD"
        connection = self._parked() or await self._acquire(fresh=False)
        if await self._sent(connection, message, head_only, last=not connection.used):
            return Response(self, connection)
        # A kept-alive connection the server had dropped while it was parked: it never read the
        # request. Once, on a connection of its own; if that one fails too, so does the request.
        connection = await self._acquire(fresh=True)
        await self._sent(connection, message, head_only, last=True)
        return Response(self, connection)

    async def _sent(self, connection: Connection, message: bytes, head_only: bool, *, last: bool) -> bool:
        """Write the request and wait for the answer's headers: True once they are in; False when the
        connection closed unanswered and another try may follow (`last` makes that a ProtocolError)."""
        connection.begin(head_only)
        try:
            connection.transport.write(message)  # type: ignore[union-attr]
            await connection.wait_headers(self.read_timeout)
        except _Unanswered as exc:
            connection.close()
            if last:
                raise ProtocolError(str(exc)) from None
            return False
        except BaseException:
            connection.close()
            raise
        return True

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
        if not _CHECKED.issuperset(headers):  # names seen before pass in one look, in C
            for name in headers:
                if name not in _CHECKED:
                    if not _is_token(name) or name.lower() in _FRAMING:
                        raise LocalProtocolError(f"not a header name the client may write: {name[:40]!r}")
                    if len(_CHECKED) < 1024:
                        _CHECKED.add(name)
        fields = [f"{name}: {value}\r\n" for name, value in headers.items()]
        if body is not None:
            fields.append(f"content-length: {len(body)}\r\n")
        try:
            encoded = f"{method} {self._origin}{path} HTTP/1.1\r\n{self._fixed}{''.join(fields)}".encode("latin-1")
        except UnicodeEncodeError:
            raise LocalProtocolError("a header value has a character outside Latin-1") from None
        # Names and the target are checked above: a CR, LF or NUL beyond the line ends written here
        # can only be in a value (RFC 9110 §5.5: "invalid and dangerous"). Three scans in C.
        lines = len(fields) + 1 + self._fixed_lines
        if encoded.count(b"\n") != lines or encoded.count(b"\r") != lines or b"\0" in encoded:
            raise LocalProtocolError("a header value holds CR, LF or NUL")
        return encoded + b"\r\n" + (body or b"")

    # the pool ----------------------------------------------------------------------------------
    def _parked(self) -> Connection | None:
        """The connection parked last (the least likely to have been dropped), if any."""
        idle = self._idle
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    async def _acquire(self, fresh: bool) -> Connection:
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

    async def _queue(self, fresh: bool) -> Connection | None:
        """Wait for a connection (None: the slot of one that closed) in first-come order."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Connection | None] = loop.create_future()
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
            with contextlib.suppress(ValueError):
                self._waiters.remove(entry)

    def _hand_over(self, connection: Connection | None) -> bool:
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

    def _forget(self, connection: Connection) -> None:
        """A connection closed: its slot goes to a waiting request, or back to the pool."""
        if connection.holds_slot:
            connection.holds_slot = False
            if not connection.active and connection in self._idle:
                self._idle.remove(connection)
            self._free_slot()

    def _release(self, connection: Connection) -> None:
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

    async def _connect(self) -> Connection:
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

    async def _open(self) -> Connection:
        loop = asyncio.get_running_loop()
        if self._proxy is None:
            _, connection = await loop.create_connection(
                lambda: Connection(self), self.host, self.port, ssl=self._ssl,
                server_hostname=self.host if self._ssl else None)
            return connection
        proxy_host, proxy_port, authorization = self._proxy
        transport, connection = await loop.create_connection(lambda: Connection(self), proxy_host, proxy_port)
        if self.scheme == "http":
            return connection
        # HTTPS: an HTTP CONNECT tunnel to the origin, then TLS inside it (RFC 9110 §9.3.6).
        tunnel = Tunnel(loop)
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



def _is_token(text: str) -> bool:
    """A method or a header name: one or more tchar (RFC 9110 §5.6.2). Only names not seen before get here."""
    return bool(text) and all(char in _TCHAR for char in text)


def _visible(text: str) -> bool:
    """Visible ASCII only: a request line has no room for controls, spaces or anything else."""
    return text.isascii() and text.isprintable() and " " not in text and bool(text)


def _give_up(waiter: asyncio.Future[Connection | None], message: str) -> None:
    if not waiter.done():
        waiter.set_exception(PoolTimeout(message))
