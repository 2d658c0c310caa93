"""The ASGI app's Messages API (issue 15): Anthropic's auth headers, its error envelope and statuses, its stream."""

from __future__ import annotations

import asyncio
import json

import pytest

from adapters.client import ProtocolError

from .test_app import FakeClient, FakeResponse, answer, call, gateway, gemini_text

MESSAGE = json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 100, "messages": [{"role": "user", "content": "hello"}]}).encode()
ANTHROPIC = [("x-api-key", "AIza-anthropic"), ("anthropic-version", "2023-06-01"), ("content-type", "application/json")]


@pytest.fixture
def upstream():
    return FakeClient()


def post(upstream: FakeClient, path: str = "/v1/messages", body: bytes = MESSAGE, headers=ANTHROPIC, **settings):
    return asyncio.run(call(gateway(upstream, **settings), "POST", path, headers=headers, body=body))


def test_a_message_with_x_api_key(upstream):
    status, headers, body = post(upstream)
    assert status == 200 and headers["content-type"] == "application/json"
    message = json.loads(body)
    assert message["type"] == "message" and message["content"] == [{"type": "text", "text": "hi"}]
    assert message["id"] == f"msg_{headers['x-request-id']}" and message["model"] == "gemini-3.8-flash"
    [request] = upstream.seen
    assert request.target == "/v1beta/models/gemini-3.8-flash:generateContent"
    assert request.headers["x-goog-api-key"] == "AIza-anthropic"
    assert not [name for name in request.headers if "anthropic" in name or name == "x-api-key"]  # nothing of Anthropic's goes on


def test_errors_come_in_anthropic_s_envelope_with_its_statuses(upstream):
    status, _, body = post(upstream, headers=[("anthropic-version", "2023-06-01")])
    assert status == 401 and json.loads(body) == {
        "type": "error", "error": {"type": "authentication_error", "message": json.loads(body)["error"]["message"]}}
    status, _, body = post(upstream, body=b'{"model": "claude-x", "messages": []}')
    assert status == 400 and json.loads(body)["error"]["type"] == "invalid_request_error"
    upstream.answers.append(answer(503, {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}))
    status, _, body = post(upstream, max_attempts=1)
    assert status == 529 and json.loads(body)["error"] == {"type": "overloaded_error", "message": "The model is overloaded."}
    upstream.answers.append(answer(429, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12s"}]}}))
    status, headers, body = post(upstream, max_attempts=1)
    assert status == 429 and headers["retry-after"] == "12" and json.loads(body)["error"]["type"] == "rate_limit_error"
    status, _, body = post(upstream, path="/v1/messages/batches")
    assert status == 404 and json.loads(body)["error"]["type"] == "not_found_error"


def test_an_openai_route_keeps_openai_s_envelope(upstream):
    status, _, body = post(upstream, path="/v1/chat/completions", body=b'{"messages": 1}')
    assert status == 400 and json.loads(body)["error"]["type"] == "invalid_request_error" and "type" not in json.loads(body)


def test_a_stream_and_a_failure_half_way(upstream):
    async def chunks():
        yield b'data: {"candidates":[{"content":{"parts":[{"text":"par"}]}}]}\r\n\r\n'
        raise ProtocolError("the server closed the connection")

    upstream.answers.append(FakeResponse(200, chunks=chunks()))
    request = json.dumps({**json.loads(MESSAGE), "stream": True}).encode()
    status, headers, body = post(upstream, body=request)
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    kinds = [line[len("event: "):] for line in body.decode().splitlines() if line.startswith("event: ")]
    assert kinds == ["message_start", "ping", "content_block_start", "content_block_delta", "error"]
    assert json.loads(body.decode().rstrip().rsplit("data: ", 1)[1])["error"]["type"] == "api_error"
    assert upstream.seen[0].target.endswith(":streamGenerateContent?alt=sse")


def test_count_tokens_and_the_model_list(upstream):
    upstream.answers.append(answer(200, {"totalTokens": 17}))
    status, _, body = post(upstream, path="/v1/messages/count_tokens", body=json.dumps(
        {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "hello"}]}).encode())
    assert status == 200 and json.loads(body) == {"input_tokens": 17}
    assert upstream.seen[-1].target == "/v1beta/models/gemini-3.5-flash-lite:countTokens"
    upstream.answers.append(answer(200, {"models": [
        {"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash", "inputTokenLimit": 1048576,
         "outputTokenLimit": 65536, "supportedGenerationMethods": ["generateContent", "countTokens"]},
        {"name": "models/gemini-embedding-001", "supportedGenerationMethods": ["embedContent"]}]}))
    status, _, body = asyncio.run(call(gateway(upstream), "GET", "/v1/models", headers=ANTHROPIC))
    assert status == 200 and json.loads(body) == {"data": [
        {"type": "model", "id": "gemini-2.5-flash", "display_name": "Gemini 2.5 Flash", "created_at": "1970-01-01T00:00:00Z",
         "max_input_tokens": 1048576, "max_tokens": 65536}], "has_more": False, "first_id": "gemini-2.5-flash",
        "last_id": "gemini-2.5-flash"}


def test_claude_code_s_bearer_token_in_server_key_mode(upstream):
    headers = [("authorization", "Bearer team-token"), ("anthropic-version", "2023-06-01")]
    status, _, _ = post(upstream, headers=headers, api_keys=("AIza-server",), auth_tokens=("team-token",))
    assert status == 200 and upstream.seen[0].headers["x-goog-api-key"] == "AIza-server"
    upstream.answers.append(answer(200, gemini_text()))
    status, _, body = post(upstream, headers=[("x-api-key", "wrong")], api_keys=("AIza-server",), auth_tokens=("team-token",))
    assert status == 401 and json.loads(body)["type"] == "error"
