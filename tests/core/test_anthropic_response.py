"""Gemini answers as Anthropic messages, whole and streamed (core/anthropic_response.py, anthropic_stream.py,
anthropic_blocks.py). The recorded Gemini payloads of tests/core/fixtures/gemini are replayed; outputs are
compared whole with reviewed golden files (tests/core/golden/anthropic)."""

from __future__ import annotations

import json
import re

import pytest

from core.anthropic_request import MessagesPlan
from core.anthropic_response import message_from_gemini
from core.anthropic_stream import MessagesStream
from core.errors import ServiceUnavailableError, UpstreamError
from core.signatures import mark_signature

from .conftest import FIXTURES, chunkings, fixture_bytes, fixture_json

RESPONSES = sorted(p.stem for p in FIXTURES.glob("*.json"))
STREAMS = sorted(p.stem for p in FIXTURES.glob("*.sse"))
PLAN = MessagesPlan(model="gemini-3-pro-preview", body={}, stream=True)
TOKEN = "test"


def events(raw: bytes) -> list[dict]:
    """Our stream as a list of events; each `event:` line names its data's type."""
    out = []
    for block in raw.split(b"\n\n"):
        if not block:
            continue
        match = re.fullmatch(rb"event: (\w+)\ndata: (.+)", block, re.DOTALL)
        assert match, block
        data = json.loads(match.group(2))
        assert data["type"] == match.group(1).decode()
        out.append(data)
    return out


def accumulate(stream_events: list[dict]) -> dict:
    """What the Anthropic SDK's `accumulate_event` (lib/streaming/_messages.py) builds from the events."""
    message = None
    buffers: dict[int, str] = {}
    for event in stream_events:
        kind = event["type"]
        if kind == "ping" or kind == "message_stop":
            continue
        if message is None:
            assert kind == "message_start", "the SDK raises on anything before message_start"
            message = json.loads(json.dumps(event["message"]))
        elif kind == "content_block_start":
            assert event["index"] == len(message["content"])
            message["content"].append(dict(event["content_block"]))
        elif kind == "content_block_delta":
            block, delta = message["content"][event["index"]], event["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] = delta["signature"]
            elif delta["type"] == "input_json_delta":
                buffers[event["index"]] = buffers.get(event["index"], "") + delta["partial_json"]
                block["input"] = json.loads(buffers[event["index"]])
            elif delta["type"] == "citations_delta":
                block.setdefault("citations", []).append(delta["citation"])
        elif kind == "message_delta":
            message["stop_reason"] = event["delta"]["stop_reason"]
            message["stop_sequence"] = event["delta"]["stop_sequence"]
            if "stop_details" in event["delta"]:
                message["stop_details"] = event["delta"]["stop_details"]
            message["usage"] = {**message["usage"], **event["usage"]}
    return message


def stream_of(raw: bytes, plan: MessagesPlan = PLAN) -> tuple[bytes, MessagesStream]:
    stream = MessagesStream(plan, token=TOKEN)
    return stream.feed(raw) + stream.close(), stream


@pytest.mark.parametrize("name", RESPONSES)
def test_whole_messages(name, golden):
    golden(f"anthropic/messages/{name}", message_from_gemini(fixture_json(f"{name}.json"), PLAN, token=TOKEN))


@pytest.mark.parametrize("name", STREAMS)
def test_streams_are_the_same_under_every_chunking(name, golden):
    raw = fixture_bytes(f"{name}.sse")
    outputs = {}
    for how, pieces in chunkings(raw).items():
        stream = MessagesStream(PLAN, token=TOKEN)
        outputs[how] = b"".join(stream.feed(piece) for piece in pieces) + stream.close()
        assert stream.closed
        assert stream.feed(b"data: {}\r\n\r\n") == b"" and stream.close() == b"" and stream.keepalive() == b""
    assert outputs["bytewise"] == outputs["whole"] and outputs["crlf"] == outputs["whole"]
    golden(f"anthropic/streams/{name}", events(outputs["whole"]))


def test_a_stream_s_events_build_what_a_whole_answer_holds():
    """The same parts, whole or one per event: the accumulated message is the whole one."""
    whole = fixture_json("thinking.json")
    parts = whole["candidates"][0]["content"]["parts"]
    chunks = []
    for index, part in enumerate(parts):
        candidate = {"content": {"parts": [part], "role": "model"}, "index": 0}
        if index == len(parts) - 1:
            candidate["finishReason"] = "STOP"
        chunks.append({"candidates": [candidate], "usageMetadata": whole["usageMetadata"]})
    raw = b"".join(b"data: " + json.dumps(c).encode() + b"\r\n\r\n" for c in chunks)
    message = accumulate(events(stream_of(raw)[0]))
    expected = message_from_gemini(whole, PLAN, token=TOKEN)
    assert message["content"] == expected["content"]
    assert message["usage"] == expected["usage"] and message["stop_reason"] == expected["stop_reason"]


def test_thinking_signatures_in_a_whole_answer():
    message = message_from_gemini(fixture_json("thinking.json"), PLAN, token=TOKEN)
    kinds = [block["type"] for block in message["content"]]
    # the thought summary, the answer, then the answer's signature after it: content[1] is the text
    assert kinds == ["thinking", "text", "thinking"]
    assert message["content"][0]["signature"] == ""
    assert message["content"][2] == {"type": "thinking", "thinking": "", "signature": mark_signature(
        fixture_json("thinking.json")["candidates"][0]["content"]["parts"][1]["thoughtSignature"])}


def test_tool_calls_carry_their_signature_and_ids():
    message = message_from_gemini(fixture_json("tool_calls_signed.json"), PLAN, token=TOKEN)
    assert [b["type"] for b in message["content"]] == ["thinking", "tool_use", "tool_use"]
    assert [b["id"] for b in message["content"][1:]] == ["toolu_test_0", "toolu_test_1"]
    assert message["content"][0]["signature"].startswith("gemini.thought_signature:")
    assert message["stop_reason"] == "tool_use"
    single = message_from_gemini(fixture_json("tool_calls_signed.json"), PLAN._replace(single_tool=True), token=TOKEN)
    assert [b["type"] for b in single["content"]] == ["thinking", "tool_use"]


def test_gemini_s_own_call_ids_are_the_tool_use_ids():
    data = {"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": {}, "id": "fc-1"}}]}, "finishReason": "STOP"}]}
    assert message_from_gemini(data, PLAN, token=TOKEN)["content"] == [{"type": "tool_use", "id": "fc-1", "name": "f", "input": {}}]


@pytest.mark.parametrize(("reason", "expected"), [
    ("STOP", "end_turn"), ("MAX_TOKENS", "max_tokens"), ("SAFETY", "refusal"), ("RECITATION", "refusal"),
    ("PROHIBITED_CONTENT", "refusal"), ("MALFORMED_FUNCTION_CALL", "end_turn"), ("SOMETHING_NEW", "end_turn"),
])
def test_stop_reasons(reason, expected):
    data = {"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": reason}]}
    assert message_from_gemini(data, PLAN, token=TOKEN)["stop_reason"] == expected


def test_usage():
    data = {"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 100, "cachedContentTokenCount": 60, "toolUsePromptTokenCount": 5,
                              "candidatesTokenCount": 7, "thoughtsTokenCount": 30, "totalTokenCount": 142}}
    assert message_from_gemini(data, PLAN, token=TOKEN)["usage"] == {
        "input_tokens": 45, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 60, "output_tokens": 37,
        "output_tokens_details": {"thinking_tokens": 30}}


def test_a_response_without_candidates_or_block_reason_is_an_upstream_error():
    with pytest.raises(UpstreamError):
        message_from_gemini({"usageMetadata": {}}, PLAN, token=TOKEN)


def test_stream_text_signatures_go_after_the_text():
    chunks = [{"candidates": [{"content": {"parts": [{"text": "Hel"}]}, "index": 0}]},
              {"candidates": [{"content": {"parts": [{"text": "lo"}]}, "index": 0}]},
              {"candidates": [{"content": {"parts": [{"text": "", "thoughtSignature": "U0lH"}]}, "finishReason": "STOP", "index": 0}]}]
    raw = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)
    message = accumulate(events(stream_of(raw)[0]))
    assert message["content"] == [{"type": "text", "text": "Hello"},
                                  {"type": "thinking", "thinking": "", "signature": mark_signature("U0lH")}]


def test_the_event_order_the_sdks_expect():
    sequence = [e["type"] for e in events(stream_of(fixture_bytes("stream_text.sse"))[0])]
    assert sequence[:2] == ["message_start", "ping"]
    assert sequence[-2:] == ["message_delta", "message_stop"]
    assert sequence[2] == "content_block_start" and sequence[-3] == "content_block_stop"


def test_keepalive_sends_message_start_first_then_pings():
    stream = MessagesStream(PLAN, token=TOKEN)
    first = events(stream.keepalive())
    assert [e["type"] for e in first] == ["message_start", "ping"]
    assert events(stream.keepalive()) == [{"type": "ping"}]
    rest = events(stream.feed(fixture_bytes("stream_text.sse")) + stream.close())
    assert "message_start" not in [e["type"] for e in rest]
    assert accumulate(first + rest)["content"][0]["type"] == "text"


def test_failures_end_with_one_error_event():
    cut, stream = stream_of(fixture_bytes("stream_cut.sse"))
    last = events(cut)[-1]
    assert last == {"type": "error", "error": {"type": "api_error", "message": stream.error.message}}
    stream = MessagesStream(PLAN, token=TOKEN)
    out = events(stream.feed(fixture_bytes("stream_text.sse")[:200]) + stream.fail(ServiceUnavailableError("busy")))
    assert out[-1] == {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
    assert stream.closed and stream.fail(ServiceUnavailableError("again")) == b"" and stream.keepalive() == b""


def test_a_blocked_prompt_streams_a_refusal():
    raw = b"data: " + fixture_bytes("prompt_blocked.json").replace(b"\n", b"") + b"\n\n"
    message = accumulate(events(stream_of(raw)[0]))
    assert message["content"] == [] and message["stop_reason"] == "refusal"
    assert message["stop_details"]["explanation"].startswith("Gemini blocked the prompt")
