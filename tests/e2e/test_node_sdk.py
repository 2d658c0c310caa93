"""The OpenAI Node SDK: `responses.stream()` with a function tool and `web_search`, two turns of a tool loop."""

from __future__ import annotations

from tests.e2e.clients import Trap, require_installed, run_node
from tests.e2e.conftest import USER_KEY
from tests.fakes.agents import server_parts_sent_back, signature

PROMPT = "call get_weather city=Paris"


def test_responses_stream_with_a_function_tool_and_web_search(gw, fake):
    require_installed("openai")
    trap = Trap()
    try:
        out = run_node("node_sdk.mjs", {"BASE_URL": f"{gw}/v1", "API_KEY": USER_KEY, **trap.env()}, "gemini-3.1-pro-preview", PROMPT)
    finally:
        trap.close()
    assert trap.seen == [] and out["blocked"] == []  # nothing but 127.0.0.1
    first, second = out["first"], out["second"]
    assert [item["type"] for item in first["response"]["output"]] == ["web_search_call", "function_call"]
    assert "response.function_call_arguments.done" in first["events"] and first["events"][-1] == "response.completed"
    assert second["response"]["output_text"] == 'result: {"city": "Paris", "temp": 21}'
    assert [item.get("type") for item in out["sent"][1]["input"]] == [None, "web_search_call", "function_call", "function_call_output"]
    sent = [r["json"] for r in fake.requests if "GenerateContent" in r["path"] or "generateContent" in r["path"]][-1]
    assert [next(iter(p)) for p in server_parts_sent_back(sent["contents"])] == ["toolCall", "toolResponse"]
    assert sent["contents"][1]["parts"][-1]["thoughtSignature"] == signature(PROMPT)


def test_stored_responses_with_the_node_sdk(gw, fake):
    """Three turns by previous_response_id, background polling, a stream resumed with starting_after, cancel,
    delete and input items (tests/e2e/clients/node_stored.mjs), kept by the fake's Interactions API."""
    require_installed("openai")
    out = run_node("node_stored.mjs", {"BASE_URL": f"{gw}/v1", "API_KEY": USER_KEY}, "gemini-3.8-flash")
    assert out["blocked"] == []
    first, second, third = out["turns"]
    assert third["text"] == "history: my name is Ann | I live in Bern | recall"
    assert (second["previous"], third["previous"]) == (first["id"], second["id"])
    posts = [r["json"] for r in fake.requests if r["method"] == "POST" and r["path"] == "/v1beta/interactions"]
    assert [len(p["input"]) for p in posts[:3]] == [1, 1, 1] and "previous_interaction_id" in posts[2]
    assert out["background"] == {"started": "queued", "final": "completed", "text": "echo: a long job"}
    stream = out["stream"]
    assert stream["resumed"][0] == stream["seen"][-1] + 1 and stream["last"] == "response.completed"
    assert stream["text"] == "echo: stream it"
    assert out["cancelled"] == "cancelled" and out["items"] == ["recall #fake:history"] and out["afterDelete"] == 404
