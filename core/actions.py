"""What a `core.call.Call` asks its shell to do next: plain values, so any shell (ASGI, Pyodide) can act on them.

    ReadBody   read the request body (at most `limit` bytes, within `timeout` seconds), then `call.body(raw)`
    ParseForm  parse the body just given as multipart/form-data, then `call.form(form)`
    Fetch      send these upstream requests, each through `call.attempt(i)` until it says stop, then `call.next()`
    Stream     send this head, then relay the upstream body through `call.feed()` / `call.close()`
    Answer     send this whole answer; the call is over
    Tail       send these last bytes and end the response (its head has gone already)

Headers are lists of `(name, value)` tuples with lower-case names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Union

if TYPE_CHECKING:
    from .payload import Audio

__all__ = ["Action", "Answer", "Fetch", "Outgoing", "ParseForm", "ReadBody", "Stream", "Tail", "Tick"]

Headers = list[tuple[str, str]]


class ReadBody(NamedTuple):
    limit: int  # bytes; more is a 413 (the call checks, the shell may stop reading early)
    timeout: float  # seconds for the whole body; past it, `call.body_timeout()`


class ParseForm(NamedTuple):
    content_type: str  # the request's, with its boundary


class Outgoing(NamedTuple):
    """One upstream request; its headers (the key among them) and body come with each attempt."""

    method: str
    url: str  # absolute, under GEMINI_BASE_URL
    target: str  # path and query, for a client bound to that base URL
    stream: bool  # read the answer as a stream (`call.streaming`) rather than whole (`call.answered`)


class Fetch(NamedTuple):
    requests: tuple[Outgoing, ...]
    parallel: int  # at most this many requests in flight at once
    timeout: float  # seconds to wait for the answer (each read of it)
    connect_timeout: float
    keepalive: float  # while waiting this long for Gemini, call `call.tick()` (0: never)


class Stream(NamedTuple):
    status: int
    headers: Headers | None  # None: the head went out already (a keep-alive tick sent it)
    pipe: bool  # Gemini's bytes go to the client as they are (still through `call.feed`, which scrubs them)
    keepalive: float  # seconds of upstream silence after which to call `call.tick()` (0: never)


class Answer(NamedTuple):
    status: int
    headers: Headers
    body: bytes
    audio: Audio | None = None  # speech for the shell to encode as MP3 (`body` is then empty)


class Tail(NamedTuple):
    data: bytes


class Tick(NamedTuple):
    """What a keep-alive tick sends: the head first (once), then `data`."""

    head: Stream | None
    data: bytes


Action = Union[ReadBody, ParseForm, Fetch, Stream, Answer, Tail]
