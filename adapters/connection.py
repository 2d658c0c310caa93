"""One kept-alive HTTP/1.1 connection of the upstream client (adapters/client.py): writing a request,
reading its answer through llhttp (httptools), and knowing whether the exchange ended exactly at a
message boundary, so that the connection may carry another.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

import httptools

from .http_errors import (
    ClientError,
    HeaderTooLarge,
    ProtocolError,
    ReadTimeout,
    _Unanswered,
)

if TYPE_CHECKING:
    from .client import HTTPClient

__all__ = ["Connection"]

_HIGH_WATER = 1 << 20  # buffered body bytes above which the socket stops being read
# The header section (with any 1xx before it), the trailers, or a chunk's size line: what the
# parser holds before it yields body bytes. httpcore allows 100 KiB, Node 16 KiB; Google sends ~1 KiB.
_HEAD_LIMIT = 64 * 1024
_FIELD_LIMIT = 100  # fields in one header or trailer section


class _Stop(Exception):
    """Raised from a parser callback to stop llhttp at a message boundary."""


class Connection(asyncio.Protocol):
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
        self._wake: asyncio.Future[None] | None = None

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
        key, text, headers = name.decode("latin-1").lower(), value.decode("latin-1"), self.headers
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

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
            raw = self._head[0] if len(self._head) == 1 else b"".join(self._head)
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


def _parser(connection: Connection) -> httptools.HttpResponseParser:
    parser = httptools.HttpResponseParser(connection)
    # Content-Length with chunked: chunked wins (RFC 9112 §6.3) and the connection is not reused
    # (on_headers_complete); llhttp's default is to refuse the answer. httptools 0.6.3 and later.
    if _LENIENCIES:
        parser.set_dangerous_leniencies(lenient_chunked_length=True)
    return parser


_LENIENCIES = hasattr(httptools.HttpResponseParser, "set_dangerous_leniencies")


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


def _expire(waiter: asyncio.Future[None], timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(ReadTimeout(f"no data from the server for {timeout:g} s"))
