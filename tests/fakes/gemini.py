"""A small, scriptable fake of the Gemini v1beta REST API for offline tests.

Standalone:  ``python -m tests.fakes.gemini --port 8931 [--keys k1,k2] [--chunks 5]``
prints ``listening on http://127.0.0.1:<port>`` (flushed) once the socket
listens; ``--port 0`` picks a free port.  In-process::

    fake = FakeGemini()
    base_url, stop = serve_in_thread(fake)   # uvicorn in a daemon thread
    ...; stop()

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
  gemini-3* get a ``thoughtSignature`` on the first call part.
* last turn made only of functionResponse parts -> ``result: <json.dumps of the
  first functionResponse.response>``.
* Embeddings are deterministic unit vectors from a SHA-256 of the text, length
  ``outputDimensionality`` (default 8).

Directives, ``#fake:name[=value]`` anywhere in the last user text (embeddings:
any text; only status/sleep/first_delay apply there):
  chunks=N           number of stream chunks            delay=S   sleep between chunks
  first_delay=S      sleep before the response starts   sleep=S   same (meant for non-stream)
  status=CODE        answer that error envelope (429 gets the quota details)
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
  POST /_fake/reset    clear script, records, events, files; keys back to startup -> reset()
Script entries are consumed in order by the next POSTs to a model method
(after the key check, before anything else):
  {"status": 200, "json": {...}, "delay": S}            JSON body after sleeping S
  {"status": 200, "sse": ["<raw data>", {...}], "delay": S, "first_delay": S}
                                                        one ``data:`` event per item
  {"status": 503}                                       the standard error envelope
  {}                                                    placeholder: default behaviour
Any entry may add "headers": {"retry-after": "3"}.
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
from typing import Any, Callable
from urllib.parse import parse_qs

import uvicorn

from tests.fakes import anthropic_agent  # Anthropic-side agents (issue 15): refusals and a tool loop
from tests.fakes import media as fake_media

MODEL_ROUTE = re.compile(r"^/v1(?:beta)?/models/([^/:]+)(?::([A-Za-z]+))?$")
LIST_ROUTE = re.compile(r"^/v1(?:beta)?/models/?$")
DIRECTIVE = re.compile(r"\s*#fake:(\w+)(?:=(\S+))?")
CALL = re.compile(r"\bcall\s+([A-Za-z_][\w.-]*)")
KV = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")
GEN_PREFIXES = ("gemini-", "gemma-", "learnlm-")

STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
          404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
          503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
MESSAGES = {400: "Request contains an invalid argument.",
            401: "Request had invalid authentication credentials.",
            403: "The caller does not have permission",
            404: "Requested entity was not found.",
            500: "An internal error has occurred. Please retry or report the issue.",
            503: "The model is overloaded. Please try again later.",
            504: "Deadline expired before operation could complete."}
UNREGISTERED = ("Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity "
                "to call this API.")


def error_body(code: int, message: str | None = None, status: str | None = None,
               details: list | None = None) -> dict:
    """The Google error envelope; 429 without a message gets the quota details."""
    if code == 429 and message is None:
        message = ("You exceeded your current quota, please check your plan and "
                   "billing details. Please retry in 7.5s.")
        details = details or [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]
    err = {"code": code, "message": message or MESSAGES.get(code, "Unknown error."),
           "status": status or STATUS.get(code, "UNKNOWN")}
    if details:
        err["details"] = details
    return {"error": err}


KEY_INVALID = error_body(400, "API key not valid. Please pass a valid API key.", details=[{
    "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
    "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}])


def not_found(model: str, method: str) -> dict:
    return error_body(404, f"models/{model} is not found for API version v1beta, or is not "
                      f"supported for {method}. Call ListModels to see the list of available "
                      "models and their supported methods.")


def _model(mid: str, display: str, desc: str, inp: int, out: int, methods: list[str],
           version: str = "001", thinking: bool = False) -> dict:
    m = {"name": f"models/{mid}", "version": version, "displayName": display,
         "description": desc, "inputTokenLimit": inp, "outputTokenLimit": out,
         "supportedGenerationMethods": methods}
    if thinking:
        m["thinking"] = True
    return m


_GEN = ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]
MODELS = [
    _model("gemini-2.5-flash", "Gemini 2.5 Flash", "Stable version of Gemini 2.5 Flash.",
           1048576, 65536, _GEN, thinking=True),
    _model("gemini-2.5-pro", "Gemini 2.5 Pro", "Stable release of Gemini 2.5 Pro.",
           1048576, 65536, _GEN, thinking=True),
    _model("gemini-3-pro-preview", "Gemini 3 Pro Preview", "Gemini 3 Pro Preview.",
           1048576, 65536, _GEN, "3-pro-preview-11-2025", thinking=True),
    _model("gemini-flash-latest", "Gemini Flash Latest", "Latest release of Gemini Flash.",
           1048576, 65536, _GEN, "Gemini Flash Latest", thinking=True),
    _model("gemini-embedding-001", "Gemini Embedding 001",
           "Obtain a distributed representation of a text.", 2048, 1,
           ["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"]),
    _model("gemma-3-27b-it", "Gemma 3 27B", "", 131072, 8192, ["generateContent", "countTokens"]),
]


def _tok(chars: int) -> int:
    return (chars + 3) // 4


def _texts(content: Any) -> list[str]:
    parts = content.get("parts") if isinstance(content, dict) else None
    return [p["text"] for p in parts or [] if isinstance(p, dict)
            and isinstance(p.get("text"), str) and not p.get("thought")]


def parse_directives(text: str) -> tuple[str, dict[str, str]]:
    """Split ``#fake:`` directives out of ``text`` -> (clean text, {name: value})."""
    found = {m.group(1): m.group(2) or "1" for m in DIRECTIVE.finditer(text)}
    return DIRECTIVE.sub("", text).strip(), found


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


def _split(text: str, n: int) -> list[str]:
    size, extra = divmod(len(text), n)
    bounds = list(itertools.accumulate([0] + [size + (i < extra) for i in range(n)]))
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def _args(rest: str) -> dict:
    start = rest.find("{")
    if start >= 0:
        try:
            obj = json.JSONDecoder().raw_decode(rest[start:])[0]
            if isinstance(obj, dict):
                return obj
        except ValueError:
            pass
    pairs = {}
    for k, v in KV.findall(rest):
        try:
            pairs[k] = json.loads(v)
        except ValueError:
            pairs[k] = v
    return pairs or {"city": "Paris"}


def _num(d: dict, name: str, default: float = 0.0) -> float:
    try:
        return float(d.get(name, default))
    except ValueError:
        return default


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


async def _send_json(send: Callable, status: int, obj: Any, headers: dict | None = None) -> None:
    data = json.dumps(obj).encode()
    hdrs = [(b"content-type", b"application/json; charset=UTF-8"),
            (b"content-length", str(len(data)).encode())]
    hdrs += [(k.encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": data})


class FakeGemini:
    """The ASGI app plus its state; safe to inspect/script from another thread."""

    def __init__(self, keys: list[str] | None = None, rate_limited: list[str] | None = None,
                 chunks: int = 5) -> None:
        self.chunks = chunks
        self._startup_keys = (list(keys or []), list(rate_limited or []))
        self._lock = threading.Lock()
        self._script: collections.deque[dict] = collections.deque()
        self._ids = itertools.count(1)
        self.requests: list[dict] = []
        self.events: list[dict] = []
        self.file_store = fake_media.FileStore()
        self.files = self.file_store.files          # id -> (metadata, bytes)
        self.reset()

    # ---- in-process control -------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.events.clear()
            self.file_store.clear()
            self.valid_keys, self.rate_limited = (set(k) for k in self._startup_keys)

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

    async def _handle(self, scope: dict, body: bytes, send: Callable, watch: _Watch) -> None:
        path, method = scope["path"], scope["method"]
        query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        upload = fake_media.upload_id(path, query)      # a keyless, binary upload chunk
        try:
            data, bad_json = (json.loads(body) if body and upload is None else None), False
        except ValueError:
            data, bad_json = None, True
        if path.startswith("/_fake/"):
            return await self._admin(send, method, path, data)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        key = headers.get("x-goog-api-key") or query.get("key")
        self.requests.append({"method": method, "path": path, "query": query, "key": key,
                              "headers": headers, "json": data, "t": time.monotonic()})
        if upload is not None:
            return await fake_media.send_reply(send, self.file_store.chunk(upload, headers, body))
        if (err := self._auth_error(key)) is not None:
            return await _send_json(send, *err)
        if bad_json:
            return await _send_json(send, 400, error_body(400, "Invalid JSON payload received."))
        files = self.file_store.route(method, path, query, headers, data,
                                      fake_media.origin(scope, headers))
        if files is not None:
            return await fake_media.send_reply(send, files)
        if method == "GET" and LIST_ROUTE.match(path):
            return await self._list_models(send, query)
        m = MODEL_ROUTE.match(path)
        if not m:
            return await _send_json(send, 404, error_body(404))
        model, action = m.groups()
        if action is None:
            found = [x for x in MODELS if x["name"] == f"models/{model}"]
            if method != "GET" or not found:
                return await _send_json(send, 404, not_found(model, "get"))
            return await _send_json(send, 200, found[0])
        if method != "POST":
            return await _send_json(send, 404, error_body(404))
        entry = self._pop_script()
        if entry is not None and await self._scripted(send, watch, path, entry):
            return
        data = data if isinstance(data, dict) else {}
        known = "does-not-exist" not in model
        if action in ("generateContent", "streamGenerateContent"):
            if not (known and model.startswith(GEN_PREFIXES)):
                return await _send_json(send, 404, not_found(model, action))
            return await self._generate(send, watch, path, model, data,
                                        action == "streamGenerateContent")
        if not known:
            return await _send_json(send, 404, not_found(model, action))
        if action in ("embedContent", "batchEmbedContents"):
            return await self._embed(send, watch, path, data, action == "batchEmbedContents")
        if action == "countTokens":
            contents = data.get("contents") or (data.get("generateContentRequest") or {}).get("contents")
            chars = sum(len(t) for c in contents or [] for t in _texts(c))
            return await _send_json(send, 200, {"totalTokens": _tok(chars)})
        await _send_json(send, 404, not_found(model, action))

    async def _admin(self, send: Callable, method: str, path: str, data: Any) -> None:
        data = data if data is not None else {}
        if method == "POST" and path == "/_fake/script":
            self.script(data.get("responses", []) if isinstance(data, dict) else data)
            return await _send_json(send, 200, {"queued": len(self._script)})
        if method == "POST" and path == "/_fake/keys":
            self.set_keys(data.get("valid"), data.get("rate_limited"))
            return await _send_json(send, 200, {"valid": sorted(self.valid_keys),
                                                "rate_limited": sorted(self.rate_limited)})
        if method == "POST" and path == "/_fake/reset":
            self.reset()
            return await _send_json(send, 200, {"ok": True})
        if method == "GET" and path in ("/_fake/requests", "/_fake/events"):
            return await _send_json(send, 200, list(getattr(self, path[len("/_fake/"):])))
        if method == "GET" and path == "/_fake/files":
            return await _send_json(send, 200, [meta for meta, _ in list(self.files.values())])
        await _send_json(send, 404, error_body(404))

    async def _list_models(self, send: Callable, query: dict) -> None:
        try:
            size = int(query.get("pageSize") or 50)
            token = query.get("pageToken")
            start = int(base64.urlsafe_b64decode(token).decode().split(":")[1]) if token else 0
        except (ValueError, IndexError):
            return await _send_json(send, 400, error_body(400, "Invalid page token or page size."))
        size = size if 0 < size <= 1000 else 50
        page: dict[str, Any] = {"models": MODELS[start:start + size]}
        if start + size < len(MODELS):
            page["nextPageToken"] = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
        await _send_json(send, 200, page)

    async def _scripted(self, send: Callable, watch: _Watch, path: str, entry: dict) -> bool:
        """Serve one script entry; False for a placeholder (use default behaviour)."""
        status, headers = int(entry.get("status", 200)), entry.get("headers")
        if "sse" in entry:
            items = [p if isinstance(p, str) else json.dumps(p) for p in entry["sse"]]
            await self._stream(send, watch, path, items, float(entry.get("delay", 0)),
                               float(entry.get("first_delay", 0)), status, headers)
            return True
        if "json" not in entry and status < 400:
            return False
        if await watch.sleep(float(entry.get("delay", 0))):
            self._event("request_disconnected", path)
            return True
        await _send_json(send, status, entry["json"] if "json" in entry else error_body(status), headers)
        return True

    async def _stream(self, send: Callable, watch: _Watch, path: str, payloads: list[str],
                      delay: float, first_delay: float = 0.0, status: int = 200,
                      headers: dict | None = None) -> None:
        """Send ``payloads`` as SSE events, stopping as soon as the client goes away."""
        sent = 0
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
                return self._event("stream_completed", path, chunks=sent)
        self._event("stream_disconnected", path, chunks=sent)

    async def _generate(self, send: Callable, watch: _Watch, path: str, model: str,
                        body: dict, stream: bool) -> None:
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            return await _send_json(send, 400, error_body(
                400, "* GenerateContentRequest.contents: contents is not specified"))
        user_texts = [_texts(c) for c in contents if isinstance(c, dict) and c.get("role", "user") == "user"]
        text, d = parse_directives(" ".join(next((t for t in reversed(user_texts) if t), [])))
        if await watch.sleep(_num(d, "first_delay") + _num(d, "sleep")):
            return self._event("stream_disconnected" if stream else "request_disconnected", path)
        if "status" in d:
            code = int(_num(d, "status", 500))
            return await _send_json(send, code, error_body(code))
        if (refused := anthropic_agent.refusal(model, body)) is not None:  # issue 15: anthropic_agent.py
            return await _send_json(send, *refused)
        chars = sum(len(t) for c in contents + [body.get("systemInstruction")] for t in _texts(c))
        prompt = max(1, _tok(chars))
        media = fake_media.generate(fake_media.Ask(model, body, text, d, stream, prompt,
                                                   self.chunks, self.files))
        if isinstance(media, fake_media.Reply):
            return await fake_media.send_reply(send, media)
        responses = (media or anthropic_agent.reply(model, body, stream, int(_num(d, "chunks", self.chunks)))  # issue 15
                     or self._responses(model, body, contents, text, d, stream, prompt))
        if not stream:
            return await _send_json(send, 200, responses[0])
        payloads: list[str] = [json.dumps(r) for r in responses]
        if "cut" in d or "midstream_error" in d:
            for r in responses[:2]:
                for cand in r.get("candidates", []):
                    cand.pop("finishReason", None)
            payloads = [json.dumps(r) for r in responses[:2]]
            if "midstream_error" in d:
                payloads.append(json.dumps(error_body(429, "Resource has been exhausted")))
        if "garbage" in d:
            payloads.insert(2, '{"candidates": [{"content": {"parts": [{"text": "oops')
        await self._stream(send, watch, path, payloads, _num(d, "delay"))

    def _responses(self, model: str, body: dict, contents: list, text: str, d: dict,
                   stream: bool, prompt: int) -> list[dict]:
        """The GenerateContentResponse(s): one for non-stream, one per chunk for streams."""
        base = {"modelVersion": model, "responseId": f"fake-{next(self._ids)}"}
        if "block" in d:
            return [{"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
                {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}]},
                "usageMetadata": {"promptTokenCount": prompt, "totalTokenCount": prompt}, **base}]
        last_parts = (contents[-1].get("parts") or []) if isinstance(contents[-1], dict) else []
        fn_resps = [p["functionResponse"] for p in last_parts if isinstance(p, dict) and "functionResponse" in p]
        fn_only = bool(last_parts) and len(fn_resps) == len(last_parts)
        has_tools = any(isinstance(t, dict) and (t.get("functionDeclarations") or t.get("function_declarations"))
                        for t in body.get("tools") or [])
        calls = list(CALL.finditer(text)) if has_tools else []
        n = max(1, int(_num(d, "chunks", self.chunks)))
        if fn_only:
            reply = "result: " + json.dumps((fn_resps[0] or {}).get("response"))
        else:
            reply = f"echo: {text}"
        if calls and not fn_only:
            parts = [{"functionCall": {"name": m.group(1), "args": _args(
                text[m.end():calls[i + 1].start() if i + 1 < len(calls) else None])}}
                for i, m in enumerate(calls)]
            if model.startswith("gemini-3"):
                parts[0]["thoughtSignature"] = base64.b64encode(
                    hashlib.sha256(text.encode()).digest()).decode()
            groups = [parts]
        else:
            groups = [[{"text": p}] for p in _split(reply.ljust(n, "."), n if stream else 1)]
        if "thinking" in d:
            groups.insert(0, [{"text": f"**Thinking** about: {text}", "thought": True}])
        if not stream:
            groups = [[p for g in groups for p in g]]
        out, cand_chars, thought_chars = [], 0, 0
        for i, parts in enumerate(groups):
            for p in parts:
                if p.get("thought"):
                    thought_chars += len(p["text"])
                else:
                    cand_chars += len(p["text"]) if "text" in p else len(json.dumps(p["functionCall"]))
            cand: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
            if i == len(groups) - 1:
                cand["finishReason"] = "MAX_TOKENS" if "max_tokens" in d else "STOP"
            usage = {"promptTokenCount": prompt, "candidatesTokenCount": _tok(cand_chars),
                     "totalTokenCount": prompt + _tok(cand_chars) + _tok(thought_chars)}
            if thought_chars:
                usage["thoughtsTokenCount"] = _tok(thought_chars)
            out.append({"candidates": [cand], "usageMetadata": usage, **base})
        return out

    async def _embed(self, send: Callable, watch: _Watch, path: str, body: dict, batch: bool) -> None:
        reqs = body.get("requests") if batch else [body]
        if not isinstance(reqs, list) or not all(isinstance(r, dict) for r in reqs):
            return await _send_json(send, 400, error_body(400, "* requests: must be a list"))
        if len(reqs) > 100:
            return await _send_json(send, 400, error_body(
                400, "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch"))
        texts = [" ".join(_texts(r.get("content"))) for r in reqs]
        _, d = parse_directives(" ".join(texts))
        if await watch.sleep(_num(d, "first_delay") + _num(d, "sleep")):
            return self._event("request_disconnected", path)
        if "status" in d:
            code = int(_num(d, "status", 500))
            return await _send_json(send, code, error_body(code))
        vectors = [{"values": embed_values(t, int(r.get("outputDimensionality") or 8))}
                   for t, r in zip(texts, reqs)]
        await _send_json(send, 200, {"embeddings": vectors} if batch else {"embedding": vectors[0]})


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
    args = parser.parse_args(argv)
    fake = FakeGemini(keys=[k for k in args.keys.split(",") if k], chunks=args.chunks)
    sock = _listen(args.host, args.port)
    print(f"listening on http://{args.host}:{sock.getsockname()[1]}", flush=True)
    _server(fake).run(sockets=[sock])


if __name__ == "__main__":
    main()
