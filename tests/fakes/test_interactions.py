"""Tests of the fake Interactions API itself (tests/fakes/interactions.py, interaction_rules.py)."""
from __future__ import annotations

import json
import time

import httpx
import pytest

KEY, OTHER = {"x-goog-api-key": "AIzaFakeProjectA"}, {"x-goog-api-key": "AIzaFakeProjectB"}
MODEL = "gemini-3.8-flash"
WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


@pytest.fixture
def client(fake_server, fake):
    with httpx.Client(base_url=fake_server[1], headers=KEY, timeout=10) as c:
        yield c


def create(client: httpx.Client, **body) -> dict:
    r = client.post("/v1beta/interactions", json={"model": MODEL, **body})
    assert r.status_code == 200, r.text
    return r.json()


def events(raw: str) -> list[dict]:
    """The events of a stream, checking the framing (`event:` then `data:`, a `[DONE]` last)."""
    blocks = [b for b in raw.split("\n\n") if b]
    assert blocks[-1] == "data: [DONE]"
    out = []
    for block in blocks[:-1]:
        head, data = block.split("\n")
        event = json.loads(data.removeprefix("data: "))
        assert head == f"event: {event['event_type']}" and event["event_id"].startswith("evt_")
        out.append(event)
    return out


def text_of(interaction: dict) -> str:
    return "".join(b["text"] for s in interaction["steps"] if s["type"] == "model_output" for b in s["content"])


def test_state_is_kept_per_project_and_a_continuation_sees_the_history(client):
    first = create(client, input="my name is Ann")
    assert first["status"] == "completed" and text_of(first) == "echo: my name is Ann"
    assert [s["type"] for s in first["steps"]] == ["model_output"]  # a POST answers the output steps only
    second = create(client, input="who am I #fake:history", previous_interaction_id=first["id"])
    assert text_of(second) == "history: my name is Ann | who am I"
    got = client.get(f"/v1beta/interactions/{first['id']}").json()
    assert [s["type"] for s in got["steps"]] == ["user_input", "model_output"]  # a GET repeats the input first
    assert httpx.get(client.base_url.join(f"/v1beta/interactions/{first['id']}"), headers=OTHER).status_code == 404
    r = httpx.post(client.base_url.join("/v1beta/interactions"), headers=OTHER,
                   json={"model": MODEL, "input": "x", "previous_interaction_id": first["id"]})
    assert r.status_code == 404


def test_function_calls_are_signed_and_answered(client):
    called = create(client, model="gemini-3.1-pro-preview", input="call get_weather city=Paris", tools=[WEATHER])
    assert called["status"] == "requires_action"
    thought, call = called["steps"]
    assert thought["type"] == "thought" and thought["signature"] and call["arguments"] == {"city": "Paris"}
    answered = create(client, model="gemini-3.1-pro-preview", previous_interaction_id=called["id"], tools=[WEATHER],
                      input=[{"type": "function_result", "call_id": call["id"], "result": {"temp": 21}}])
    assert text_of(answered) == 'result: {"temp": 21}'
    r = client.post("/v1beta/interactions", json={"model": MODEL, "previous_interaction_id": called["id"],
                                                  "input": [{"type": "function_result", "call_id": "nope", "result": "x"}]})
    assert r.status_code == 400 and "does not match any function call" in r.json()["error"]["message"]


def test_a_background_interaction_is_queued_then_runs_then_completes(client):
    started = create(client, input="long #fake:work=0.3", background=True)
    assert started["status"] == "queued" and started["steps"] == []
    time.sleep(0.1)
    assert client.get(f"/v1beta/interactions/{started['id']}").json()["status"] == "in_progress"
    with client.stream("GET", f"/v1beta/interactions/{started['id']}", params={"stream": "true"}) as r:
        streamed = events(r.read().decode())  # waits for the events still to come
    assert streamed[0]["event_type"] == "interaction.created" and streamed[-1]["event_type"] == "interaction.completed"
    done = client.get(f"/v1beta/interactions/{started['id']}").json()
    assert done["status"] == "completed" and text_of(done) == "echo: long" and done["usage"]["total_tokens"] > 0
    again = client.get(f"/v1beta/interactions/{started['id']}", params={"stream": "true", "last_event_id": "evt_2"})
    assert [e["event_id"] for e in events(again.text)] == [e["event_id"] for e in streamed[3:]]


def test_cancel_stops_a_running_background_interaction_only(client):
    running = create(client, input="slow #fake:work=5", background=True)
    cancelled = client.post(f"/v1beta/interactions/{running['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert client.get(f"/v1beta/interactions/{running['id']}").json()["status"] == "cancelled"
    done = create(client, input="quick")
    r = client.post(f"/v1beta/interactions/{done['id']}/cancel")
    assert r.status_code == 400 and r.json()["error"]["status"] == "FAILED_PRECONDITION"


def test_delete_removes_it(client):
    made = create(client, input="x")
    assert client.delete(f"/v1beta/interactions/{made['id']}").json() == {}
    assert client.get(f"/v1beta/interactions/{made['id']}").status_code == 404
    assert client.delete(f"/v1beta/interactions/{made['id']}").status_code == 404


def test_an_unstored_interaction_is_not_kept(client):
    made = create(client, input="x", store=False)
    assert client.get(f"/v1beta/interactions/{made['id']}").status_code == 404


def test_a_streamed_create_and_its_replay_are_the_same_events(client):
    with client.stream("POST", "/v1beta/interactions", json={"model": MODEL, "input": "hello there", "stream": True}) as r:
        live = events(r.read().decode())
    kinds = [e["event_type"] for e in live]
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed" and "step.delta" in kinds
    replay = events(client.get(f"/v1beta/interactions/{live[0]['interaction']['id']}", params={"stream": "true"}).text)
    assert replay == live


def test_deep_research_answers_a_cited_report_in_the_background(client):
    started = client.post("/v1beta/interactions", json={"agent": "deep-research-preview-04-2026", "input": "trams",
                                                        "background": True}).json()
    time.sleep(0.9)
    done = client.get(f"/v1beta/interactions/{started['id']}").json()
    (report,) = [s for s in done["steps"] if s["type"] == "model_output"]
    text, (first, _) = report["content"][0]["text"], report["content"][0]["annotations"]
    assert text.encode()[first["start_index"]:first["end_index"]].decode() == "Zürich has trams"


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"model": MODEL}, 400, "input: required"),
    ({"model": MODEL, "agent": "deep-research-preview-04-2026", "input": "x"}, 400, "Exactly one of model or agent"),
    ({"agent": "deep-research-preview-04-2026", "input": "x"}, 400, "background=true"),
    ({"agent": "deep-research-preview-04-2026", "input": "x", "background": True, "generation_config": {}}, 400, "agent_config"),
    ({"model": MODEL, "input": "x", "store": False, "background": True}, 400, "store=false"),
    ({"model": MODEL, "input": "x", "temperature": 1}, 400, 'Unknown name "temperature"'),
    ({"model": MODEL, "input": "x", "generation_config": {"top_p": 0.5}}, 400, 'Unknown name "top_p"'),
    ({"model": MODEL, "input": "x", "generation_config": {"thinking_level": "minimal"}}, 400, "not supported for this model"),
    ({"model": MODEL, "input": [{"type": "user_input", "role": "user", "content": []}]}, 400, 'Unknown name "role"'),
    ({"model": MODEL, "input": "x", "previous_interaction_id": "v1_nothing"}, 404, "not found"),
    ({"model": "gemini-3-pro-preview", "input": "x"}, 404, "no longer available"),
])
def test_what_the_reference_refuses_is_refused(client, body, status, words):
    r = client.post("/v1beta/interactions", json=body)
    assert r.status_code == status and words in r.json()["error"]["message"], r.text


def test_last_event_id_needs_stream(client):
    made = create(client, input="x")
    r = client.get(f"/v1beta/interactions/{made['id']}", params={"last_event_id": "evt_1"})
    assert r.status_code == 400


@pytest.mark.parametrize(("setting", "words"), [
    ({"category": "harassment", "threshold": "off"}, 'Unknown name "category"'),
    ({"type": "HARM_CATEGORY_HARASSMENT", "threshold": "off"}, "safety_settings[0].type"),
    ({"type": "harassment", "threshold": "BLOCK_NONE"}, "safety_settings[0].threshold"),
])
def test_safety_settings_take_the_types_fields_and_values(client, setting, words):
    r = client.post("/v1beta/interactions", json={"model": MODEL, "input": "x", "safety_settings": [setting]})
    assert r.status_code == 400 and words in r.json()["error"]["message"]
