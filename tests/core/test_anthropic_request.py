"""Anthropic Messages requests → Gemini (core/anthropic_request.py, anthropic_content.py, anthropic_tools.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from core.anthropic_request import count_tokens_request_to_gemini, messages_request_to_gemini
from core.config import Settings
from core.errors import InvalidRequestError
from core.signatures import DUMMY_SIGNATURE, mark_signature

SETTINGS = Settings(safety_threshold="DEFAULT")
CLAUDE_CODE = Path(__file__).parent / "fixtures" / "claude_code"
WEATHER = {"name": "get_weather", "description": "Weather in a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
PNG = "iVBORw0KGgo="


def plan(**body):
    body.setdefault("model", "gemini-2.5-flash-lite")
    body.setdefault("max_tokens", 1024)
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    return messages_request_to_gemini(body, SETTINGS)


def refused(**body) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as caught:
        plan(**body)
    return caught.value


def claude_code(name: str) -> dict:
    return json.loads((CLAUDE_CODE / f"{name}.json").read_text())["body"]


# ---- the request as a whole ------------------------------------------------------------------


def test_a_plain_request():
    result = plan(system="Be brief.", messages=[{"role": "user", "content": "hello"}], temperature=0.5, top_p=0.9,
                  top_k=40, stop_sequences=["END", ""], metadata={"user_id": "u1"}, service_tier="auto")
    assert result.model == "gemini-2.5-flash-lite" and not result.stream and not result.single_tool
    assert result.body == {
        "contents": [{"role": "user", "parts": [{"text": "hello"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"temperature": 0.5, "topP": 0.9, "topK": 40, "maxOutputTokens": 1024, "stopSequences": ["END"]},
    }
    assert result.upstream().path == "/v1beta/models/gemini-2.5-flash-lite:generateContent"
    assert plan(stream=True).upstream().query == (("alt", "sse"),)


def test_the_input_is_never_changed():
    body = claude_code("tool_result_turn")
    before = copy.deepcopy(body)
    messages_request_to_gemini(body, SETTINGS)
    count_tokens_request_to_gemini(body, SETTINGS)
    assert body == before


@pytest.mark.parametrize(("requested", "expected"), [
    ("claude-opus-5-5", "gemini-3.1-pro-preview"),
    ("claude-sonnet-4-6", "gemini-3.8-flash"),
    ("claude-haiku-4-5-20251001", "gemini-3.5-flash-lite"),
    ("claude-3-5-haiku-latest", "gemini-3.5-flash-lite"),
    ("claude-fable-1", "gemini-3.8-flash"),
    ("gemini-2.5-pro", "gemini-3.8-flash"),  # retired: sent as the model Google serves for it
    ("models/gemini-2.5-flash-lite", "gemini-2.5-flash-lite"),
    ("gpt-4o", "gemini-3.8-flash"),
    ("opus", "gemini-3.1-pro-preview"),
])
def test_model_names(requested, expected):
    assert plan(model=requested).model == expected


def test_model_names_follow_the_settings_and_aliases():
    settings = SETTINGS._replace(anthropic_small_model="gemini-2.5-flash-lite",
                                 model_aliases={"claude-opus-5-5": "gemini-3.1-pro-preview:search"})
    body = {"max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
    assert messages_request_to_gemini({**body, "model": "claude-haiku-4-5"}, settings).model == "gemini-2.5-flash-lite"
    aliased = messages_request_to_gemini({**body, "model": "claude-opus-5-5"}, settings)
    assert aliased.model == "gemini-3.1-pro-preview" and aliased.body["tools"] == [{"googleSearch": {}}]


def test_max_tokens_is_required_and_cut_to_what_gemini_writes():
    assert refused(max_tokens=None).param == "max_tokens"
    assert refused(max_tokens=0).param == "max_tokens"
    assert plan(max_tokens=128000, model="claude-opus-5-5").body["generationConfig"]["maxOutputTokens"] == 65536
    assert plan(max_tokens=128000, model="gemma-3-27b-it").body["generationConfig"]["maxOutputTokens"] == 8192


@pytest.mark.parametrize(("body", "param"), [
    ({"model": None}, "model"),
    ({"messages": []}, "messages"),
    ({"messages": "hi"}, "messages"),
    ({"temperature": 1.5}, "temperature"),
    ({"top_p": -1}, "top_p"),
    ({"stop_sequences": ["a", "b", "c", "d", "e", "f"]}, "stop_sequences"),
    ({"stop_sequences": [1]}, "stop_sequences"),
    ({"thinking": {"type": "sometimes"}}, "thinking.type"),
    ({"thinking": {"type": "enabled"}}, "thinking.budget_tokens"),
    ({"output_config": {"effort": "maximal"}}, "output_config.effort"),
    ({"output_config": {"format": {"type": "xml"}}}, "output_config.format.type"),
    ({"mcp_servers": [{"type": "url", "url": "https://mcp.example", "name": "x"}]}, "mcp_servers"),
    ({"tools": [{"type": "bash_20250124", "name": "bash"}]}, "tools[0].type"),
    ({"tools": [{"name": "f"}]}, "tools[0].input_schema"),
    ({"tool_choice": {"type": "required"}}, "tool_choice.type"),
    ({"tool_choice": {"type": "tool"}}, "tool_choice.name"),
    ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].role"),
    ({"messages": [{"role": "user"}]}, "messages[0].content"),
    ({"messages": [{"role": "user", "content": [{"type": "video"}]}]}, "messages[0].content[0].type"),
    ({"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                                            "data": "not base64!"}}]}]},
     "messages[0].content[0].source.data"),
    ({"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "ftp://x/y.png"}}]}]},
     "messages[0].content[0].source.url"),
    ({"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "file", "file_id": "file_011"}}]}]},
     "messages[0].content[0].source.file_id"),
    ({"messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "42"}]}]},
     "messages[0].content[0].tool_use_id"),
    ({"messages": [{"role": "user", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]}]},
     "messages[0].content[0].type"),
    ({"messages": [{"role": "assistant", "content": [{"type": "image", "source": {}}]}]}, "messages[0].content[0].type"),
    ({"system": [{"type": "image"}]}, "system[0].type"),
])
def test_bad_input_is_a_400_naming_the_parameter(body, param):
    assert refused(**body).param == param


# ---- content -----------------------------------------------------------------------------------


def test_images_documents_and_search_results():
    content = [
        {"type": "text", "text": "Compare", "cache_control": {"type": "ephemeral"}, "citations": []},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}, "title": "Q3"},
        {"type": "document", "source": {"type": "url", "url": "https://example.com/report"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain words"}, "context": "notes"},
        {"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": "chunk"}]}},
        {"type": "search_result", "source": "https://s.example", "title": "S", "content": [{"type": "text", "text": "found"}]},
        {"type": "image", "source": {"type": "file", "file_id": "files/abc"}},
    ]
    parts = plan(messages=[{"role": "user", "content": content}]).body["contents"][0]["parts"]
    assert parts == [
        {"text": "Compare"},
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
        {"fileData": {"fileUri": "https://example.com/cat.jpg", "mimeType": "image/jpeg"}},
        {"text": "Q3"}, {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
        {"fileData": {"fileUri": "https://example.com/report", "mimeType": "application/pdf"}},
        {"text": "notes"}, {"text": "plain words"},
        {"text": "chunk"},
        {"text": "Search result: S (https://s.example)\nfound"},
        {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc"}},
    ]


def test_consecutive_turns_of_a_role_are_one_and_empty_ones_vanish():
    contents = plan(messages=[
        {"role": "user", "content": "one"}, {"role": "user", "content": [{"type": "text", "text": "two"}]},
        {"role": "assistant", "content": [{"type": "text", "text": ""}]},
        {"role": "assistant", "content": "three"}, {"role": "assistant", "content": [{"type": "redacted_thinking", "data": "x"}]},
        {"role": "user", "content": "four"},
    ]).body["contents"]
    assert contents == [{"role": "user", "parts": [{"text": "one"}, {"text": "two"}]},
                        {"role": "model", "parts": [{"text": "three"}]}, {"role": "user", "parts": [{"text": "four"}]}]


def test_system_messages_lead_into_the_system_instruction_and_later_stay_where_they_stand():
    body = plan(system=[{"type": "text", "text": "top"}], messages=[
        {"role": "system", "content": "leading"},
        {"role": "user", "content": "hi"},
        {"role": "system", "content": [{"type": "text", "text": "env"}, {"type": "text", "text": "tools"}],
         "output_config": {"effort": "low"}},
        {"role": "assistant", "content": "hello"},
        {"role": "system", "content": "at the end"},
    ]).body
    assert body["systemInstruction"] == {"parts": [{"text": "top"}, {"text": "leading"}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "hi"}, {"text": "<system>\nenv\n\ntools\n</system>"}]},
        {"role": "model", "parts": [{"text": "hello"}]},
        {"role": "user", "parts": [{"text": "<system>\nat the end\n</system>"}]},
    ]


def test_a_tool_loop_with_signatures_ids_and_multimodal_results():
    signature = mark_signature("c2lnLWE=")
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Two cities.", "signature": signature},
            {"type": "tool_use", "id": "toolu_abc_0", "name": "get_weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "fc-gemini-1", "name": "get_weather", "input": {"city": "Tokyo"}},
        ]},
        {"role": "system", "content": "keep going"},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "fc-gemini-1", "content": [
                {"type": "text", "text": "rain"}, {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}]},
            {"type": "tool_result", "tool_use_id": "toolu_abc_0", "content": "sun", "is_error": True},
            {"type": "text", "text": "and?"},
        ]},
    ]
    contents = plan(model="gemini-3.1-pro-preview", messages=messages).body["contents"]
    assert contents[1] == {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "c2lnLWE="},
        {"functionCall": {"name": "get_weather", "args": {"city": "Tokyo"}, "id": "fc-gemini-1"}},
    ]}
    # The answers first, in the order of the calls; then what stands beside them.
    assert contents[2] == {"role": "user", "parts": [
        {"functionResponse": {"name": "get_weather", "response": {"error": "sun"}}},
        {"functionResponse": {"name": "get_weather", "response": {"output": "rain"}, "id": "fc-gemini-1"}},
        {"text": "<system>\nkeep going\n</system>"},
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
        {"text": "and?"},
    ]}


@pytest.mark.parametrize(("blocks", "signed"), [
    # a call's signature is on the thinking block just before its tool_use
    (["text", "sig:A", "call"], {"call": "A"}),
    # a text's on the thinking block after it (Gemini 3 signs the last part of a text answer)
    (["thought", "text", "sig:A"], {"text": "A"}),
    # a signed thought part's, when the text follows
    (["sig:A", "text"], {"text": "A"}),
    # a signed text's, then a signed call's, side by side
    (["text", "sig:A", "sig:B", "call"], {"text": "A", "call": "B"}),
    # another provider's signature (unmarked) is never sent to Gemini; Gemini 3 then gets the dummy
    (["unmarked", "call"], {"call": DUMMY_SIGNATURE}),
    (["sig:A"], {}),
])
def test_where_thinking_signatures_go_back(blocks, signed):
    content = []
    for block in blocks:
        if block == "text":
            content.append({"type": "text", "text": "words"})
        elif block == "call":
            content.append({"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}})
        elif block == "thought":
            content.append({"type": "thinking", "thinking": "hmm", "signature": ""})
        elif block == "unmarked":
            content.append({"type": "thinking", "thinking": "hmm", "signature": "EqQBCkYIBxgCKkB"})  # Anthropic's own
        else:
            content.append({"type": "thinking", "thinking": "", "signature": mark_signature(block[4:])})
    messages = [{"role": "user", "content": "go"}, {"role": "assistant", "content": content}]
    if "call" in blocks:
        messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}]})
    contents = plan(model="gemini-3.1-pro-preview", messages=messages,
                    tools=[{"name": "f", "input_schema": {"type": "object"}}]).body["contents"]
    model_parts = contents[1]["parts"] if len(contents) > 1 else []
    found = {("call" if "functionCall" in p else "text"): p["thoughtSignature"] for p in model_parts if "thoughtSignature" in p}
    assert found == signed


def test_signatures_are_kept_from_non_gemini_models_never():
    messages = [{"role": "user", "content": "go"}, {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "", "signature": mark_signature("A")}, {"type": "text", "text": "w"}]}]
    assert plan(model="gemma-3-27b-it", messages=messages).body["contents"][1] == {"role": "model", "parts": [{"text": "w"}]}


# ---- tools ----------------------------------------------------------------------------------------


def test_tools_and_tool_choice():
    body = plan(tools=[WEATHER, {"type": "custom", "name": "noop", "input_schema": {"type": "object", "properties": {}}},
                       {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
                       {"type": "web_fetch_20250910", "name": "web_fetch"}, {"type": "code_execution_20250825", "name": "code"}],
                tool_choice={"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True})
    assert body.body["tools"] == [
        {"functionDeclarations": [
            {"name": "get_weather", "description": "Weather in a city", "parametersJsonSchema": WEATHER["input_schema"]},
            {"name": "noop"}]},
        {"googleSearch": {}}, {"urlContext": {}}, {"codeExecution": {}},
    ]
    assert body.body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}
    assert body.single_tool
    for kind, mode in (("auto", "AUTO"), ("any", "ANY"), ("none", "NONE")):
        assert plan(tools=[WEATHER], tool_choice={"type": kind}).body["toolConfig"] == {"functionCallingConfig": {"mode": mode}}
    # no functions to choose from: no toolConfig
    assert "toolConfig" not in plan(tools=[{"type": "web_search_20260318", "name": "web_search"}], tool_choice={"type": "any"}).body


def test_deferred_tools_are_declared_once_a_tool_reference_loads_them():
    deferred = {**WEATHER, "name": "WebFetch", "defer_loading": True}
    placeholder = {"name": "DeferredToolPlaceholder", "defer_loading": True, "input_schema": {"type": "object", "properties": {}}}
    search = {"name": "ToolSearch", "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}
    before = plan(tools=[search, deferred, placeholder]).body["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in before] == ["ToolSearch"]
    messages = [
        {"role": "user", "content": "load it"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "ToolSearch", "input": {"query": "select:WebFetch"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [
            {"type": "tool_reference", "tool_name": "WebFetch"}]}, {"type": "text", "text": "Tool loaded."}]},
    ]
    after = plan(tools=[search, deferred, placeholder], messages=messages).body
    assert [d["name"] for d in after["tools"][0]["functionDeclarations"]] == ["ToolSearch", "WebFetch"]
    assert after["contents"][2]["parts"][0] == {"functionResponse": {"name": "ToolSearch", "response": {"output": "Tool WebFetch loaded."}}}


def test_older_models_get_the_openapi_schema():
    declaration = plan(model="gemma-3-27b-it", tools=[WEATHER]).body["tools"][0]["functionDeclarations"][0]
    assert "parameters" in declaration and "parametersJsonSchema" not in declaration


# ---- thinking and output ----------------------------------------------------------------------


@pytest.mark.parametrize(("model", "body", "expected"), [
    ("gemini-2.5-flash-lite", {}, None),
    ("gemini-2.5-flash-lite", {"thinking": {"type": "enabled", "budget_tokens": 2048}}, {"thinkingBudget": 2048, "includeThoughts": True}),
    ("gemini-2.5-flash-lite", {"thinking": {"type": "disabled"}}, {"thinkingBudget": 0}),
    ("gemini-2.5-flash-lite", {"thinking": {"type": "adaptive"}}, {"includeThoughts": True}),
    ("gemini-2.5-flash-lite", {"thinking": {"type": "adaptive", "display": "omitted"}}, None),
    ("gemini-2.5-flash-lite", {"thinking": {"type": "enabled", "budget_tokens": 2048, "display": "summarized"},
                          "output_config": {"effort": "high"}}, {"thinkingBudget": 24576, "includeThoughts": True}),
    ("gemini-3.1-pro-preview", {"thinking": {"type": "adaptive", "display": "updates"}, "output_config": {"effort": "medium"}},
     {"thinkingLevel": "medium", "includeThoughts": True}),
    ("gemini-3.8-flash", {"output_config": {"effort": "max"}}, {"thinkingLevel": "high"}),
    ("gemini-3.8-flash", {"output_config": {"effort": "high"}, "messages": [
        {"role": "user", "content": "x"}, {"role": "system", "content": "y", "output_config": {"effort": "low"}}]},
     {"thinkingLevel": "low"}),
    ("gemma-3-27b-it", {"thinking": {"type": "adaptive"}}, None),
])
def test_thinking(model, body, expected):
    assert plan(model=model, **body).body.get("generationConfig", {}).get("thinkingConfig") == expected


def test_thought_summaries_follow_the_deployment():
    body = {"model": "gemini-2.5-flash-lite", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}],
            "thinking": {"type": "enabled", "budget_tokens": 2048}}
    config = messages_request_to_gemini(body, SETTINGS._replace(include_thoughts=False)).body["generationConfig"]
    assert config["thinkingConfig"] == {"thinkingBudget": 2048}


def test_json_output():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False}
    config = plan(output_config={"format": {"type": "json_schema", "schema": schema}}).body["generationConfig"]
    assert config["responseMimeType"] == "application/json" and config["responseJsonSchema"] == schema


def test_safety_settings_follow_the_deployment():
    body = {"model": "gemini-2.5-flash-lite", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
    assert len(messages_request_to_gemini(body, Settings()).body["safetySettings"]) == 4


# ---- count_tokens and what Claude Code sends ---------------------------------------------------


def test_count_tokens():
    result = count_tokens_request_to_gemini({"model": "claude-haiku-4-5", "system": "s", "tools": [WEATHER],
                                             "messages": [{"role": "user", "content": "hi"}]}, SETTINGS)
    assert result.model == "gemini-3.5-flash-lite"
    request = result.upstream()
    assert (request.method, request.path) == ("POST", "/v1beta/models/gemini-3.5-flash-lite:countTokens")
    assert request.body == {"generateContentRequest": {
        "model": "models/gemini-3.5-flash-lite", "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "s"}]},
        "tools": [{"functionDeclarations": [{"name": "get_weather", "description": "Weather in a city",
                                              "parametersJsonSchema": WEATHER["input_schema"]}]}]}}


@pytest.mark.parametrize("name", ["first_turn", "tool_result_turn", "tool_search_turn", "web_search_subrequest"])
def test_what_claude_code_sends(name):
    body = claude_code(name)
    result = messages_request_to_gemini(body, SETTINGS)
    assert result.model == "gemini-3.1-pro-preview" and result.stream
    gemini = result.body
    assert gemini["generationConfig"]["maxOutputTokens"] == 65536
    assert gemini["systemInstruction"]["parts"][0]["text"].startswith("x-anthropic-billing-header")
    declared = [d["name"] for tool in gemini.get("tools", []) for d in tool.get("functionDeclarations", [])]
    assert "DeferredToolPlaceholder" not in declared
    for tool in gemini.get("tools", []):
        for declaration in tool.get("functionDeclarations", []):
            assert "$schema" not in json.dumps(declaration)
    if name == "web_search_subrequest":
        # no thinking asked for: an effort, and no thought summaries
        assert gemini["tools"] == [{"googleSearch": {}}]
        assert gemini["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "medium"}
        return
    assert gemini["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "medium", "includeThoughts": True}
    assert {"Bash", "Read", "ToolSearch"} <= set(declared)
    assert ("WebFetch" in declared) == (name == "tool_search_turn")
    first = gemini["contents"][0]
    assert first["role"] == "user" and first["parts"][-1]["text"].startswith("<system>\n")  # the system-role message
    if name == "tool_result_turn":
        call = gemini["contents"][1]["parts"][0]
        assert call["functionCall"]["name"] == "Bash" and call["thoughtSignature"] == DUMMY_SIGNATURE  # not ours
        assert gemini["contents"][2]["parts"][0]["functionResponse"] == {"name": "Bash", "response": {"output": "captured-hello"}}


def test_the_model_name_s_effort_and_the_default_effort_apply_as_on_the_chat_path():
    # README: MODEL_ALIASES may carry an effort (`claude-opus-5-5=gemini-3.1-pro-preview:high`), and
    # DEFAULT_REASONING_EFFORT applies when nothing names one.
    settings = Settings(model_aliases={"claude-opus-5-5": "gemini-3.1-pro-preview:low"}, default_reasoning_effort="high")
    body = {"model": "claude-opus-5-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
    aliased = messages_request_to_gemini(body, settings).body["generationConfig"]
    assert aliased["thinkingConfig"]["thinkingLevel"] == "low"
    plain = messages_request_to_gemini({**body, "model": "gemini-3.8-flash"}, settings).body["generationConfig"]
    assert plain["thinkingConfig"]["thinkingLevel"] == "high"


def test_sampling_the_model_ignores_is_left_out_as_on_the_chat_path():
    body = {"max_tokens": 64, "messages": [{"role": "user", "content": "hi"}], "temperature": 0.5, "top_p": 0.9}
    assert "temperature" not in messages_request_to_gemini({**body, "model": "gemini-3.8-flash"}, SETTINGS).body["generationConfig"]
    kept = messages_request_to_gemini({**body, "model": "gemini-2.5-flash-lite"}, SETTINGS).body["generationConfig"]
    assert (kept["temperature"], kept["topP"]) == (0.5, 0.9)
