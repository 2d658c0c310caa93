"""The ASGI app's new routes in process: Gemini's own API forwarded, forms in, non-JSON answers out."""

from __future__ import annotations

import asyncio
import base64
import json
import struct

import pytest

from adapters.client import ProtocolError

from .test_app import FakeClient, FakeResponse, answer, call, gateway, gemini_text
from .test_forms import BOUNDARY, multipart

GENERATE = "/v1beta/models/gemini-2.5-flash:generateContent"
PCM = struct.pack("<4h", 0, 1000, -1000, 32767) * 2400


def run(app, method, path, **kwargs):
    return asyncio.run(call(app, method, path, **kwargs))


def test_a_native_call_goes_upstream_as_sent_with_the_key_as_a_header():
    upstream = FakeClient()
    upstream.answers.append(FakeResponse(200, b'{"candidates": []}'))
    upstream.answers[0].headers = {"content-type": "application/json; charset=UTF-8", "transfer-encoding": "chunked"}
    status, headers, body = run(gateway(upstream), "POST", GENERATE, query=b"key=AIza-client",
                                headers=[("content-type", "application/json"), ("x-goog-api-client", "google-genai-sdk/3.4.0")],
                                body=b'{"contents": [{"parts": [{"text": "hi"}]}]}')
    assert (status, body) == (200, b'{"candidates": []}')
    assert headers["content-type"] == "application/json; charset=UTF-8" and "transfer-encoding" not in headers
    [request] = upstream.seen
    assert (request.target, request.body) == (GENERATE, b'{"contents": [{"parts": [{"text": "hi"}]}]}')
    assert request.headers["x-goog-api-key"] == "AIza-client" and "x-goog-api-client" not in request.headers


def test_with_server_keys_the_client_shows_its_token_where_the_sdk_puts_the_key():
    upstream = FakeClient()
    app = gateway(upstream, api_keys=("AIza-server",), auth_tokens=("secret-token",))
    status, _, _ = run(app, "POST", GENERATE, headers=[("x-goog-api-key", "secret-token")], body=b"{}")
    assert status == 200 and upstream.seen[0].headers["x-goog-api-key"] == "AIza-server"
    status, _, body = run(app, "POST", GENERATE, headers=[("x-goog-api-key", "wrong")], body=b"{}")
    error = json.loads(body)["error"]
    assert status == 401 and error["status"] == "UNAUTHENTICATED" and isinstance(error["code"], int)  # Google's envelope


def test_gemini_s_error_reaches_a_native_client_as_gemini_sent_it_after_other_keys_were_tried():
    upstream = FakeClient()
    quota = {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}
    upstream.answers += [answer(429, quota), answer(429, quota)]
    status, _, body = run(gateway(upstream), "POST", GENERATE, headers=[("x-goog-api-key", "k1,k2")], body=b"{}")
    assert status == 429 and json.loads(body) == quota
    assert [r.headers["x-goog-api-key"] for r in upstream.seen] == ["k1", "k2"]


def test_a_native_stream_is_piped_and_a_failure_half_way_ends_with_google_s_error_event():
    async def chunks():
        yield b'data: {"candidates": [{"content": {"parts": [{"text": "a"}]}}]}\r\n\r\n'
        raise ProtocolError("connection reset")

    upstream = FakeClient()
    upstream.answers.append(FakeResponse(200, chunks=chunks()))
    status, _, body = run(gateway(upstream), "POST", "/v1beta/models/m:streamGenerateContent", query=b"alt=sse",
                          headers=[("x-goog-api-key", "k")], body=b"{}")
    first, error = body.split(b"\r\n\r\n", 1)
    assert status == 200 and first.startswith(b"data: {")
    event = json.loads(error.strip()[len(b"data: "):])
    assert event["error"]["code"] == 502 and event["error"]["status"] == "UNAVAILABLE"


def test_an_upload_continues_at_the_gateway_without_a_key():
    upstream = FakeClient()
    started = FakeResponse(200, b"")
    started.headers = {"x-goog-upload-url": "https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=u1&upload_protocol=resumable",
                       "x-goog-upload-status": "active"}
    upstream.answers += [started, FakeResponse(200, b'{"file": {"name": "files/f1"}}')]
    app = gateway(upstream, api_keys=("AIza-server",), auth_tokens=("secret-token",))
    status, headers, _ = run(app, "POST", "/upload/v1beta/files", body=b'{"file": {}}', headers=[
        ("x-goog-api-key", "secret-token"), ("host", "10.0.0.7"), ("x-forwarded-host", "gw.example.com"), ("x-forwarded-proto", "https"),
        ("x-goog-upload-protocol", "resumable"), ("x-goog-upload-command", "start")])
    url = headers["x-goog-upload-url"]
    assert status == 200 and url.startswith("https://gw.example.com/upload/v1beta/files?upload_id=u1&upload_protocol=resumable&gateway_upload=")
    status, _, body = run(app, "POST", "/upload/v1beta/files", query=url.split("?", 1)[1].encode(), body=b"\x00\xffdata",
                          headers=[("x-goog-upload-command", "upload, finalize"), ("x-goog-upload-offset", "0")])
    assert status == 200 and json.loads(body)["file"]["name"] == "files/f1"
    assert upstream.seen[1].body == b"\x00\xffdata" and "x-goog-api-key" not in upstream.seen[1].headers
    assert upstream.seen[1].headers["x-goog-upload-command"] == "upload, finalize"
    # the signature is the gateway's own: Google never sees it
    assert upstream.seen[1].target == "/upload/v1beta/files?upload_id=u1&upload_protocol=resumable"


@pytest.mark.parametrize("method, path, query, command", [
    ("POST", "/upload/v1beta/files", b"upload_id=u1&upload_protocol=resumable", "upload, finalize"),  # no signature
    ("POST", "/upload/v1beta/files", b"upload_id=u1&gateway_upload=00000000000000000000000000000000", "upload"),  # a forged one
    ("POST", "/upload/v1beta/models/m:generateContent", b"upload_id=1&access_token=x", "upload"),  # not the upload path
    ("PATCH", "/upload/v1beta/files", b"upload_id=u1", "upload"),  # not the protocol's method
    ("POST", "/upload/v1beta/files", b"upload_id=u1", ""),  # not the protocol's command
])
def test_with_server_keys_nothing_reaches_google_without_a_token_but_an_upload_this_gateway_started(method, path, query, command):
    upstream = FakeClient()
    app = gateway(upstream, api_keys=("AIza-server",), auth_tokens=("secret-token",))
    headers = [("x-goog-upload-command", command)] if command else []
    status, headers, body = run(app, method, path, query=query, body=b"x", headers=headers)
    assert status in (401, 403) and upstream.seen == [], body
    assert headers.get("x-goog-upload-status") == "final"


def spoken():
    return answer(200, {"candidates": [{"content": {"parts": [{"inlineData": {
        "mimeType": "audio/L16;codec=pcm;rate=24000", "data": base64.b64encode(PCM).decode()}}]}, "finishReason": "STOP"}]})


def test_speech_answers_audio_bytes_in_the_format_asked():
    upstream = FakeClient()
    upstream.answers += [spoken(), spoken()]
    app = gateway(upstream)
    auth = [("authorization", "Bearer k")]
    status, headers, body = run(app, "POST", "/v1/audio/speech", headers=auth,
                                body=json.dumps({"model": "tts-1", "input": "hi", "voice": "echo", "response_format": "wav"}).encode())
    assert status == 200 and headers["content-type"] == "audio/wav" and body[:4] == b"RIFF" and body[44:] == PCM
    status, headers, body = run(app, "POST", "/v1/audio/speech", headers=auth, body=json.dumps({"input": "hi"}).encode())
    assert status == 200 and headers["content-type"] == "audio/mpeg" and body[0] == 0xFF and body[1] & 0xE0 == 0xE0


def test_a_transcription_form_comes_in_and_text_goes_out():
    upstream = FakeClient()
    upstream.answers.append(answer(200, gemini_text("Hello there.")))
    form = multipart(("file", b"RIFF\x00\x00\x00\x00WAVEfmt ", "a.wav", "audio/wav"), ("response_format", "text"))
    status, headers, body = run(gateway(upstream), "POST", "/v1/audio/transcriptions", body=form, headers=[
        ("authorization", "Bearer k"), ("content-type", f"multipart/form-data; boundary={BOUNDARY}")])
    assert (status, headers["content-type"], body) == (200, "text/plain; charset=utf-8", b"Hello there.\n")
    sent = json.loads(upstream.seen[0].body)
    assert sent["contents"][0]["parts"][1]["inlineData"]["mimeType"] == "audio/wav"


def test_a_form_route_sent_json_is_a_clear_openai_400():
    status, _, body = run(gateway(FakeClient()), "POST", "/v1/audio/transcriptions", body=b"{}", headers=[
        ("authorization", "Bearer k"), ("content-type", "application/json")])
    assert status == 400 and "multipart/form-data" in json.loads(body)["error"]["message"]
