"""The fake Gemini's agent rules (tests/fakes/agents.py), through its HTTP API."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.agents import signature

KEY = {"x-goog-api-key": "test-key"}
WEATHER = {"functionDeclarations": [{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]}
FLAG = {"toolConfig": {"includeServerSideToolInvocations": True}}
PROMPT = "call get_weather city=Oslo"


@pytest.fixture
def client(fake_server, fake):
    fake.strict = True  # the refusals are strict-mode rules (tests/fakes/strict.py)
    with httpx.Client(base_url=fake_server[1], headers=KEY, timeout=10) as c:
        yield c


def generate(client, model: str, tools: list, text: str = PROMPT, **extra) -> httpx.Response:
    body = {"contents": [{"role": "user", "parts": [{"text": text}]}], "tools": tools, **extra}
    return client.post(f"/v1beta/models/{model}:generateContent", json=body)


NO_FLAG = "Please enable tool_config.include_server_side_tool_invocations to use Built-in tools with Function calling."


@pytest.mark.parametrize(("model", "extra", "message"), [
    ("gemini-3-flash-preview", {}, NO_FLAG),
    ("gemini-2.5-flash-lite", {}, NO_FLAG),
    ("gemini-2.5-flash-lite", FLAG, "Tool call context circulation is not enabled for models/gemini-2.5-flash-lite"),
])
def test_built_in_tools_beside_functions_are_refused_without_the_flag_or_before_gemini_3(client, model, extra, message):
    reply = generate(client, model, [WEATHER, {"googleSearch": {}}], **extra)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == message


def test_with_the_flag_gemini_3_reports_the_search_then_calls(client):
    reply = generate(client, "gemini-3-flash-preview", [WEATHER, {"googleSearch": {}}], **FLAG)
    assert reply.status_code == 200
    parts = reply.json()["candidates"][0]["content"]["parts"]
    assert [next(k for k in p if k != "thoughtSignature") for p in parts] == ["toolCall", "toolResponse", "functionCall"]
    assert parts[0]["toolCall"]["toolType"] == "GOOGLE_SEARCH_WEB" and parts[0]["toolCall"]["id"] == parts[1]["toolResponse"]["id"]
    assert parts[0]["thoughtSignature"] == signature(PROMPT, "toolCall") and parts[2]["thoughtSignature"] == signature(PROMPT)


def test_built_in_tools_alone_and_functions_alone_need_no_flag(client):
    assert generate(client, "gemini-2.5-flash-lite", [{"googleSearch": {}}]).status_code == 200
    assert generate(client, "gemini-3-flash-preview", [WEATHER]).status_code == 200


@pytest.mark.parametrize("name", ["9lives", "a b", "x" * 65, "tool/one"])
def test_function_names_gemini_refuses(client, name):
    reply = generate(client, "gemini-2.5-flash-lite", [{"functionDeclarations": [{"name": name}]}])
    assert reply.status_code == 400 and "Invalid function name" in reply.json()["error"]["message"]


def test_only_declared_functions_are_called(client):
    reply = generate(client, "gemini-2.5-flash-lite", [WEATHER], text="call delete_everything now")
    parts = reply.json()["candidates"][0]["content"]["parts"]
    assert parts == [{"text": "echo: call delete_everything now"}]
