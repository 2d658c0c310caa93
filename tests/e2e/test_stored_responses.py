"""Stored responses (issue 18) with the OpenAI Python SDK and the Agents SDK, through the gateway, kept by the fake
Gemini's Interactions API (tests/fakes/interactions.py): previous_response_id, background, polling, a resumed
stream, cancel, delete, input items, Deep Research, and a response whose key left the pool."""

from __future__ import annotations

import asyncio
import time

import openai
import pytest
from agents import Agent, ModelSettings, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
from openai import AsyncOpenAI

from core.keys import key_tag
from core.response_ids import parse_response_id
from tests.e2e.conftest import USER_KEY

MODEL = "gemini-3.8-flash"
KEY_A, KEY_B, KEY_C = "AIzaE2eStoredKeyA00000001", "AIzaE2eStoredKeyB00000002", "AIzaE2eStoredKeyC00000003"


def sdk(base: str, key: str = USER_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)


def interaction_posts(fake) -> list[dict]:
    return [r for r in fake.requests if r["method"] == "POST" and r["path"] == "/v1beta/interactions"]


def wait_done(client: openai.OpenAI, response_id: str, timeout: float = 10.0):
    """Poll `responses.retrieve` as the OpenAI background-mode guide does, until the response is final."""
    deadline = time.monotonic() + timeout
    response = client.responses.retrieve(response_id)
    while response.status in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.05)
        response = client.responses.retrieve(response_id)
    return response


def test_a_three_turn_conversation_by_previous_response_id(gw, fake):
    client = sdk(gw)
    first = client.responses.create(model=MODEL, input="my name is Ann", instructions="Be brief.", store=True)
    second = client.responses.create(model=MODEL, input="I live in Bern", previous_response_id=first.id)
    third = client.responses.create(model=MODEL, input="what do you know #fake:history", previous_response_id=second.id)
    assert (first.output_text, second.output_text) == ("echo: my name is Ann", "echo: I live in Bern")
    assert third.output_text == "history: my name is Ann | I live in Bern | what do you know"  # Google's state, not ours
    assert third.previous_response_id == second.id and third.store is True
    posts = interaction_posts(fake)
    assert len(posts) == 3 and not any("generateContent" in r["path"] for r in fake.requests)
    ids = [parse_response_id(r.id).interaction for r in (first, second, third)]
    assert [p["json"].get("previous_interaction_id") for p in posts] == [None, ids[0], ids[1]]
    for post, text in zip(posts[1:], ("I live in Bern", "what do you know #fake:history"), strict=True):
        assert post["json"]["input"] == [{"type": "user_input", "content": [{"type": "text", "text": text}]}]  # no history resent
        assert "system_instruction" not in post["json"]  # instructions are not inherited
    assert posts[0]["json"]["system_instruction"] == "Be brief."
    got = client.responses.retrieve(third.id)
    assert got.output_text == third.output_text and got.previous_response_id == second.id
    items = client.responses.input_items.list(third.id)
    assert [(item.type, item.content[0].text) for item in items.data] == [("message", "what do you know #fake:history")]


def test_a_response_left_stateless_says_why_it_cannot_be_continued(gw, fake):
    client = sdk(gw)
    stateless = client.responses.create(model=MODEL, input="hello")  # store left out: today's stateless path
    assert stateless.store is False and any("generateContent" in r["path"] for r in fake.requests)
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=MODEL, input="more", previous_response_id=stateless.id)
    assert caught.value.body["param"] == "previous_response_id" and "store: true" in caught.value.body["message"]


def test_background_polling_and_a_stream_resumed_after_a_disconnect(gw, fake):
    client = sdk(gw)
    started = client.responses.create(model=MODEL, input="a long job #fake:work=0.3", background=True)
    assert started.status == "queued" and started.background is True and started.output == []
    done = wait_done(client, started.id)
    assert done.status == "completed" and done.output_text == "echo: a long job" and done.background is True

    stream = client.responses.create(model=MODEL, input="stream it #fake:work=0.4 #fake:chunks=8", background=True, stream=True)
    seen = []
    for event in stream:
        seen.append(event)
        if event.type == "response.output_text.delta":
            break  # the connection drops half-way
    stream.close()
    response_id, last = seen[0].response.id, seen[-1].sequence_number
    rest = list(client.responses.retrieve(response_id, stream=True, starting_after=last))
    assert [e.sequence_number for e in rest] == list(range(last + 1, last + 1 + len(rest)))
    assert rest[-1].type == "response.completed"
    text = "".join(e.delta for e in seen + rest if e.type == "response.output_text.delta")
    assert text == rest[-1].response.output_text == "echo: stream it"
    with client.responses.stream(response_id=response_id, starting_after=2) as resumed:  # the SDK's own resumption
        assert resumed.get_final_response().output_text == "echo: stream it"


def test_cancel_and_delete(gw, fake):
    client = sdk(gw)
    running = client.responses.create(model=MODEL, input="slow #fake:work=5", background=True)
    cancelled = client.responses.cancel(running.id)
    assert cancelled.status == "cancelled" and client.responses.retrieve(running.id).status == "cancelled"
    assert [r["path"] for r in fake.requests if r["path"].endswith("/cancel")] == [
        f"/v1beta/interactions/{parse_response_id(running.id).interaction}/cancel"]
    kept = client.responses.create(model=MODEL, input="keep me", store=True)
    client.responses.delete(kept.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(kept.id)
    with pytest.raises(openai.BadRequestError):  # only background work can be cancelled (Gemini says so)
        client.responses.cancel(client.responses.create(model=MODEL, input="done", store=True).id)


def test_deep_research_runs_in_the_background_and_cites_its_sources(gw, fake):
    client = sdk(gw)
    started = client.responses.create(model="o4-mini-deep-research", input="Swiss transport",
                                      tools=[{"type": "web_search_preview"}])
    assert started.status == "queued" and started.background is True
    post = interaction_posts(fake)[-1]["json"]
    assert post["agent"] == "deep-research-preview-04-2026" and post["background"] is True and "model" not in post
    report = wait_done(client, started.id)
    assert report.status == "completed" and report.model == "deep-research-preview-04-2026"
    assert [item.type for item in report.output] == ["reasoning", "web_search_call", "reasoning", "message"]
    annotations = report.output[-1].content[0].annotations
    text = report.output_text
    assert [(a.type, text[a.start_index:a.end_index], a.url) for a in annotations] == [
        ("url_citation", "Zürich has trams", "https://example.org/zurich"),
        ("url_citation", "Bern is the capital", "https://example.org/bern"),
    ]


def test_a_response_whose_key_left_the_pool_is_a_clear_404(gateway, fake):
    env = {"AUTH_TOKEN": "stored-token", "GEMINI_API_KEY": f"{KEY_A},{KEY_B}"}
    first = sdk(gateway(env, fresh=True), "stored-token").responses.create(model=MODEL, input="hello", store=True)
    holder = parse_response_id(first.id)
    key = KEY_A if holder.tag == key_tag(KEY_A) else KEY_B
    assert fake.requests[-1]["key"] == key
    # The pool's order changed: the fingerprint finds the key.
    moved = sdk(gateway({**env, "GEMINI_API_KEY": f"{KEY_C},{KEY_B},{KEY_A}"}, fresh=True), "stored-token")
    assert moved.responses.create(model=MODEL, input="again", previous_response_id=first.id).output_text == "echo: again"
    assert fake.requests[-1]["key"] == key
    # The key was removed: a 404 that says so, and no call to another project.
    removed = sdk(gateway({**env, "GEMINI_API_KEY": KEY_C}, fresh=True), "stored-token")
    sent = len(fake.requests)
    for attempt in (lambda: removed.responses.create(model=MODEL, input="x", previous_response_id=first.id),
                    lambda: removed.responses.retrieve(first.id)):
        with pytest.raises(openai.NotFoundError) as caught:
            attempt()
        assert "no longer in this gateway's key pool" in caught.value.body["message"]
    assert len(fake.requests) == sent


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"{city}: 21 degrees"


def test_an_agents_sdk_run_chained_by_previous_response_id(gw, fake):
    set_tracing_disabled(True)  # the SDK would upload traces to OpenAI otherwise
    model = OpenAIResponsesModel(model="gemini-3.1-pro-preview",
                                 openai_client=AsyncOpenAI(base_url=f"{gw}/v1", api_key=USER_KEY, max_retries=0))
    agent = Agent(name="weather", instructions="Use the tools.", model=model, tools=[get_weather],
                  model_settings=ModelSettings(store=True))


    async def two_runs():
        first = await Runner.run(agent, "call get_weather city=Paris", auto_previous_response_id=True)
        return first, await Runner.run(agent, "and me? #fake:history", previous_response_id=first.last_response_id)

    result, later = asyncio.run(two_runs())
    assert result.final_output == 'result: "Paris: 21 degrees"'
    first, second, third = interaction_posts(fake)
    assert "previous_interaction_id" not in first["json"]
    assert second["json"]["previous_interaction_id"] == parse_response_id(result.raw_responses[0].response_id).interaction
    assert [step["type"] for step in second["json"]["input"]] == ["function_result"]  # only what is new
    assert second["json"]["input"][0]["result"] == "Paris: 21 degrees"
    assert third["json"]["previous_interaction_id"] == parse_response_id(result.last_response_id).interaction
    assert later.final_output == "history: call get_weather city=Paris | and me?"
