"""Media behaviour of the fake Gemini (tests/fakes/gemini.py), kept apart from the text fake.

* image-output models (``-image`` / ``nano-banana`` in the name): a text part and a small,
  valid, solid-colour PNG whose size follows ``imageConfig.aspectRatio``;
* TTS models (``-tts``): validated like the real API, answered with a sine wave as WAV
  (generation >= 3.8) or raw 24 kHz L16 PCM (older);
* audio input (``audio/*`` inlineData/fileData) to other models: a canned transcript,
  as JSON segments when a response schema is asked for;
* the Files API with the resumable upload protocol the google-genai SDK drives.

Only the standard library; ``tests.fakes.gemini`` calls :func:`generate`, :func:`send_reply`,
:func:`upload_id` / :func:`origin` and a :class:`FileStore`.  See that module's
docstring for the contract tests rely on.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import io
import itertools
import json
import math
import re
import secrets
import string
import struct
import threading
import wave
import zlib
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.wire import STATUS, Ask, Reply, get, send_reply, tok

__all__ = ["Ask", "FileStore", "Reply", "generate", "origin", "send_reply", "upload_id"]

# ---- shared helpers ----------------------------------------------------------------------

_get, _tok = get, tok


def error(code: int, message: str, headers: dict | None = None) -> Reply:
    return Reply(code, {"error": {"code": code, "message": message,
                                  "status": STATUS.get(code, "UNKNOWN")}}, headers or {})


def _blob(part: dict) -> dict | None:
    """The inlineData or fileData of a part, or None."""
    blob = _get(part, "inlineData") or _get(part, "fileData")
    return blob if isinstance(blob, dict) else None


def _mime(part: dict) -> str:
    blob = _blob(part)
    return str(_get(blob, "mimeType") or "") if blob else ""


def _candidate(parts: list[dict] | None, finish: str | None) -> dict:
    cand: dict[str, Any] = {"index": 0}
    if parts is not None:
        cand["content"] = {"role": "model", "parts": parts}
    if finish:
        cand["finishReason"] = finish
    return cand


def _response(ask: Ask, cand: dict, usage: dict) -> dict:
    return {"candidates": [cand], "usageMetadata": usage, "modelVersion": ask.model,
            "responseId": ask.response_id}


def _usage(prompt: int, prompt_details: list, cand: int, cand_details: list | None = None) -> dict:
    usage: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": cand,
                             "totalTokenCount": prompt + cand,
                             "promptTokensDetails": prompt_details}
    if cand_details:
        usage["candidatesTokensDetails"] = cand_details
    return usage


def _pieces(text: str, n: int) -> list[str]:
    """``text`` in ``n`` nearly equal non-empty pieces (fewer if it is shorter)."""
    n = max(1, min(n, len(text)))
    size, extra = divmod(len(text), n)
    bounds = list(itertools.accumulate([0] + [size + (i < extra) for i in range(n)]))
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def generate(ask: Ask) -> Reply | list[dict] | None:
    """A media answer: an error :class:`Reply`, the response(s) (one per SSE event when
    streaming), or None when the request is not a media one (or is ``#fake:block``ed)."""
    if is_tts_model(ask.model):
        return tts_reply(ask)
    if is_image_model(ask.model):
        return image_reply(ask)
    if any(_mime(p).startswith("audio/") for p in ask.parts):
        return listen_reply(ask)
    return None


# ---- image-output models ----------------------------------------------------------------

IMAGE_TEXT = "Here is the image you asked for."
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
                 "1:4", "4:1", "1:8", "8:1")
MIN_SIDE = 16               # the shorter side of a generated PNG, at least
IMAGE_TOKENS = 1290         # output tokens per generated image
INPUT_IMAGE_TOKENS = 258    # prompt tokens per input image


def is_image_model(model: str) -> bool:
    return "-image" in model or "nano-banana" in model


def image_size(aspect_ratio: str = "1:1") -> tuple[int, int]:
    """(width, height): the smallest multiple of the reduced ratio with both sides >= 16."""
    w, h = (int(x) for x in aspect_ratio.split(":"))
    g = math.gcd(w, h)
    w, h = w // g, h // g
    k = math.ceil(MIN_SIDE / min(w, h))
    return w * k, h * k


def png(width: int, height: int, rgb: tuple[int, int, int] = (66, 133, 244)) -> bytes:
    """A valid truecolour 8-bit PNG of one solid colour."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    row = b"\x00" + bytes(rgb) * width                  # filter type 0, then the pixels
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def _image_error(ask: Ask) -> Reply | None:
    if int(_get(ask.config, "candidateCount") or 1) > 1:
        return error(400, "Multiple candidates is not enabled for this model")
    ratio = _get(_get(ask.config, "imageConfig"), "aspectRatio") or "1:1"
    if ratio not in ASPECT_RATIOS:
        return error(400, f"Unsupported aspect ratio: {ratio!r}. Supported: "
                     + ", ".join(ASPECT_RATIOS) + ".")
    return None


def image_reply(ask: Ask) -> Reply | list[dict] | None:
    if (err := _image_error(ask)) is not None:
        return err
    d = ask.directives
    if "block" in d:
        return None
    n_in = sum(1 for p in ask.parts if _mime(p).startswith("image/"))
    prompt = ask.prompt_tokens + INPUT_IMAGE_TOKENS * n_in
    prompt_details = [{"modality": "TEXT", "tokenCount": ask.prompt_tokens}]
    if n_in:
        prompt_details.append({"modality": "IMAGE", "tokenCount": INPUT_IMAGE_TOKENS * n_in})
    if "image_safety" in d:
        return [_response(ask, _candidate(None, "IMAGE_SAFETY"), _usage(prompt, prompt_details, 0))]
    text = f"Edited {n_in} input image(s): {IMAGE_TEXT}" if n_in else IMAGE_TEXT
    events = [[{"text": text}]]
    if "no_image" not in d:
        ratio = _get(_get(ask.config, "imageConfig"), "aspectRatio") or "1:1"
        colour = tuple(hashlib.sha256(ask.text.encode()).digest()[:3])
        data = base64.b64encode(png(*image_size(ratio), colour)).decode()
        events.append([{"inlineData": {"mimeType": "image/png", "data": data}}])
    if not ask.stream:
        events = [[p for parts in events for p in parts]]
    out, text_tokens, images = [], _tok(len(text)), 0
    for i, parts in enumerate(events):
        images += sum(1 for p in parts if "inlineData" in p)
        details = [{"modality": "TEXT", "tokenCount": text_tokens}]
        if images:
            details.append({"modality": "IMAGE", "tokenCount": IMAGE_TOKENS * images})
        usage = _usage(prompt, prompt_details, text_tokens + IMAGE_TOKENS * images, details)
        finish = "STOP" if i == len(events) - 1 else None
        out.append(_response(ask, _candidate(parts, finish), usage))
    return out


# ---- TTS models ------------------------------------------------------------------------

VOICES = ("Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe",
          "Autonoe", "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome",
          "Algenib", "Rasalgethi", "Laomedeia", "Achernar", "Alnilam", "Schedar", "Gacrux",
          "Pulcherrima", "Achird", "Zubenelgenubi", "Vindemiatrix", "Sadachbia", "Sadaltager",
          "Sulafat")
SAMPLE_RATE = 24000
L16_MIME = f"audio/L16;codec=pcm;rate={SAMPLE_RATE}"
SECONDS_PER_CHAR, MIN_SECONDS, MAX_SECONDS = 0.02, 0.2, 5.0
AUDIO_OUT_TOKENS_PER_SECOND = 25
MODALITIES = ("TEXT", "IMAGE", "AUDIO")
GENERATION = re.compile(r"^gemini-(\d+)(?:\.(\d+))?")


def is_tts_model(model: str) -> bool:
    return "-tts" in model


def generation(model: str) -> tuple[int, int]:
    """``gemini-3.8-flash-tts`` -> (3, 8); (0, 0) when the name carries no version."""
    m = GENERATION.match(model)
    return (int(m.group(1)), int(m.group(2) or 0)) if m else (0, 0)


def speech_seconds(text: str) -> float:
    return min(MAX_SECONDS, max(MIN_SECONDS, SECONDS_PER_CHAR * len(text)))


def pcm(seconds: float, hz: float = 440.0, amplitude: int = 3000) -> bytes:
    """Mono 16-bit little-endian samples of a quiet sine wave at 24 kHz."""
    n = round(seconds * SAMPLE_RATE)
    samples = (round(amplitude * math.sin(2 * math.pi * hz * i / SAMPLE_RATE)) for i in range(n))
    return struct.pack(f"<{n}h", *samples)


def wav(frames: bytes) -> bytes:
    """``frames`` (24 kHz mono 16-bit PCM) wrapped in a complete RIFF/WAVE file."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(frames)
    return buf.getvalue()


def _voice_names(speech: dict) -> list[Any]:
    """Every prebuilt voice name a speechConfig asks for (single or multi speaker)."""
    configs = [_get(speech, "voiceConfig")]
    multi = _get(speech, "multiSpeakerVoiceConfig")
    configs += [_get(s, "voiceConfig") for s in _get(multi, "speakerVoiceConfigs") or []]
    return [_get(_get(c, "prebuiltVoiceConfig"), "voiceName") for c in configs if c]


def _modalities_error(config: dict) -> Reply | None:
    wanted = _get(config, "responseModalities") or ["TEXT"]
    for i, m in enumerate(wanted):
        if m not in MODALITIES:
            return error(400, f"Invalid value at 'generation_config.response_modalities[{i}]' "
                         "(type.googleapis.com/google.ai.generativelanguage.v1beta."
                         f"GenerationConfig.Modality), \"{m}\"")
    if list(wanted) != ["AUDIO"]:
        return error(400, "The requested combination of response modalities "
                     f"({', '.join(wanted)}) is not supported by the model.")
    return None


def _speech_metadata_error(ask: Ask) -> Reply | None:
    """Older TTS models' request proto has no Part.speechMetadata: reject it like the parser."""
    if generation(ask.model) >= (3, 8):
        return None
    for i, content in enumerate(ask.body.get("contents") or []):
        for j, part in enumerate(_get(content, "parts") or []):
            if isinstance(part, dict) and _get(part, "speechMetadata") is not None:
                name = "speechMetadata" if "speechMetadata" in part else "speech_metadata"
                return error(400, f"Invalid JSON payload received. Unknown name \"{name}\" at "
                             f"'contents[{i}].parts[{j}]': Cannot find field.")
    return None


def _tts_error(ask: Ask) -> Reply | None:
    if (err := _modalities_error(ask.config) or _speech_metadata_error(ask)) is not None:
        return err
    for name in _voice_names(_get(ask.config, "speechConfig") or {}):
        if name is not None and name not in VOICES:
            return error(400, f"Voice name {name!r} is not supported. Supported voices: "
                         + ", ".join(VOICES) + ".")
    if not ask.text.strip():
        return error(400, "The input text for speech generation is empty.")
    return None


def tts_reply(ask: Ask) -> Reply | list[dict] | None:
    if (err := _tts_error(ask)) is not None:
        return err
    if "block" in ask.directives:
        return None
    seconds = speech_seconds(ask.text)
    frames = pcm(seconds)
    if generation(ask.model) >= (3, 8):
        blob = {"mimeType": "audio/wav", "data": base64.b64encode(wav(frames)).decode()}
    else:
        blob = {"mimeType": L16_MIME, "data": base64.b64encode(frames).decode()}
    audio_tokens = round(AUDIO_OUT_TOKENS_PER_SECOND * seconds)
    usage = _usage(ask.prompt_tokens, [{"modality": "TEXT", "tokenCount": ask.prompt_tokens}],
                   audio_tokens, [{"modality": "AUDIO", "tokenCount": audio_tokens}])
    return [_response(ask, _candidate([{"inlineData": blob}], "STOP"), usage)]


# ---- audio input: transcription / translation --------------------------------------------

TRANSCRIPT = ("Hello from the fake transcriber.", "This is the second segment.")
FIRST_SEGMENT_END = 1.2
DEFAULT_AUDIO_SECONDS = 2.5
AUDIO_IN_TOKENS_PER_SECOND = 32
TRANSLATE = re.compile(r"translat", re.IGNORECASE)
FILE_URI = re.compile(r"/files/([^/?#:]+)")


def wav_seconds(data: bytes) -> float | None:
    """Duration of a WAV file's bytes, or None when they are not a WAV ``wave`` reads."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError, struct.error):
        return None


def _audio_bytes(part: dict, files: dict) -> bytes:
    """An audio part's bytes: inline base64, or an uploaded file named by its URI."""
    blob = _blob(part) or {}
    if "data" in blob:
        data = str(blob["data"]).replace("-", "+").replace("_", "/")
        try:
            return base64.b64decode(data + "=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            return b""
    m = FILE_URI.search(str(_get(blob, "fileUri") or ""))
    return files.get(m.group(1), (None, b""))[1] if m else b""


def _wants_json(config: dict) -> bool:
    return (_get(config, "responseSchema") is not None
            or _get(config, "responseJsonSchema") is not None)


def transcript(seconds: float, translate: bool) -> dict:
    """The canned transcript: two segments, the second ending at ``seconds`` (>= 1.2)."""
    prefix = "[en] " if translate else ""
    end = round(max(seconds, FIRST_SEGMENT_END), 3)
    return {"language": "english", "segments": [
        {"start": 0.0, "end": FIRST_SEGMENT_END, "text": prefix + TRANSCRIPT[0]},
        {"start": FIRST_SEGMENT_END, "end": end, "text": prefix + TRANSCRIPT[1]}]}


def listen_reply(ask: Ask) -> list[dict] | None:
    if "block" in ask.directives:
        return None
    audio = next(p for p in ask.parts if _mime(p).startswith("audio/"))
    seconds = wav_seconds(_audio_bytes(audio, ask.files)) or DEFAULT_AUDIO_SECONDS
    instructions = [p.get("text") for p in ask.parts] + [
        p.get("text") for p in _get(ask.body.get("systemInstruction"), "parts") or []
        if isinstance(p, dict)]
    translate = any(TRANSLATE.search(t) for t in instructions if isinstance(t, str))
    result = transcript(seconds, translate)
    if _wants_json(ask.config):
        reply = json.dumps(result)
    else:
        reply = " ".join(s["text"] for s in result["segments"])
    audio_tokens = math.ceil(AUDIO_IN_TOKENS_PER_SECOND * seconds)
    prompt_details = [{"modality": "TEXT", "tokenCount": ask.prompt_tokens},
                      {"modality": "AUDIO", "tokenCount": audio_tokens}]
    n = int(float(ask.directives.get("chunks", ask.chunks))) if ask.stream else 1
    out, sent = [], 0
    pieces = _pieces(reply, n)
    for i, piece in enumerate(pieces):
        sent += len(piece)
        usage = _usage(ask.prompt_tokens + audio_tokens, prompt_details, _tok(sent))
        finish = "STOP" if i == len(pieces) - 1 else None
        out.append(_response(ask, _candidate([{"text": piece}], finish), usage))
    return out


# ---- Files API -------------------------------------------------------------------------

UPLOAD_ROUTE = re.compile(r"^/upload/(v1(?:beta)?)/files/?$")
FILE_ROUTE = re.compile(r"^/(v1(?:beta)?)/files(?:/([^/:]+))?/?$")
FILE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
FILE_TTL = datetime.timedelta(hours=48)
CHUNK_GRANULARITY = 8 * 1024 * 1024


def upload_id(path: str, query: dict) -> str | None:
    """The upload session a request continues (keyless chunk upload), or None."""
    return query.get("upload_id") if UPLOAD_ROUTE.match(path) else None


def origin(scope: dict, headers: dict) -> str:
    """``scheme://host`` as the client addressed us (the Host header)."""
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def _timestamp(t: datetime.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _new_file_id() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(12))


@dataclass
class _Upload:
    """One resumable upload session between ``start`` and ``finalize``."""
    file_id: str
    version: str
    origin: str
    mime_type: str
    display_name: str | None
    declared: int | None
    data: bytearray = field(default_factory=bytearray)


class FileStore:
    """Uploaded files (``files``: id -> (metadata, bytes)) and open upload sessions."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[dict, bytes]] = {}
        self.uploads: dict[str, _Upload] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self.files.clear()
            self.uploads.clear()

    # ---- keyed routes ----------------------------------------------------------------
    def route(self, method: str, path: str, query: dict, headers: dict, data: Any,
              base: str) -> Reply | None:
        """Answer a Files API request (key already checked), or None if not one."""
        if m := UPLOAD_ROUTE.match(path):
            if method != "POST":
                return error(404, "Requested entity was not found.")
            return self.start(m.group(1), headers, data, base)
        m = FILE_ROUTE.match(path)
        if not m:
            return None
        file_id = m.group(2)
        if file_id is None and method == "GET":
            return self.list(query)
        if file_id is not None and method == "GET":
            return self.get(file_id)
        if file_id is not None and method == "DELETE":
            return self.delete(file_id)
        return error(404, "Requested entity was not found.")

    def start(self, version: str, headers: dict, data: Any, base: str) -> Reply:
        if (headers.get("x-goog-upload-protocol", "").lower() != "resumable"
                or headers.get("x-goog-upload-command", "").lower() != "start"):
            return error(400, "The fake supports only the resumable upload protocol "
                         "(X-Goog-Upload-Protocol: resumable, X-Goog-Upload-Command: start).")
        meta = _get(data, "file") or {}
        file_id = self._file_id(_get(meta, "name"))
        if isinstance(file_id, Reply):
            return file_id
        declared = headers.get("x-goog-upload-header-content-length") or _get(meta, "sizeBytes")
        try:
            declared = int(declared) if declared is not None else None
        except ValueError:
            return error(400, f"Invalid X-Goog-Upload-Header-Content-Length: {declared!r}")
        mime = (_get(meta, "mimeType") or headers.get("x-goog-upload-header-content-type")
                or "application/octet-stream")
        session = secrets.token_urlsafe(24)
        with self._lock:
            self.uploads[session] = _Upload(file_id, version, base, mime,
                                            _get(meta, "displayName"), declared)
        url = f"{base}/upload/{version}/files?upload_id={session}&upload_protocol=resumable"
        return Reply(200, None, {"x-goog-upload-url": url, "x-goog-upload-status": "active",
                                 "x-goog-upload-chunk-granularity": CHUNK_GRANULARITY})

    def _file_id(self, name: Any) -> str | Reply:
        if not name:
            return _new_file_id()
        file_id = str(name).removeprefix("files/")
        if not FILE_ID.match(file_id):
            return error(400, f"Invalid file name {name!r}: use files/ and up to 40 lowercase "
                         "letters, digits or dashes.")
        if file_id in self.files:
            return error(409, f"File files/{file_id} already exists.")
        return file_id

    def get(self, file_id: str) -> Reply:
        entry = self.files.get(file_id)
        if entry is None:
            return error(404, f"File files/{file_id} was not found.")
        return Reply(200, entry[0])

    def list(self, query: dict) -> Reply:
        try:
            size = int(query.get("pageSize") or 10)
            start = int(base64.urlsafe_b64decode(query["pageToken"]).decode().split(":")[1]) \
                if query.get("pageToken") else 0
        except (ValueError, IndexError, binascii.Error):
            return error(400, "Invalid page token or page size.")
        size = size if 0 < size <= 100 else 10
        metas = sorted((m for m, _ in self.files.values()), key=lambda m: m["createTime"],
                       reverse=True)
        page: dict[str, Any] = {}
        if metas[start:start + size]:
            page["files"] = metas[start:start + size]
        if start + size < len(metas):
            page["nextPageToken"] = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
        return Reply(200, page)

    def delete(self, file_id: str) -> Reply:
        with self._lock:
            if self.files.pop(file_id, None) is None:
                return error(404, f"File files/{file_id} was not found.")
        return Reply(200, {})

    # ---- keyless chunk uploads -----------------------------------------------------------
    def chunk(self, session: str, headers: dict, body: bytes) -> Reply:
        """One ``upload`` / ``upload, finalize`` / ``finalize`` / ``query`` request."""
        with self._lock:
            up = self.uploads.get(session)
            if up is None:
                return error(404, "No such upload session (unknown or finished upload_id).",
                             {"x-goog-upload-status": "final"})
            commands = {c.strip().lower() for c in headers.get("x-goog-upload-command", "").split(",")}
            active = {"x-goog-upload-status": "active"}
            if commands == {"query"}:
                return Reply(200, None, {**active, "x-goog-upload-size-received": len(up.data)})
            if not commands or not commands <= {"upload", "finalize"}:
                return error(400, "Unknown X-Goog-Upload-Command "
                             f"{headers.get('x-goog-upload-command')!r}.", active)
            if "upload" in commands and (err := self._append(up, headers, body)) is not None:
                return err
            if "finalize" not in commands:
                return Reply(200, None, active)
            if up.declared is not None and len(up.data) != up.declared:
                return error(400, f"Upload finalized with {len(up.data)} bytes but "
                             f"{up.declared} were declared.", active)
            del self.uploads[session]
            meta = self._store(up)
        return Reply(200, {"file": meta}, {"x-goog-upload-status": "final"})

    @staticmethod
    def _append(up: _Upload, headers: dict, body: bytes) -> Reply | None:
        active = {"x-goog-upload-status": "active"}
        offset = headers.get("x-goog-upload-offset")
        if offset is None or not offset.strip().isdigit() or int(offset) != len(up.data):
            return error(400, f"Invalid X-Goog-Upload-Offset {offset!r}: "
                         f"{len(up.data)} bytes have been received.", active)
        if up.declared is not None and len(up.data) + len(body) > up.declared:
            return error(400, f"Upload exceeds the declared {up.declared} bytes.", active)
        up.data += body
        return None

    def _store(self, up: _Upload) -> dict:
        now = datetime.datetime.now(datetime.timezone.utc)
        data = bytes(up.data)
        meta: dict[str, Any] = {"name": f"files/{up.file_id}"}
        if up.display_name:
            meta["displayName"] = up.display_name
        meta.update({
            "mimeType": up.mime_type, "sizeBytes": str(len(data)),
            "createTime": _timestamp(now), "updateTime": _timestamp(now),
            "expirationTime": _timestamp(now + FILE_TTL),
            # as the real API: base64 of the *hex* digest
            "sha256Hash": base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode(),
            "uri": f"{up.origin}/{up.version}/files/{up.file_id}",
            "state": "ACTIVE", "source": "UPLOADED"})
        self.files[up.file_id] = (meta, data)
        return meta
