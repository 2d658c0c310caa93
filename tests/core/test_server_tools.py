"""Gemini 3's server-side tool parts (toolCall / toolResponse) through chat clients, and media in tool results.

The parts and their shapes are those of https://ai.google.dev/gemini-api/docs/tool-combination (the
"Example request structure": a search's toolCall and toolResponse, each signed, then the functionCall).
"""

from __future__ import annotations

import copy
import json

import pytest

from core.chat import ChatPlan, chat_request_to_gemini
from core.chat_response import chat_response_from_gemini
from core.config import Settings
from core.server_tools import pack_parts, parts_from_web_search_id, unpack_parts, web_search_item
from core.signatures import server_of_tool_call_id, split_tool_call_id
from core.stream import ChatStream

from .conftest import sse_events

QUIET = Settings(safety_threshold="DEFAULT", include_thoughts=False)
GEMINI_3 = "gemini-3-flash-preview"
SEARCH_CALL = {"toolCall": {"toolType": "GOOGLE_SEARCH_WEB", "args": {"queries": ["northernmost city in the United States"]},
                            "id": "a7b3k9p2"}, "thoughtSignature": "U0lHX0NBTEw="}
SEARCH_RESULT = {"toolResponse": {"toolType": "GOOGLE_SEARCH_WEB", "response": {"search_suggestions": "<div>Utqiagvik</div>"},
                                  "id": "a7b3k9p2"}, "thoughtSignature": "U0lHX1JFU1VMVA=="}
WEATHER_CALL = {"functionCall": {"name": "getWeather", "args": {"city": "Utqiagvik, Alaska"}, "id": "m4q8z1v6"},
                "thoughtSignature": "U0lHX0ZD"}
TOOLS = [{"type": "function",
          "function": {"name": "getWeather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
         {"type": "web_search"}]
USER = {"role": "user", "content": "What is the northernmost city in the United States? What's the weather like there today?"}


def answer(*parts) -> dict:
    return {"candidates": [{"content": {"role": "model", "parts": list(parts)}, "finishReason": "STOP"}]}


def chat_answer(data: dict) -> dict:
    return chat_response_from_gemini(data, ChatPlan(GEMINI_3, {}), completion_id="chatcmpl-t", created=1)["choices"][0]["message"]


def model_turn(messages: list, model: str = GEMINI_3) -> dict:
    body = chat_request_to_gemini({"model": model, "messages": messages, "tools": TOOLS}, QUIET).body
    return next(content for content in body["contents"] if content["role"] == "model")


def test_packing_round_trips_and_refuses_what_is_not_ours():
    parts = [SEARCH_CALL, SEARCH_RESULT]
    assert unpack_parts(pack_parts(parts)) == parts
    assert all(c.isalnum() or c in "-_" for c in pack_parts(parts))  # safe inside ids
    for foreign in ("", "ws_68af00", "bm90IHpsaWI", pack_parts([{"text": "hi"}])):
        assert unpack_parts(foreign) is None
    assert parts_from_web_search_id("ws_68af0c2b1") is None  # OpenAI's own search id


def test_the_parts_ride_in_the_next_tool_call_id_and_come_back_in_place():
    message = chat_answer(answer(SEARCH_CALL, SEARCH_RESULT, WEATHER_CALL))
    call = message["tool_calls"][0]
    assert split_tool_call_id(call["id"]) == ("m4q8z1v6", "U0lHX0ZD")
    assert unpack_parts(server_of_tool_call_id(call["id"])) == [SEARCH_CALL, SEARCH_RESULT]
    assert "extra_content" not in message or "server_tool_invocations" not in message["extra_content"]["google"]

    turn = model_turn([USER, {"role": "assistant", "content": None, "tool_calls": [call]},
                       {"role": "tool", "tool_call_id": call["id"], "content": "Very cold. 22 degrees Fahrenheit."}])
    assert turn == {"role": "model", "parts": [SEARCH_CALL, SEARCH_RESULT, WEATHER_CALL]}


def test_a_text_answer_carries_them_in_extra_content():
    text = {"text": "Utqiagvik is the northernmost city.", "thoughtSignature": "U0lHX1RFWFQ="}
    message = chat_answer(answer(SEARCH_CALL, SEARCH_RESULT, text))
    assert message["content"] == text["text"]
    assert message["extra_content"] == {"google": {"thought_signature": "U0lHX1RFWFQ=",
                                                   "server_tool_invocations": [SEARCH_CALL, SEARCH_RESULT]}}
    sent = copy.deepcopy(message)
    assert model_turn([USER, sent, {"role": "user", "content": "thanks"}]) == {
        "role": "model", "parts": [SEARCH_CALL, SEARCH_RESULT, text]}
    assert sent == message  # never mutated


def test_both_carriers_sent_back_give_each_part_once():
    call = chat_answer(answer(SEARCH_CALL, SEARCH_RESULT, WEATHER_CALL))["tool_calls"][0]
    message = {"role": "assistant", "content": None, "tool_calls": [call],
               "extra_content": {"google": {"server_tool_invocations": [SEARCH_CALL, SEARCH_RESULT]}}}
    turn = model_turn([USER, message, {"role": "tool", "tool_call_id": call["id"], "content": "cold"}])
    assert turn["parts"] == [SEARCH_CALL, SEARCH_RESULT, WEATHER_CALL]


def test_a_request_without_the_built_in_tool_sends_no_parts_back():
    call = chat_answer(answer(SEARCH_CALL, SEARCH_RESULT, WEATHER_CALL))["tool_calls"][0]
    messages = [USER, {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": "cold"}]
    body = chat_request_to_gemini({"model": GEMINI_3, "messages": messages, "tools": TOOLS[:1]}, QUIET).body
    assert "toolConfig" not in body
    assert [next(iter(part)) for part in body["contents"][1]["parts"]] == ["functionCall"]


def test_models_that_cannot_combine_tools_never_get_the_parts():
    call = chat_answer(answer(SEARCH_CALL, SEARCH_RESULT, WEATHER_CALL))["tool_calls"][0]
    turn = model_turn([USER, {"role": "assistant", "content": None, "tool_calls": [call]},
                       {"role": "tool", "tool_call_id": call["id"], "content": "cold"}], model="gemini-2.5-flash-lite")
    assert [next(iter(part)) for part in turn["parts"]] == ["functionCall"]


def test_a_stream_gives_the_parts_to_the_next_call_or_to_the_end_of_a_text_answer():
    def run(*parts) -> list:
        stream = ChatStream(ChatPlan(GEMINI_3, {}, stream=True), completion_id="chatcmpl-t", created=1)
        events = [b"data: " + json.dumps({"candidates": [{"content": {"role": "model", "parts": [part]}}]}).encode() + b"\r\n\r\n"
                  for part in parts]
        events.append(b'data: {"candidates": [{"content": {"role": "model", "parts": []}, "finishReason": "STOP"}]}\r\n\r\n')
        return [event["choices"][0]["delta"] for event in sse_events(b"".join(map(stream.feed, events)) + stream.close())
                if isinstance(event, dict) and event.get("choices")]

    deltas = run(SEARCH_CALL, SEARCH_RESULT, WEATHER_CALL)
    calls = [delta["tool_calls"][0] for delta in deltas if "tool_calls" in delta]
    assert unpack_parts(server_of_tool_call_id(calls[0]["id"])) == [SEARCH_CALL, SEARCH_RESULT]
    assert not any("extra_content" in delta and "server_tool_invocations" in delta["extra_content"]["google"] for delta in deltas)

    deltas = run(SEARCH_CALL, SEARCH_RESULT, {"text": "Utqiagvik."})
    carried = [delta["extra_content"]["google"]["server_tool_invocations"] for delta in deltas
               if "server_tool_invocations" in delta.get("extra_content", {}).get("google", {})]
    assert carried == [[SEARCH_CALL, SEARCH_RESULT]]


def test_web_search_items_describe_the_search_and_carry_the_parts():
    item = web_search_item([SEARCH_CALL, SEARCH_RESULT])
    assert item["type"] == "web_search_call" and item["status"] == "completed"
    assert item["action"] == {"type": "search", "query": "northernmost city in the United States",
                              "queries": ["northernmost city in the United States"]}
    assert parts_from_web_search_id(item["id"]) == [SEARCH_CALL, SEARCH_RESULT]
    url = {"toolCall": {"toolType": "URL_CONTEXT", "args": {"urls": ["https://example.com/a"]}, "id": "u1"}}
    assert web_search_item([url])["action"] == {"type": "open_page", "url": "https://example.com/a"}


# --- media in tool results ------------------------------------------------------------------------

PNG = "data:image/png;base64,iVBORw0KGgo="
TOOL_WITH_IMAGE = [{"type": "text", "text": "Here is the chart."}, {"type": "image_url", "image_url": {"url": PNG}}]


@pytest.mark.parametrize(("model", "inside"), [(GEMINI_3, True), ("gemini-2.5-flash-lite", False)])
def test_media_in_a_tool_result_rides_inside_the_function_response_on_gemini_3(model, inside):
    messages = [USER, {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "getWeather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": TOOL_WITH_IMAGE}]
    answers = chat_request_to_gemini({"model": model, "messages": messages}, QUIET).body["contents"][-1]
    image = {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}
    response = {"name": "getWeather", "response": {"output": "Here is the chart."}}
    if inside:
        assert answers == {"role": "user", "parts": [{"functionResponse": {**response, "parts": [image]}}]}
    else:
        assert answers == {"role": "user", "parts": [{"functionResponse": response}, image]}
