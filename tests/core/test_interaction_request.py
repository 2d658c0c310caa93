"""core/interaction_request.py, core/interaction_steps.py and core/response_ids.py: what reaches Gemini's
Interactions API, and the ids that find it again."""

from __future__ import annotations

import copy

import pytest

from core.interaction_request import agent_for, cancel_request, create_request, delete_request, get_request, interaction_body
from core.interaction_steps import steps_from_contents
from core.keys import key_tag
from core.response_ids import StoredId, item_token, parse_response_id, stored_response_id


def test_generate_fields_become_interactions_fields_and_what_has_no_field_is_left_out():
    gemini = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "One."}, {"text": "Two."}]},
        "tools": [{"functionDeclarations": [{"name": "f", "parametersJsonSchema": {"type": "object"}}]},
                  {"googleSearch": {}}, {"urlContext": {}}, {"codeExecution": {}}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]},
                       "includeServerSideToolInvocations": True},
        "generationConfig": {"temperature": 0.2, "topP": 0.9, "maxOutputTokens": 10, "stopSequences": ["x"], "seed": 7,
                             "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True},
                             "responseMimeType": "application/json"},
        "safetySettings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}],
        "serviceTier": "flex",
    }
    frozen = copy.deepcopy(gemini)
    body = interaction_body(gemini, [{"type": "user_input", "content": []}], model="gemini-3.8-flash", agent=None, summaries=False)
    assert gemini == frozen
    assert body == {
        "model": "gemini-3.8-flash",
        "input": [{"type": "user_input", "content": []}],
        "system_instruction": "One.\n\nTwo.",
        "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}, {"type": "google_search"},
                  {"type": "url_context"}, {"type": "code_execution"}],
        "generation_config": {"max_output_tokens": 10, "stop_sequences": ["x"], "seed": 7, "thinking_level": "medium",
                              "thinking_summaries": "auto", "tool_choice": {"allowed_tools": {"mode": "any", "tools": ["f"]}}},
        "response_format": {"type": "text", "mime_type": "application/json"},
        "safety_settings": [{"type": "hate_speech", "threshold": "block_none"}],
        "service_tier": "flex",
    }


@pytest.mark.parametrize(("model", "agent"), [
    ("o3-deep-research", "deep-research-max-preview-04-2026"),
    ("o4-mini-deep-research-2025-06-26", "deep-research-preview-04-2026"),
    ("deep-research-pro-preview-12-2025", "deep-research-pro-preview-12-2025"),
    ("gemini-3.8-flash", None), ("gpt-4o", None), (None, None),
])
def test_deep_research_names(model, agent):
    assert agent_for(model) == agent


def test_the_upstream_requests_pin_the_steps_schema():
    create = create_request({"model": "m", "input": "x"}, stream=True)
    assert (create.method, create.target(), create.body["stream"], create.stream) == ("POST", "/v1beta/interactions", True, True)
    assert create.headers("k")["api-revision"] == "2026-05-20" and create.headers("k")["accept-encoding"] == "identity"
    assert get_request("v1/a b", stream=True, last_event_id="e1").target() == "/v1beta/interactions/v1%2Fa%20b?stream=true&last_event_id=e1"
    assert get_request("v1_a").target() == "/v1beta/interactions/v1_a"
    assert (cancel_request("v1_a").method, cancel_request("v1_a").target()) == ("POST", "/v1beta/interactions/v1_a/cancel")
    assert (delete_request("v1_a").method, delete_request("v1_a").body) == ("DELETE", None)


def test_contents_become_steps_calls_and_answers_paired_by_position():
    contents = [
        {"role": "user", "parts": [{"text": "look"}, {"inlineData": {"mimeType": "image/png", "data": "AAAA"},
                                                      "mediaResolution": {"level": "MEDIA_RESOLUTION_HIGH"}},
                                   {"fileData": {"mimeType": "application/pdf", "fileUri": "https://x/y.pdf"}}]},
        {"role": "model", "parts": [
            {"toolCall": {"toolType": "GOOGLE_SEARCH_WEB", "args": {"queries": ["q"]}, "id": "s1"}, "thoughtSignature": "T1"},
            {"toolResponse": {"toolType": "GOOGLE_SEARCH_WEB", "response": {"search_suggestions": "<div/>"}, "id": "s1"},
             "thoughtSignature": "T2"},
            {"text": "I will check.", "thoughtSignature": "T3"},
            {"functionCall": {"name": "a", "args": {"x": 1}}, "thoughtSignature": "T4"},
            {"functionCall": {"name": "b", "args": {}}},
        ]},
        {"role": "user", "parts": [{"functionResponse": {"name": "a", "response": {"ok": 1}}},
                                   {"functionResponse": {"name": "b", "response": {"output": "2"},
                                                         "parts": [{"inlineData": {"mimeType": "image/jpeg", "data": "BBBB"}}]}}]},
    ]
    frozen = copy.deepcopy(contents)
    steps = steps_from_contents(contents)
    assert contents == frozen
    assert steps == [
        {"type": "user_input", "content": [
            {"type": "text", "text": "look"},
            {"type": "image", "data": "AAAA", "mime_type": "image/png", "resolution": "high"},
            {"type": "document", "uri": "https://x/y.pdf", "mime_type": "application/pdf"}]},
        {"type": "google_search_call", "id": "s1", "arguments": {"queries": ["q"]}, "signature": "T1"},
        {"type": "google_search_result", "call_id": "s1", "result": [{"search_suggestions": "<div/>"}], "signature": "T2"},
        {"type": "thought", "signature": "T3"},
        {"type": "model_output", "content": [{"type": "text", "text": "I will check."}]},
        {"type": "thought", "signature": "T4"},
        {"type": "function_call", "id": "call_1", "name": "a", "arguments": {"x": 1}},
        {"type": "function_call", "id": "call_2", "name": "b", "arguments": {}},
        {"type": "function_result", "call_id": "call_1", "result": {"ok": 1}, "name": "a"},
        {"type": "function_result", "call_id": "call_2", "name": "b", "result": [
            {"type": "text", "text": '{"output":"2"}'}, {"type": "image", "data": "BBBB", "mime_type": "image/jpeg"}]},
    ]


def test_a_stored_id_round_trips_and_never_holds_the_key():
    key = "AIzaSyNeverInAnId000000000000000000001"
    response_id = stored_response_id("v1_Chd/odd=+id", 3, key_tag(key), background=True)
    assert key not in response_id and key_tag(key) in response_id
    assert parse_response_id(response_id) == StoredId("v1_Chd/odd=+id", 3, key_tag(key), True)
    assert all(c.isalnum() or c in "_-" for c in response_id)  # safe in a URL path
    assert item_token("v1_x") == item_token("v1_x") and item_token("v1_x").isalnum()


@pytest.mark.parametrize("response_id", ["resp_abc", "resp_gi1_0_zzzzzzzz_f_YQ", "resp_gi1_x_00000000_f_YQ",
                                         "resp_gi1_0_00000000_q_YQ", "resp_gi1_0_00000000_f_", "resp_gi1_0_00000000_f_!!", ""])
def test_ids_that_are_no_stored_response(response_id):
    assert parse_response_id(response_id) is None


def test_a_key_tag_is_short_stable_and_tells_keys_apart():
    tags = {key_tag(f"AIzaSyPoolKey{n:024d}") for n in range(200)}
    assert len(tags) == 200 and all(len(tag) == 8 for tag in tags)
    assert key_tag("AIzaSyPoolKey0001") == key_tag("AIzaSyPoolKey0001")
