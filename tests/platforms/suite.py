"""The behaviour suite every platform entry must pass: one list of plain functions.

Each behaviour takes a `Target` (the base URL of a gateway served by some platform runtime, and
what that runtime can do) and the session's `FakeGemini`, and talks HTTP to the target the way a
client does. `tests/platforms/test_platforms.py` runs every behaviour against every target found in
`tests/platforms/target_*.py`, so a feature added here is proven on all platforms at once.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
import wave
from dataclasses import dataclass

import httpx

KEY = "AIzaPlatformSuiteKey0000001"
AUTH = {"Authorization": f"Bearer {KEY}"}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
         {"type": "function", "function": {"name": "get_time", "parameters": {
             "type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}}]


@dataclass(frozen=True)
class Target:
    """A gateway served by one platform runtime."""

    name: str
    base_url: str
    streams: bool = True  # False where the platform buffers a streamed body (Mangum)
    mp3: bool = True  # False where the shell has no MP3 encoder (Cloudflare's Python Workers): MP3 is refused
    remembers: bool = True  # False where each request gets a fresh instance (netlify-cli's local server), so no pool memory


def post(target: Target, path: str, body: dict, **kwargs) -> httpx.Response:
    return httpx.post(f"{target.base_url}{path}", json=body, headers={**AUTH, **kwargs.pop("headers", {})}, timeout=30, **kwargs)


def sse_events(text: str) -> list:
    events = []
    for block in text.split("\n\n"):
        if block.startswith("data: "):
            payload = block[len("data: "):]
            events.append(payload if payload == "[DONE]" else json.loads(payload))
    return events


def chat(target: Target, fake) -> None:
    response = post(target, "/v1/chat/completions",
                    {"model": "gemini-2.5-flash-lite", "messages": [{"role": "user", "content": "hello platform"}]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "echo: hello platform"
    assert body["usage"]["total_tokens"] > 0
    assert fake.requests[-1]["key"] == KEY


def stream(target: Target, fake) -> None:
    """A stream whose first event reaches the client before the upstream has finished."""
    started = time.monotonic()
    first_content = None
    body = []
    request = {"model": "gemini-2.5-flash-lite", "stream": True, "stream_options": {"include_usage": True},
               "messages": [{"role": "user", "content": "count slowly #fake:chunks=4 #fake:delay=0.4"}]}
    with httpx.stream("POST", f"{target.base_url}/v1/chat/completions", json=request, headers=AUTH, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for text in response.iter_text():
            if first_content is None and '"content":"' in text.replace('"content":""', ""):
                first_content = time.monotonic() - started
            body.append(text)
    total = time.monotonic() - started
    events = sse_events("".join(body))
    assert events[-1] == "[DONE]"
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1] if e["choices"]) == "echo: count slowly"
    assert events[-2]["choices"] == [] and events[-2]["usage"]["total_tokens"] > 0
    assert total >= 1.2  # three 0.4 s pauses upstream
    if target.streams:
        assert first_content is not None and first_content < total - 0.8, (first_content, total)


def tool_call_stream(target: Target, fake) -> None:
    request = {"model": "gemini-3.1-pro-preview", "stream": True, "tools": TOOLS,
               "messages": [{"role": "user", "content": "call get_weather city=Paris call get_time tz=UTC"}]}
    response = post(target, "/v1/chat/completions", request)
    assert response.status_code == 200
    events = sse_events(response.text)
    calls = [call for e in events[:-1] if e["choices"] for call in e["choices"][0]["delta"].get("tool_calls", [])]
    assert [(c["index"], c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        (0, "get_weather", {"city": "Paris"}), (1, "get_time", {"tz": "UTC"})]
    assert len({c["id"] for c in calls}) == 2 and "__thought__" in calls[0]["id"]
    assert [e["choices"][0]["finish_reason"] for e in events[:-1] if e["choices"]][-1] == "tool_calls"


def embeddings(target: Target, fake) -> None:
    response = post(target, "/v1/embeddings", {"model": "text-embedding-3-small", "input": ["one", "two"], "dimensions": 4})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [d["index"] for d in data] == [0, 1] and all(len(d["embedding"]) == 4 for d in data)


def models(target: Target, fake) -> None:
    response = httpx.get(f"{target.base_url}/v1/models", headers=AUTH, timeout=30)
    assert response.status_code == 200
    ids = [m["id"] for m in response.json()["data"]]
    assert "gemini-2.5-flash" in ids and all(not i.startswith("models/") for i in ids)


def upstream_429(target: Target, fake) -> None:
    # A key of its own: the 429 rests the key it names for that model, which must not refuse the other behaviours.
    limited = {"Authorization": "Bearer AIzaPlatformSuiteLimited001"}
    body = {"model": "gemini-2.5-flash-lite", "messages": [{"role": "user", "content": "#fake:status=429"}]}
    response = post(target, "/v1/chat/completions", body, headers=limited)
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert int(response.headers["retry-after"]) >= 7
    if target.remembers:
        again = post(target, "/v1/chat/completions", {**body, "messages": [{"role": "user", "content": "again"}]}, headers=limited)
        assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1  # the pool says when, without asking
    assert len(fake.requests) == 1


def key_never_echoed(target: Target, fake) -> None:
    # Gemini quotes a suspended key in its 403; no platform may hand it on, in a body, a header or a stream.
    suspended = "AIzaPlatformSuiteSuspended01"
    headers = {"Authorization": f"Bearer {suspended}"}
    body = {"model": "gemini-2.5-flash-lite", "messages": [{"role": "user", "content": "#fake:suspended"}]}
    response = post(target, "/v1/chat/completions", body, headers=headers)
    assert response.status_code == 403, response.text
    assert "api_key:[redacted]' has been suspended" in response.text
    assert suspended not in response.text and suspended not in str(response.headers)
    if not target.remembers:
        return
    # The key now rests: the stream is refused without asking Gemini, and says why.
    again = post(target, "/v1/chat/completions", {**body, "stream": True}, headers=headers)
    assert again.status_code == 403 and "set aside" in again.json()["error"]["message"], again.text
    assert suspended not in again.text
    assert [r["key"] for r in fake.requests] == [suspended]


def bad_request(target: Target, fake) -> None:
    response = post(target, "/v1/chat/completions", {"model": "gemini-2.5-flash-lite", "messages": "not a list"})
    assert response.status_code == 400
    assert response.json()["error"] == {"message": "'messages' must be an array, got a string.", "type": "invalid_request_error",
                                        "param": "messages", "code": "invalid_type"}
    assert fake.requests == []


def cors(target: Target, fake) -> None:
    preflight = httpx.options(f"{target.base_url}/v1/chat/completions", timeout=30, headers={
        "Origin": "https://chat.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    answer = httpx.get(f"{target.base_url}/v1/models", headers={**AUTH, "Origin": "https://chat.example"}, timeout=30)
    assert answer.headers["access-control-allow-origin"] == "*"


def native_generate(target: Target, fake) -> None:
    """Gemini's own API, forwarded: the key as Google's SDKs send it, Gemini's answer as it gave it."""
    response = httpx.post(f"{target.base_url}/v1beta/models/gemini-2.5-flash:generateContent", timeout=30,
                          headers={"x-goog-api-key": KEY}, json={"contents": [{"parts": [{"text": "hello native"}]}]})
    assert response.status_code == 200, response.text
    assert response.json()["candidates"][0]["content"]["parts"][0]["text"] == "echo: hello native"
    assert fake.requests[-1]["key"] == KEY and fake.requests[-1]["path"] == "/v1beta/models/gemini-2.5-flash:generateContent"
    missing = httpx.get(f"{target.base_url}/v1beta/models/gemini-does-not-exist", headers={"x-goog-api-key": KEY}, timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["status"] == "NOT_FOUND"


def native_upload(target: Target, fake) -> None:
    """The Files API's resumable upload: the bytes go to the gateway's URL, not Google's."""
    start = httpx.post(f"{target.base_url}/upload/v1beta/files", timeout=30, json={"file": {"display_name": "notes"}}, headers={
        "x-goog-api-key": KEY, "X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": "11", "X-Goog-Upload-Header-Content-Type": "text/plain"})
    assert start.status_code == 200, start.text
    url = start.headers["x-goog-upload-url"]
    assert url.startswith(f"{target.base_url}/upload/v1beta/files?upload_id="), url
    # With a content type, as the SDKs send: netlify-cli's local server drops untyped bodies (netlify/cli#5030).
    done = httpx.post(url, content=b"hello files", timeout=30, headers={
        "X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0", "Content-Type": "application/octet-stream"})
    assert done.status_code == 200 and done.headers["x-goog-upload-status"] == "final", done.text
    assert done.json()["file"]["sizeBytes"] == "11"


def images(target: Target, fake) -> None:
    response = post(target, "/v1/images/generations", {"prompt": "a lighthouse", "size": "1792x1024"})
    assert response.status_code == 200, response.text
    assert base64.b64decode(response.json()["data"][0]["b64_json"]).startswith(b"\x89PNG")
    assert fake.requests[-1]["json"]["generationConfig"]["imageConfig"]["aspectRatio"] == "16:9"


def speech(target: Target, fake) -> None:
    """Binary answers survive the platform: MP3 (the OpenAI SDK's default) and WAV."""
    mp3 = post(target, "/v1/audio/speech", {"model": "tts-1", "voice": "alloy", "input": "Hello platform."})
    if target.mp3:
        assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg", mp3.text[:200]
        assert mp3.content[0] == 0xFF and mp3.content[1] & 0xE0 == 0xE0  # an MPEG frame
    else:  # refused before Gemini is asked to speak
        assert mp3.status_code == 400 and mp3.json()["error"]["param"] == "response_format", mp3.text[:200]
        assert fake.requests == []
    wav = post(target, "/v1/audio/speech", {"model": "tts-1", "voice": "alloy", "input": "Hello platform.", "response_format": "wav"})
    with wave.open(io.BytesIO(wav.content)) as reader:
        assert reader.getframerate() == 24000 and reader.getnframes() == int(24000 * 0.02 * len("Hello platform."))


def transcription(target: Target, fake) -> None:
    """A multipart upload in, text out."""
    audio = io.BytesIO()
    with wave.open(audio, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(bytes(range(256)) * 250)
    response = httpx.post(f"{target.base_url}/v1/audio/transcriptions", headers=AUTH, timeout=30,
                          files={"file": ("speech.wav", audio.getvalue(), "audio/wav")},
                          data={"model": "whisper-1", "response_format": "srt"})
    assert response.status_code == 200, response.text
    assert response.text.startswith("1\n00:00:00,000 --> ")
    sent = fake.requests[-1]["json"]["contents"][0]["parts"][1]["inlineData"]
    assert base64.b64decode(sent["data"]) == audio.getvalue()  # the bytes arrived intact


RESPONSES_TOOL = {"type": "function", "name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def response_events(text: str) -> list[dict]:
    """`event: <type>` / `data: <json>` blocks; the two must agree."""
    events = []
    for block in text.split("\n\n"):
        if block:
            head, data = block.split("\n")
            event = json.loads(data[len("data: "):])
            assert head == f"event: {event['type']}"
            events.append(event)
    return events


def responses(target: Target, fake) -> None:
    response = post(target, "/v1/responses", {"model": "gemini-2.5-flash-lite", "input": "hello platform", "instructions": "be brief"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["object"], body["status"], body["output_text"]) == ("response", "completed", "echo: hello platform")
    assert body["usage"]["total_tokens"] > 0 and fake.requests[-1]["key"] == KEY


def responses_stream_tool_call(target: Target, fake) -> None:
    prompt = "call get_weather city=Paris"
    request = {"model": "gemini-3.1-pro-preview", "stream": True, "tools": [RESPONSES_TOOL], "input": prompt}
    response = post(target, "/v1/responses", request)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = response_events(response.text)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[0]["type"] == "response.created" and events[-1]["type"] == "response.completed"
    (call,) = events[-1]["response"]["output"]
    assert call["type"] == "function_call" and "__thought__" in call["call_id"]

    second = post(target, "/v1/responses", {"model": "gemini-3.1-pro-preview", "tools": [RESPONSES_TOOL], "input": [
        {"role": "user", "content": prompt}, call, {"type": "function_call_output", "call_id": call["call_id"], "output": "sunny"},
    ]})
    assert second.status_code == 200, second.text
    assert second.json()["output_text"] == 'result: {"output": "sunny"}'
    assert "thoughtSignature" in fake.requests[-1]["json"]["contents"][1]["parts"][0]


def responses_bad_input(target: Target, fake) -> None:
    response = post(target, "/v1/responses", {"model": "gemini-2.5-flash-lite", "input": "hi", "previous_response_id": "resp_1"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "previous_response_id" and fake.requests == []


def responses_stored(target: Target, fake) -> None:
    """A background response kept by Gemini's Interactions API: queued at once, polled, deleted (the long work
    platforms with short time limits need, and the routes under /v1/responses/{id})."""
    started = post(target, "/v1/responses", {"model": "gemini-3.8-flash", "input": "long work #fake:work=0.3", "background": True})
    assert started.status_code == 200, started.text
    response_id = started.json()["id"]
    assert started.json()["status"] == "queued" and fake.requests[-1]["path"] == "/v1beta/interactions"
    deadline, body = time.monotonic() + 10, {}
    while time.monotonic() < deadline and body.get("status") != "completed":
        polled = httpx.get(f"{target.base_url}/v1/responses/{response_id}", headers=AUTH, timeout=30)
        assert polled.status_code == 200, polled.text
        body = polled.json()
        time.sleep(0.05)
    assert (body["id"], body["output_text"], body["background"]) == (response_id, "echo: long work", True)
    deleted = httpx.delete(f"{target.base_url}/v1/responses/{response_id}", headers=AUTH, timeout=30)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert httpx.get(f"{target.base_url}/v1/responses/{response_id}", headers=AUTH, timeout=30).status_code == 404


# What a browser sends for a page (Chromium's Accept header for a navigation).
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
# A target's name → the platform the page names, where they differ.
PLATFORMS = {"aliyun-fc": "fc", "aliyun-fc-3.10": "fc", "docker": "local"}


def landing_page(target: Target, fake) -> None:
    """A browser gets the page, with its security headers and this platform's name; curl keeps today's text."""
    page = httpx.get(f"{target.base_url}/", headers={"Accept": BROWSER}, timeout=30)
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8", page.headers
    assert page.text.startswith("<!doctype html>") and page.text.rstrip().endswith("</html>")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src 'sha256-" in policy
    assert (page.headers["x-content-type-options"], page.headers["referrer-policy"]) == ("nosniff", "no-referrer")
    config = json.loads(re.search(r'<script type="application/json" id="config">(.*?)</script>', page.text).group(1))
    assert config["platform"] == PLATFORMS.get(target.name, target.name) and config["mode"] == "pass-through"
    text = httpx.get(f"{target.base_url}/", timeout=30)
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.text.startswith("Gemini OpenAI-compatible gateway: running.\n")
    assert fake.requests == []


ANTHROPIC = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
MESSAGES_TOOL = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}


def messages(target: Target, fake) -> None:
    """Anthropic's Messages API: a whole message, its errors in Anthropic's envelope, count_tokens."""
    request = {"model": "claude-sonnet-4-6", "max_tokens": 256, "system": "be brief",
               "messages": [{"role": "user", "content": "hello platform"}]}
    response = httpx.post(f"{target.base_url}/v1/messages", json=request, headers=ANTHROPIC, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["type"], body["role"], body["stop_reason"]) == ("message", "assistant", "end_turn")
    assert body["content"] == [{"type": "text", "text": "echo: hello platform"}] and body["usage"]["input_tokens"] > 0
    assert fake.requests[-1]["key"] == KEY and fake.requests[-1]["path"].endswith("/gemini-3.8-flash:generateContent")
    overloaded = httpx.post(f"{target.base_url}/v1/messages", json={**request, "messages": [
        {"role": "user", "content": "#fake:status=503"}]}, headers=ANTHROPIC, timeout=30)
    assert overloaded.status_code == 529 and overloaded.json()["error"]["type"] == "overloaded_error"
    counted = httpx.post(f"{target.base_url}/v1/messages/count_tokens", json={"model": "claude-haiku-4-5", "messages": [
        {"role": "user", "content": "count these words"}]}, headers=ANTHROPIC, timeout=30)
    assert counted.status_code == 200 and counted.json()["input_tokens"] > 0


def messages_stream(target: Target, fake) -> None:
    """A streamed tool_use whose thought signature comes back to Gemini on the next turn."""
    prompt = "call get_weather city=Paris"
    request = {"model": "gemini-3.1-pro-preview", "max_tokens": 256, "stream": True, "tools": [MESSAGES_TOOL],
               "messages": [{"role": "user", "content": prompt}]}
    response = httpx.post(f"{target.base_url}/v1/messages", json=request, headers=ANTHROPIC, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = response_events(response.text)
    assert [e["type"] for e in events[:2]] == ["message_start", "ping"] and events[-1]["type"] == "message_stop"
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
    blocks = {e["index"]: dict(e["content_block"]) for e in events if e["type"] == "content_block_start"}
    for e in events:
        if e["type"] == "content_block_delta" and e["delta"]["type"] == "signature_delta":
            blocks[e["index"]]["signature"] = e["delta"]["signature"]
        elif e["type"] == "content_block_delta" and e["delta"]["type"] == "input_json_delta":
            blocks[e["index"]]["input"] = json.loads(e["delta"]["partial_json"])
    thinking, tool_use = blocks[0], blocks[1]
    assert thinking["type"] == "thinking" and thinking["signature"] and tool_use["input"] == {"city": "Paris"}

    second = httpx.post(f"{target.base_url}/v1/messages", headers=ANTHROPIC, timeout=30, json={
        **request, "stream": False, "messages": [
            {"role": "user", "content": prompt}, {"role": "assistant", "content": [thinking, tool_use]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use["id"], "content": "sunny"}]}]})
    assert second.status_code == 200, second.text
    assert second.json()["content"] == [{"type": "text", "text": 'result: {"output": "sunny"}'}]
    assert "thoughtSignature" in fake.requests[-1]["json"]["contents"][1]["parts"][0]


BEHAVIOURS = [chat, stream, tool_call_stream, embeddings, models, upstream_429, key_never_echoed, bad_request, cors,
              native_generate, native_upload, images, speech, transcription,
              responses, responses_stream_tool_call, responses_bad_input, responses_stored, messages, messages_stream,
              landing_page]
