"""The Vercel AI SDK (`ai` + `@ai-sdk/openai`, Responses mode, default settings) against the gateway in front of
the fake Gemini: a multi-step tool loop with a reasoning model, streamText with tools, web search beside a function.

With its default `store: true` the SDK sends the second step's reasoning and web search as `item_reference`s
(vercel/ai packages/openai/src/responses/convert-to-openai-responses-input.ts); the gateway keeps nothing, and
honours them from what travels elsewhere: the signature in the call id, the search in its own id.
"""

from __future__ import annotations

import pytest

from tests.e2e.clients import Trap, require_installed, run_node
from tests.e2e.conftest import USER_KEY
from tests.fakes.agents import server_parts_sent_back, signature

GEMINI_3 = "gemini-3.1-pro-preview"
PROMPT = "call get_weather city=Paris"
ANSWER = 'result: {"city": "Paris", "temp": 21}'


@pytest.fixture
def ai_sdk(gateway):
    require_installed("ai", "@ai-sdk/openai")
    # gpt-5.1 is a reasoning model to the SDK; the deployment maps the name to Gemini 3.
    base = gateway({"MODEL_ALIASES": f"gpt-5.1={GEMINI_3}"})
    trap = Trap()
    runs = []

    def run(*args: str) -> dict:
        runs.append(run_node("ai_sdk.mjs", {"BASE_URL": f"{base}/v1", "API_KEY": USER_KEY, **trap.env()}, *args))
        return runs[-1]

    yield run
    trap.close()
    assert trap.seen == [] and all(out["blocked"] == [] for out in runs)  # nothing but 127.0.0.1


def last_generate(fake) -> dict:
    return [r["json"] for r in fake.requests if "generateContent" in r["path"] or "streamGenerateContent" in r["path"]][-1]


def test_a_multi_step_tool_loop_with_a_reasoning_model(ai_sdk, fake):
    out = ai_sdk("loop", "gpt-5.1", f"{PROMPT} #fake:thinking")
    assert out["text"] == ANSWER and out["steps"] == 2 and out["toolCalls"] == [["get_weather"], []]
    assert out["reasoning"][0] == f"**Thinking** about: {PROMPT}"
    step_two = out["sent"][1]["body"]
    assert step_two.get("store") is not False  # the SDK's default
    assert [item.get("type") for item in step_two["input"]] == [None, "item_reference", "function_call", "function_call_output"]
    assert step_two["input"][1]["id"].startswith("rs_")  # our reasoning item: skipped, its signature rides in the call id
    sent = last_generate(fake)
    call = sent["contents"][1]["parts"][-1]
    assert call["functionCall"]["name"] == "get_weather" and call["thoughtSignature"] == signature(PROMPT)


def test_stream_text_with_tools(ai_sdk, fake):
    out = ai_sdk("stream", GEMINI_3, PROMPT)
    assert out["text"] == ANSWER and out["steps"] == 2
    assert {"tool-call", "tool-result", "text-delta", "finish"} <= set(out["chunks"])
    assert last_generate(fake)["contents"][1]["parts"][-1]["thoughtSignature"] == signature(PROMPT)


def test_web_search_beside_a_function_tool(ai_sdk, fake):
    out = ai_sdk("search", GEMINI_3, PROMPT)
    assert out["text"] == ANSWER and out["toolCalls"][0] == ["web_search", "get_weather"]
    first, second = (item["body"] for item in out["sent"])
    assert [tool["type"] for tool in first["tools"]] == ["web_search", "function"]
    reference = second["input"][1]
    assert reference["type"] == "item_reference" and reference["id"].startswith("ws_gm_")
    sent = last_generate(fake)
    assert sent["toolConfig"]["includeServerSideToolInvocations"] is True
    back = server_parts_sent_back(sent["contents"])
    assert [next(iter(p)) for p in back] == ["toolCall", "toolResponse"]
    assert back[0]["thoughtSignature"] == signature(PROMPT, "toolCall")
