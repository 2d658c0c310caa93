"""Server-sent events: decoding Gemini's `alt=sse` bytes, encoding OpenAI's `data:` events.

Decoding follows the WHATWG event-stream rules that matter here: lines end in CRLF, LF or CR; a
blank line ends an event; several `data:` lines join with LF; comments and other fields are
ignored. It works on bytes, so a UTF-8 character or a CRLF split across reads is reassembled
before anything is decoded (https://html.spec.whatwg.org/multipage/server-sent-events.html).
"""

from __future__ import annotations

from typing import Any

from .jsontext import dumps

__all__ = ["DONE", "RESPONSE_HEADERS", "SSEDecoder", "encode_event"]

DONE = b"data: [DONE]\n\n"
# The headers of a streamed answer; proxies such as nginx buffer an event stream unless told not to.
RESPONSE_HEADERS = (
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-cache"),
    ("x-accel-buffering", "no"),
)


def encode_event(value: Any) -> bytes:
    """One `data:` event carrying `value` as compact JSON."""
    return b"data: " + dumps(value).encode("utf-8") + b"\n\n"


_FIELDS = (b"event:", b"id:", b"retry:", b"event", b"id", b"retry")
_STRAY_LIMIT = 64 * 1024


class SSEDecoder:
    """Feed it bytes as they arrive; it returns the `data` payload of each completed event.

    Lines that are no SSE field at all are kept (up to 64 KiB) in `stray`: Google's front ends
    have been seen to end a 200 stream with a bare JSON error body, which is worth reporting.
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []
        self._stray: list[bytes] = []
        self._stray_size = 0

    @property
    def stray(self) -> bytes:
        return b"\n".join(self._stray)

    def feed(self, chunk: bytes) -> list[bytes]:
        buffer = self._buffer + chunk if self._buffer else chunk
        if not buffer:
            return []
        lines = buffer.splitlines(keepends=True)
        last = lines[-1]
        # An unterminated last line waits for more bytes; so does a trailing CR, whose LF may follow.
        if last[-1:] not in (b"\n", b"\r") or last.endswith(b"\r"):
            self._buffer = lines.pop()
        else:
            self._buffer = b""
        return self._lines(lines)

    def close(self) -> list[bytes]:
        """Whatever the stream held when it ended: a last line, and an event missing its blank line."""
        lines = [self._buffer, b""] if self._buffer else [b""]
        self._buffer = b""
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[bytes]:
        """The events these complete lines end (a line's own end may still be on it)."""
        events: list[bytes] = []
        data = self._data
        for line in lines:
            line = line.rstrip(b"\r\n")
            if line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
            elif not line:
                if data:
                    events.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data = self._data = []
            elif not line.startswith(b":") and not line.startswith(_FIELDS) and self._stray_size < _STRAY_LIMIT:
                self._stray.append(line)
                self._stray_size += len(line)
            # Comments (":...") and the event/id/retry fields carry nothing Gemini uses.
        return events
