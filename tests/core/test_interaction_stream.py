"""core/interaction_stream.py: Interactions API events → Responses API events, under every chunking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai.types.responses import Response

from core.config import Settings
from core.interaction_response import Stored, response_from_interaction
from core.interaction_stream import InteractionStream
from core.keys import key_tag
from core.response_ids import StoredId, parse_response_id
from core.stateful import stored_request_to_gemini

from .conftest import chunkings
from .test_responses import accumulate, without_parsed
from .test_responses import framed_events as events_of

FIXTURES = Path(__file__).parent / "fixtures" / "interactions"
SETTINGS = Settings(include_thoughts=True)
TAG = key_tag("AIzaFakeKeyForStreams0001")
STREAMS = sorted(p.stem for p in FIXTURES.glob("*.sse"))


def plan(**request):
    return stored_request_to_gemini({"model": "gemini-3.8-flash", "input": "hi", "store": True, "stream": True, **request},
                                    SETTINGS).responses


def stream(starting_after: int | None = None, **request) -> InteractionStream:
    stored = stored_request_to_gemini({"model": "gemini-3.8-flash", "input": "hi", "store": True, "stream": True, **request},
                                      SETTINGS)
    return InteractionStream(stored.responses, (1, TAG), token="tok", created=1700000000, background=stored.background,
                             starting_after=starting_after)


def translate(raw: bytes, pieces: list[bytes] | None = None, **options) -> bytes:
    translator = stream(**options)
    out = b"".join(translator.feed(piece) for piece in (pieces or [raw])) + translator.close()
    assert translator.closed and translator.feed(b"data: {}\n\n") == b"" and translator.close() == b""
    return out


@pytest.mark.parametrize("name", STREAMS)
def test_every_chunking_gives_the_same_events(name):
    raw = (FIXTURES / f"{name}.sse").read_bytes()
    (output,) = {translate(raw, pieces) for pieces in chunkings(raw).values()}
    events = events_of(output)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[0]["type"] == "response.created"
    assert events[-1]["type"] in ("response.completed", "response.incomplete", "response.failed")
    ids = {e["response"]["id"] for e in events if "response" in e}
    assert len(ids) == 1  # the SDK's accumulator refuses a response whose id changes
    Response.model_validate(events[-1]["response"])
    if events[-1]["type"] == "response.completed":
        final = accumulate(events)
        assert without_parsed(final.to_dict(exclude_unset=True)["output"]) == events[-1]["response"]["output"]


def test_the_id_names_the_interaction_and_the_key_that_answered():
    events = events_of(translate((FIXTURES / "stream_text.sse").read_bytes()))
    response_id = events[0]["response"]["id"]
    assert parse_response_id(response_id) == StoredId("v1_ChdrX3RleHQ", 1, TAG, False)
    final = events[-1]["response"]
    assert final["output_text"] == "Hello, world — ünïcode." and final["store"] is True
    assert final["created_at"] == 1796030102  # 2026-11-30T09:15:02Z
    assert final["usage"]["input_tokens"] == 12 and final["usage"]["output_tokens"] == 6
    assert [e["type"] for e in events[:2]] == ["response.created", "response.in_progress"]


def test_a_thought_s_signature_signs_the_call_and_the_call_goes_out_whole():
    events = events_of(translate((FIXTURES / "stream_thinking_call.sse").read_bytes(),
                                 include=["reasoning.encrypted_content"], reasoning={"summary": "auto"}))
    final = events[-1]["response"]
    assert final["status"] == "completed"  # requires_action: the turn ends with calls for the client
    reasoning, call = final["output"]
    assert reasoning["summary"] == [{"type": "summary_text", "text": "**Checking** the weather tool"}]
    assert reasoning["encrypted_content"].endswith("EtoBCtcBAdHtim9" + "Q" * 40)
    assert call["type"] == "function_call" and call["name"] == "get_weather" and call["arguments"] == '{"city":"Paris"}'
    assert call["call_id"] == "9x2kq7ab__thought__EtoBCtcBAdHtim9" + "Q" * 40
    assert final["usage"]["output_tokens_details"]["reasoning_tokens"] == 21


def test_deep_research_citations_are_url_citations_with_character_offsets():
    events = events_of(translate((FIXTURES / "stream_research.sse").read_bytes(), model="o4-mini-deep-research"))
    assert [e["type"] for e in events[:3]] == ["response.created", "response.queued", "response.in_progress"]
    final = events[-1]["response"]
    assert final["model"] == "deep-research-preview-04-2026" and final["background"] is True
    assert [item["type"] for item in final["output"]] == ["reasoning", "web_search_call", "message"]
    assert final["output"][1]["action"]["queries"] == ["zurich trams", "capital of switzerland"]
    text = final["output_text"]
    (part,) = final["output"][2]["content"]
    first, second = part["annotations"]
    assert text[first["start_index"]:first["end_index"]] == "Zürich runs 15 tram lines"
    assert text[second["start_index"]:second["end_index"]] == "Bern is the capital"
    assert first == {"type": "url_citation", "start_index": 0, "end_index": 25, "url": "https://example.org/trams",
                     "title": "Trams of Zürich"}
    added = [e for e in events if e["type"] == "response.output_text.annotation.added"]
    assert [e["annotation"] for e in added] == [first, second]


def test_a_stream_ends_with_the_output_a_whole_response_has():
    resource = json.loads((FIXTURES / "research_completed.json").read_text())
    events = events_of(translate((FIXTURES / "stream_research.sse").read_bytes(), model="o4-mini-deep-research"))
    streamed = events[-1]["response"]
    where = parse_response_id(streamed["id"])
    whole = response_from_interaction(resource, plan(model="o4-mini-deep-research"), Stored(streamed["id"], True),
                                      token=where.token(), created=1700000000)
    assert whole["output"] == streamed["output"] and whole["usage"] == streamed["usage"]


@pytest.mark.parametrize("name", [n for n in STREAMS if "error" not in n and "cut" not in n])
def test_starting_after_resumes_exactly_where_the_client_stopped(name):
    raw = (FIXTURES / f"{name}.sse").read_bytes()
    full = events_of(translate(raw))
    for after in (0, 3, len(full) - 2):
        resumed = events_of(translate(raw, starting_after=after))
        assert resumed == full[after + 1:]


@pytest.mark.parametrize(("name", "code", "words"), [
    ("stream_error.sse", "rate_limit_exceeded", "Resource has been exhausted"),
    ("stream_cut.sse", "server_error", "ended before the answer was complete"),
    ("stream_error_raw_tail.sse", "server_error", "currently unavailable"),
])
def test_a_failed_stream_ends_with_an_error_event_and_response_failed(name, code, words):
    events = events_of(translate((FIXTURES / name).read_bytes()))
    error, failed = events[-2:]
    assert error["type"] == "error" and words in error["message"]
    assert failed["type"] == "response.failed" and failed["response"]["status"] == "failed"
    assert failed["response"]["error"]["code"] == code
    last = failed["response"]["output"][-1]
    assert last.get("status", "incomplete") == "incomplete"  # the half-written item is closed
