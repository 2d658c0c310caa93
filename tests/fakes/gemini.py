"""A small, scriptable fake of the Gemini v1beta REST API for offline tests.

Standalone:  ``python -m tests.fakes.gemini --port 8931 [--keys k1,k2] [--chunks 5] [--strict]``
prints ``listening on http://127.0.0.1:<port>`` (flushed) once the socket
listens; ``--port 0`` picks a free port.  In-process::

    fake = FakeGemini(strict=True)
    base_url, stop = serve_in_thread(fake)   # uvicorn in a daemon thread
    ...; stop()

Strict mode (``FakeGemini(strict=True)``, ``fake.strict = True``, ``--strict``; ``reset()``
restores the constructor's value) refuses, before any generation and with Gemini's own texts,
what real Gemini refuses: tests/fakes/strict.py holds the rules, one function each with its
source, tests/fakes/catalog.py the model facts.  Names Google has shut down answer 404 for
every method; retired names are served by their replacement (``modelVersion`` says which)
under its rules.  Scripted responses bypass the rules.

Gemini routes (``/v1`` is accepted as well as ``/v1beta``).  All need a key,
from the ``x-goog-api-key`` header or ``?key=``: none -> 403 PERMISSION_DENIED;
not in the configured valid list (if that list is non-empty) -> 400
API_KEY_INVALID; marked rate-limited -> 429 RESOURCE_EXHAUSTED (QuotaFailure +
RetryInfo "7s").  Errors use the ``{"error": {code, message, status}}`` envelope.

  GET  /v1beta/models?pageSize=&pageToken=        fixed catalogue (MODELS), paginated
  GET  /v1beta/models/{id}                        one model, or 404 NOT_FOUND
  POST /v1beta/models/{m}:generateContent
  POST /v1beta/models/{m}:streamGenerateContent?alt=sse
  POST /v1beta/models/{m}:countTokens             {"totalTokens": N}
  POST /v1beta/models/{m}:embedContent            {"embedding": {"values": [...]}}
  POST /v1beta/models/{m}:batchEmbedContents      at most 100 requests
  *    /v1beta/interactions[/{id}[/cancel]]        the Interactions API: tests/fakes/interactions.py
Generation knows models starting with gemini-/gemma-/learnlm-; any name
containing "does-not-exist" is unknown (404) for every method.

Default generation (no script): the reply is ``echo: <text>`` where <text> is the
text parts of the last user turn that has any, joined with " ", directives
removed (so a functionResponse-only turn inherits the question's directives).  Streams split
the reply into ``chunks`` SSE events (default 5; the reply is padded with "."
to at least that many characters), ``usageMetadata`` has running totals in
every event and ``finishReason`` is only on the last one.  Tokens ~ chars / 4.
* ``tools`` with functionDeclarations and ``call <name>`` in the text -> one
  ``functionCall`` part per ``call <name>``; args come from a JSON object or
  ``k=v`` pairs after the name, else ``{"city": "Paris"}``.  Models named
  Gemini 3+ (gemini-3*, -latest aliases) get a ``thoughtSignature`` on the first call part.
* last turn made only of functionResponse parts -> ``result: <json.dumps of the
  first functionResponse.response>``.
* Embeddings are deterministic unit vectors from a SHA-256 of the text, length
  ``outputDimensionality`` (default 8).

Directives, ``#fake:name[=value]`` anywhere in the last user text (embeddings:
any text; only status/sleep/first_delay apply there):
  chunks=N           number of stream chunks            delay=S   sleep between chunks
  first_delay=S      sleep before the response starts   sleep=S   same (meant for non-stream)
  status=CODE        answer that error envelope (429 gets the quota details)
  suspended          403 PERMISSION_DENIED quoting the request's key, as real Gemini does
  cut                stream: end after 2 chunks, no finishReason
  midstream_error    stream: after 2 chunks send a RESOURCE_EXHAUSTED error event, end
  garbage            stream: an unparsable ``data:`` line after 2 chunks, then go on
  block              promptFeedback.blockReason SAFETY, no candidates
  max_tokens         finishReason MAX_TOKENS
  thinking           a ``{"text": ..., "thought": true}`` part first + thoughtsTokenCount
While sleeping, the fake watches for the client going away and stops promptly.

Media (tests/fakes/media.py; sleep/status/block and the stream faults still apply):
* Image models (name has "-image" or "nano-banana"): parts ``{"text": "Here is the image
  you asked for."}`` (``"Edited N input image(s): Here is ..."`` when the last user turn
  has N image/* inlineData/fileData parts) and ``{"inlineData": {"mimeType": "image/png",
  "data": ...}}``: a valid solid-colour PNG, the smallest multiple of
  ``imageConfig.aspectRatio`` (default 1:1) with both sides >= 16 (1:1 16x16, 16:9 32x18,
  3:2 24x16); unsupported ratio -> 400.  Streams: a text event, then image + finishReason.
  ``candidateCount`` > 1 -> 400.  ``#fake:image_safety`` -> finishReason IMAGE_SAFETY, no
  content; ``#fake:no_image`` -> the text part only.
* TTS models (name has "-tts"): responseModalities must be ["AUDIO"], voice names (single
  or multi speaker) one of fake_media.VOICES, the last user text non-empty, else 400;
  Part.speechMetadata only for gemini-3.8+ (400 "Unknown name" before).  One inlineData
  part: a 440 Hz sine, 0.02 s/char (0.2-5 s), 24 kHz mono 16-bit: "audio/wav" (a whole
  WAV) for 3.8+, else raw PCM "audio/L16;codec=pcm;rate=24000".  25 tokens per second.
* Audio in (an audio/* inlineData or fileData in the last user turn, other models):
  "Hello from the fake transcriber. This is the second segment.", or with responseSchema /
  responseJsonSchema the JSON ``{"language": "english", "segments": [{0.0-1.2}, {1.2-D}]}``
  (D = the WAV's duration, >= 1.2; 2.5 if unreadable; fileData read from uploaded files).
  "translat" in the user/system text prefixes every segment text with "[en] ".
* Files API (key needed except for chunks); ``fake.files``: id -> (metadata, bytes):
  POST /upload/v1beta/files  X-Goog-Upload-Protocol: resumable, -Command: start, body
                             {"file": {display_name, mime_type, name}} (either case) ->
                             200, empty, x-goog-upload-url = <scheme>://<Host>/upload/v1beta/
                             files?upload_id=..&upload_protocol=resumable, -status: active
  POST <upload url>          keyless; -Command "upload" | "upload, finalize" | "finalize" |
                             "query", X-Goog-Upload-Offset = bytes so far (else 400);
                             finalize -> {"file": F}, x-goog-upload-status: final;
                             unknown upload_id -> 404
  GET  /v1beta/files/{id}    F, or 404        GET /v1beta/files?pageSize=&pageToken=
  DELETE /v1beta/files/{id}  {}, or 404       -> {"files": [...newest first]} ({} if none)
  F = name files/<id>, displayName (if given), mimeType, sizeBytes (string), create/update/
  expirationTime (+48 h), sha256Hash (base64 of the hex digest, as the real API), uri
  <scheme>://<Host>/v1beta/files/<id>, state ACTIVE, source UPLOADED.
  (google-genai 3.4 uses /v1 by default, so every route above also answers under /v1,
  with /v1 in the URLs it hands out; its ``x-goog-api-client`` header is just recorded.)

Admin routes (no key needed); the same state is on the FakeGemini instance:
  POST /_fake/script   {"responses": [entry, ...]}   -> FakeGemini.script(...)
  POST /_fake/keys     {"valid": [...], "rate_limited": [...]} -> set_keys(...)
                       (empty "valid" = any non-empty key is accepted)
  GET  /_fake/requests recorded Gemini requests: method, path, query, key,
                       headers, json, t            -> FakeGemini.requests
  GET  /_fake/files    metadata of the uploaded files  -> FakeGemini.files
  GET  /_fake/events   {"type": "stream_completed" | "stream_disconnected" |
                       "request_disconnected", "path", "t", ...} -> .events
  POST /_fake/strict   {"strict": true|false}           -> FakeGemini.strict
  POST /_fake/reset    clear script, records, events, files; keys and strict back to
                       startup -> reset()
Script entries are consumed in order by the next POSTs to a model method
(after the key check, before anything else):
  {"status": 200, "json": {...}, "delay": S}            JSON body after sleeping S
  {"status": 200, "sse": ["<raw data>", {...}], "delay": S, "first_delay": S}
                                                        one ``data:`` event per item
  {"status": 503}                                       the standard error envelope
  {}                                                    placeholder: default behaviour
Any entry may add "headers": {"retry-after": "3"}.

Extending it.  Routes are a table: ``ROUTES`` (keyed Gemini routes, after the key check) and
``ADMIN_ROUTES`` (``/_fake/*``), each ``route(method, path pattern, handler)`` where the handler
is a FakeGemini method name or ``async def handler(fake, request)``; model methods
(``models/{m}:{action}``) dispatch through ``MODEL_METHODS``.  A new endpoint is one line in a
table (the instance copies them: ``fake.routes``, ``fake.model_methods``).  Generation asks
``fake.responders`` in order — ``[media.generate, echo.text_reply]`` by default — each a
function ``(Ask) -> Reply | [GenerateContentResponse, ...] | None`` (None: next responder);
insert yours before the echo: ``fake.responders.insert(-1, agents.respond)``.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import hashlib
import itertools
import json
import math
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import parse_qs

import uvicorn

from tests.fakes import anthropic_agent, echo, interactions, strict
from tests.fakes import media as fake_media
from tests.fakes.catalog import MODELS, served_model
from tests.fakes.echo import num, parse_directives
from tests.fakes.wire import (
    KEY_INVALID,
    MESSAGES,
    STATUS,
    UNREGISTERED,
    Ask,
    Reply,
    error_body,
    not_found,
    send_json,
    send_reply,
    texts,
    tok,
)

__all__ = ["ADMIN_ROUTES", "KEY_INVALID", "MESSAGES", "MODELS", "MODEL_METHODS", "ROUTES", "STATUS",
           "FakeGemini", "Request", "Route", "embed_values", "error_body", "not_found",
           "parse_directives", "route", "serve_in_thread"]

GEN_PREFIXES = ("gemini-", "gemma-", "learnlm-")


class _Watch:
    """Watches ASGI ``receive()`` for ``http.disconnect`` while the handler sleeps."""

    def __init__(self, receive: Callable) -> None:
        self._task = asyncio.ensure_future(receive())

    @property
    def gone(self) -> bool:
        return self._task.done()

    async def sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as the client has disconnected."""
        if seconds > 0 and not self._task.done():
            await asyncio.wait({self._task}, timeout=seconds)
        return self._task.done()

    def close(self) -> None:
        self._task.cancel()


@dataclass
class Request:
    """One routed HTTP request, as a handler sees it."""
    method: str
    path: str
    query: dict
    headers: dict
    key: str | None
    data: Any                   # the parsed JSON body, None if there is none
    params: dict                # the route pattern's named groups
    scope: dict
    send: Callable
    watch: _Watch
    body: bytes = b""


Handler = str | Callable[["FakeGemini", Request], Awaitable[None]]


class Route(NamedTuple):
    """``method`` ("*" for any) and a full-match path ``pattern`` -> ``handler``."""
    method: str
    pattern: re.Pattern
    handler: Handler


def route(method: str, pattern: str, handler: Handler) -> Route:
    return Route(method, re.compile(pattern), handler)


_V = r"/v1(?:beta)?"
# Keyed Gemini routes, tried in order after the key check (as the gateway's core/routing.py table).
ROUTES = [
    route("*", fake_media.UPLOAD_ROUTE.pattern, "_files"),
    route("*", fake_media.FILE_ROUTE.pattern, "_files"),
    route("GET", _V + r"/models/?", "_list_models"),
    route("*", _V + r"/models/(?P<model>[^/:]+)", "_get_model"),
    route("POST", _V + r"/models/(?P<model>[^/:]+):(?P<action>[A-Za-z]+)", "_model_method"),
    route("*", interactions.PATTERN, interactions.handle),  # the Interactions API (tests/fakes/interactions.py)
]
# models/{m}:{action} -> handler (script entries are consumed before this dispatch).
MODEL_METHODS = {
    "generateContent": "_generate",
    "streamGenerateContent": "_generate",
    "countTokens": "_count_tokens",
    "embedContent": "_embed",
    "batchEmbedContents": "_embed",
}
# The fake's own control routes: no key, not recorded.
ADMIN_ROUTES = [
    route("POST", r"/_fake/script", "_admin_script"),
    route("POST", r"/_fake/keys", "_admin_keys"),
    route("POST", r"/_fake/reset", "_admin_reset"),
    route("POST", r"/_fake/strict", "_admin_strict"),
    route("GET", r"/_fake/(?P<log>requests|events)", "_admin_log"),
    route("GET", r"/_fake/files", "_admin_files"),
]


def embed_values(text: str, dim: int = 8) -> list[float]:
    """Deterministic unit vector of length ``dim`` derived from SHA-256(text)."""
    raw: list[float] = []
    for block in itertools.count():
        if len(raw) >= dim:
            break
        digest = hashlib.sha256(f"{block}:{text}".encode()).digest()
        raw += [int.from_bytes(digest[i:i + 4], "big") / 2**31 - 1 for i in range(0, 32, 4)]
    norm = math.sqrt(sum(v * v for v in raw[:dim])) or 1.0
    return [round(v / norm, 6) for v in raw[:dim]]


def _match(routes: list[Route], method: str, path: str) -> tuple[Route, dict] | None:
    for r in routes:
        m = r.pattern.fullmatch(path)
        if m and r.method in ("*", method):
            return r, m.groupdict()
    return None


class FakeGemini:
    """The ASGI app plus its state; safe to inspect/script from another thread."""

    def __init__(self, keys: list[str] | None = None, rate_limited: list[str] | None = None,
                 chunks: int = 5, strict: bool = False) -> None:
        self.chunks = chunks
        self._startup_strict = self.strict = strict
        self._startup_keys = (list(keys or []), list(rate_limited or []))
        self._lock = threading.Lock()
        self._script: collections.deque[dict] = collections.deque()
        self._ids = itertools.count(1)
        self.requests: list[dict] = []
        self.events: list[dict] = []
        self.file_store = fake_media.FileStore()
        self.files = self.file_store.files          # id -> (metadata, bytes)
        self.routes = list(ROUTES)
        self.admin_routes = list(ADMIN_ROUTES)
        self.model_methods = dict(MODEL_METHODS)
        self.responders: list[Callable[[Ask], Reply | list[dict] | None]] = [
            fake_media.generate, anthropic_agent.respond, echo.text_reply]
        self.reset()

    # ---- in-process control -------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.events.clear()
            self.file_store.clear()
            self.interaction_store = interactions.Store()
            self.valid_keys, self.rate_limited = (set(k) for k in self._startup_keys)
            self.strict = self._startup_strict

    def script(self, *responses: dict | list[dict]) -> None:
        """Queue canned responses: ``script({...}, {...})`` or ``script([{...}, ...])``."""
        with self._lock:
            for r in responses:
                self._script.extend(r if isinstance(r, list) else [r])

    def set_keys(self, valid: list[str] | None = None, rate_limited: list[str] | None = None) -> None:
        with self._lock:
            self.valid_keys, self.rate_limited = set(valid or []), set(rate_limited or [])

    def wait_for_event(self, type: str, timeout: float = 2.0) -> dict | None:
        """Poll (from another thread) until an event of ``type`` is recorded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in list(self.events):
                if ev["type"] == type:
                    return ev
            time.sleep(0.005)
        return None

    def _event(self, type: str, path: str, **extra: Any) -> None:
        self.events.append({"type": type, "path": path, "t": time.monotonic(), **extra})

    def _pop_script(self) -> dict | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _auth_error(self, key: str | None) -> tuple[int, dict] | None:
        if not key:
            return 403, error_body(403, UNREGISTERED)
        if self.valid_keys and key not in self.valid_keys:
            return 400, KEY_INVALID
        if key in self.rate_limited:
            return 429, error_body(429)
        return None

    # ---- ASGI -----------------------------------------------------------------
    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        watch = _Watch(receive)
        try:
            await self._handle(scope, body, send, watch)
        finally:
            watch.close()

    async def _dispatch(self, routes: list[Route], req: Request) -> None:
        found = _match(routes, req.method, req.path)
        if found is None:
            return await send_json(req.send, 404, error_body(404))
        matched, req.params = found
        handler = matched.handler
        if isinstance(handler, str):
            return await getattr(self, handler)(req)
        return await handler(self, req)

    async def _handle(self, scope: dict, body: bytes, send: Callable, watch: _Watch) -> None:
        path, method = scope["path"], scope["method"]
        query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        upload = fake_media.upload_id(path, query)      # a keyless, binary upload chunk
        try:
            data, bad_json = (json.loads(body) if body and upload is None else None), False
        except ValueError:
            data, bad_json = None, True
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        key = headers.get("x-goog-api-key") or query.get("key")
        req = Request(method, path, query, headers, key, data, {}, scope, send, watch, body)
        if path.startswith("/_fake/"):
            return await self._dispatch(self.admin_routes, req)
        self.requests.append({"method": method, "path": path, "query": query, "key": key,
                              "headers": headers, "json": data, "t": time.monotonic()})
        if upload is not None:
            return await send_reply(send, self.file_store.chunk(upload, headers, body))
        if (err := self._auth_error(key)) is not None:
            return await send_json(send, *err)
        if bad_json:
            return await send_json(send, 400, error_body(400, "Invalid JSON payload received."))
        await self._dispatch(self.routes, req)

    # ---- admin routes -----------------------------------------------------------
    async def _admin_script(self, req: Request) -> None:
        data = req.data if req.data is not None else {}
        self.script(data.get("responses", []) if isinstance(data, dict) else data)
        await send_json(req.send, 200, {"queued": len(self._script)})

    async def _admin_keys(self, req: Request) -> None:
        data = req.data if req.data is not None else {}
        self.set_keys(data.get("valid"), data.get("rate_limited"))
        await send_json(req.send, 200, {"valid": sorted(self.valid_keys),
                                        "rate_limited": sorted(self.rate_limited)})

    async def _admin_strict(self, req: Request) -> None:
        data = req.data if isinstance(req.data, dict) else {}
        self.strict = bool(data.get("strict", True))
        await send_json(req.send, 200, {"strict": self.strict})

    async def _admin_reset(self, req: Request) -> None:
        self.reset()
        await send_json(req.send, 200, {"ok": True})

    async def _admin_log(self, req: Request) -> None:
        await send_json(req.send, 200, list(getattr(self, req.params["log"])))

    async def _admin_files(self, req: Request) -> None:
        await send_json(req.send, 200, [meta for meta, _ in list(self.files.values())])

    # ---- Gemini routes ------------------------------------------------------------
    async def _files(self, req: Request) -> None:
        reply = self.file_store.route(req.method, req.path, req.query, req.headers, req.data,
                                      fake_media.origin(req.scope, req.headers))
        await send_reply(req.send, reply or Reply(404, error_body(404)))

    async def _list_models(self, req: Request) -> None:
        try:
            size = int(req.query.get("pageSize") or 50)
            token = req.query.get("pageToken")
            start = int(base64.urlsafe_b64decode(token).decode().split(":")[1]) if token else 0
        except (ValueError, IndexError):
            return await send_json(req.send, 400, error_body(400, "Invalid page token or page size."))
        size = size if 0 < size <= 1000 else 50
        page: dict[str, Any] = {"models": MODELS[start:start + size]}
        if start + size < len(MODELS):
            page["nextPageToken"] = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
        await send_json(req.send, 200, page)

    async def _get_model(self, req: Request) -> None:
        model = req.params["model"]
        if self.strict and (gone := strict.shut_down(model)) is not None:
            return await send_json(req.send, 404, gone)
        found = [x for x in MODELS if x["name"] == f"models/{model}"]
        if req.method != "GET" or not found:
            return await send_json(req.send, 404, not_found(model, "get"))
        await send_json(req.send, 200, found[0])

    async def _model_method(self, req: Request) -> None:
        entry = self._pop_script()
        if entry is not None and await self._scripted(req, entry):
            return
        req.data = req.data if isinstance(req.data, dict) else {}
        model, action = req.params["model"], req.params["action"]
        handler = self.model_methods.get(action)
        if handler is None or "does-not-exist" in model:
            return await send_json(req.send, 404, not_found(model, action))
        if self.strict and (gone := strict.shut_down(model)) is not None:
            return await send_json(req.send, 404, gone)
        if isinstance(handler, str):
            return await getattr(self, handler)(req)
        return await handler(self, req)

    async def _count_tokens(self, req: Request) -> None:
        data = req.data
        contents = data.get("contents") or (data.get("generateContentRequest") or {}).get("contents")
        chars = sum(len(t) for c in contents or [] for t in texts(c))
        await send_json(req.send, 200, {"totalTokens": tok(chars)})

    async def _scripted(self, req: Request, entry: dict) -> bool:
        """Serve one script entry; False for a placeholder (use default behaviour)."""
        status, headers = int(entry.get("status", 200)), entry.get("headers")
        if "sse" in entry:
            items = [p if isinstance(p, str) else json.dumps(p) for p in entry["sse"]]
            await self._stream(req, items, float(entry.get("delay", 0)),
                               float(entry.get("first_delay", 0)), status, headers)
            return True
        if "json" not in entry and status < 400:
            return False
        if await req.watch.sleep(float(entry.get("delay", 0))):
            self._event("request_disconnected", req.path)
            return True
        await send_json(req.send, status, entry["json"] if "json" in entry else error_body(status), headers)
        return True

    async def _stream(self, req: Request, payloads: list[str], delay: float, first_delay: float = 0.0,
                      status: int = 200, headers: dict | None = None) -> None:
        """Send ``payloads`` as SSE events, stopping as soon as the client goes away."""
        send, watch, sent = req.send, req.watch, 0
        if not await watch.sleep(first_delay):
            hdrs = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
            hdrs += [(k.encode(), str(v).encode()) for k, v in (headers or {}).items()]
            await send({"type": "http.response.start", "status": status, "headers": hdrs})
            for i, payload in enumerate(payloads):
                if await watch.sleep(delay if i else 0):
                    break
                await send({"type": "http.response.body", "more_body": True,
                            "body": f"data: {payload}\r\n\r\n".encode()})
                sent += 1
            else:
                await send({"type": "http.response.body", "body": b""})
                return self._event("stream_completed", req.path, chunks=sent)
        self._event("stream_disconnected", req.path, chunks=sent)

    async def _generate(self, req: Request) -> None:
        model, action, body = req.params["model"], req.params["action"], req.data
        stream = action == "streamGenerateContent"
        if not model.startswith(GEN_PREFIXES):
            return await send_json(req.send, 404, not_found(model, action))
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            return await send_json(req.send, 400, error_body(
                400, "* GenerateContentRequest.contents: contents is not specified"))
        if self.strict and (refused := strict.check(model, body)) is not None:
            return await send_json(req.send, refused["error"]["code"], refused)
        user_texts = [texts(c) for c in contents if isinstance(c, dict) and c.get("role", "user") == "user"]
        text, d = parse_directives(" ".join(next((t for t in reversed(user_texts) if t), [])))
        if await req.watch.sleep(num(d, "first_delay") + num(d, "sleep")):
            return self._event("stream_disconnected" if stream else "request_disconnected", req.path)
        if "status" in d:
            code = int(num(d, "status", 500))
            return await send_json(req.send, code, error_body(code))
        if "suspended" in d:  # the real text quotes the key: google-gemini/gemini-cli#1580, googleapis/python-genai#1056
            return await send_json(req.send, 403, error_body(
                403, f"Permission denied: Consumer 'api_key:{req.key}' has been suspended."))
        chars = sum(len(t) for c in [*contents, body.get("systemInstruction")] for t in texts(c))
        served = served_model(model) if self.strict else model
        ask = Ask(served, body, text, d, stream, max(1, tok(chars)), self.chunks, self.files,
                  f"fake-{next(self._ids)}")
        answer = next(a for a in (r(ask) for r in self.responders) if a is not None)
        if isinstance(answer, Reply):
            return await send_reply(req.send, answer)
        if not stream:
            return await send_json(req.send, 200, answer[0])
        payloads: list[str] = [json.dumps(r) for r in answer]
        if "cut" in d or "midstream_error" in d:
            for r in answer[:2]:
                for cand in r.get("candidates", []):
                    cand.pop("finishReason", None)
            payloads = [json.dumps(r) for r in answer[:2]]
            if "midstream_error" in d:
                payloads.append(json.dumps(error_body(429, "Resource has been exhausted")))
        if "garbage" in d:
            payloads.insert(2, '{"candidates": [{"content": {"parts": [{"text": "oops')
        await self._stream(req, payloads, num(d, "delay"))

    async def _embed(self, req: Request) -> None:
        body, batch = req.data, req.params["action"] == "batchEmbedContents"
        reqs = body.get("requests") if batch else [body]
        if not isinstance(reqs, list) or not all(isinstance(r, dict) for r in reqs):
            return await send_json(req.send, 400, error_body(400, "* requests: must be a list"))
        if len(reqs) > 100:
            return await send_json(req.send, 400, error_body(
                400, "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch"))
        items = [" ".join(texts(r.get("content"))) for r in reqs]
        _, d = parse_directives(" ".join(items))
        if await req.watch.sleep(num(d, "first_delay") + num(d, "sleep")):
            return self._event("request_disconnected", req.path)
        if "status" in d:
            code = int(num(d, "status", 500))
            return await send_json(req.send, code, error_body(code))
        vectors = [{"values": embed_values(t, int(r.get("outputDimensionality") or 8))}
                   for t, r in zip(items, reqs, strict=True)]
        await send_json(req.send, 200, {"embeddings": vectors} if batch else {"embedding": vectors[0]})


app = FakeGemini()


def _listen(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted sockets (else ~40 ms/request)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _server(asgi_app: Callable) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(asgi_app, lifespan="auto", log_level="warning",
                                         access_log=False, timeout_graceful_shutdown=1))


def serve_in_thread(asgi_app: Callable, host: str = "127.0.0.1", port: int = 0,
                    timeout: float = 10.0) -> tuple[str, Callable[[], None]]:
    """Run ``asgi_app`` under uvicorn in a daemon thread -> (base_url, stop)."""
    sock = _listen(host, port)
    server = _server(asgi_app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="fake-gemini", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("fake server did not start")
        time.sleep(0.01)
    base_url = f"http://{host}:{sock.getsockname()[1]}"

    def stop() -> None:
        """Stop the server; connections still open are closed (handlers see a disconnect)."""
        server.should_exit = True
        if thread.is_alive():
            def close_all() -> None:
                for conn in list(server.server_state.connections):
                    conn.transport.close()
            server.servers[0].get_loop().call_soon_threadsafe(close_all)
        thread.join(timeout)
        sock.close()

    return base_url, stop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Gemini API server for tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8931, help="0 = pick a free port")
    parser.add_argument("--keys", default="", help="comma-separated valid keys (default: any)")
    parser.add_argument("--chunks", type=int, default=5, help="default stream chunk count")
    parser.add_argument("--strict", action="store_true", help="refuse what real Gemini refuses")
    args = parser.parse_args(argv)
    fake = FakeGemini(keys=[k for k in args.keys.split(",") if k], chunks=args.chunks, strict=args.strict)
    sock = _listen(args.host, args.port)
    print(f"listening on http://{args.host}:{sock.getsockname()[1]}", flush=True)
    _server(fake).run(sockets=[sock])


if __name__ == "__main__":
    main()
