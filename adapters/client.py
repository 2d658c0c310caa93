"""A small HTTP/1.1 client for the one origin the gateway calls: keep-alive, TLS, streamed bodies.

Why not httpx: under load 78% of the gateway's CPU went to httpx, httpcore and anyio, and the
import alone cost about as much as a bare interpreter start. This client does what calling Gemini
needs and nothing more — one origin, HTTP/1.1, a pool of kept-alive connections, responses parsed
by httptools (C, the parser uvicorn uses), an `HTTPS_PROXY` tunnel — and bench/RESULTS.md has the
figures behind the choice.

    client = HTTPClient("https://generativelanguage.googleapis.com", connect_timeout=10, read_timeout=300)
    response = await client.request("POST", "/v1beta/models/m:generateContent", headers, body)
    data = await response.read()                 # or: async for chunk in response.stream(): ...

Timeouts work as httpx's do: `connect_timeout` for opening a connection, `read_timeout` for each
wait on the server (the headers, then every chunk of the body).
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

__all__ = ["ClientError", "ConnectError", "ConnectTimeout", "HTTPClient", "ProtocolError", "ProxyConfigError", "ReadTimeout",
           "Response"]

_IDLE_LIMIT = 100  # kept-alive connections parked per client
_HIGH_WATER = 1 << 20  # buffered body bytes above which the socket stops being read


class ClientError(Exception):
    """A call that got no usable HTTP answer."""


class ConnectError(ClientError):
    pass


class ConnectTimeout(ClientError):
    pass


class ReadTimeout(ClientError):
    pass


class ProtocolError(ClientError):
    """The server closed the connection or sent something that is not HTTP/1.1."""


class ProxyConfigError(ValueError):
    """A proxy variable this client cannot use; `variable` names it."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(message)
        self.variable = variable


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection, carrying one request/response exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.used = False  # has carried a complete exchange: a candidate for a stale keep-alive
        # One parser for the connection's life: httptools reads kept-alive messages in sequence.
        self.parser = httptools.HttpResponseParser(self)
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.keep_alive = False
        self.complete = False
        self.answered = False  # any byte of the current response arrived
        self._body: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._error: Exception | None = None
        self._wake: asyncio.Future | None = None

    # asyncio.Protocol -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.answered = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ProtocolError(f"invalid HTTP response: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.complete:
            return
        if self.status and "content-length" not in self.headers and "transfer-encoding" not in self.headers:
            self.on_message_complete()  # a body delimited by the end of the connection (RFC 9112 §6.3)
        else:
            self._fail(ProtocolError("the server closed the connection"))

    # httptools callbacks ------------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        # llhttp forgets this once the message is complete, so read it now (as uvicorn does).
        self.keep_alive = self.parser.should_keep_alive()
        self._notify()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._notify()

    def on_message_complete(self) -> None:
        self.complete = True
        self._notify()

    # used by Response ---------------------------------------------------------------------------
    async def wait_headers(self, timeout: float) -> None:
        while not self.status:
            await self._wait(timeout)

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
        return self.complete and not self.closed and self.keep_alive

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def _wait(self, timeout: float) -> None:
        if self._error is not None:
            raise self._error
        loop = asyncio.get_running_loop()
        self._wake = wake = loop.create_future()
        # A timer rather than asyncio.wait_for: this runs once per streamed chunk.
        timer = loop.call_later(timeout, _expire, wake, timeout)
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
    """Requests to one origin over a pool of kept-alive HTTP/1.1 connections."""

    def __init__(self, base_url: str, *, connect_timeout: float, read_timeout: float,
                 env: Mapping[str, str] | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")  # a relay may serve Gemini under a path
        default_port = self.port == (443 if self.scheme == "https" else 80)
        self.authority = self.host if default_port else f"{self.host}:{self.port}"
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._ssl = (ssl_context or _ssl_context()) if self.scheme == "https" else None
        self._proxy = _proxy_for(self.scheme, self.host, os.environ if env is None else env)
        self._idle: list[_Connection] = []

    async def request(self, method: str, target: str, headers: Mapping[str, str], body: bytes | None = None) -> Response:
        """Send a request (`target`: path and query) and return once the answer's headers are in."""
        head = [f"{method} {self._request_target(target)} HTTP/1.1\r\nhost: {self.authority}\r\n"]
        head.extend(f"{name}: {value}\r\n" for name, value in headers.items())
        if body is not None:
            head.append(f"content-length: {len(body)}\r\n")
        message = "".join(head).encode("latin-1") + b"\r\n" + (body or b"")
        while True:
            connection = await self._acquire()
            reused = connection.used
            try:
                connection.transport.write(message)
                await connection.wait_headers(self.read_timeout)
            except ProtocolError:
                connection.close()
                # A kept-alive connection the server had already dropped: it never saw the request.
                if reused and not connection.answered:
                    continue
                raise
            except BaseException:
                connection.close()
                raise
            return Response(self, connection)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _request_target(self, target: str) -> str:
        path = self.prefix + target
        # Through a proxy, plain http carries the absolute URL (RFC 9112 §3.2.2); https is tunnelled.
        return f"http://{self.authority}{path}" if self._proxy and self.scheme == "http" else path

    async def _acquire(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                connection._reset()
                return connection
        return await self._connect()

    def _release(self, connection: _Connection) -> None:
        if connection.reusable and len(self._idle) < _IDLE_LIMIT:
            connection.used = True
            self._idle.append(connection)
        else:
            connection.close()

    async def _connect(self) -> _Connection:
        try:
            return await asyncio.wait_for(self._open(), self.connect_timeout)
        except asyncio.TimeoutError:
            raise ConnectTimeout(f"could not connect to {self.authority} within {self.connect_timeout:g} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise ConnectError(f"could not connect to {self.authority}: {type(exc).__name__}") from None

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        if self._proxy is None:
            _, connection = await loop.create_connection(
                _Connection, self.host, self.port, ssl=self._ssl, server_hostname=self.host if self._ssl else None
            )
            return connection
        proxy_host, proxy_port, authorization = self._proxy
        transport, connection = await loop.create_connection(_Connection, proxy_host, proxy_port)
        if self.scheme == "http":
            return connection
        # HTTPS: an HTTP CONNECT tunnel to the origin, then TLS inside it (RFC 9110 §9.3.6).
        request = f"CONNECT {self.host}:{self.port} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\n{authorization}\r\n"
        tunnel = _Tunnel(loop)
        transport.set_protocol(tunnel)
        transport.write(request.encode("latin-1"))
        status = await tunnel.established
        if status != 200:
            transport.close()
            raise ConnectError(f"the proxy refused to tunnel to {self.authority} (HTTP {status})")
        tls = await loop.start_tls(transport, connection, self._ssl, server_hostname=self.host)
        connection.connection_made(tls)
        return connection


class _Tunnel(asyncio.Protocol):
    """Reads a proxy's answer to CONNECT; the tunnel is then handed to TLS."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.established: asyncio.Future = loop.create_future()
        self._buffer = b""

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if b"\r\n\r\n" in self._buffer and not self.established.done():
            line = self._buffer.split(b"\r\n", 1)[0].split()
            self.established.set_result(int(line[1]) if len(line) > 1 and line[1].isdigit() else 0)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.established.done():
            self.established.set_result(0)


def _expire(waiter: asyncio.Future, timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(ReadTimeout(f"no data from the server for {timeout:g} s"))


def _ssl_context() -> ssl.SSLContext:
    """Verified TLS, with certifi's CA bundle where it is installed (some serverless images lack one)."""
    bundle = _certifi_bundle()
    context = ssl.create_default_context(cafile=bundle) if bundle else ssl.create_default_context()
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


def _proxy_for(scheme: str, host: str, env: Mapping[str, str]) -> tuple[str, int, str] | None:
    """(host, port, Proxy-Authorization header line) from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY."""
    lowered = {key.lower(): value for key, value in env.items()}
    variable = next((name for name in (f"{scheme}_proxy", "all_proxy") if lowered.get(name)), None)
    if variable is None or _bypassed(host, lowered.get("no_proxy", "")):
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


def _bypassed(host: str, no_proxy: str) -> bool:
    for entry in (item.strip().lower() for item in no_proxy.split(",")):
        if entry == "*" or (entry and (host == entry.lstrip(".") or host.endswith("." + entry.lstrip(".")))):
            return True
    return False
