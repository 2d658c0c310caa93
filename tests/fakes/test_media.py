"""Tests of the fake Gemini's media behaviour (tests/fakes/media.py via tests/fakes/gemini.py)."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import struct
import wave
import zlib

import httpx
import pytest

from tests.fakes import media as fake_media

KEY = {"x-goog-api-key": "fake-key"}
NANO = "gemini-nano-banana-2.1"
TTS_NEW = "gemini-3.8-flash-tts"
TTS_OLD = "gemini-2.5-flash-preview-tts"
FLASH = "gemini-2.5-flash"


@pytest.fixture
def client(fake_server, fake):
    with httpx.Client(base_url=fake_server[1], headers=KEY, timeout=10) as c:
        yield c


def gen(client: httpx.Client, model: str, body: dict, stream: bool = False) -> httpx.Response:
    action = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return client.post(f"/v1beta/models/{model}:{action}", json=body)


def ask(*parts: dict | str, **config) -> dict:
    parts_ = [{"text": p} if isinstance(p, str) else p for p in parts]
    body: dict = {"contents": [{"role": "user", "parts": parts_}]}
    if config:
        body["generationConfig"] = config
    return body


def events(r: httpx.Response) -> list[dict]:
    assert r.status_code == 200, r.text
    return [json.loads(e[len("data: "):]) for e in r.text.split("\r\n\r\n")[:-1]]


def error_of(r: httpx.Response, code: int = 400) -> str:
    assert r.status_code == code, r.text
    err = r.json()["error"]
    assert err["code"] == code
    return err["message"]


def parts_of(resp: dict) -> list[dict]:
    return resp["candidates"][0]["content"]["parts"]


def inline(b64: str) -> bytes:
    return base64.b64decode(b64)


def read_png(data: bytes) -> tuple[int, int, bytes]:
    """Check a PNG's signature, chunk CRCs and pixel data -> (width, height, first pixel)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF, tag
        chunks[tag] = body
        pos += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"] and pos == len(data)
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 2)
    pixels = zlib.decompress(chunks[b"IDAT"])
    assert len(pixels) == height * (1 + 3 * width)
    return width, height, pixels[1:4]


def make_wav(seconds: float, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * round(seconds * rate))
    return buf.getvalue()


def audio_part(data: bytes, mime: str = "audio/wav") -> dict:
    return {"inlineData": {"mimeType": mime, "data": base64.b64encode(data).decode()}}


# ---- image-output models ------------------------------------------------------------------


@pytest.mark.parametrize("ratio,size", [(None, (16, 16)), ("1:1", (16, 16)), ("16:9", (32, 18)),
                                        ("3:2", (24, 16)), ("9:16", (18, 32)), ("4:3", (24, 18)),
                                        ("21:9", (42, 18))])
def test_image_png_size_follows_aspect_ratio(client, ratio, size):
    config = {"imageConfig": {"aspectRatio": ratio}} if ratio else {}
    r = gen(client, NANO, ask("a cat", **config))
    assert r.status_code == 200, r.text
    body = r.json()
    cand = body["candidates"][0]
    assert cand["finishReason"] == "STOP"
    text, image = cand["content"]["parts"]
    assert text == {"text": "Here is the image you asked for."}
    assert image["inlineData"]["mimeType"] == "image/png"
    assert read_png(inline(image["inlineData"]["data"]))[:2] == size
    usage = body["usageMetadata"]
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]
    assert {"modality": "IMAGE", "tokenCount": 1290} in usage["candidatesTokensDetails"]


@pytest.mark.parametrize("model", ["gemini-3-pro-image", "gemini-3.1-flash-lite-image",
                                   "gemini-2.5-flash-image-preview", "gemini-nano-banana-2.1"])
def test_image_models_by_name(client, model):
    parts = parts_of(gen(client, model, ask("a dog")).json())
    assert [("inlineData" in p) for p in parts] == [False, True]


def test_image_edit_counts_input_images(client):
    img = {"inlineData": {"mimeType": "image/png",
                          "data": base64.b64encode(fake_media.png(2, 2)).decode()}}
    older = {"role": "user", "parts": [img]}        # only the last user turn counts
    body = ask(img, "make it blue", img)
    body["contents"][:0] = [older, {"role": "model", "parts": [{"text": "ok"}]}]
    parts = parts_of(gen(client, NANO, body).json())
    assert parts[0]["text"] == "Edited 2 input image(s): Here is the image you asked for."
    usage = gen(client, NANO, body).json()["usageMetadata"]
    assert {"modality": "IMAGE", "tokenCount": 2 * 258} in usage["promptTokensDetails"]


def test_image_colour_depends_on_prompt(client):
    def colour(prompt: str) -> bytes:
        return read_png(inline(parts_of(gen(client, NANO, ask(prompt)).json())[1]["inlineData"]["data"]))[2]
    assert colour("red") == colour("red") != colour("green")


def test_image_errors(client):
    assert error_of(gen(client, NANO, ask("x", candidateCount=2))) == \
        "Multiple candidates is not enabled for this model"
    assert gen(client, NANO, ask("x", candidateCount=1)).status_code == 200
    msg = error_of(gen(client, NANO, ask("x", imageConfig={"aspectRatio": "7:5"})))
    assert "7:5" in msg and "16:9" in msg


def test_image_directives(client, fake):
    body = gen(client, NANO, ask("nsfw #fake:image_safety")).json()
    assert body["candidates"] == [{"index": 0, "finishReason": "IMAGE_SAFETY"}]
    parts = parts_of(gen(client, NANO, ask("words only #fake:no_image")).json())
    assert parts == [{"text": "Here is the image you asked for."}]
    body = gen(client, NANO, ask("x #fake:block")).json()
    assert body["promptFeedback"]["blockReason"] == "SAFETY" and "candidates" not in body
    assert gen(client, NANO, ask("x #fake:status=503")).status_code == 503
    # script entries still come first
    fake.script({"status": 429})
    assert gen(client, NANO, ask("x")).status_code == 429


def test_image_stream_text_then_image(client):
    evs = events(gen(client, NANO, ask("a cat", imageConfig={"aspectRatio": "16:9"}), stream=True))
    assert len(evs) == 2 and len({e["responseId"] for e in evs}) == 1
    first, second = (e["candidates"][0] for e in evs)
    assert first["content"]["parts"] == [{"text": "Here is the image you asked for."}]
    assert "finishReason" not in first and second["finishReason"] == "STOP"
    (image,) = second["content"]["parts"]
    assert read_png(inline(image["inlineData"]["data"]))[:2] == (32, 18)
    cut = events(gen(client, NANO, ask("a cat #fake:cut"), stream=True))
    assert len(cut) == 2 and all("finishReason" not in e["candidates"][0] for e in cut)


# ---- TTS models --------------------------------------------------------------------------


def speak(text: str, voice: str | None = "Kore", **config) -> dict:
    config.setdefault("responseModalities", ["AUDIO"])
    if voice is not None:
        config["speechConfig"] = {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": voice}}}
    return ask(text, **config)


def test_tts_new_generation_returns_wav(client):
    text = "Hello there, this is fifty characters of speech!!"
    body = gen(client, TTS_NEW, speak(text)).json()
    cand = body["candidates"][0]
    assert cand["finishReason"] == "STOP"
    (part,) = cand["content"]["parts"]
    assert part["inlineData"]["mimeType"] == "audio/wav"
    with wave.open(io.BytesIO(inline(part["inlineData"]["data"]))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
        assert w.getnframes() == round(0.02 * len(text) * 24000)
        samples = struct.unpack(f"<{w.getnframes()}h", w.readframes(w.getnframes()))
    assert 0 < max(samples) < 8000                   # a quiet, non-silent wave
    usage = body["usageMetadata"]
    assert usage["candidatesTokenCount"] == round(25 * 0.02 * len(text))
    assert usage["candidatesTokensDetails"] == [{"modality": "AUDIO",
                                                 "tokenCount": usage["candidatesTokenCount"]}]
    assert usage["promptTokenCount"] > 0


def test_tts_older_generation_returns_l16(client):
    (part,) = parts_of(gen(client, TTS_OLD, speak("hi")).json())
    assert part["inlineData"]["mimeType"] == "audio/L16;codec=pcm;rate=24000"
    raw = inline(part["inlineData"]["data"])
    assert raw[:4] != b"RIFF" and len(raw) == 2 * round(0.2 * 24000)   # min 0.2 s
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:                  # decodes as 24 kHz mono 16-bit PCM
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(24000)
        w.writeframes(raw)
    with wave.open(io.BytesIO(buf.getvalue())) as w:
        assert w.getframerate() == 24000 and w.getnframes() == 4800


def test_tts_duration_is_capped(client):
    (part,) = parts_of(gen(client, TTS_NEW, speak("x" * 1000)).json())
    assert fake_media.wav_seconds(inline(part["inlineData"]["data"])) == 5.0


@pytest.mark.parametrize("config,message", [
    ({"responseModalities": None}, "(TEXT) is not supported"),
    ({"responseModalities": ["TEXT"]}, "(TEXT) is not supported"),
    ({"responseModalities": ["TEXT", "AUDIO"]}, "(TEXT, AUDIO) is not supported"),
    ({"responseModalities": ["SPEECH"]}, "Invalid value at 'generation_config.response_modalities[0]'"),
])
def test_tts_response_modalities(client, config, message):
    body = speak("hi")
    body["generationConfig"].update(config)
    if config["responseModalities"] is None:
        del body["generationConfig"]["responseModalities"]
    msg = error_of(gen(client, TTS_NEW, body))
    assert message in msg


def test_tts_voices(client):
    for voice in fake_media.VOICES:
        assert gen(client, TTS_NEW, speak("hi", voice)).status_code == 200
    assert len(fake_media.VOICES) == 30
    assert "'kore'" in error_of(gen(client, TTS_NEW, speak("hi", "kore")))   # case-sensitive
    assert error_of(gen(client, TTS_OLD, speak("hi", "Alloy")))
    assert gen(client, TTS_NEW, speak("hi", voice=None)).status_code == 200  # default voice
    multi = speak("Joe: hi\nJane: hello", voice=None, speechConfig={"multiSpeakerVoiceConfig": {
        "speakerVoiceConfigs": [
            {"speaker": "Joe", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}},
            {"speaker": "Jane", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "nova"}}}]}})
    assert "'nova'" in error_of(gen(client, TTS_NEW, multi))


def test_tts_snake_case_config_is_accepted(client):
    body = ask("hi")
    body["generation_config"] = {"response_modalities": ["AUDIO"], "speech_config": {
        "voice_config": {"prebuilt_voice_config": {"voice_name": "Puck"}}}}
    assert gen(client, TTS_NEW, body).status_code == 200


def test_tts_empty_text(client):
    assert "empty" in error_of(gen(client, TTS_NEW, speak("#fake:chunks=2")))


def test_tts_speech_metadata_by_generation(client):
    styled = speak("ignored")
    styled["contents"][0]["parts"] = [{"text": "Hello!", "speechMetadata": {"style": "cheerful"}}]
    assert gen(client, TTS_NEW, styled).status_code == 200
    assert gen(client, "gemini-4-flash-tts", styled).status_code == 200
    msg = error_of(gen(client, TTS_OLD, styled))
    assert msg == ("Invalid JSON payload received. Unknown name \"speechMetadata\" at "
                   "'contents[0].parts[0]': Cannot find field.")
    assert error_of(gen(client, "gemini-3.1-flash-tts-preview", styled))


def test_tts_directives_and_stream(client):
    assert gen(client, TTS_NEW, speak("hi #fake:status=500")).status_code == 500
    assert "promptFeedback" in gen(client, TTS_NEW, speak("hi #fake:block")).json()
    (ev,) = events(gen(client, TTS_NEW, speak("hi"), stream=True))
    assert ev["candidates"][0]["finishReason"] == "STOP"
    assert ev["candidates"][0]["content"]["parts"][0]["inlineData"]["mimeType"] == "audio/wav"


def test_tts_request_is_recorded(client, fake):
    gen(client, TTS_NEW, speak("record me", "Zephyr"))
    sent = fake.requests[-1]["json"]
    assert sent["generationConfig"]["speechConfig"]["voiceConfig"]["prebuiltVoiceConfig"] == {
        "voiceName": "Zephyr"}


# ---- audio input --------------------------------------------------------------------------

PLAIN = "Hello from the fake transcriber. This is the second segment."


def test_transcription_plain_text(client):
    body = gen(client, FLASH, ask(audio_part(make_wav(3.0)), "Transcribe this.")).json()
    assert parts_of(body) == [{"text": PLAIN}]
    usage = body["usageMetadata"]
    assert {"modality": "AUDIO", "tokenCount": 96} in usage["promptTokensDetails"]
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]


@pytest.mark.parametrize("schema_key", ["responseSchema", "responseJsonSchema"])
def test_transcription_json_segments(client, schema_key):
    config = {"responseMimeType": "application/json", schema_key: {"type": "object"}}
    body = gen(client, FLASH, ask(audio_part(make_wav(3.25)), "Transcribe.", **config)).json()
    assert json.loads(parts_of(body)[0]["text"]) == {"language": "english", "segments": [
        {"start": 0.0, "end": 1.2, "text": "Hello from the fake transcriber."},
        {"start": 1.2, "end": 3.25, "text": "This is the second segment."}]}


def test_transcription_non_wav_audio_defaults_to_2_5_seconds(client):
    config = {"responseSchema": {"type": "object"}}
    body = gen(client, FLASH, ask(audio_part(b"ID3 not really mp3", "audio/mpeg"), **config)).json()
    assert json.loads(parts_of(body)[0]["text"])["segments"][1]["end"] == 2.5


def test_translation_prefix(client):
    body = ask(audio_part(make_wav(2.0)))
    body["systemInstruction"] = {"parts": [{"text": "Translate the audio into English."}]}
    assert parts_of(gen(client, FLASH, body).json())[0]["text"] == \
        "[en] Hello from the fake transcriber. [en] This is the second segment."
    body = ask(audio_part(make_wav(2.0)), "please translate", responseSchema={"type": "object"})
    segments = json.loads(parts_of(gen(client, FLASH, body).json())[0]["text"])["segments"]
    assert [s["text"][:5] for s in segments] == ["[en] ", "[en] "]


def test_transcription_stream(client):
    evs = events(gen(client, FLASH, ask(audio_part(make_wav(1.0)), "#fake:chunks=3"), stream=True))
    assert len(evs) == 3
    assert "".join(parts_of(e)[0]["text"] for e in evs) == PLAIN
    assert [("finishReason" in e["candidates"][0]) for e in evs] == [False, False, True]


def test_text_only_requests_still_echo(client):
    assert parts_of(gen(client, FLASH, ask("hello")).json()) == [{"text": "echo: hello"}]


# ---- Files API ---------------------------------------------------------------------------


def start_upload(client: httpx.Client, size: int, mime: str = "audio/wav", version: str = "v1beta",
                 file: dict | None = None, **headers) -> httpx.Response:
    hdrs = {"X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(size),
            "X-Goog-Upload-Header-Content-Type": mime, **headers}
    return client.post(f"/upload/{version}/files", headers=hdrs,
                       json={"file": file if file is not None else {"mime_type": mime}})


def send_chunk(url: str, data: bytes, offset: int, command: str = "upload") -> httpx.Response:
    # no key: the upload id authorizes; the SDK also sends Content-Type: application/json
    return httpx.post(url, content=data, headers={
        "X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": str(offset),
        "Content-Type": "application/json"})


def test_resumable_upload_full_protocol(client, fake, fake_server):
    data = make_wav(2.0) + bytes(range(256))        # binary, not UTF-8, not JSON
    r = start_upload(client, len(data), file={"display_name": "Speech", "mime_type": "audio/wav"},
                     **{"x-goog-api-client": "google-genai-sdk/3.4.0 gl-python/3.11.7"})
    assert r.status_code == 200 and r.content == b""
    assert r.headers["x-goog-upload-status"] == "active"
    url = r.headers["x-goog-upload-url"]
    assert url.startswith(fake_server[1] + "/upload/v1beta/files?upload_id=")
    assert url.endswith("&upload_protocol=resumable")
    assert fake.requests[-1]["headers"]["x-goog-api-client"].startswith("google-genai-sdk/")

    half = len(data) // 2
    r = send_chunk(url, data[:half], 0)
    assert r.status_code == 200 and r.content == b"" and r.headers["x-goog-upload-status"] == "active"
    r = send_chunk(url, data[half:], 7, "upload, finalize")          # wrong offset
    assert "Offset" in error_of(r)
    r = httpx.post(url, headers={"X-Goog-Upload-Command": "query"})
    assert r.headers["x-goog-upload-size-received"] == str(half)
    r = send_chunk(url, data[half:], half, "upload, finalize")
    assert r.status_code == 200 and r.headers["x-goog-upload-status"] == "final"
    f = r.json()["file"]
    file_id = f["name"].removeprefix("files/")
    assert f["displayName"] == "Speech" and f["mimeType"] == "audio/wav"
    assert f["sizeBytes"] == str(len(data)) and f["state"] == "ACTIVE" and f["source"] == "UPLOADED"
    assert f["uri"] == f"{fake_server[1]}/v1beta/files/{file_id}"
    assert base64.b64decode(f["sha256Hash"]).decode() == hashlib.sha256(data).hexdigest()
    assert f["createTime"] == f["updateTime"] < f["expirationTime"]
    assert fake.files[file_id] == (f, data)
    chunk_records = [q for q in fake.requests if "upload_id" in q["query"]]
    assert len(chunk_records) == 4 and all(q["json"] is None and q["key"] is None for q in chunk_records)
    assert send_chunk(url, b"more", len(data)).status_code == 404     # the session is finished

    assert client.get(f"/v1beta/files/{file_id}").json() == f
    assert client.get("/v1/files/" + file_id, params={"key": "fake-key"}, headers={}).json() == f
    assert client.get("/v1beta/files", params={"pageSize": 10}).json() == {"files": [f]}
    assert httpx.get(fake_server[1] + "/_fake/files").json() == [f]
    assert client.delete(f"/v1beta/files/{file_id}").json() == {}
    assert client.get(f"/v1beta/files/{file_id}").json()["error"]["status"] == "NOT_FOUND"
    assert client.delete(f"/v1beta/files/{file_id}").status_code == 404
    assert client.get("/v1beta/files").json() == {}


def test_upload_url_names_the_host_the_client_used(client):
    r = start_upload(client, 3, Host="gateway.example:8080")
    url = r.headers["x-goog-upload-url"]
    assert url.startswith("http://gateway.example:8080/upload/v1beta/files?upload_id=")
    r = start_upload(client, 3, version="v1")
    assert "/upload/v1/files?upload_id=" in r.headers["x-goog-upload-url"]


def test_upload_camel_case_single_request_and_list_pages(client, fake):
    names = []
    for i in range(3):
        r = start_upload(client, 2, "text/plain",
                         file={"displayName": f"n{i}", "mimeType": "text/plain"})
        r = send_chunk(r.headers["x-goog-upload-url"], b"hi", 0, "upload, finalize")
        names.append(r.json()["file"]["name"])
    page = client.get("/v1beta/files", params={"pageSize": 2}).json()
    assert [f["name"] for f in page["files"]] == names[:0:-1]     # newest first
    rest = client.get("/v1beta/files", params={"pageSize": 2, "pageToken": page["nextPageToken"]}).json()
    assert [f["name"] for f in rest["files"]] == names[:1] and "nextPageToken" not in rest
    fake.reset()
    assert fake.files == {} and client.get("/v1beta/files").json() == {}


def test_upload_errors(client, fake_server):
    base = fake_server[1]
    r = httpx.post(base + "/upload/v1beta/files", json={"file": {}}, headers={
        "X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start"})
    assert error_of(r, 403)                                          # start needs a key
    assert error_of(client.post("/upload/v1beta/files", json={}))    # not resumable
    assert error_of(httpx.post(base + "/upload/v1beta/files?upload_id=nope", content=b"x",
                               headers={"X-Goog-Upload-Command": "upload",
                                        "X-Goog-Upload-Offset": "0"}), 404)
    url = start_upload(client, 4).headers["x-goog-upload-url"]
    assert "declared" in error_of(send_chunk(url, b"12345", 0))      # more than declared
    assert "declared" in error_of(send_chunk(url, b"12", 0, "upload, finalize"))
    assert error_of(httpx.post(url, headers={"X-Goog-Upload-Command": "cancel"}))
    assert send_chunk(url, b"34", 2, "upload, finalize").status_code == 200
    named = start_upload(client, 1, file={"name": "files/my-file", "mime_type": "audio/wav"})
    assert send_chunk(named.headers["x-goog-upload-url"], b"x", 0, "upload, finalize") \
        .json()["file"]["name"] == "files/my-file"
    assert error_of(start_upload(client, 1, file={"name": "files/my-file"}), 409)
    assert error_of(start_upload(client, 1, file={"name": "files/Bad_Name"}))
    assert error_of(client.get("/v1beta/files/unknown"), 404)
    assert error_of(client.post("/v1beta/files/abc", content=b"\xff\xfe"))  # bad JSON, still 400


def test_transcription_reads_uploaded_file(client, fake):
    data = make_wav(4.5, rate=8000)
    url = start_upload(client, len(data)).headers["x-goog-upload-url"]
    f = send_chunk(url, data, 0, "upload, finalize").json()["file"]
    part = {"fileData": {"mimeType": "audio/wav", "fileUri": f["uri"]}}
    body = gen(client, FLASH, ask(part, "Transcribe", responseSchema={"type": "object"})).json()
    assert json.loads(parts_of(body)[0]["text"])["segments"][1]["end"] == 4.5


def test_large_multi_chunk_upload(client, fake):
    data = os.urandom(3 * 1024 * 1024 + 17)
    url = start_upload(client, len(data), "application/octet-stream").headers["x-goog-upload-url"]
    step = 1024 * 1024
    for offset in range(0, len(data), step):
        last = offset + step >= len(data)
        r = send_chunk(url, data[offset:offset + step], offset, "upload, finalize" if last else "upload")
        assert r.status_code == 200
    assert fake.files[r.json()["file"]["name"][len("files/"):]][1] == data
