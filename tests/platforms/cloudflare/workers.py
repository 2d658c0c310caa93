"""A stand-in for the `workers` module of Cloudflare's Python Workers, for running a Worker's entry
under Pyodide in Node (workerd cannot run Python Workers offline: it downloads its Pyodide bundle).

Written from Cloudflare's documented API, and only the part the gateway's entry uses:
https://developers.cloudflare.com/workers/languages/python/basics/ — a `Default(WorkerEntrypoint)`
class whose `async fetch(self, request)` gets the JavaScript Request and returns a
`workers.Response`; `self.env` holds the variables and secrets, `self.ctx` has `waitUntil`. The
Response follows the SDK's constructor (body: str, bytes, a JavaScript ReadableStream, or None;
status; headers as a dict or (name, value) pairs) and keeps the JavaScript Response as `js_object`.
"""

from __future__ import annotations

from typing import Any

import js
from pyodide.ffi import to_js

__all__ = ["Response", "WorkerEntrypoint"]


class WorkerEntrypoint:
    """The base of a Worker's entry class: the runtime builds it with (ctx, env)."""

    def __init__(self, ctx: Any, env: Any) -> None:
        self.ctx = ctx
        self.env = env


class Response:
    """`workers.Response(body, status, status_text, headers)`, over a JavaScript Response."""

    def __init__(self, body: Any = None, status: int | None = None, status_text: str = "", headers: Any = None) -> None:
        options: dict[str, Any] = {}
        if status:
            options["status"] = status
        if status_text:
            options["statusText"] = status_text
        if headers:
            pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
            options["headers"] = js.Headers.new(to_js([list(pair) for pair in pairs]))
        if isinstance(body, (bytes, bytearray)):
            body = to_js(bytes(body))
        elif body is not None and not isinstance(body, str) and getattr(getattr(body, "constructor", None), "name", None) not in (
                "ReadableStream", "Uint8Array", "ArrayBuffer", "Blob", "FormData", "URLSearchParams"):
            raise TypeError(f"Unsupported type in Response: {type(body).__name__}")  # as the SDK says
        self.js_object = js.Response.new(body, to_js(options, dict_converter=js.Object.fromEntries))

    @property
    def status(self) -> int:
        return self.js_object.status
