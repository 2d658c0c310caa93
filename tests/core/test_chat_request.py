"""OpenAI chat requests → Gemini request bodies, compared whole."""

from __future__ import annotations

import pytest

from core.chat import chat_request_to_gemini
from core.config import Settings
from core.errors import InvalidRequestError
from core.signatures import DUMMY_SIGNATURE

# Safety settings are tested on their own; elsewhere they would only repeat in every expectation.
QUIET = Settings(safety_threshold="DEFAULT", include_thoughts=False)
USER = {"role": "user", "parts": [{"text": "hi"}]}


def body(request: dict, settings: Settings = QUIET) -> dict:
    return chat_request_to_gemini({"model": "gemini-2.5-flash-lite", **request}, settings).body


def say(text: str) -> dict:
    return {"role": "user", "content": text}


def call(call_id: str, name: str = "lookup", arguments: str = '{"q":"x"}', **extra) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}, **extra}


# --- messages ----------------------------------------------------------------------------------


def test_a_user_string():
    assert body({"messages": [say("hi")]}) == {"contents": [USER]}


def test_system_and_developer_messages_wherever_they_stand_become_the_system_instruction_in_order():
    messages = [
        {"role": "system", "content": "one"},
        say("hi"),
        {"role": "developer", "content": [{"type": "text", "text": "two"}]},
        {"role": "assistant", "content": "hello"},
        {"role": "system", "content": "three"},
    ]
    assert body({"messages": messages}) == {
        "contents": [USER, {"role": "model", "parts": [{"text": "hello"}]}],
        "systemInstruction": {"parts": [{"text": "one"}, {"text": "two"}, {"text": "three"}]},
    }


def test_a_lone_system_prompt_gets_an_empty_user_turn():
    assert body({"messages": [{"role": "system", "content": "Translate 'hello' to French."}]}) == {
        "contents": [{"role": "user", "parts": [{"text": " "}]}],
        "systemInstruction": {"parts": [{"text": "Translate 'hello' to French."}]},
    }


def test_media_parts_never_make_the_gateway_fetch_anything():
    content = [
        {"type": "text", "text": "What is in these?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "high"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.JPG?size=large"}},
        {"type": "image_url", "image_url": "https://example.com/no-extension"},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}},
        {"type": "file", "file": {"file_data": "JVBERi0=", "filename": "b.pdf"}},
        {"type": "file", "file": {"file_id": "files/abc-123"}},
        {"type": "image_url", "image_url": {"url": "data:text/plain,hello%20world"}},
    ]
    assert body({"messages": [{"role": "user", "content": content}]})["contents"][0]["parts"] == [
        {"text": "What is in these?"},
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"fileUri": "https://example.com/cat.JPG?size=large", "mimeType": "image/jpeg"}},
        {"fileData": {"fileUri": "https://example.com/no-extension"}},
        {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
        {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc-123"}},
        {"inlineData": {"mimeType": "text/plain", "data": "aGVsbG8gd29ybGQ="}},
    ]


def test_an_images_detail_becomes_its_own_media_resolution_on_gemini_3():
    # https://ai.google.dev/gemini-api/docs/generate-content/media-resolution: per part on Gemini 3 and later;
    # the wire shape is python-genai's Part.mediaResolution = PartMediaResolution{level}.
    content = [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "high"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/c.png", "detail": "auto"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/d.png"}},
    ]
    request = {"messages": [{"role": "user", "content": content}]}
    parts = body({**request, "model": "gemini-3.8-flash"})["contents"][0]["parts"]
    assert parts == [
        {"fileData": {"fileUri": "https://example.com/a.png", "mimeType": "image/png"},
         "mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"}},
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}, "mediaResolution": {"level": "MEDIA_RESOLUTION_HIGH"}},
        {"fileData": {"fileUri": "https://example.com/c.png", "mimeType": "image/png"}},
        {"fileData": {"fileUri": "https://example.com/d.png", "mimeType": "image/png"}},
    ]
    # Gemini 2.5 takes no per-part resolution: the detail is checked, and not sent.
    assert all("mediaResolution" not in part for part in body({**request, "model": "gemini-2.5-flash-lite"})["contents"][0]["parts"])


def test_a_request_wide_media_resolution_from_googles_extras():
    for value, expected in (("low", "MEDIA_RESOLUTION_LOW"), ("MEDIA_RESOLUTION_HIGH", "MEDIA_RESOLUTION_HIGH"),
                            ("Medium", "MEDIA_RESOLUTION_MEDIUM")):
        request = {"messages": [say("hi")], "extra_body": {"google": {"media_resolution": value}}}
        assert body(request)["generationConfig"] == {"mediaResolution": expected}


def test_fields_clients_commonly_send_are_ignored():
    messages = [
        {"role": "user", "content": "hi", "name": "alice"},
        {"role": "assistant", "content": "yo", "refusal": None, "annotations": [], "audio": None, "name": "bot",
         "reasoning_content": "thought about it"},
        {"role": "assistant", "content": [{"type": "text", "text": "more"}, {"type": "refusal", "refusal": "no"}]},
        {"role": "assistant", "content": ""},
    ]
    assert body({"messages": messages})["contents"] == [
        USER,
        {"role": "model", "parts": [{"text": "yo"}]},
        {"role": "model", "parts": [{"text": "more"}]},
    ]


def test_tool_results_are_grouped_into_one_turn_in_call_order():
    messages = [
        say("weather?"),
        {"role": "assistant", "content": None, "tool_calls": [
            call("call_a_0", "weather", '{"city":"Paris"}'),
            call("call_a_1", "weather", '{"city":"Tokyo"}'),
            call("call_a_2", "time", ""),
        ]},
        {"role": "tool", "tool_call_id": "call_a_2", "content": [{"type": "text", "text": "12:00"}]},
        {"role": "tool", "tool_call_id": "call_a_0", "content": '{"temp": 21}'},
        {"role": "tool", "tool_call_id": "call_a_1", "content": "[1, 2]", "name": "weather"},
        say("thanks"),
    ]
    assert body({"messages": messages})["contents"] == [
        {"role": "user", "parts": [{"text": "weather?"}]},
        {"role": "model", "parts": [
            {"functionCall": {"name": "weather", "args": {"city": "Paris"}}},
            {"functionCall": {"name": "weather", "args": {"city": "Tokyo"}}},
            {"functionCall": {"name": "time", "args": {}}},
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "weather", "response": {"temp": 21}}},
            {"functionResponse": {"name": "weather", "response": {"output": "[1, 2]"}}},
            {"functionResponse": {"name": "time", "response": {"output": "12:00"}}},
        ]},
        {"role": "user", "parts": [{"text": "thanks"}]},
    ]


def test_an_assistant_message_with_text_and_calls_keeps_both_in_order():
    messages = [say("hi"), {"role": "assistant", "content": "Let me check.", "tool_calls": [call("call_x_0")]},
                {"role": "tool", "tool_call_id": "call_x_0", "content": "done"}]
    assert body({"messages": messages})["contents"][1] == {
        "role": "model", "parts": [{"text": "Let me check."}, {"functionCall": {"name": "lookup", "args": {"q": "x"}}}],
    }


def test_ids_gemini_gave_go_back_as_function_call_ids():
    messages = [say("hi"), {"role": "assistant", "tool_calls": [call("fc-7f3a")], "content": None},
                {"role": "tool", "tool_call_id": "fc-7f3a", "content": "ok"}]
    contents = body({"messages": messages})["contents"]
    assert contents[1]["parts"] == [{"functionCall": {"name": "lookup", "args": {"q": "x"}, "id": "fc-7f3a"}}]
    assert contents[2]["parts"] == [{"functionResponse": {"name": "lookup", "response": {"output": "ok"}, "id": "fc-7f3a"}}]


# --- thought signatures --------------------------------------------------------------------------


def signed_history(model: str, *calls: dict, text_signature: str | None = None) -> list[dict]:
    assistant = {"role": "assistant", "content": "Checking.", "tool_calls": list(calls)}
    if text_signature:
        assistant["extra_content"] = {"google": {"thought_signature": text_signature}}
    answers = [{"role": "tool", "tool_call_id": c["id"], "content": "ok"} for c in calls]
    return chat_request_to_gemini({"model": model, "messages": [say("go"), assistant, *answers]}, QUIET).body["contents"][1]["parts"]


def test_a_signature_in_the_tool_call_id_goes_back_on_its_call():
    parts = signed_history("gemini-3.1-pro-preview", call("call_a_0__thought__SIG0"), call("call_a_1"))
    assert parts == [
        {"text": "Checking."},
        {"functionCall": {"name": "lookup", "args": {"q": "x"}}, "thoughtSignature": "SIG0"},
        {"functionCall": {"name": "lookup", "args": {"q": "x"}}},
    ]


def test_a_signature_in_extra_content_goes_back_too_and_a_text_signature_on_the_last_text_part():
    extra = {"extra_content": {"google": {"thought_signature": "SIGX"}}}
    parts = signed_history("gemini-3-flash-preview", call("call_b_0", **extra), text_signature="TEXTSIG")
    assert parts == [
        {"text": "Checking.", "thoughtSignature": "TEXTSIG"},
        {"functionCall": {"name": "lookup", "args": {"q": "x"}}, "thoughtSignature": "SIGX"},
    ]


def test_unsigned_calls_get_the_dummy_signature_on_the_first_call_of_each_step_on_gemini_3():
    messages = [
        say("go"),
        {"role": "assistant", "content": None, "tool_calls": [call("call_1"), call("call_2")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "a"},
        {"role": "tool", "tool_call_id": "call_2", "content": "b"},
        {"role": "assistant", "content": None, "tool_calls": [call("call_3")]},
        {"role": "tool", "tool_call_id": "call_3", "content": "c"},
    ]
    for model in ("gemini-3.1-pro-preview", "gemini-flash-latest"):
        contents = chat_request_to_gemini({"model": model, "messages": messages}, QUIET).body["contents"]
        assert [p.get("thoughtSignature") for p in contents[1]["parts"]] == [DUMMY_SIGNATURE, None]
        assert [p.get("thoughtSignature") for p in contents[3]["parts"]] == [DUMMY_SIGNATURE]
    contents = chat_request_to_gemini({"model": "gemini-2.5-flash-lite", "messages": messages}, QUIET).body["contents"]
    assert all("thoughtSignature" not in p for c in contents for p in c["parts"])


def test_signatures_are_not_sent_to_models_that_never_made_them():
    parts = signed_history("gemma-3-27b-it", call("call_a_0__thought__SIG0"), text_signature="T")
    assert all("thoughtSignature" not in part for part in parts)


# --- generation config ---------------------------------------------------------------------------


class _Reading(dict):
    """An empty request body that records every top-level field read from it."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self.read.add(key)
        return super().__contains__(key)


def test_the_fast_paths_know_every_field_they_skip_reading():
    # generationConfig and thinkingConfig are skipped when a request has none of their fields:
    # a field read there but missing from the skip list would be silently ignored.
    from core import generation, thinking

    body = _Reading()
    generation._sampling(body, "gemini-2.5-flash-lite")
    assert body.read <= generation._PARAMS
    body = _Reading()
    thinking._requested(body)
    assert body.read <= thinking._PARAMS


SAMPLING = {
    "messages": [say("hi")], "temperature": 0.2, "top_p": 0.9, "top_k": 40, "max_tokens": 100,
    "max_completion_tokens": 200, "n": 2, "stop": "END", "presence_penalty": 0.5, "frequency_penalty": 0,
    "seed": 7, "logprobs": True, "top_logprobs": 3, "parallel_tool_calls": False, "user": "u1",
    "metadata": {"a": "b"}, "store": False, "logit_bias": {"50256": -100}, "modalities": ["text"],
}


def test_sampling_parameters():
    # A model the tables know nothing about gets every parameter, as the client sent it.
    assert body({**SAMPLING, "model": "gemma-3-27b-it"})["generationConfig"] == {
        "temperature": 0.2, "topP": 0.9, "presencePenalty": 0.5, "topK": 40, "maxOutputTokens": 200,
        "candidateCount": 2, "seed": 7, "stopSequences": ["END"], "responseLogprobs": True, "logprobs": 3,
    }


@pytest.mark.parametrize(("model", "expected"), [
    # 2.5 and later refuse penalties and logprobs ("Penalty is not enabled for models/gemini-2.5-flash",
    # "Logprobs is not enabled for models/gemini-2.5-pro"); sampling still means something.
    ("gemini-2.5-flash-lite", {"temperature": 0.2, "topP": 0.9, "topK": 40}),
    ("gemini-3.1-pro-preview", {"temperature": 0.2, "topP": 0.9, "topK": 40}),
    # 3.6 Flash, 3.5 Flash-Lite and later ignore sampling (changelog 2026-07-21).
    ("gemini-3.8-flash", {}),
    ("gemini-flash-latest", {}),
    ("gemini-2.5-flash", {}),  # served by 3.5 Flash-Lite since 2026-12-01
])
def test_sampling_is_fitted_to_the_model(model, expected):
    config = body({**SAMPLING, "model": model})["generationConfig"]
    fixed = ("maxOutputTokens", "candidateCount", "seed", "stopSequences", "thinkingConfig")
    assert {k: v for k, v in config.items() if k not in fixed} == expected


@pytest.mark.parametrize(("stop", "expected"), [
    (None, None), ("x", ["x"]), (["a", "b"], ["a", "b"]), (["", "a"], ["a"]), ([], None),
])
def test_stop_is_always_a_list(stop, expected):
    assert body({"messages": [say("hi")], "stop": stop}).get("generationConfig", {}).get("stopSequences") == expected


@pytest.mark.parametrize(("model", "response_format", "expected"), [
    ("gemini-2.5-flash-lite", {"type": "text"}, {}),
    ("gemini-2.5-flash-lite", {"type": "json_object"}, {"responseMimeType": "application/json"}),
    ("gemini-2.5-flash-lite", {"type": "json_schema", "json_schema": {"name": "x", "strict": True, "schema": {
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "additionalProperties": False,
        "properties": {"kind": {"const": "cat"}, "age": {"type": ["integer", "null"]}}, "required": ["kind", "age"],
    }}}, {"responseMimeType": "application/json", "responseJsonSchema": {
        "type": "object", "additionalProperties": False,
        "properties": {"kind": {"enum": ["cat"]}, "age": {"type": ["integer", "null"]}}, "required": ["kind", "age"],
    }}),
    ("gemma-3-27b-it", {"type": "json_schema", "json_schema": {"name": "x", "schema": {
        "type": "object", "additionalProperties": False,
        "properties": {"kind": {"const": "cat"}, "age": {"type": ["integer", "null"]}}, "required": ["kind", "age"],
    }}}, {"responseMimeType": "application/json", "responseSchema": {
        "type": "object",
        "properties": {"kind": {"enum": ["cat"], "type": "string"}, "age": {"type": "integer", "nullable": True}},
        "required": ["kind", "age"],
    }}),
    ("gemini-2.5-flash-lite", {"type": "json_schema", "json_schema": {"name": "x"}}, {"responseMimeType": "application/json"}),
])
def test_response_format(model, response_format, expected):
    request = {"model": model, "messages": [say("hi")], "response_format": response_format}
    assert chat_request_to_gemini(request, QUIET).body.get("generationConfig", {}) == expected


# --- tools ---------------------------------------------------------------------------------------

WEATHER = {"type": "function", "function": {"name": "weather", "description": "Get the weather", "strict": True,
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                          "additionalProperties": False}}}
NOW = {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}


def test_function_tools_use_json_schema_parameters_on_gemini_2_5_and_later():
    assert body({"messages": [say("hi")], "tools": [WEATHER, NOW]})["tools"] == [{"functionDeclarations": [
        {"name": "weather", "description": "Get the weather", "parametersJsonSchema": {
            "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}},
        {"name": "now"},
    ]}]


def test_function_tools_use_the_openapi_subset_on_older_models():
    request = {"model": "gemma-3-27b-it", "messages": [say("hi")], "tools": [WEATHER]}
    assert chat_request_to_gemini(request, QUIET).body["tools"] == [{"functionDeclarations": [
        {"name": "weather", "description": "Get the weather", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    ]}]


@pytest.mark.parametrize(("request_", "expected_model", "expected_tools"), [
    ({"model": "gemini-2.5-flash-lite:search"}, "gemini-2.5-flash-lite", [{"googleSearch": {}}]),
    ({"model": "gpt-4o-search-preview"}, "gemini-3.8-flash", [{"googleSearch": {}}]),
    ({"model": "gemini-3.1-pro-preview-search-preview"}, "gemini-3.1-pro-preview", [{"googleSearch": {}}]),
    ({"model": "gemini-3.8-flash:high:search"}, "gemini-3.8-flash", [{"googleSearch": {}}]),
    ({"model": "gemini-3.8-flash:search:high"}, "gemini-3.8-flash", [{"googleSearch": {}}]),
    ({"model": "gemini-2.5-flash-lite", "web_search_options": {"search_context_size": "low"}}, "gemini-2.5-flash-lite",
     [{"googleSearch": {}}]),
    ({"model": "gemini-3-flash-preview", "tools": [{"type": "web_search"}, WEATHER]}, "gemini-3-flash-preview",
     [{"functionDeclarations": [{"name": "weather", "description": "Get the weather", "parametersJsonSchema": {
         "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}]},
      {"googleSearch": {}}]),
    ({"model": "gemini-2.5-flash-lite:search", "tools": [{"code_execution": {}}, {"urlContext": {}}]}, "gemini-2.5-flash-lite",
     [{"codeExecution": {}}, {"urlContext": {}}, {"googleSearch": {}}]),
])
def test_web_search_and_native_tools(request_, expected_model, expected_tools):
    plan = chat_request_to_gemini({"messages": [say("hi")], **request_}, QUIET)
    assert (plan.model, plan.body["tools"]) == (expected_model, expected_tools)
    assert plan.notes == ()


WEATHER_DECLARATIONS = {"functionDeclarations": [{"name": "weather", "description": "Get the weather", "parametersJsonSchema": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}]}


@pytest.mark.parametrize("model", ["gemini-3-flash-preview", "gemini-3.1-pro-preview", "gemini-flash-latest"])
@pytest.mark.parametrize("tools", [[{"type": "web_search"}, WEATHER], [WEATHER, {"url_context": {}}]])
def test_built_in_tools_beside_functions_set_the_combination_flag_on_gemini_3(model, tools):
    # https://ai.google.dev/gemini-api/docs/tool-combination: Gemini 3 needs includeServerSideToolInvocations.
    plan = chat_request_to_gemini({"model": model, "messages": [say("hi")], "tools": tools, "tool_choice": "auto"}, QUIET)
    assert plan.body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}, "includeServerSideToolInvocations": True}
    assert WEATHER_DECLARATIONS in plan.body["tools"] and len(plan.body["tools"]) == 2
    assert plan.notes == ()


@pytest.mark.parametrize(("request_", "left_out"), [
    ({"model": "gemini-2.5-flash-lite", "tools": [{"type": "web_search"}, WEATHER]}, "googleSearch"),
    ({"model": "gemini-2.5-flash-lite:search", "tools": [WEATHER]}, "googleSearch"),
    ({"model": "gemini-2.5-flash-lite", "web_search_options": {}, "tools": [WEATHER, {"code_execution": {}}]},
     "codeExecution, googleSearch"),
])
def test_older_models_keep_the_functions_and_leave_the_built_in_tools_out(request_, left_out):
    # Gemini 2.5 refuses the combination, with the flag (prism-php/prism#972) and without it (symfony/ai#803).
    plan = chat_request_to_gemini({"messages": [say("hi")], **request_}, QUIET)
    assert plan.body["tools"] == [WEATHER_DECLARATIONS]
    assert "toolConfig" not in plan.body
    assert plan.notes == (f"left out {left_out}: {plan.model} cannot combine built-in tools with function calling",)


def test_built_in_tools_alone_need_no_flag():
    plan = chat_request_to_gemini({"model": "gemini-3-flash-preview", "messages": [say("hi")], "tools": [{"type": "web_search"}]}, QUIET)
    assert plan.body["tools"] == [{"googleSearch": {}}] and "toolConfig" not in plan.body


@pytest.mark.parametrize(("choice", "expected"), [
    ("none", {"functionCallingConfig": {"mode": "NONE"}}),
    ("auto", {"functionCallingConfig": {"mode": "AUTO"}}),
    ("required", {"functionCallingConfig": {"mode": "ANY"}}),
    ({"type": "function", "function": {"name": "weather"}},
     {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["weather"]}}),
    ({"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "weather"}}]}},
     {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["weather"]}}),
])
def test_tool_choice(choice, expected):
    assert body({"messages": [say("hi")], "tools": [WEATHER], "tool_choice": choice})["toolConfig"] == expected


# --- extras, safety, models ----------------------------------------------------------------------


@pytest.mark.parametrize("where", ["nested", "flattened"])
def test_googles_extra_body_is_read_nested_or_flattened(where):
    google = {"thinking_config": {"thinking_budget": 2048, "include_thoughts": True}, "cached_content": "abc",
              "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}]}
    request = {"messages": [say("hi")], **({"extra_body": {"google": google}} if where == "nested" else {"google": google})}
    gemini = body(request)
    assert gemini["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True}}
    assert gemini["cachedContent"] == "cachedContents/abc"
    assert gemini["safetySettings"] == [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}]


def test_safety_defaults_to_the_least_blocking_threshold_and_is_configurable():
    categories = ["HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_SEXUALLY_EXPLICIT",
                  "HARM_CATEGORY_DANGEROUS_CONTENT"]
    assert body({"messages": [say("hi")]}, Settings())["safetySettings"] == [{"category": c, "threshold": "OFF"} for c in categories]
    high = Settings(safety_threshold="BLOCK_ONLY_HIGH")
    assert body({"messages": [say("hi")]}, high)["safetySettings"] == [{"category": c, "threshold": "BLOCK_ONLY_HIGH"} for c in categories]


ALIASES = Settings(safety_threshold="DEFAULT", model_aliases={
    "gpt-4o-mini": "gemini-2.5-flash-lite", "claude": "gemini-3.1-pro-preview:search", "fast": "gemini-3.8-flash:low",
    "old": "gemini-2.5-pro",
})


@pytest.mark.parametrize(("requested", "expected"), [
    ("gemini-3.1-pro-preview", ("gemini-3.1-pro-preview", False, None)),
    ("models/gemini-3.1-pro-preview", ("gemini-3.1-pro-preview", False, None)),
    ("gemma-3-27b-it", ("gemma-3-27b-it", False, None)),
    ("learnlm-2.0-flash-experimental", ("learnlm-2.0-flash-experimental", False, None)),
    ("gpt-4o", ("gemini-3.8-flash", False, None)),
    ("gpt-4o-mini", ("gemini-2.5-flash-lite", False, None)),
    ("claude", ("gemini-3.1-pro-preview", True, None)),
    (None, ("gemini-3.8-flash", False, None)),
    # Retired names go to the model Google serves in their place (core/lineup.py RETIRED).
    ("gemini-2.5-pro", ("gemini-3.8-flash", False, None)),
    ("gemini-2.5-flash", ("gemini-3.5-flash-lite", False, None)),
    ("gemini-3-pro-preview", ("gemini-3.1-pro-preview", False, None)),
    ("gemini-3.5-flash", ("gemini-3.6-flash", False, None)),
    ("old", ("gemini-3.8-flash", False, None)),
    # Options after the name: an effort or a budget, and :search, in any order.
    ("gemini-3.8-flash:high", ("gemini-3.8-flash", False, "high")),
    ("gemini-3.8-flash:HIGH:search", ("gemini-3.8-flash", True, "high")),
    ("gemini-2.5-flash-lite:2048", ("gemini-2.5-flash-lite", False, 2048)),
    ("gemini-2.5-flash-lite:0", ("gemini-2.5-flash-lite", False, 0)),
    ("fast", ("gemini-3.8-flash", False, "low")),
    ("fast:high", ("gemini-3.8-flash", False, "high")),  # the client's option wins over the alias's
    ("fast:search", ("gemini-3.8-flash", True, "low")),
    ("gpt-4o:none", ("gemini-3.8-flash", False, "none")),
])
def test_model_names(requested, expected):
    from core.models import resolve_chat_model

    assert tuple(resolve_chat_model(requested, ALIASES)) == expected
    request = {"messages": [say("hi")]} if requested is None else {"model": requested, "messages": [say("hi")]}
    assert chat_request_to_gemini(request, ALIASES).model == expected[0]


@pytest.mark.parametrize("model", ["gemini-3.8-flash:loud", "gemini-3.8-flash:high:low", "gemini-3.8-flash:", "gemini-3.8-flash:-1"])
def test_bad_model_options_are_a_400_naming_the_model(model):
    with pytest.raises(InvalidRequestError) as caught:
        chat_request_to_gemini({"model": model, "messages": [say("hi")]}, QUIET)
    assert caught.value.param == "model" and caught.value.status == 400


def test_an_effort_in_the_name_wins_over_the_request_and_the_default():
    settings = Settings(safety_threshold="DEFAULT", include_thoughts=False, default_reasoning_effort="high")
    def level(request: dict) -> str:
        return chat_request_to_gemini({"messages": [say("hi")], **request}, settings).body["generationConfig"]["thinkingConfig"]
    assert level({"model": "gemini-3.8-flash"}) == {"thinkingLevel": "high"}  # DEFAULT_REASONING_EFFORT
    assert level({"model": "gemini-3.8-flash", "reasoning_effort": "medium"}) == {"thinkingLevel": "medium"}
    assert level({"model": "gemini-3.8-flash:low", "reasoning_effort": "medium"}) == {"thinkingLevel": "low"}
    google = {"extra_body": {"google": {"thinking_config": {"thinking_level": "medium"}}}}
    assert level({"model": "gemini-3.8-flash:low", **google}) == {"thinkingLevel": "medium"}  # Google's own terms win


def test_the_plan_lists_what_the_client_set_in_googles_terms():
    google = {"thinking_config": {"thinking_level": "low", "include_thoughts": None}, "cached_content": "c",
              "safety_settings": [], "media_resolution": "low"}
    plan = chat_request_to_gemini({"model": "gemini-3.8-flash", "messages": [say("hi")], "extra_body": {"google": google},
                                   "reasoning_effort": "high", "temperature": 1}, QUIET)
    assert plan.explicit == frozenset({
        "generationConfig.thinkingConfig.thinkingLevel", "cachedContent", "safetySettings", "generationConfig.mediaResolution",
    })
    assert plan.body["generationConfig"]["mediaResolution"] == "MEDIA_RESOLUTION_LOW"
    plain = chat_request_to_gemini({"model": "gemini-3.8-flash", "messages": [say("hi")], "reasoning_effort": "low"}, QUIET)
    assert plain.explicit == frozenset()


def test_the_plan_knows_stream_usage_and_n():
    plan = chat_request_to_gemini({"model": "gemini-2.5-flash-lite", "messages": [say("hi")], "stream": True,
                                   "stream_options": {"include_usage": True}, "n": 3}, QUIET)
    assert (plan.stream, plan.include_usage, plan.n) == (True, True, 3)
    assert plan.upstream()[0].path == "/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent"
    assert plan.upstream()[0].query == (("alt", "sse"),)


def test_service_tier():
    assert body({"messages": [say("hi")], "service_tier": "flex"})["serviceTier"] == "flex"
    assert "serviceTier" not in body({"messages": [say("hi")], "service_tier": "auto"})


# --- bad input: always a 400 that names the field ------------------------------------------------

BAD = [
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.example/a.png", "detail": "max"}}]}]},
     "messages[0].content[0].image_url.detail"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.example/a.png", "detail": 1}}]}]},
     "messages[0].content[0].image_url.detail"),
    ({"messages": [say("hi")], "extra_body": {"google": {"media_resolution": "ultra"}}}, "extra_body.google.media_resolution"),
    ({"messages": "hi"}, "messages"),
    ({}, "messages"),
    ({"messages": []}, "messages"),
    ({"messages": ["hi"]}, "messages[0]"),
    ({"messages": [{"content": "hi"}]}, "messages[0].role"),
    ({"messages": [{"role": "robot", "content": "hi"}]}, "messages[0].role"),
    ({"messages": [{"role": "function", "name": "f", "content": "hi"}]}, "messages[0].role"),
    ({"messages": [{"role": "user"}]}, "messages[0].content"),
    ({"messages": [{"role": "user", "content": ""}]}, "messages[0].content"),
    ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ({"messages": [{"role": "user", "content": [{"type": "video", "video": {}}]}]}, "messages[0].content[0].type"),
    ({"messages": [{"role": "user", "content": [{"text": "no type"}]}]}, "messages[0].content[0].type"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64"}}]}]},
     "messages[0].content[0].image_url.url"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}]}]},
     "messages[0].content[0].image_url.url"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}]}]},
     "messages[0].content[0].image_url.url"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "/etc/passwd"}}]}]},
     "messages[0].content[0].image_url.url"),
    ({"messages": [{"role": "user", "content": [{"type": "file", "file": {"file_id": "file-abc"}}]}]}, "messages[0].content[0].file"),
    ({"messages": [{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}, say("hi")]},
     "messages[0].content[0].type"),
    ({"messages": [{"role": "assistant", "content": None}]}, "messages[0].content"),
    ({"messages": [say("hi"), {"role": "tool", "tool_call_id": "call_nope", "content": "x"}]}, "messages[1].tool_call_id"),
    ({"messages": [say("hi"), {"role": "tool", "content": "x"}]}, "messages[1].tool_call_id"),
    ({"messages": [{"role": "assistant", "content": None, "tool_calls": [call("c", arguments="{not json")]}]},
     "messages[0].tool_calls[0].function.arguments"),
    ({"messages": [{"role": "assistant", "content": None, "tool_calls": [call("c", arguments="[1]")]}]},
     "messages[0].tool_calls[0].function.arguments"),
    ({"messages": [{"role": "assistant", "content": None, "tool_calls": [{"type": "function", "function": {"name": "f"}}]}]},
     "messages[0].tool_calls[0].id"),
    ({"messages": [say("hi")], "stop": ["1", "2", "3", "4", "5", "6"]}, "stop"),
    ({"messages": [say("hi")], "stop": 5}, "stop"),
    ({"messages": [say("hi")], "n": 9}, "n"),
    ({"messages": [say("hi")], "n": 0}, "n"),
    ({"messages": [say("hi")], "n": True}, "n"),
    ({"messages": [say("hi")], "temperature": "hot"}, "temperature"),
    ({"messages": [say("hi")], "temperature": 3}, "temperature"),
    ({"messages": [say("hi")], "max_tokens": 0}, "max_tokens"),
    ({"messages": [say("hi")], "max_tokens": 10**12}, "max_tokens"),
    ({"messages": [say("hi")], "top_logprobs": 21}, "top_logprobs"),
    ({"messages": [say("hi")], "stream": "yes"}, "stream"),
    ({"messages": [say("hi")], "response_format": {"type": "xml"}}, "response_format.type"),
    ({"messages": [say("hi")], "response_format": {"type": "json_schema", "json_schema": {"schema": []}}},
     "response_format.json_schema.schema"),
    ({"messages": [say("hi")], "tools": [{"type": "custom", "custom": {}}]}, "tools[0].type"),
    ({"messages": [say("hi")], "tools": [{"type": "function"}]}, "tools[0].function"),
    ({"messages": [say("hi")], "tools": [{"type": "function", "function": {"description": "x"}}]}, "tools[0].function.name"),
    ({"messages": [say("hi")], "tool_choice": "sometimes"}, "tool_choice"),
    ({"messages": [say("hi")], "tool_choice": {"type": "function"}}, "tool_choice.function.name"),
    ({"messages": [say("hi")], "reasoning_effort": "max"}, "reasoning_effort"),
    ({"messages": [say("hi")], "extra_body": {"google": {"thinking_config": {"thinking_budget": 10, "thinking_level": "low"}}}},
     "extra_body.google.thinking_config"),
    ({"messages": [say("hi")], "extra_body": {"google": {"cached_content": "projects/x/caches/y"}}}, "extra_body.google.cached_content"),
    ({"model": "gemini-2.5-flash/../../files", "messages": [say("hi")]}, "model"),
    ({"model": "models/gemini 2.5", "messages": [say("hi")]}, "model"),
    ({"model": 4, "messages": [say("hi")]}, "model"),
]


@pytest.mark.parametrize(("request_", "param"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_is_a_400_naming_the_field(request_, param):
    with pytest.raises(InvalidRequestError) as caught:
        chat_request_to_gemini(request_, QUIET)
    error = caught.value
    assert error.status == 400
    assert error.param == param, error.message
    assert error.to_dict()["error"]["type"] == "invalid_request_error"
    assert error.message
