"""The ASGI app never hands a server-held key to a client, on any route family, and bounds a slow body.

Gemini quotes the key in some of its errors: a suspended key's real 403 reads "Consumer
'api_key:AIza…' has been suspended." (reported verbatim in google-gemini/gemini-cli#1580 and
googleapis/python-genai#1056). Every route family gets that answer here, whole and mid-stream.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from .test_app import FakeClient, FakeResponse, call, gateway
from .test_forms import BOUNDARY, multipart

SERVER_KEY = "AIzaSyServerHeldKey0000000000000000001"
TOKEN = "friends-token-0001"
SUSPENDED = json.dumps({"error": {"code": 403, "status": "PERMISSION_DENIED",
                                  "message": f"Consumer 'api_key:{SERVER_KEY}' has been suspended."}}).encode()
AUTH = [("authorization", f"Bearer {TOKEN}")]


def suspended() -> FakeResponse:
    response = FakeResponse(403, SUSPENDED)
    response.headers = {"content-type": "application/json", "x-echo": f"key={SERVER_KEY}"}
    return response


def _json(value) -> bytes:
    return json.dumps(value).encode()


WAV = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\xc0]\x00\x00\x80\xbb\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
ROUTES = [
    pytest.param("POST", "/v1/chat/completions", _json({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "x"}]}), [],
                 id="chat"),
    pytest.param("POST", "/v1/chat/completions",
                 _json({"model": "gemini-2.5-flash", "stream": True, "messages": [{"role": "user", "content": "x"}]}), [],
                 id="chat-stream"),
    pytest.param("POST", "/v1/responses", _json({"model": "gemini-2.5-flash", "input": "x"}), [], id="responses"),
    pytest.param("POST", "/v1/responses", _json({"model": "gemini-2.5-flash", "input": "x", "stream": True}), [], id="responses-stream"),
    pytest.param("POST", "/v1/completions", _json({"model": "gemini-2.5-flash", "prompt": "x"}), [], id="completions"),
    pytest.param("POST", "/v1/embeddings", _json({"model": "gemini-embedding-001", "input": "x"}), [], id="embeddings"),
    pytest.param("GET", "/v1/models", b"", [], id="models"),
    pytest.param("GET", "/v1/models/gemini-2.5-flash", b"", [], id="model"),
    pytest.param("POST", "/v1/images/generations", _json({"model": "gemini-3-pro-image", "prompt": "x"}), [], id="images"),
    pytest.param("POST", "/v1/audio/speech", _json({"model": "tts-1", "input": "x", "voice": "alloy"}), [], id="speech"),
    pytest.param("POST", "/v1/audio/transcriptions", None, [], id="transcription"),
    pytest.param("POST", "/v1beta/models/gemini-2.5-flash:generateContent", b"{}", [], id="native"),
    pytest.param("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", b"{}", [("query", b"alt=sse")], id="native-stream"),
]


@pytest.mark.parametrize("method, path, body, extra", ROUTES)
def test_a_key_quoted_by_gemini_is_redacted_on_every_route_family(method, path, body, extra):
    upstream = FakeClient()
    upstream.answers += [suspended() for _ in range(3)]
    app = gateway(upstream, api_keys=(SERVER_KEY,), auth_tokens=(TOKEN,))
    headers = list(AUTH)
    if body is None:  # a multipart upload
        body = multipart(("model", "whisper-1"), ("file", WAV, "a.wav", "audio/wav"))
        headers.append(("content-type", f"multipart/form-data; boundary={BOUNDARY}"))
    kwargs = dict(extra)
    status, response_headers, content = asyncio.run(call(app, method, path, headers=headers, body=body, **kwargs))
    assert upstream.seen, "the request reached the fake upstream"
    assert status == 403, content[:300]
    assert SERVER_KEY.encode() not in content and SERVER_KEY not in json.dumps(response_headers)
    assert b"[redacted]" in content


@pytest.mark.parametrize("path, body", [
    ("/v1/chat/completions", {"model": "gemini-2.5-flash", "stream": True, "messages": [{"role": "user", "content": "x"}]}),
    ("/v1/responses", {"model": "gemini-2.5-flash", "stream": True, "input": "x"}),
])
def test_a_key_quoted_in_a_mid_stream_error_is_redacted(path, body):
    async def events():
        yield b'data: {"candidates":[{"content":{"parts":[{"text":"par"}]}}]}\r\n\r\n'
        error = {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": f"Consumer 'api_key:{SERVER_KEY}' has been suspended."}}
        text = b"data: " + json.dumps(error).encode() + b"\r\n\r\n"
        yield text[:50]
        yield text[50:]

    upstream = FakeClient()
    upstream.answers.append(FakeResponse(200, chunks=events()))
    app = gateway(upstream, api_keys=(SERVER_KEY,), auth_tokens=(TOKEN,))
    status, _, content = asyncio.run(call(app, "POST", path, headers=AUTH, body=json.dumps(body).encode()))
    assert status == 200 and b"par" in content and b"[redacted]" in content and SERVER_KEY.encode() not in content


def test_a_body_that_trickles_in_is_cut_off_with_a_408():
    upstream = FakeClient()
    app = gateway(upstream, body_timeout=0.2)

    async def go():
        sent = []

        async def receive():
            await asyncio.sleep(0.15)  # one byte now and then, never the end
            return {"type": "http.request", "body": b"{", "more_body": True}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "query_string": b"",
                 "headers": [(b"authorization", b"Bearer k")]}
        await asyncio.wait_for(app(scope, receive, send), 5)
        return sent

    sent = asyncio.run(go())
    assert sent[0]["status"] == 408 and upstream.seen == []
    assert json.loads(sent[1]["body"])["error"]["code"] == "request_timeout"


def test_a_token_without_server_keys_is_refused_rather_than_sent_to_google():
    upstream = FakeClient()
    app = __import__("adapters.app", fromlist=["Gateway"]).Gateway(env={"AUTH_TOKEN": TOKEN}, client_factory=lambda s: upstream)
    status, _, content = asyncio.run(call(app, "POST", "/v1/chat/completions", headers=AUTH, body=b"{}"))
    assert status == 500 and b"GEMINI_API_KEY" in content and upstream.seen == []
