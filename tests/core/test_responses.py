"""The Responses API: requests → Gemini bodies, Gemini responses → Response objects, and streams →
typed events, compared whole and checked against the OpenAI SDK's own types and stream accumulator."""

from __future__ import annotations

import copy
import json

import pytest
from openai import omit
from openai._models import construct_type
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import Response, ResponseStreamEvent

from core.config import Settings
from core.endpoints import prepare
from core.errors import GatewayTimeoutError, InvalidRequestError
from core.exchange import Stamp
from core.responses import ResponsesExchange, responses_request_to_gemini
from core.responses_output import response_from_gemini
from core.responses_stream import ResponsesStream
from core.routing import Route

from .conftest import FIXTURES, chunkings, fixture_bytes, fixture_json

# Safety settings and thought summaries are tested elsewhere; here they would repeat in every expectation.
QUIET = Settings(safety_threshold="DEFAULT", include_thoughts=False)
FLASH = "gemini-2.5-flash-lite"
GEMINI_3 = "gemini-3.1-pro-preview"
SIGNATURE = "c2lnbmF0dXJl"
ENCRYPTED = f"gemini.thought_signature:{SIGNATURE}"
WEATHER = {"type": "function", "name": "get_weather", "description": "Weather now", "strict": True,
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                          "additionalProperties": False}}
ENCRYPTED_INCLUDE = {"include": ["reasoning.encrypted_content"]}


def plan(request: dict, settings: Settings = QUIET):
    return responses_request_to_gemini({"model": FLASH, **request}, settings)


def body(request: dict, settings: Settings = QUIET) -> dict:
    return plan(request, settings).chat.body


def contents(items: list, model: str = FLASH) -> list:
    return body({"model": model, "input": items})["contents"]


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def whole(data, request: dict | None = None) -> dict:
    return response_from_gemini(data, plan(request or {"input": "hi"}), token="t", created=1700000000)


def gemini(*parts, finish: str | None = "STOP", **extra) -> dict:
    candidate = {"content": {"role": "model", "parts": list(parts)}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2,
                                                          "totalTokenCount": 5}, "modelVersion": FLASH, **extra}


# --- requests: input items ---------------------------------------------------------------------


def test_a_string_input_and_instructions():
    assert body({"input": "hi", "instructions": "be brief"}) == {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "be brief"}]},
    }


def test_an_input_images_detail_reaches_gemini_3_as_its_media_resolution():
    items = [{"role": "user", "content": [{"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "high"}]}]
    assert body({"model": GEMINI_3, "input": items})["contents"][0]["parts"] == [
        {"fileData": {"fileUri": "https://example.com/cat.png", "mimeType": "image/png"},
         "mediaResolution": {"level": "MEDIA_RESOLUTION_HIGH"}}]


def test_every_message_shape_and_content_part():
    items = [
        {"role": "developer", "content": "rules"},
        {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "more rules"}]},
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "What is in these?"},
            {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "auto"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="},
            {"type": "input_image", "file_id": "files/img-1"},
            {"type": "input_file", "file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"},
            {"type": "input_file", "file_data": "JVBERi0=", "filename": "b.pdf"},
            {"type": "input_file", "file_url": "https://example.com/report.pdf"},
            {"type": "input_file", "file_id": "files/doc-1"},
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        ]},
        {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed", "content": [
            {"type": "output_text", "text": "They are", "annotations": []},
            {"type": "refusal", "refusal": "not that"},
            {"type": "output_text", "text": " pictures.", "annotations": []},
        ]},
        user("thanks"),
    ]
    assert body({"input": items}) == {
        "contents": [
            {"role": "user", "parts": [
                {"text": "What is in these?"},
                {"fileData": {"fileUri": "https://example.com/cat.png", "mimeType": "image/png"}},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/img-1"}},
                {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
                {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
                {"fileData": {"fileUri": "https://example.com/report.pdf", "mimeType": "application/pdf"}},
                {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/doc-1"}},
                {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
            ]},
            {"role": "model", "parts": [{"text": "They are"}, {"text": " pictures."}]},
            {"role": "user", "parts": [{"text": "thanks"}]},
        ],
        "systemInstruction": {"parts": [{"text": "rules"}, {"text": "more rules"}]},
    }


def test_one_model_step_is_one_turn_and_outputs_answer_in_call_order():
    items = [
        user("weather?"),
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "thinking"}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Checking."}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "get_weather", "arguments": '{"city":"Paris"}'},
        {"type": "function_call", "call_id": "fc-gemini-7", "name": "get_time", "arguments": ""},
        {"type": "function_call_output", "call_id": "fc-gemini-7", "output": [{"type": "input_text", "text": "12:00"}]},
        {"type": "function_call_output", "call_id": "call_a", "output": '{"temp": 21}'},
        {"type": "message", "role": "assistant", "content": "It is 21 degrees at noon."},
    ]
    assert contents(items) == [
        {"role": "user", "parts": [{"text": "weather?"}]},
        {"role": "model", "parts": [
            {"text": "Checking."},
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
            {"functionCall": {"name": "get_time", "args": {}, "id": "fc-gemini-7"}},
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"temp": 21}}},
            {"functionResponse": {"name": "get_time", "response": {"output": "12:00"}, "id": "fc-gemini-7"}},
        ]},
        {"role": "model", "parts": [{"text": "It is 21 degrees at noon."}]},
    ]


def call_then_output(call_id: str, output_id: str | None = None, before: list | None = None) -> list:
    return [
        user("weather?"),
        *(before or []),
        {"type": "function_call", "call_id": call_id, "name": "get_weather", "arguments": '{"city":"Paris"}'},
        {"type": "function_call_output", "call_id": output_id or call_id, "output": "sunny"},
    ]


@pytest.mark.parametrize(("call_id", "output_id", "before"), [
    pytest.param(f"call_x_0__thought__{SIGNATURE}", None, [], id="in-the-call-id"),
    pytest.param(f"call_x_0__thought__{SIGNATURE}", "call_x_0", [], id="output-names-the-bare-id"),
    pytest.param("call_x_0", None, [{"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": ENCRYPTED}],
                 id="in-the-reasoning-item"),
])
def test_the_signature_comes_back_from_the_call_id_or_the_reasoning_item(call_id, output_id, before):
    assert contents(call_then_output(call_id, output_id, before), GEMINI_3)[1] == {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": SIGNATURE},
    ]}


def test_unsigned_history_and_foreign_reasoning_get_the_documented_dummy_on_gemini_3():
    foreign = [{"type": "reasoning", "id": "rs_openai", "summary": [], "encrypted_content": "gAAAAABo-openai-blob"}]
    assert contents(call_then_output("call_x_0", before=foreign), GEMINI_3)[1]["parts"][0]["thoughtSignature"] == (
        "skip_thought_signature_validator"
    )


def test_a_text_signature_in_a_reasoning_item_goes_back_on_the_last_text_part():
    items = [
        user("count"),
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "one "},
                                                              {"type": "output_text", "text": "two"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": ENCRYPTED},
        user("more"),
    ]
    assert contents(items, GEMINI_3)[1] == {"role": "model", "parts": [
        {"text": "one "}, {"text": "two", "thoughtSignature": SIGNATURE},
    ]}


def test_signatures_never_reach_models_that_do_not_take_them():
    assert contents(call_then_output(f"call_x_0__thought__{SIGNATURE}"), "gemma-3-27b-it")[1]["parts"] == [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
    ]


# --- requests: parameters ----------------------------------------------------------------------


def test_flat_function_tools_web_search_and_tool_choice():
    request = {"model": GEMINI_3, "input": "hi", "tools": [WEATHER, {"type": "web_search_preview", "search_context_size": "low"}],
               "tool_choice": {"type": "function", "name": "get_weather"}, "parallel_tool_calls": False}
    assert body(request) == {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [
            {"functionDeclarations": [{"name": "get_weather", "description": "Weather now", "parametersJsonSchema": {
                "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}]},
            {"googleSearch": {}},
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]},
                       "includeServerSideToolInvocations": True},
    }


@pytest.mark.parametrize(("choice", "config"), [
    ("none", {"functionCallingConfig": {"mode": "NONE"}}),
    ("required", {"functionCallingConfig": {"mode": "ANY"}}),
    ({"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "get_weather"}]},
     {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}),
    ({"type": "web_search_preview"}, None),
])
def test_tool_choice_shapes(choice, config):
    assert body({"input": "hi", "tools": [WEATHER], "tool_choice": choice}).get("toolConfig") == config


@pytest.mark.parametrize(("text_format", "config"), [
    ({"type": "text"}, None),
    ({"type": "json_object"}, {"responseMimeType": "application/json"}),
    ({"type": "json_schema", "name": "city", "strict": True, "schema": {
        "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"], "additionalProperties": False}},
     {"responseMimeType": "application/json", "responseJsonSchema": {
         "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"], "additionalProperties": False}}),
])
def test_text_format(text_format, config):
    assert body({"input": "hi", "text": {"format": text_format, "verbosity": "low"}}).get("generationConfig") == config


def test_sampling_length_and_effort():
    request = {"input": "hi", "temperature": 0.5, "top_p": 0.9, "max_output_tokens": 100, "reasoning": {"effort": "low"},
               "store": False, "metadata": {"k": "v"}, "user": "u1", "truncation": "auto", "service_tier": "flex",
               "prompt_cache_key": "x", "safety_identifier": "s"}
    assert body(request) == {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"temperature": 0.5, "topP": 0.9, "maxOutputTokens": 100, "thinkingConfig": {"thinkingBudget": 1024}},
        "serviceTier": "flex",
    }


@pytest.mark.parametrize(("reasoning", "include_thoughts", "config"), [
    ({"summary": "auto"}, True, {"includeThoughts": True}),
    ({"effort": "high", "summary": "detailed"}, True, {"thinkingLevel": "high", "includeThoughts": True}),
    ({}, True, None),  # no summary asked for: none requested
    ({"summary": "auto"}, False, None),  # INCLUDE_THOUGHTS=false wins
])
def test_thought_summaries_are_asked_for_only_with_reasoning_summary(reasoning, include_thoughts, config):
    settings = Settings(safety_threshold="DEFAULT", include_thoughts=include_thoughts)
    generation = body({"model": GEMINI_3, "input": "hi", "reasoning": reasoning}, settings).get("generationConfig") or {}
    assert generation.get("thinkingConfig") == config


def test_stream_encrypted_and_the_echo():
    request = {"input": "hi", "stream": True, "instructions": "be brief", "tools": [WEATHER], "metadata": {"k": "v"},
               **ENCRYPTED_INCLUDE}
    translated = plan(request)
    assert (translated.stream, translated.encrypted, translated.model) == (True, True, FLASH)
    assert translated.upstream()[0].path == f"/v1beta/models/{FLASH}:streamGenerateContent"
    assert translated.echo == {
        "instructions": "be brief", "max_output_tokens": None, "parallel_tool_calls": True,
        "reasoning": {"effort": None, "summary": None}, "temperature": None, "text": {"format": {"type": "text"}},
        "tool_choice": "auto", "tools": [WEATHER], "top_p": None, "truncation": "disabled", "user": None, "metadata": {"k": "v"},
    }


def test_prepare_routes_responses_to_the_exchange():
    exchange = prepare(Route("responses"), {"model": FLASH, "input": "hi"}, QUIET, Stamp("abc", 1))
    assert isinstance(exchange, ResponsesExchange) and exchange.model == FLASH and not exchange.stream
    assert exchange.requests()[0].path == f"/v1beta/models/{FLASH}:generateContent"


BAD_REQUESTS = [
    ({"previous_response_id": "resp_1"}, "previous_response_id", "RESPONSES_STATE=off"),  # the stateless path's
    ({"conversation": "conv_1"}, "conversation", "keeps no conversations"),
    ({"prompt": {"id": "pmpt_1"}}, "prompt", "stored prompts"),
    ({"background": True}, "background", "RESPONSES_STATE=off"),
    ({"input": None}, "input", "Missing required parameter"),
    ({"input": []}, "input", "non-empty array"),
    ({"input": 7}, "input", "non-empty array"),
    ({"input": [user("hi"), "hello"]}, "input[1]", "must be an object"),
    ({"input": [user("hi"), {"type": "computer_call", "id": "cu_1"}]}, "input[1].type", "'computer_call' is not supported"),
    ({"input": [user("hi"), {"type": "no_such_item"}]}, "input[1].type", "'no_such_item' is not supported"),
    ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0]", "item_reference"),
    ({"input": [{"role": "tool", "content": "x"}]}, "input[0].role", "must be one of"),
    ({"input": [{"role": "user", "content": ""}]}, "input[0].content", "is empty"),
    ({"input": [{"role": "user"}]}, "input[0].content", "Missing required parameter"),
    ({"input": [{"role": "user", "content": [{"type": "input_video"}]}]}, "input[0].content[0].type", "not supported"),
    ({"input": [{"role": "system", "content": [{"type": "input_image", "image_url": "https://x/y.png"}]}]},
     "input[0].content[0].type", "text only"),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "detail": "low"}]}]},
     "input[0].content[0].image_url", "needs an 'image_url'"),
    ({"input": [{"role": "user", "content": [{"type": "input_text", "text": "a"}, {"type": "input_image", "image_url": "ftp://x"}]}]},
     "input[0].content[1].image_url", "data: URI or an http(s) URL"),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "https://x/y.png", "detail": "max"}]}]},
     "input[0].content[0].detail", "must be low, high or auto"),
    ({"input": [{"role": "user", "content": [{"type": "input_file", "file_url": "file:///etc/passwd"}]}]},
     "input[0].content[0].file_url", "data: URI or an http(s) URL"),
    ({"input": [{"role": "user", "content": [{"type": "input_file", "file_data": "not base64!"}]}]},
     "input[0].content[0].file_data", "not valid base64"),
    ({"input": [{"role": "user", "content": [{"type": "input_file", "filename": "a.pdf"}]}]},
     "input[0].content[0]", "needs 'file_data'"),
    ({"input": [user("hi"), {"type": "function_call_output", "call_id": "call_9", "output": "x"}]},
     "input[1].call_id", "answers no call item"),
    ({"input": [*call_then_output("call_1")[:2], {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{oops"}]},
     "input[2].arguments", "not valid JSON"),
    ({"input": [user("hi"), {"type": "function_call", "call_id": "c", "arguments": "{}"}]},
     "input[1].name", "Missing required parameter"),
    ({"input": [*call_then_output("call_1")[:2], {"type": "function_call_output", "call_id": "call_1",
                                                  "output": [{"type": "input_video", "video_url": "https://x/y.mp4"}]}]},
     "input[2].output[0].type", "'input_video' is not supported"),
    ({"tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]}, "tools[0].type", "'file_search' is not supported"),
    ({"tools": [WEATHER, {"type": "function", "parameters": {}}]}, "tools[1].name", "Missing required parameter"),
    ({"tools": [{**WEATHER, "parameters": "an object"}]}, "tools[0].parameters", "'tools[0].parameters' must be a JSON Schema"),
    ({"tool_choice": "sometimes"}, "tool_choice", "must be none, auto, required"),
    ({"tool_choice": {"type": "mcp", "server_label": "x"}}, "tool_choice.type", "must be 'function'"),
    ({"text": {"format": {"type": "yaml"}}}, "text.format.type", "must be text, json_object or json_schema"),
    ({"text": {"format": {"type": "json_schema", "name": "x"}}}, "text.format.schema", "Missing required parameter"),
    ({"reasoning": {"summary": "verbose"}}, "reasoning.summary", "must be one of auto"),
    ({"reasoning": {"effort": "maximal"}}, "reasoning.effort", "must be one of none"),
    ({"max_output_tokens": 0}, "max_output_tokens", "'max_output_tokens' must be between 1"),
    ({"temperature": 3}, "temperature", "between 0 and 2"),
    ({"include": ["reasoning.encrypted_content", 5]}, "include[1]", "must be a string"),
    ({"store": "no"}, "store", "must be a boolean"),
]


@pytest.mark.parametrize(("request_", "param", "words"), BAD_REQUESTS, ids=[row[1] for row in BAD_REQUESTS])
def test_bad_requests_are_400s_naming_the_responses_parameter(request_, param, words):
    with pytest.raises(InvalidRequestError) as caught:
        plan({"input": "hi", **request_})
    assert caught.value.param == param
    assert caught.value.status == 400
    if words:
        assert words in caught.value.message
    assert "messages[" not in caught.value.message and "response_format" not in caught.value.message


RICH = {
    "model": GEMINI_3, "instructions": "be brief", "stream": True, "include": ["reasoning.encrypted_content"],
    "input": [
        {"role": "user", "content": [{"type": "input_text", "text": "hi"},
                                     {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "t"}], "encrypted_content": ENCRYPTED},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Rome"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": [{"type": "input_text", "text": "sunny"}]},
    ],
    "tools": [WEATHER, {"type": "web_search"}], "tool_choice": {"type": "allowed_tools", "mode": "auto", "tools": [WEATHER]},
    "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}},
    "reasoning": {"effort": "low", "summary": "auto"}, "metadata": {"k": "v"},
}


def test_translation_never_changes_the_request():
    request = copy.deepcopy(RICH)
    translated = responses_request_to_gemini(request, Settings())
    assert request == RICH
    data = gemini({"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}, "thoughtSignature": SIGNATURE})
    kept = copy.deepcopy(data)
    response_from_gemini(data, translated, token="t", created=1)
    assert data == kept


# --- whole responses ---------------------------------------------------------------------------


def test_a_text_response_whole():
    assert whole(gemini({"text": "Hello"}, {"text": " there"}), {"input": "hi", "instructions": "be brief"}) == {
        "id": "resp_t", "object": "response", "created_at": 1700000000, "status": "completed", "background": False,
        "error": None, "incomplete_details": None, "instructions": "be brief", "max_output_tokens": None, "model": FLASH,
        "output": [{"id": "msg_t_0", "type": "message", "status": "completed", "role": "assistant", "content": [
            {"type": "output_text", "annotations": [], "logprobs": [], "text": "Hello there"}]}],
        "output_text": "Hello there", "parallel_tool_calls": True, "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None}, "store": False, "temperature": None,
        "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [], "top_p": None, "truncation": "disabled",
        "usage": {"input_tokens": 3, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0}, "output_tokens": 2,
                  "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 5},
        "user": None, "metadata": {},
    }


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_signed_tool_calls(encrypted):
    response = whole(fixture_json("tool_calls_signed.json"), {"input": "hi", **(ENCRYPTED_INCLUDE if encrypted else {})})
    signature = fixture_json("tool_calls_signed.json")["candidates"][0]["content"]["parts"][0]["thoughtSignature"]
    calls = [
        {"id": f"fc_t_{n + encrypted}", "type": "function_call", "status": "completed", "arguments": f'{{"city":"{city}"}}',
         "call_id": call_id, "name": "get_weather"}
        for n, (city, call_id) in enumerate([("Paris", f"call_t_0__thought__{signature}"), ("Tokyo", "call_t_1")])
    ]
    reasoning = [{"id": "rs_t_0", "type": "reasoning", "summary": [], "encrypted_content": f"gemini.thought_signature:{signature}"}]
    assert response["output"] == (reasoning if encrypted else []) + calls
    assert (response["status"], response["output_text"]) == ("completed", "")
    assert response["usage"]["output_tokens_details"] == {"reasoning_tokens": 1801}


def test_thoughts_are_a_reasoning_summary_carrying_the_signature_of_the_answer():
    data = fixture_json("thinking.json")
    thought, answer = (part["text"] for part in data["candidates"][0]["content"]["parts"])
    signature = data["candidates"][0]["content"]["parts"][1]["thoughtSignature"]
    assert whole(data, {"input": "hi", **ENCRYPTED_INCLUDE})["output"] == [
        {"id": "rs_t_0", "type": "reasoning", "summary": [{"type": "summary_text", "text": thought}],
         "encrypted_content": f"gemini.thought_signature:{signature}"},
        {"id": "msg_t_1", "type": "message", "status": "completed", "role": "assistant", "content": [
            {"type": "output_text", "annotations": [], "logprobs": [], "text": answer}]},
    ]
    assert whole(data)["output"][0] == {"id": "rs_t_0", "type": "reasoning", "summary": [{"type": "summary_text", "text": thought}]}


def test_a_signed_text_answer_is_followed_by_its_signature():
    response = whole(fixture_json("text_gemini3_signed.json"), {"input": "hi", **ENCRYPTED_INCLUDE})
    assert [(item["type"], item["id"]) for item in response["output"]] == [("message", "msg_t_0"), ("reasoning", "rs_t_1")]
    assert response["output"][1]["encrypted_content"].startswith("gemini.thought_signature:EtoFCtcFAb4")


def test_grounding_becomes_flat_url_citations():
    response = whole(fixture_json("grounding.json"))
    (part,) = response["output"][0]["content"]
    text = part["text"]
    assert part["annotations"] and all(set(a) == {"type", "start_index", "end_index", "url", "title"} for a in part["annotations"])
    first = part["annotations"][0]
    assert first["type"] == "url_citation" and text[first["start_index"]:first["end_index"]] in text


@pytest.mark.parametrize(("name", "reason"), [
    ("max_tokens", "max_output_tokens"), ("safety_finish", "content_filter"), ("max_tokens_no_parts", "max_output_tokens"),
])
def test_an_answer_cut_short_is_incomplete(name, reason):
    response = whole(fixture_json(f"{name}.json"))
    assert (response["status"], response["incomplete_details"]) == ("incomplete", {"reason": reason})
    assert all(item["status"] == "incomplete" for item in response["output"] if item["type"] == "message")


def test_a_blocked_prompt_is_an_incomplete_refusal():
    response = whole(fixture_json("prompt_blocked.json"))
    assert (response["status"], response["incomplete_details"]) == ("incomplete", {"reason": "content_filter"})
    assert response["output"] == [{"id": "msg_t_0", "type": "message", "status": "incomplete", "role": "assistant", "content": [
        {"type": "refusal",
         "refusal": "Gemini blocked the prompt (blockReason: SAFETY). Flagged: harassment: high, dangerous_content: high."},
    ]}]


def test_usage_counts_thoughts_cached_and_tool_input_tokens():
    data = gemini({"text": "ok"}, usageMetadata={"promptTokenCount": 100, "cachedContentTokenCount": 60, "toolUsePromptTokenCount": 5,
                                                  "candidatesTokenCount": 7, "thoughtsTokenCount": 11, "totalTokenCount": 123})
    assert whole(data)["usage"] == {"input_tokens": 105, "input_tokens_details": {"cached_tokens": 60, "cache_write_tokens": 0},
                                    "output_tokens": 18, "output_tokens_details": {"reasoning_tokens": 11}, "total_tokens": 123}


def test_only_the_first_candidate_answers():
    data = fixture_json("two_candidates.json")
    first = min(data["candidates"], key=lambda c: c.get("index", 0))
    assert whole(data)["output_text"] == "".join(p["text"] for p in first["content"]["parts"])


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.json")))
def test_every_fixture_is_a_valid_sdk_response(name):
    Response.model_validate(whole(fixture_json(f"{name}.json"), {"input": "hi", **ENCRYPTED_INCLUDE}))


def test_gemini_errors_with_status_200_and_empty_answers_are_raised():
    with pytest.raises(GatewayTimeoutError):
        whole({"error": {"code": 504, "message": "slow", "status": "DEADLINE_EXCEEDED"}})
    with pytest.raises(Exception, match="no candidates and no block reason"):
        whole({"usageMetadata": {}})


# --- streams -----------------------------------------------------------------------------------


def stream_of(request: dict | None = None) -> ResponsesStream:
    return ResponsesStream(plan({"input": "hi", "stream": True, **(request or {})}), token="t", created=1700000000)


def framed_events(raw: bytes) -> list[dict]:
    """A Responses stream as a list of events, checking the framing: `event: <type>` then one `data:` line."""
    events = []
    for block in raw.split(b"\n\n"):
        if block:
            head, data = block.split(b"\n")
            event = json.loads(data.removeprefix(b"data: "))
            assert head == b"event: " + event["type"].encode()
            events.append(event)
    return events


def events_of(raw: bytes) -> list[dict]:
    """Our stream's events, numbered from 0."""
    events = framed_events(raw)
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    return events


def accumulate(events: list[dict]):
    """Feed the events to the OpenAI SDK's own `responses.stream()` accumulator; its final response."""
    state = ResponseStreamState(input_tools=omit, text_format=omit)
    for event in events:
        state.handle_event(construct_type(type_=ResponseStreamEvent, value=event))
    return state._completed_response


def run(*payloads: dict | bytes, request: dict | None = None) -> list[dict]:
    stream = stream_of(request)
    raw = b"".join(stream.feed(p if isinstance(p, bytes) else b"data: " + json.dumps(p).encode() + b"\r\n\r\n") for p in payloads)
    return events_of(raw + stream.close())


def shape(events: list[dict]) -> list[tuple]:
    """Each event's type and what it says, without the repeated response objects."""
    keys = ("output_index", "content_index", "summary_index", "delta", "text", "arguments")
    return [(e["type"], *(e[k] for k in keys if k in e)) for e in events]


def without_parsed(value):
    """The SDK's accumulated objects without the `parsed`/`parsed_arguments` it adds itself."""
    if isinstance(value, list):
        return [without_parsed(item) for item in value]
    if isinstance(value, dict):
        return {key: without_parsed(item) for key, item in value.items() if key not in ("parsed", "parsed_arguments")}
    return value


STREAMS = sorted(p.stem for p in FIXTURES.glob("*.sse"))


@pytest.mark.parametrize("name", STREAMS)
def test_every_chunking_gives_the_same_events_and_the_sdk_accumulates_them(name):
    raw = fixture_bytes(f"{name}.sse")
    outputs = set()
    for pieces in chunkings(raw).values():
        stream = stream_of(ENCRYPTED_INCLUDE)
        outputs.add(b"".join(stream.feed(piece) for piece in pieces) + stream.close())
        assert stream.closed and stream.feed(b"data: {}\r\n\r\n") == b"" and stream.close() == b""
    (output,) = outputs
    events = events_of(output)
    assert [e["type"] for e in events[:2]] == ["response.created", "response.in_progress"]
    assert events[-1]["type"] in ("response.completed", "response.incomplete", "response.failed")
    final = accumulate(events)
    if events[-1]["type"] == "response.completed":
        assert without_parsed(final.to_dict(exclude_unset=True)["output"]) == events[-1]["response"]["output"]
    Response.model_validate(events[-1]["response"])


@pytest.mark.parametrize("name", [n for n in STREAMS if "error" not in n and "cut" not in n])
def test_a_stream_ends_with_the_output_a_whole_response_has(name):
    payloads = [json.loads(block[len(b"data: "):]) for block in fixture_bytes(f"{name}.sse").split(b"\r\n\r\n") if block]
    candidates = [p["candidates"][0] for p in payloads if p.get("candidates")]
    merged = {"candidates": [{
        "content": {"role": "model", "parts": [part for c in candidates for part in c["content"]["parts"]]},
        "finishReason": candidates[-1]["finishReason"], "groundingMetadata": candidates[-1].get("groundingMetadata"),
    }], "usageMetadata": payloads[-1]["usageMetadata"], "modelVersion": payloads[-1]["modelVersion"]}
    streamed = run(*payloads, request=ENCRYPTED_INCLUDE)[-1]["response"]
    assert streamed == response_from_gemini(merged, plan({"input": "hi", "stream": True, **ENCRYPTED_INCLUDE}), token="t",
                                            created=1700000000)


def test_text_events():
    events = run(gemini({"text": "Hel"}, finish=None), gemini({"text": "lo"}))
    assert shape(events) == [
        ("response.created",), ("response.in_progress",),
        ("response.output_item.added", 0), ("response.content_part.added", 0, 0),
        ("response.output_text.delta", 0, 0, "Hel"), ("response.output_text.delta", 0, 0, "lo"),
        ("response.output_text.done", 0, 0, "Hello"), ("response.content_part.done", 0, 0),
        ("response.output_item.done", 0), ("response.completed",),
    ]
    assert events[0]["response"]["status"] == "in_progress" and events[0]["response"]["output"] == []
    assert all(e["logprobs"] == [] for e in events if e["type"].startswith("response.output_text."))
    assert events[-1]["response"]["output_text"] == "Hello" and events[-1]["response"]["usage"]["total_tokens"] == 5


def test_reasoning_then_tool_call_events():
    events = run(
        gemini({"text": "Let me ", "thought": True}, finish=None),
        gemini({"text": "think.", "thought": True}, finish=None),
        gemini({"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": SIGNATURE}),
        request=ENCRYPTED_INCLUDE,
    )
    assert shape(events) == [
        ("response.created",), ("response.in_progress",),
        ("response.output_item.added", 0),
        ("response.reasoning_summary_part.added", 0, 0),
        ("response.reasoning_summary_text.delta", 0, 0, "Let me "), ("response.reasoning_summary_text.delta", 0, 0, "think."),
        ("response.reasoning_summary_text.done", 0, 0, "Let me think."), ("response.reasoning_summary_part.done", 0, 0),
        ("response.output_item.done", 0),
        ("response.output_item.added", 1),
        ("response.function_call_arguments.delta", 1, '{"city":"Paris"}'),
        ("response.function_call_arguments.done", 1, '{"city":"Paris"}'),
        ("response.output_item.done", 1),
        ("response.completed",),
    ]
    assert events[8]["item"] == {"id": "rs_t_0", "type": "reasoning", "summary": [{"type": "summary_text", "text": "Let me think."}],
                                 "encrypted_content": ENCRYPTED}
    assert events[9]["item"] == {"id": "fc_t_1", "type": "function_call", "status": "in_progress", "arguments": "",
                                 "call_id": f"call_t_0__thought__{SIGNATURE}", "name": "get_weather"}
    assert events[11]["item_id"] == "fc_t_1" and events[11]["name"] == "get_weather"
    final = accumulate(events)
    assert [item.type for item in final.output] == ["reasoning", "function_call"]
    assert final.output[1].call_id == f"call_t_0__thought__{SIGNATURE}"


def test_a_blocked_prompt_streams_a_refusal():
    events = run({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "usageMetadata": {"promptTokenCount": 4}})
    assert shape(events)[2:] == [
        ("response.output_item.added", 0), ("response.content_part.added", 0, 0),
        ("response.refusal.delta", 0, 0, "Gemini blocked the prompt (blockReason: PROHIBITED_CONTENT)."),
        ("response.refusal.done", 0, 0), ("response.content_part.done", 0, 0), ("response.output_item.done", 0),
        ("response.incomplete",),
    ]
    assert events[-1]["response"]["incomplete_details"] == {"reason": "content_filter"}


def test_max_tokens_ends_incomplete():
    events = run(gemini({"text": "Once upon"}, finish="MAX_TOKENS"))
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert events[-1]["response"]["output"][0]["status"] == "incomplete"


def test_an_error_event_half_way_fails_the_response_and_closes_the_open_item():
    events = run(gemini({"text": "Hel"}, finish=None), {"error": {"code": 429, "message": "Resource has been exhausted",
                                                                   "status": "RESOURCE_EXHAUSTED"}})
    assert shape(events)[-5:] == [
        ("response.output_text.done", 0, 0, "Hel"), ("response.content_part.done", 0, 0), ("response.output_item.done", 0),
        ("error",), ("response.failed",),
    ]
    assert events[-2] == {"type": "error", "code": "rate_limit_exceeded", "message": "Resource has been exhausted", "param": None,
                          "sequence_number": len(events) - 2}
    failed = events[-1]["response"]
    assert failed["status"] == "failed" and failed["error"] == {"code": "rate_limit_exceeded", "message": "Resource has been exhausted"}
    assert failed["output"][0]["status"] == "incomplete"
    assert accumulate(events) is None  # the SDK's get_final_response() raises: no response.completed


def test_a_cut_stream_and_the_shells_own_failure_end_with_response_failed():
    assert run(gemini({"text": "Hel"}, finish=None))[-1]["response"]["error"]["code"] == "server_error"
    stream = stream_of()
    raw = stream.fail(GatewayTimeoutError("Could not get an answer from Gemini within 300 s (read timeout)."))
    assert [e["type"] for e in events_of(raw)] == ["response.created", "response.in_progress", "error", "response.failed"]
    assert stream.error is not None and stream.closed and stream.close() == b""


def test_the_stream_needs_the_sdk_event_fields():
    events = run(gemini({"text": "Hel"}, finish=None), gemini({"text": "lo"}))
    for event in events:
        construct = construct_type(type_=ResponseStreamEvent, value=event)
        type(construct).model_validate(event)  # every required field is there, of the right type
