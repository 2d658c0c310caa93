"""The Anthropic TypeScript SDK (@anthropic-ai/sdk, tests/e2e/clients) against the gateway in front of the fake Gemini.

tests/e2e/clients/anthropic_sdk.mjs runs every scenario in one Node process and prints its results;
this test checks them and what the fake Gemini received. `npm ci --prefix tests/e2e/clients` installs it.
"""

from __future__ import annotations

import json

from tests.e2e.clients import run_node
from tests.e2e.conftest import USER_KEY
from tests.fakes.agents import signature as fake_signature

SERVER_KEY = "AIzaServerHeldKey0000002"
TOKEN = "js-team-token"


def test_the_typescript_sdk(gw, gateway, fake):
    server = gateway({"GEMINI_API_KEY": SERVER_KEY, "AUTH_TOKEN": TOKEN})
    results = run_node("anthropic_sdk.mjs", {"NO_COLOR": "1"}, gw, USER_KEY, server, TOKEN, timeout=120)

    create = results["create"]
    assert create["content"] == [{"type": "text", "text": "echo: hello from typescript"}]
    assert (create["type"], create["stop_reason"], create["model"]) == ("message", "end_turn", "gemini-3.8-flash")

    stream = results["stream"]
    assert len(stream["texts"]) == 3 and "".join(stream["texts"]) == "echo: stream me"
    assert stream["final"]["content"][0]["text"] == "echo: stream me" and stream["final"]["usage"]["output_tokens"] > 0

    assert results["blocked"] == []  # nothing but 127.0.0.1
    first, second = results["tools"]["first"], results["tools"]["second"]
    signature = fake_signature("call get_weather city=Paris")
    assert [b["type"] for b in first["content"]] == ["thinking", "tool_use"] and first["stop_reason"] == "tool_use"
    assert first["content"][0]["signature"] == "gemini.thought_signature:" + signature
    assert first["content"][1]["input"] == {"city": "Paris"}
    assert second["content"][0]["text"] == 'result: {"output": "sunny"}'

    assert results["media"]["content"][0]["text"] == "echo: what are these"
    assert results["count"] == {"input_tokens": 3}
    assert "gemini-3.8-flash" in results["models"]

    errors = results["errors"]
    assert errors["rate_limited"] == {"raised": "RateLimitError", "status": 429, "type": "rate_limit_error"}
    assert errors["overloaded"] == {"raised": "OverloadedError", "status": 529, "type": "overloaded_error"}
    assert errors["not_found"] == {"raised": "NotFoundError", "status": 404, "type": "not_found_error"}
    assert errors["bad_request"] == {"raised": "BadRequestError", "status": 400, "type": "invalid_request_error"}
    assert errors["unauthenticated"] == {"raised": "AuthenticationError", "status": 401, "type": "authentication_error"}
    assert errors["mid_stream"]["raised"] == "APIError" and errors["mid_stream"]["type"] == "rate_limit_error"

    assert results["server_key"]["content"][0]["text"] == "echo: bearer token"
    by_prompt = {json.dumps(r["json"]["contents"][0]): r for r in fake.requests if (r.get("json") or {}).get("contents")}
    assert by_prompt[json.dumps({"role": "user", "parts": [{"text": "bearer token"}]})]["key"] == SERVER_KEY
    second_turn = next(r for r in fake.requests if len((r.get("json") or {}).get("contents", [])) == 3)
    assert second_turn["json"]["contents"][1]["parts"][0]["thoughtSignature"] == signature
