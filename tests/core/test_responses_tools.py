"""Every kind of Responses client tool (namespace, custom, local_shell, shell, tool_search, web_search) to Gemini
and back, on the requests Codex CLI 0.169.0 really sent (captured on 127.0.0.1, fixtures/clients/)."""

from __future__ import annotations

import copy
import json

import pytest
from openai import omit
from openai._models import construct_type
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import Response, ResponseStreamEvent

from core.config import Settings
from core.errors import InvalidRequestError
from core.responses import responses_request_to_gemini
from core.responses_output import response_from_gemini
from core.responses_stream import ResponsesStream
from core.responses_tools import gemini_function_name
from core.server_tools import parts_from_web_search_id, web_search_item

from .conftest import FIXTURES

QUIET = Settings(safety_threshold="DEFAULT", include_thoughts=False)
CLIENTS = FIXTURES.parent / "clients"
GEMINI_3 = "gemini-3-flash-preview"
SIG = "U0lHX0ZD"
SEARCH = [{"toolCall": {"toolType": "GOOGLE_SEARCH_WEB", "args": {"queries": ["codex cli"]}, "id": "s1"}, "thoughtSignature": "U0lHMQ=="},
          {"toolResponse": {"toolType": "GOOGLE_SEARCH_WEB", "response": {"search_suggestions": "<p>x</p>"}, "id": "s1"},
           "thoughtSignature": "U0lHMg=="}]
NAMESPACE = {"type": "namespace", "name": "multi_agent_v1", "description": "Sub-agents.", "tools": [
    {"type": "function", "name": "wait_agent",
     "parameters": {"type": "object", "properties": {"targets": {"type": "array", "items": {"type": "string"}}}}},
    {"type": "custom", "name": "note", "description": "Free text."}]}
APPLY_PATCH = {"type": "custom", "name": "apply_patch", "description": "Edit files.",
               "format": {"type": "grammar", "syntax": "lark", "definition": "start: begin_patch hunk+ end_patch"}}
PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n"


def client_request(name: str) -> dict:
    return json.loads((CLIENTS / name).read_text(encoding="utf-8"))


def plan(request: dict):
    return responses_request_to_gemini({"model": GEMINI_3, **request}, QUIET)


def declarations(request: dict) -> dict[str, dict]:
    tools = plan(request).chat.body.get("tools", [])
    return {d["name"]: d for tool in tools for d in tool.get("functionDeclarations", [])}


def contents(request: dict) -> list[dict]:
    return plan(request).chat.body["contents"]


def answer(request: dict, *parts: dict) -> dict:
    data = {"candidates": [{"content": {"role": "model", "parts": list(parts)}, "finishReason": "STOP"}]}
    response = response_from_gemini(data, plan(request), token="t", created=1)
    Response.model_validate(response)  # the OpenAI SDK's own type takes it
    return response


def fc(name: str, args: dict, signature: str | None = SIG, **extra) -> dict:
    part = {"functionCall": {"name": name, "args": args, **extra}}
    return {**part, "thoughtSignature": signature} if signature else part


def user(text: str) -> dict:
    return {"role": "user", "content": text}


# --- Codex's own requests -----------------------------------------------------------------------


def test_codex_turn_becomes_one_gemini_request_with_every_tool():
    request = client_request("codex_0.169.0_turn.json")
    before = copy.deepcopy(request)
    translated = plan(request)
    assert request == before
    body = translated.chat.body
    names = [d["name"] for tool in body["tools"] for d in tool.get("functionDeclarations", [])]
    assert names == ["exec_command", "write_stdin", "request_user_input", "apply_patch", "view_image", "get_goal",
                     "create_goal", "update_goal", "tool_search"]
    assert {"googleSearch": {}} in body["tools"]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}, "includeServerSideToolInvocations": True}
    assert body["systemInstruction"]["parts"][0]["text"].startswith("You are a coding agent.")
    assert body["contents"][-1] == {"role": "user", "parts": [{"text": "make hello.txt"}]}
    assert translated.encrypted  # include: ["reasoning.encrypted_content"]


def test_codex_resume_sends_the_whole_history_back_to_gemini():
    body = plan(client_request("codex_0.169.0_resume.json")).chat.body
    roles = [(c["role"], [next(iter(p)) for p in c["parts"]]) for c in body["contents"]]
    assert roles == [("user", ["text"]), ("user", ["text"]), ("model", ["functionCall"]), ("user", ["functionResponse"]),
                     ("model", ["functionCall"]), ("user", ["functionResponse"]), ("model", ["text"]), ("user", ["text"])]
    exec_call, patch_call = body["contents"][2]["parts"][0], body["contents"][4]["parts"][0]
    # the signatures the capture server put in the call ids and reasoning item came back
    assert exec_call == {"functionCall": {"name": "exec_command", "args": {"cmd": "echo hello-from-codex"}},
                         "thoughtSignature": "U0lHMQ=="}
    assert patch_call == {"functionCall": {"name": "apply_patch", "args": {"input": PATCH.replace("hi", "hi there")}},
                          "thoughtSignature": "U0lHMg=="}
    assert body["contents"][5]["parts"][0]["functionResponse"]["name"] == "apply_patch"


def test_codex_without_a_catalog_sends_a_namespace_which_is_flattened():
    names = declarations(client_request("codex_0.169.0_no_catalog.json"))
    assert {"multi_agent_v1.close_agent", "multi_agent_v1.spawn_agent", "multi_agent_v1.wait_agent"} <= set(names)


# --- each kind, both ways -------------------------------------------------------------------------


def test_a_namespace_call_comes_back_as_a_call_into_the_namespace():
    request = {"input": "wait", "tools": [NAMESPACE]}
    assert "multi_agent_v1.wait_agent" in declarations(request)
    item = answer(request, fc("multi_agent_v1.wait_agent", {"targets": ["a"]}))["output"][-1]
    assert item["type"] == "function_call" and item["name"] == "wait_agent" and item["namespace"] == "multi_agent_v1"
    custom = answer(request, fc("multi_agent_v1.note", {"input": "hello"}))["output"][-1]
    assert (custom["type"], custom["name"], custom["namespace"], custom["input"]) == ("custom_tool_call", "note", "multi_agent_v1", "hello")
    history = [user("wait"), {**item}, {"type": "function_call_output", "call_id": item["call_id"], "output": "done"}]
    sent = contents({"input": history, "tools": [NAMESPACE]})
    assert sent[1]["parts"][0]["functionCall"]["name"] == "multi_agent_v1.wait_agent"
    assert sent[2]["parts"][0]["functionResponse"]["name"] == "multi_agent_v1.wait_agent"


def test_a_custom_tool_is_a_function_of_one_string_with_its_grammar_in_the_description():
    request = {"input": "patch it", "tools": [APPLY_PATCH]}
    declared = declarations(request)["apply_patch"]
    assert declared["parametersJsonSchema"] == {"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}
    assert declared["description"].startswith("Edit files.") and "lark grammar:\nstart: begin_patch" in declared["description"]
    item = answer(request, fc("apply_patch", {"input": PATCH}))["output"][-1]
    assert {k: item[k] for k in ("type", "name", "input", "status")} == {
        "type": "custom_tool_call", "name": "apply_patch", "input": PATCH, "status": "completed"}
    assert item["id"] == "ctc_t_0" and item["call_id"] == f"call_t_0__thought__{SIG}"
    history = [user("patch it"), item, {"type": "custom_tool_call_output", "call_id": item["call_id"], "output": "Success."}]
    sent = contents({"input": history, "tools": [APPLY_PATCH]})
    assert sent[1]["parts"] == [{"functionCall": {"name": "apply_patch", "args": {"input": PATCH}}, "thoughtSignature": SIG}]
    assert sent[2]["parts"] == [{"functionResponse": {"name": "apply_patch", "response": {"output": "Success."}}}]


@pytest.mark.parametrize(("tool", "args", "item_type", "action"), [
    ({"type": "local_shell"}, {"command": ["ls", "-la"], "timeout_ms": 1000}, "local_shell_call",
     {"type": "exec", "command": ["ls", "-la"], "env": {}, "timeout_ms": 1000}),
    ({"type": "shell"}, {"commands": ["ls"]}, "shell_call", {"commands": ["ls"], "timeout_ms": None, "max_output_length": None}),
])
def test_shell_tools_and_their_calls(tool, args, item_type, action):
    name = tool["type"]
    request = {"input": "list", "tools": [tool]}
    assert name in declarations(request)
    item = answer(request, fc(name, args))["output"][-1]
    assert (item["type"], item["action"]) == (item_type, action)
    output = ({"type": "local_shell_call_output", "id": item["call_id"], "output": "a b"} if name == "local_shell" else
              {"type": "shell_call_output", "call_id": item["call_id"],
               "output": [{"stdout": "a b", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}]})
    sent = contents({"input": [user("list"), item, output], "tools": [tool]})
    assert sent[1]["parts"][0]["functionCall"] == {"name": name, "args": {k: v for k, v in action.items() if k != "type" and v is not None}}
    response = sent[2]["parts"][0]["functionResponse"]
    assert response["name"] == name and "a b" in json.dumps(response["response"])


def test_client_tool_search_loads_tools_for_the_next_step():
    search = {"type": "tool_search", "execution": "client", "description": "Find tools.",
              "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}
    request = {"input": "find a calendar tool", "tools": [search]}
    assert declarations(request)["tool_search"]["description"] == "Find tools."
    item = answer(request, fc("tool_search", {"query": "calendar"}))["output"][-1]
    assert (item["type"], item["execution"], item["arguments"]) == ("tool_search_call", "client", {"query": "calendar"})
    loaded = {"type": "tool_search_output", "call_id": item["call_id"], "execution": "client", "tools": [
        {"type": "function", "name": "create_event", "parameters": {"type": "object", "properties": {"title": {"type": "string"}}}}]}
    later = {"input": [user("find a calendar tool"), item, loaded], "tools": [search]}
    assert "create_event" in declarations(later)
    assert contents(later)[2]["parts"][0]["functionResponse"]["response"] == {"loaded_tools": ["create_event"]}


def test_hosted_tool_search_declares_the_deferred_tools_at_once():
    deferred = {"type": "function", "name": "crm_lookup", "defer_loading": True, "parameters": {"type": "object", "properties": {}}}
    assert set(declarations({"input": "x", "tools": [{"type": "tool_search"}, deferred]})) == {"crm_lookup"}


def test_names_gemini_refuses_are_rewritten_the_same_way_every_time_and_map_back():
    odd = {"type": "function", "name": "9 lives/cat", "parameters": {"type": "object", "properties": {}}}
    long = {"type": "namespace", "name": "mcp__a_very_long_server_name_for_testing", "description": "d", "tools": [
        {"type": "function", "name": "an_equally_long_tool_name_that_overflows", "parameters": {"type": "object", "properties": {}}}]}
    names = declarations({"input": "x", "tools": [odd, long]})
    assert all(len(name) <= 64 and (name[0].isalpha() or name[0] == "_") for name in names)
    odd_name = gemini_function_name("9 lives/cat")
    assert odd_name in names and odd_name == gemini_function_name("9 lives/cat")
    item = answer({"input": "x", "tools": [odd, long]}, fc(odd_name, {}))["output"][-1]
    assert item["name"] == "9 lives/cat" and "namespace" not in item


# --- built-in tools beside function tools ---------------------------------------------------------


def test_server_side_tool_parts_become_a_web_search_call_and_go_back_before_the_call():
    request = {"input": "search then patch", "tools": [APPLY_PATCH, {"type": "web_search", "external_web_access": False}]}
    output = answer(request, *SEARCH, fc("apply_patch", {"input": PATCH}))["output"]
    assert [item["type"] for item in output] == ["web_search_call", "custom_tool_call"]
    assert output[0]["action"] == {"type": "search", "query": "codex cli", "queries": ["codex cli"]}
    assert parts_from_web_search_id(output[0]["id"]) == SEARCH
    history = [user("search then patch"), *output,
               {"type": "custom_tool_call_output", "call_id": output[1]["call_id"], "output": "Success."}]
    sent = contents({**request, "input": history})
    assert sent[1]["parts"] == [*SEARCH, {"functionCall": {"name": "apply_patch", "args": {"input": PATCH}}, "thoughtSignature": SIG}]
    # the Vercel AI SDK sends the search back as an item_reference to its id: the same parts
    referenced = [user("search then patch"), {"type": "item_reference", "id": output[0]["id"]}, *history[2:]]
    assert contents({**request, "input": referenced})[1] == sent[1]


def test_a_search_before_a_text_answer_goes_back_with_the_text():
    request = {"input": "who won?", "tools": [{"type": "web_search"}, {"type": "function", "name": "f"}]}
    output = answer(request, *SEARCH, {"text": "They did.", "thoughtSignature": "VFhU"})["output"]
    assert [item["type"] for item in output] == ["web_search_call", "message"]
    sent = contents({**request, "input": [user("who won?"), *output, user("thanks")]})
    assert sent[1] == {"role": "model", "parts": [*SEARCH, {"text": "They did."}]}


def test_another_providers_web_search_call_is_skipped():
    foreign = {"type": "web_search_call", "id": "ws_68af00", "status": "completed", "action": {"type": "search", "query": "q"}}
    assert contents({"input": [user("q"), foreign, {"role": "assistant", "content": "a"}, user("more")]})[1] == {
        "role": "model", "parts": [{"text": "a"}]}


def test_a_streamed_search_and_custom_call_are_what_the_sdk_accumulates():
    request = {"input": "go", "stream": True, "tools": [APPLY_PATCH, {"type": "web_search"}]}
    stream = ResponsesStream(plan(request), token="t", created=1)
    raw = b""
    for part in [*SEARCH, fc("apply_patch", {"input": PATCH})]:
        raw += stream.feed(b"data: " + json.dumps({"candidates": [{"content": {"role": "model", "parts": [part]}}]}).encode() + b"\r\n\r\n")
    raw += stream.feed(b'data: {"candidates": [{"content": {"parts": []}, "finishReason": "STOP"}]}\r\n\r\n') + stream.close()
    events = [json.loads(block.split(b"\n")[1][len(b"data: "):]) for block in raw.split(b"\n\n") if block]
    types = [event["type"] for event in events]
    assert "response.custom_tool_call_input.delta" in types and "response.custom_tool_call_input.done" in types
    state = ResponseStreamState(input_tools=omit, text_format=omit)
    for event in events:
        state.handle_event(construct_type(type_=ResponseStreamEvent, value=event))
    final = state._completed_response.to_dict(exclude_unset=True)["output"]
    assert final == events[-1]["response"]["output"]
    assert [item["type"] for item in final] == ["web_search_call", "custom_tool_call"]


# --- item_reference -------------------------------------------------------------------------------


def test_references_to_our_reasoning_and_narration_before_a_call_are_skipped():
    request = {"input": "weather", "tools": [{"type": "function", "name": "get_weather"}]}
    call = {"type": "function_call", "call_id": f"call_t_0__thought__{SIG}", "name": "get_weather", "arguments": "{}"}
    history = [user("weather"), {"type": "item_reference", "id": "rs_0123abcd_0"}, {"type": "item_reference", "id": "msg_0123abcd_1"},
               call, {"type": "function_call_output", "call_id": call["call_id"], "output": "sunny"}]
    sent = contents({**request, "input": history})
    assert sent[1] == {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}, "thoughtSignature": SIG}]}


@pytest.mark.parametrize(("reference", "param"), [
    ("msg_0123abcd_1", "input[1]"),  # a whole answer: its words would be lost
    ("msg_68af0c2b1e", "input[1]"),  # another provider's item
    ("fc_0123abcd_0", "input[1]"),  # a call: its name and arguments are nowhere else
])
def test_references_that_cannot_be_honoured_are_400s_that_say_why(reference, param):
    with pytest.raises(InvalidRequestError) as caught:
        plan({"input": [user("hi"), {"type": "item_reference", "id": reference}, user("again")]})
    assert caught.value.status == 400 and caught.value.param == param
    assert "stateless" in caught.value.message and "store: false" in caught.value.message


# --- bad input --------------------------------------------------------------------------------------

BAD = [
    ({"tools": [{"type": "function", "name": "multi_agent_v1"}, NAMESPACE]}, "tools[1].name", "collides with the function at 'tools[0]'"),
    ({"tools": [{"type": "function", "name": "multi_agent_v1.wait_agent"}, NAMESPACE]}, "tools[1].tools[0]", "both would reach Gemini"),
    ({"tools": [{"type": "custom", "description": "no name"}]}, "tools[0].name", "Missing required parameter"),
    ({"tools": [{"type": "namespace", "name": "n", "tools": [{"type": "custom", "name": ""}]}]},
     "tools[0].tools[0].name", "must not be empty"),
    ({"tools": [{"type": "namespace", "name": "n", "tools": [{"type": "web_search"}]}]}, "tools[0].tools[0].type", "in a namespace"),
    ({"tools": [{"type": "computer_use_preview"}]}, "tools[0].type", "'computer_use_preview' is not supported"),
    ({"input": [user("hi"), {"type": "mystery_item"}]}, "input[1].type", "'mystery_item' is not supported"),
    ({"input": [user("hi"), {"type": "custom_tool_call_output", "call_id": "nope", "output": "x"}]},
     "input[1].call_id", "answers no call item"),
    ({"input": [user("hi"), {"type": "local_shell_call", "call_id": "c", "action": "ls"}]}, "input[1].action", "must be an object"),
]


@pytest.mark.parametrize(("request_", "param", "words"), BAD, ids=[row[1] for row in BAD])
def test_bad_input_is_a_400_naming_the_parameter(request_, param, words):
    with pytest.raises(InvalidRequestError) as caught:
        plan({"input": "hi", **request_})
    assert (caught.value.status, caught.value.param) == (400, param)
    assert words in caught.value.message


def test_web_search_item_ids_survive_the_sdk_types():
    Response.model_validate({"id": "r", "object": "response", "created_at": 1, "model": "m", "output": [web_search_item(SEARCH)],
                             "parallel_tool_calls": True, "tool_choice": "auto", "tools": []})
