"""The Netlify function's Python half: `core.call.Call`, converted to and from JavaScript values.

Runs inside Pyodide, loaded by `pyodide.mjs` and driven by `handler.mjs`, which does the I/O (for
Netlify's function, Deno and Bun). Every decision is the
core's; this module only turns the call's actions into plain JavaScript objects and the
JavaScript's reports into the call's arguments:

    bridge = Bridge(method, url, headers, token, created, now)   # url: req.url, the public one
    action = bridge.start(env, platform)  # env: the process environment, read by the first request;
                                          # platform: the runtime's name, for the landing page
    {kind: "read", limit, timeout}        → bridge.body(Uint8Array) | bridge.body_timeout()
    {kind: "form"}                        → bridge.form(entries) | bridge.malformed(message)
                                            (entries from undici's formData(): [name, text] or
                                            [name, filename, type, Uint8Array], in order)
    {kind: "fetch", requests, parallel, timeout, keepalive}
                                          → per request i: while (attempt = bridge.attempt(i, now)):
                                            fetch(url, attempt) and report one of
                                            bridge.answered(i, status, headers, body, now) /
                                            bridge.streaming(i, headers, now) /
                                            bridge.unreachable(i, name, now) / bridge.cut(i, name, now);
                                            then bridge.next(now). While it waits: bridge.tick(now).
    {kind: "stream", status, headers?, pipe, keepalive}
                                          → bridge.feed(Uint8Array) per chunk (until bridge.closed),
                                            then bridge.close() | bridge.fail(name): the next action
    {kind: "answer", status, headers, body?, encode?}   {kind: "tail", data}
    bridge.finish(now, disconnected)      → the log line; then the shell destroys the proxy

`encode: "mp3"` asks the JavaScript to encode speech: `samples` (16-bit little-endian PCM), `rate`,
`channels`, `bitrate`. Values cross as plain JavaScript (numbers, strings, arrays, objects,
Uint8Array; `to_js(..., create_pyproxies=False)` guarantees no proxy hides inside), so the only
Python object the shell holds is the bridge.
"""

from __future__ import annotations

from typing import Any

from pyodide.ffi import to_js

from adapters.audio import BITRATE as MP3_BITRATE
from adapters.fetched import call_for, form_from_entries, instance_from, kind_of
from adapters.logs import log_request
from core.actions import Answer, Fetch, ParseForm, ReadBody, Stream, Tail
from core.call import Call, CallStateError
from core.errors import GatewayError

__all__ = ["Bridge"]

def _js(value: Any) -> Any:
    return to_js(value, create_pyproxies=False)


class Bridge:
    """One HTTP request's `Call`, for the JavaScript shell."""

    def __init__(self, method: str, url: str, headers: Any, token: str, created: int, now: float) -> None:
        self._args = (method, url, headers.to_py(), token, created, now)
        self._call: Call | None = None

    @property
    def call(self) -> Call:
        """The request's Call, made by start() (inside the JavaScript's try, where a bad setting answers)."""
        if self._call is None:
            raise CallStateError("Bridge.start() has not been called")
        return self._call

    def start(self, env: Any, platform: str = "netlify") -> Any:
        method, url, headers, token, created, now = self._args
        self._call = call_for(instance_from(env.to_py, platform), method, url, headers, token=token, created=created, now=now)
        return self._action(self.call.start())

    def body(self, body: Any) -> Any:
        return self._action(self.call.body(body.to_bytes()))

    def body_timeout(self) -> Any:
        return self._action(self.call.body_timeout())

    def form(self, entries: Any) -> Any:
        form = form_from_entries(entry if len(entry) == 2 else (*entry[:3], entry[3].to_bytes()) for entry in entries)
        return self._action(self.call.refused(form) if isinstance(form, GatewayError) else self.call.form(form))

    def malformed(self, message: str) -> Any:
        from core.forms import malformed_form

        return self._action(self.call.refused(malformed_form(message)))

    def attempt(self, index: int, now: float) -> Any:
        attempt = self.call.attempt(index, now)
        if attempt is None:
            return None
        return _js({"headers": list(attempt.headers.items()), "body": attempt.body})

    def answered(self, index: int, status: int, headers: Any, body: Any, now: float) -> None:
        self.call.answered(index, status, [tuple(pair) for pair in headers.to_py()], body.to_bytes(), now)

    def streaming(self, index: int, headers: Any, now: float) -> None:
        self.call.streaming(index, [tuple(pair) for pair in headers.to_py()], now)

    def unreachable(self, index: int, name: str, now: float) -> None:
        self.call.unreachable(index, kind_of(name), name, now)

    def cut(self, index: int, name: str, now: float) -> None:
        self.call.cut(index, kind_of(name), name, now)

    def next(self, now: float) -> Any:
        return self._action(self.call.next(now))

    def tick(self, now: float) -> Any:
        tick = self.call.tick(now)
        return _js({"head": self._plain(tick.head) if tick.head else None, "data": tick.data})

    @property
    def ticking(self) -> bool:
        return self._call is not None and self._call.ticking

    def feed(self, chunk: Any) -> Any:
        return _js(self.call.feed(chunk.to_bytes()))

    @property
    def closed(self) -> bool:
        return self.call.closed

    def close(self) -> Any:
        return self._action(self.call.close())

    def fail(self, name: str) -> Any:
        return self._action(self.call.fail(kind_of(name), name))

    def abort(self, message: str) -> Any:
        """The JavaScript failed (a bug): the answer, or the end of a stream that had begun."""
        return self._action(self.call.abort(RuntimeError(f"JavaScript: {message}")))

    def gone(self) -> None:
        self.call.gone()

    def finish(self, now: float, disconnected: bool = False) -> None:
        if self._call is None:
            return
        level, fields = self._call.finish(now, disconnected=disconnected)
        log_request(fields, self.call.secrets, level=level)

    def _action(self, action: Any) -> Any:
        return _js(self._plain(action))

    def _plain(self, action: Any) -> dict[str, Any]:
        kind = type(action)
        if kind is Answer:
            answer = {"kind": "answer", "status": action.status, "headers": action.headers,
                      "body": action.body or None}  # Response() refuses any body, even an empty one, with a 204
            if action.audio is not None:
                if action.audio.format != "mp3":
                    raise ValueError(f"no {action.audio.format} encoder in JavaScript")
                pcm = action.audio.pcm  # LAME, in the JavaScript
                answer.update(encode="mp3", samples=pcm.data, rate=pcm.rate, channels=pcm.channels, bitrate=MP3_BITRATE)
            return answer
        if kind is Tail:
            return {"kind": "tail", "data": action.data}
        if kind is ReadBody:
            return {"kind": "read", "limit": action.limit, "timeout": action.timeout}
        if kind is ParseForm:
            return {"kind": "form"}
        if kind is Fetch:
            return {"kind": "fetch", "requests": [{"method": r.method, "url": r.url, "stream": r.stream} for r in action.requests],
                    "parallel": action.parallel, "timeout": action.timeout, "keepalive": action.keepalive}
        if kind is Stream:
            return {"kind": "stream", "status": action.status, "headers": action.headers, "pipe": action.pipe,
                    "keepalive": action.keepalive}
        raise TypeError(f"unknown action {action!r}")
