"""The ASGI app in process, with Gemini replaced by a fake HTTP client."""

from __future__ import annotations

import asyncio
import json
import logging
from types import SimpleNamespace

import pytest

from adapters.app import Gateway
from adapters.client import ProtocolError
from core.config import Settings


class FakeResponse:
    """What adapters.client.Response offers: a status and a body read whole or streamed."""

    def __init__(self, status: int, body=b"", chunks=None):
        self.status, self.headers = status, {}
        self._body, self._chunks = body, chunks

    async def read(self) -> bytes:
        return self._body

    async def stream(self):
        if self._chunks is None:
            yield self._body
            return
        async for chunk in self._chunks:
            yield chunk

    async def aclose(self) -> None:
        pass


def answer(status: int, value) -> FakeResponse:
    return FakeResponse(status, json.dumps(value).encode())


async def call(app, method: str, path: str, *, headers=(), body: bytes = b"", query: bytes = b""):
    """Drive an ASGI app once; returns (status, headers dict, body bytes)."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": query, "http_version": "1.1",
             "headers": [(k.encode(), v.encode()) for k, v in headers]}
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, content


def gemini_text(text: str = "hi") -> dict:
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}, "modelVersion": "gemini-2.5-flash"}


CHAT = json.dumps({"model": "gemini-2.5-flash-lite", "messages": [{"role": "user", "content": "hello"}]}).encode()


class FakeClient:
    """Stands in for adapters.client.HTTPClient: records each request, answers from a queue."""

    def __init__(self):
        self.seen: list = []
        self.answers: list[FakeResponse] = []

    async def request(self, method, target, headers, body=None):
        self.seen.append(SimpleNamespace(method=method, target=target, headers=headers, body=body))
        return self.answers.pop(0) if self.answers else answer(200, gemini_text())

    async def aclose(self):
        pass


@pytest.fixture
def upstream():
    return FakeClient()


def gateway(upstream, **settings) -> Gateway:
    return Gateway(Settings(**settings), client_factory=lambda settings: upstream)


def test_the_clients_key_goes_upstream_in_the_header_and_nothing_else_does(upstream):
    status, headers, body = asyncio.run(call(gateway(upstream), "POST", "/v1/chat/completions",
                                             headers=[("authorization", "Bearer AIza-client")], body=CHAT))
    assert status == 200 and json.loads(body)["choices"][0]["message"]["content"] == "hi"
    [request] = upstream.seen
    assert (request.method, request.target) == ("POST", "/v1beta/models/gemini-2.5-flash-lite:generateContent")
    assert request.headers["x-goog-api-key"] == "AIza-client"
    assert "authorization" not in request.headers and "key=" not in request.target
    assert headers["content-type"] == "application/json" and headers["access-control-allow-origin"] == "*"


def test_server_keys_replace_the_token_which_never_goes_upstream(upstream):
    app = gateway(upstream, api_keys=("AIza-server",), auth_tokens=("secret-token",))
    status, _, _ = asyncio.run(call(app, "POST", "/v1/chat/completions", headers=[("authorization", "Bearer secret-token")], body=CHAT))
    assert status == 200
    [request] = upstream.seen
    assert request.headers["x-goog-api-key"] == "AIza-server"
    assert "secret-token" not in str(request.headers) + request.target + request.body.decode()


def test_the_app_keeps_working_across_event_loops_as_warm_serverless_invocations_do(upstream):
    app = gateway(upstream)
    for _ in range(3):  # each asyncio.run is a new loop, like a Mangum invocation
        status, _, _ = asyncio.run(call(app, "POST", "/chat/completions", headers=[("authorization", "Bearer k")], body=CHAT))
        assert status == 200
    assert len(upstream.seen) == 3


def test_a_rate_limited_key_is_skipped_for_the_next(upstream):
    retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"}
    upstream.answers.append(answer(429, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED", "details": [retry]}}))
    app = gateway(upstream)
    status, _, _ = asyncio.run(call(app, "POST", "/v1/chat/completions", headers=[("authorization", "Bearer k1,k2")], body=CHAT))
    assert status == 200
    assert [r.headers["x-goog-api-key"] for r in upstream.seen] == ["k1", "k2"]
    asyncio.run(call(app, "POST", "/v1/chat/completions", headers=[("authorization", "Bearer k1,k2")], body=CHAT))
    assert upstream.seen[-1].headers["x-goog-api-key"] == "k2"  # k1 rests for Gemini's 20 s


def test_a_network_failure_mid_stream_ends_with_an_error_event(upstream):
    async def body():
        yield b'data: {"candidates":[{"content":{"parts":[{"text":"par"}]}}]}\r\n\r\n'
        raise ProtocolError("the server closed the connection")

    upstream.answers.append(FakeResponse(200, chunks=body()))
    request = json.dumps({"model": "gemini-2.5-flash-lite", "stream": True, "messages": [{"role": "user", "content": "x"}]}).encode()
    status, headers, content = asyncio.run(call(gateway(upstream), "POST", "/v1/chat/completions",
                                                headers=[("authorization", "Bearer k")], body=request))
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    events = [block[len(b"data: "):] for block in content.split(b"\n\n") if block]
    assert json.loads(events[1])["choices"][0]["delta"] == {"content": "par"}
    assert json.loads(events[-2])["error"] == {"message": "Could not reach Gemini: ProtocolError.",
                                               "type": "server_error", "param": None, "code": "upstream_error"}
    assert events[-1] == b"[DONE]"


@pytest.fixture
def log_lines(caplog, monkeypatch):
    """The gateway's log lines, captured (its logger does not propagate outside tests)."""
    monkeypatch.setattr(logging.getLogger("gateway"), "propagate", True)
    with caplog.at_level(logging.INFO, logger="gateway"):
        yield lambda: [r.getMessage() for r in caplog.records if r.name == "gateway"]


def test_a_bug_is_a_clean_500_with_one_log_line_and_no_traceback(upstream, log_lines, monkeypatch):
    import core.exchange

    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(core.exchange, "_chat_response_from_gemini", broken)
    status, _, body = asyncio.run(call(gateway(upstream), "POST", "/v1/chat/completions", headers=[("authorization", "Bearer k")],
                                       body=CHAT))
    error = json.loads(body)["error"]
    assert status == 500 and error["type"] == "server_error" and "Traceback" not in body.decode()
    [line] = [json.loads(text) for text in log_lines()]
    assert line["status"] == 500 and line["exception"].startswith("KeyError: 'surprise' (test_app.py:")
    assert error["message"].startswith(f"Internal gateway error (request id {line['request_id']})")


def test_the_log_line(upstream, log_lines):
    asyncio.run(call(gateway(upstream), "POST", "/v1/chat/completions", headers=[("authorization", "Bearer AIza-secret")],
                     body=CHAT, query=b"key=AIza-secret"))
    [line] = log_lines()
    fields = json.loads(line)
    assert "AIza-secret" not in line
    assert {k: fields[k] for k in ("method", "path", "route", "model", "stream", "status", "attempts")} == {
        "method": "POST", "path": "/v1/chat/completions", "route": "chat", "model": "gemini-2.5-flash-lite", "stream": False,
        "status": 200, "attempts": 1}
    assert fields["usage"] == {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    assert isinstance(fields["ms"], float) and len(fields["request_id"]) == 24


def test_a_built_in_tool_left_out_is_noted_in_the_log_line(upstream, log_lines):
    body = json.dumps({"model": "gemini-2.5-flash-lite", "messages": [{"role": "user", "content": "x"}], "web_search_options": {},
                       "tools": [{"type": "function", "function": {"name": "f"}}]}).encode()
    asyncio.run(call(gateway(upstream), "POST", "/v1/chat/completions", headers=[("authorization", "Bearer k")], body=body))
    [line] = log_lines()
    assert json.loads(line)["notes"] == ["left out googleSearch: gemini-2.5-flash-lite cannot combine built-in tools with function calling"]
    assert "googleSearch" not in upstream.seen[0].body.decode()


def test_a_misconfigured_deployment_answers_with_the_variable_to_fix(upstream):
    app = Gateway(env={"REQUEST_TIMEOUT": "soon"}, client_factory=lambda settings: upstream)
    status, _, body = asyncio.run(call(app, "GET", "/v1/models", headers=[("authorization", "Bearer k")]))
    assert status == 500 and json.loads(body)["error"]["message"].startswith("REQUEST_TIMEOUT:")
    assert upstream.seen == []


def test_an_unusable_proxy_variable_is_named_in_the_answer(monkeypatch):
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")  # SOCKS: the client speaks only http:// proxies
    app = Gateway(env={})
    status, _, body = asyncio.run(call(app, "POST", "/v1/chat/completions", body=CHAT,
                                       headers=[("authorization", "Bearer AIza-client")]))
    error = json.loads(body)["error"]
    assert status == 500 and error["message"].startswith("ALL_PROXY: must be an http:// proxy") and "socks5://" in error["message"]
    assert "AIza-client" not in body.decode()
