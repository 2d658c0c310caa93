"""Recorded-style Gemini payloads (tests/core/fixtures/gemini, see SOURCES.md) replayed through the
core; whole outputs compared with reviewed golden files."""

from __future__ import annotations

import pytest

from core.chat import ChatPlan
from core.chat_response import chat_response_from_gemini
from core.completions import CompletionPlan, CompletionStream, completion_response_from_gemini
from core.errors import error_from_gemini
from core.stream import ChatStream

from .conftest import FIXTURES, chunkings, fixture_bytes, fixture_json, sse_events

RESPONSES = sorted(p.stem for p in FIXTURES.glob("*.json"))
STREAMS = sorted(p.stem for p in FIXTURES.glob("*.sse"))
ERRORS = sorted(p.stem for p in (FIXTURES / "errors").glob("*.json"))

# The requests these responses answer, where it matters for the translation.
PLANS = {
    "two_candidates": dict(n=2),
}


def plan_for(name: str, **extra) -> ChatPlan:
    return ChatPlan(model="gemini-2.5-flash", body={}, **{**PLANS.get(name, {}), **extra})


@pytest.mark.parametrize("name", RESPONSES)
def test_chat_response(name, golden):
    response = chat_response_from_gemini(fixture_json(f"{name}.json"), plan_for(name), completion_id="chatcmpl-test", created=1700000000)
    golden(f"responses/{name}", response)


@pytest.mark.parametrize("name", STREAMS)
@pytest.mark.parametrize("include_usage", [True, False], ids=["usage", "no-usage"])
def test_chat_stream_is_the_same_under_every_chunking(name, include_usage, golden):
    raw = fixture_bytes(f"{name}.sse")
    outputs = {}
    for how, pieces in chunkings(raw).items():
        stream = ChatStream(plan_for(name, stream=True, include_usage=include_usage), completion_id="chatcmpl-test", created=1700000000)
        outputs[how] = b"".join(stream.feed(piece) for piece in pieces) + stream.close()
        assert stream.closed
        assert stream.feed(b"data: {}\r\n\r\n") == b"" and stream.close() == b""  # nothing after the end
    assert outputs["bytewise"] == outputs["whole"]
    assert outputs["crlf"] == outputs["whole"]
    events = sse_events(outputs["whole"])
    assert events[-1] == "[DONE]"
    if include_usage:
        golden(f"streams/{name}", events)
    else:
        assert all("usage" not in event for event in events[:-1])


@pytest.mark.parametrize("name", STREAMS)
def test_completion_stream_is_the_same_under_every_chunking(name, golden):
    raw = fixture_bytes(f"{name}.sse")
    plan = CompletionPlan(model="gemini-2.5-flash", prompts=("p",), body={}, stream=True)
    outputs = set()
    for pieces in chunkings(raw).values():
        stream = CompletionStream(plan, completion_id="cmpl-test", created=1700000000)
        outputs.add(b"".join(stream.feed(piece) for piece in pieces) + stream.close())
    assert len(outputs) == 1
    golden(f"completion_streams/{name}", sse_events(outputs.pop()))


@pytest.mark.parametrize("name", ["text", "max_tokens", "logprobs", "two_candidates", "prompt_blocked"])
def test_completion_response(name, golden):
    plan = CompletionPlan(model="gemini-2.5-flash", prompts=("p",), body={}, n=PLANS.get(name, {}).get("n", 1), logprobs=name == "logprobs")
    response = completion_response_from_gemini([fixture_json(f"{name}.json")], plan, completion_id="cmpl-test", created=1700000000)
    golden(f"completions/{name}", response)


@pytest.mark.parametrize("name", ERRORS)
def test_gemini_error_bodies(name, golden):
    status = int(name.split("_", 1)[0])
    error = error_from_gemini(status, fixture_bytes(f"errors/{name}.json"), model="gemini-2.5-flash")
    golden(f"errors/{name}", {"status": error.status, "headers": [list(h) for h in error.headers()], "body": error.to_dict()})
