"""What a `core.call.Call` asks its shell to do next: plain values, so any shell (ASGI, Pyodide) can act on them.

    ReadBody   read the request body (at most `limit` bytes, within `timeout` seconds), then `call.body(raw)`
    ParseForm  parse the body just given as multipart/form-data, then `call.form(form)`
    Fetch      send these upstream requests, each through `call.attempt(i)` until it says stop, then `call.next()`
    Stream     send this head, then relay the upstream body through `call.feed()` / `call.close()`
    Answer     send this whole answer; the call is over
    Tail       send these last bytes and end the response (its head has gone already)

Headers are lists of `(name, value)` tuples with lower-case names. The actions are small classes with
`__slots__` rather than NamedTuples: every cold start imports this module, and a NamedTuple class
costs ten times as much to make.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .payload import Audio

__all__ = ["Answer", "Fetch", "Outgoing", "ParseForm", "ReadBody", "Stream", "Tail", "Tick"]

Headers = list[tuple[str, str]]


class _Value:
    """Equality by fields and a readable repr, as a NamedTuple would give them."""

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__)
        return f"{type(self).__name__}({fields})"


class ReadBody(_Value):
    __slots__ = ("limit", "timeout")

    def __init__(self, limit: int, timeout: float) -> None:
        self.limit = limit  # bytes; more is a 413 (the call checks, the shell may stop reading early)
        self.timeout = timeout  # seconds for the whole body; past it, `call.body_timeout()`


class ParseForm(_Value):
    __slots__ = ("content_type",)

    def __init__(self, content_type: str) -> None:
        self.content_type = content_type  # the request's, with its boundary


class Outgoing(_Value):
    """One upstream request; its headers (the key among them) and body come with each attempt."""

    __slots__ = ("method", "url", "target", "stream")

    def __init__(self, method: str, url: str, target: str, stream: bool) -> None:
        self.method = method
        self.url = url  # absolute, under GEMINI_BASE_URL
        self.target = target  # path and query, for a client bound to that base URL
        self.stream = stream  # read the answer as a stream (`call.streaming`) rather than whole (`call.answered`)


class Fetch(_Value):
    __slots__ = ("requests", "parallel", "timeout", "connect_timeout", "keepalive")

    def __init__(self, requests: tuple[Outgoing, ...], parallel: int, timeout: float, connect_timeout: float,
                 keepalive: float) -> None:
        self.requests = requests
        self.parallel = parallel  # at most this many requests in flight at once
        self.timeout = timeout  # seconds to wait for the answer (each read of it)
        self.connect_timeout = connect_timeout
        self.keepalive = keepalive  # while waiting this long for Gemini, call `call.tick()` (0: never)


class Stream(_Value):
    __slots__ = ("status", "headers", "pipe", "keepalive")

    def __init__(self, status: int, headers: Headers | None, pipe: bool, keepalive: float) -> None:
        self.status = status
        self.headers = headers  # None: the head went out already (a keep-alive tick sent it)
        self.pipe = pipe  # Gemini's bytes go to the client as they are (still through `call.feed`, which scrubs them)
        self.keepalive = keepalive  # seconds of upstream silence after which to call `call.tick()` (0: never)


class Answer(_Value):
    __slots__ = ("status", "headers", "body", "audio")

    def __init__(self, status: int, headers: Headers, body: bytes, audio: Audio | None = None) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.audio = audio  # speech for the shell to encode as MP3 (`body` is then empty)


class Tail(_Value):
    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class Tick(_Value):
    """What a keep-alive tick sends: the head first (once), then `data`."""

    __slots__ = ("head", "data")

    def __init__(self, head: Stream | None, data: bytes) -> None:
        self.head = head
        self.data = data


