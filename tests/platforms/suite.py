"""The behaviour suite every platform entry must pass: one list of plain functions.

Each behaviour takes a `Target` (the base URL of a gateway served by some platform runtime, and
what that runtime can do) and the session's `FakeGemini`, and talks HTTP to the target the way a
client does. `tests/platforms/test_platforms.py` runs every behaviour against every target found in
`tests/platforms/target_*.py`, so a feature added here is proven on all platforms at once.
"""

from __future__ import annotations

import json
import time
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
    response = post(target, "/v1/chat/completions", {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hello platform"}]})
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
    request = {"model": "gemini-2.5-flash", "stream": True, "stream_options": {"include_usage": True},
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
    request = {"model": "gemini-3-pro-preview", "stream": True, "tools": TOOLS,
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
    response = post(target, "/v1/chat/completions", {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "#fake:status=429"}]})
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert int(response.headers["retry-after"]) >= 7


def bad_request(target: Target, fake) -> None:
    response = post(target, "/v1/chat/completions", {"model": "gemini-2.5-flash", "messages": "not a list"})
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


BEHAVIOURS = [chat, stream, tool_call_stream, embeddings, models, upstream_429, bad_request, cors]
