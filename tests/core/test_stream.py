"""The SSE decoder and the chat stream's edge cases."""

from __future__ import annotations

import json

import pytest

from core.chat import ChatPlan
from core.errors import GatewayTimeoutError
from core.sse import SSEDecoder
from core.stream import ChatStream

from .conftest import chunkings, sse_events


@pytest.mark.parametrize(("raw", "expected"), [
    (b"data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\n\n", [b"a", b"b", b"c", b"d"]),
    (b"data:no-space\n\n", [b"no-space"]),
    (b"data: one\ndata: two\n\n", [b"one\ntwo"]),
    (b": comment\nevent: x\nid: 1\nretry: 5\ndata: kept\n\n", [b"kept"]),
    (b"data: \xe4\xbd\xa0\xe5\xa5\xbd\n\n", ["你好".encode()]),
    (b"data: last-without-blank-line", [b"last-without-blank-line"]),
    (b"\n\n\n", []),
])
def test_sse_decoder_under_every_chunking(raw, expected):
    for pieces in chunkings(raw).values():
        decoder = SSEDecoder()
        events = [event for piece in pieces for event in decoder.feed(piece)] + decoder.close()
        assert events == expected


def event(**response) -> bytes:
    return b"data: " + json.dumps(response).encode() + b"\r\n\r\n"


def candidate(index=None, finish=None, **part):
    c = {"content": {"role": "model", "parts": [part] if part else []}}
    if index is not None:
        c["index"] = index
    if finish:
        c["finishReason"] = finish
    return c


def run(*events: bytes, n: int = 1, usage: bool = False) -> list:
    stream = ChatStream(ChatPlan("gemini-2.5-flash", {}, stream=True, include_usage=usage, n=n), completion_id="chatcmpl-t", created=1)
    return sse_events(b"".join(stream.feed(e) for e in events) + stream.close())


def deltas(events: list) -> list:
    return [(e["choices"][0]["index"], e["choices"][0]["delta"], e["choices"][0]["finish_reason"]) for e in events[:-1] if e["choices"]]


def test_two_candidates_interleaved_open_in_index_order():
    events = run(
        event(candidates=[candidate(1, text="B1")]),
        event(candidates=[candidate(text="A1"), candidate(1, "STOP", text="B2")]),
        event(candidates=[candidate(0, "STOP", text="A2")]),
        n=2,
    )
    assert deltas(events) == [
        (0, {"role": "assistant", "content": ""}, None),
        (1, {"role": "assistant", "content": ""}, None),
        (1, {"content": "B1"}, None),
        (0, {"content": "A1"}, None),
        (1, {"content": "B2"}, None),
        (1, {}, "stop"),
        (0, {"content": "A2"}, None),
        (0, {}, "stop"),
    ]


def test_a_stream_is_complete_only_when_every_candidate_finished():
    events = run(event(candidates=[candidate(0, "STOP", text="A")]), n=2)
    assert events[-2]["error"]["code"] == "upstream_error" and events[-1] == "[DONE]"


def test_a_blocked_prompt_streams_a_refusal_and_content_filter():
    events = run(event(promptFeedback={"blockReason": "PROHIBITED_CONTENT"}, usageMetadata={"promptTokenCount": 4, "totalTokenCount": 4}),
                 usage=True)
    assert deltas(events) == [
        (0, {"role": "assistant", "content": ""}, None),
        (0, {"refusal": "Gemini blocked the prompt (blockReason: PROHIBITED_CONTENT)."}, None),
        (0, {}, "content_filter"),
    ]
    assert events[-2]["usage"]["prompt_tokens"] == 4


def test_function_calls_get_distinct_indices_and_the_finish_reason_arrives_later():
    events = run(
        event(candidates=[candidate(functionCall={"name": "a", "args": {}})]),
        event(candidates=[candidate(functionCall={"name": "b", "args": {"x": "é"}})]),
        event(candidates=[candidate(0, "STOP", text="")]),
    )
    assert deltas(events)[1:] == [
        (0, {"tool_calls": [{"index": 0, "id": "call_t_0", "type": "function", "function": {"name": "a", "arguments": "{}"}}]}, None),
        (0, {"tool_calls": [{"index": 1, "id": "call_t_1", "type": "function",
                             "function": {"name": "b", "arguments": '{"x":"é"}'}}]}, None),
        (0, {}, "tool_calls"),
    ]


def test_an_empty_upstream_is_an_error_not_silence():
    assert run() == [run()[0], "[DONE]"]
    assert run()[0]["error"]["message"].startswith("The Gemini stream ended")


def test_the_shell_can_end_a_stream_with_its_own_error():
    stream = ChatStream(ChatPlan("gemini-2.5-flash", {}, stream=True), completion_id="chatcmpl-t", created=1)
    first = stream.feed(event(candidates=[candidate(text="partial")]))
    tail = stream.fail(GatewayTimeoutError("Could not get an answer from Gemini within 300 s."))
    events = sse_events(first + tail)
    assert events[-2] == {"error": {"message": "Could not get an answer from Gemini within 300 s.", "type": "server_error",
                                    "param": None, "code": "upstream_timeout"}}
    assert events[-1] == "[DONE]"
    assert stream.closed and stream.close() == b"" and stream.fail(GatewayTimeoutError("again")) == b""


def test_logprobs_ride_on_the_chunk_of_their_text():
    logprobs = {"chosenCandidates": [{"token": "Hi", "logProbability": -0.1}],
                "topCandidates": [{"candidates": [{"token": "Hi", "logProbability": -0.1}]}]}
    events = run(event(candidates=[{**candidate(0, "STOP", text="Hi"), "logprobsResult": logprobs}]))
    assert events[1]["choices"][0]["logprobs"] == {
        "content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105],
                     "top_logprobs": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105]}]}],
        "refusal": None}
    assert events[2]["choices"][0]["logprobs"] is None
