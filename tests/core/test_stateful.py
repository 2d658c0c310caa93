"""core/stateful.py and friends: which requests are stored, what Gemini's Interactions API is sent, what the
client gets back — translated whole, and through the Call with a scripted Gemini (key pinning included)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from core.config import Settings
from core.errors import InvalidRequestError, NotFoundError
from core.instance import Instance
from core.interaction_response import Stored, echo_from_interaction, input_items, response_from_interaction
from core.keys import key_tag
from core.response_ids import StoredId, parse_response_id, stored_response_id
from core.responses import wants_state
from core.stateful import stored_request_to_gemini

from .test_call import KEY1, KEY2, KEY3, Upstream, envelope, new_call, run

FIXTURES = Path(__file__).parent / "fixtures" / "interactions"
SETTINGS = Settings(include_thoughts=True)
PREVIOUS = stored_response_id("v1_prev", 1, key_tag(KEY2))
WEATHER = {"type": "function", "name": "get_weather", "description": "The weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def stored(**request):
    return stored_request_to_gemini({"model": "gemini-3.8-flash", "input": "hi", **request}, SETTINGS)


# --- which requests are stored ---------------------------------------------------------------------

@pytest.mark.parametrize(("request_", "state", "expected"), [
    ({"store": True}, "explicit", True),
    ({"previous_response_id": PREVIOUS}, "explicit", True),
    ({"background": True}, "explicit", True),
    ({"model": "o3-deep-research"}, "explicit", True),
    ({"model": "deep-research-max-preview-04-2026"}, "explicit", True),
    ({}, "explicit", False),  # store left out: stateless, as the AI SDK, the Agents SDK and the OpenAI SDKs get today
    ({"store": False}, "explicit", False),  # Codex
    ({}, "openai", True),  # RESPONSES_STATE=openai: a missing store means true, as at OpenAI
    ({"store": False}, "openai", False),
    ({"store": True, "previous_response_id": PREVIOUS}, "off", False),
])
def test_only_requests_that_ask_for_state_are_stored(request_, state, expected):
    assert wants_state({"input": "hi", **request_}, Settings(responses_state=state)) is expected


def test_a_model_alias_can_name_the_research_agent():
    settings = Settings(model_aliases={"research": "deep-research-preview-04-2026"})
    assert wants_state({"model": "research", "input": "x"}, settings)
    assert stored_request_to_gemini({"model": "research", "input": "x"}, settings).body["agent"] == "deep-research-preview-04-2026"


# --- the create body ---------------------------------------------------------------------------------

def test_a_first_turn_sends_the_translated_request_and_stores_it():
    request = {"instructions": "Be brief.", "input": [{"role": "user", "content": "Weather?"}], "tools": [WEATHER, {"type": "web_search"}],
               "reasoning": {"effort": "high", "summary": "auto"}, "max_output_tokens": 500, "store": True,
               "tool_choice": "required", "text": {"format": {"type": "json_schema", "name": "w", "schema": {
                   "type": "object", "properties": {"t": {"type": "number"}}}}}}
    frozen = copy.deepcopy(request)
    body = stored(**request).body
    assert request == frozen  # the request is never mutated
    assert body["model"] == "gemini-3.8-flash" and body["store"] is True and "background" not in body
    assert body["system_instruction"] == "Be brief."
    assert body["input"] == [{"type": "user_input", "content": [{"type": "text", "text": "Weather?"}]}]
    assert body["tools"] == [{"type": "function", "name": "get_weather", "description": "The weather in a city",
                              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
                             {"type": "google_search"}]
    assert body["generation_config"] == {"max_output_tokens": 500, "thinking_level": "high", "thinking_summaries": "auto",
                                         "tool_choice": "any"}
    assert body["response_format"] == {"type": "text", "mime_type": "application/json",
                                       "schema": {"type": "object", "properties": {"t": {"type": "number"}}}}
    assert body["safety_settings"][0] == {"type": "harassment", "threshold": "off"}


def test_a_continuation_sends_only_the_new_input_and_answers_the_previous_calls():
    plan = stored(previous_response_id=PREVIOUS, input=[
        {"type": "function_call_output", "call_id": "9x2kq7ab__thought__SIG", "output": '{"temp": 21}'},
        {"type": "custom_tool_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "done"}]},
        {"role": "user", "content": "and tomorrow?"},
    ], instructions="New instructions.")
    body = plan.body
    assert body["previous_interaction_id"] == "v1_prev" and plan.previous == StoredId("v1_prev", 1, key_tag(KEY2))
    assert body["input"] == [
        {"type": "function_result", "call_id": "9x2kq7ab", "result": '{"temp": 21}'},  # the signature stays with Google
        {"type": "function_result", "call_id": "c2", "result": [{"type": "text", "text": "done"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "and tomorrow?"}]},
    ]
    assert body["system_instruction"] == "New instructions."  # this request's, never the previous one's


def test_a_continuation_that_only_answers_calls():
    body = stored(previous_response_id=PREVIOUS, input=[{"type": "function_call_output", "call_id": "c1", "output": "ok"}]).body
    assert body["input"] == [{"type": "function_result", "call_id": "c1", "result": "ok"}]


def test_a_whole_history_becomes_steps_with_signatures_before_what_they_sign():
    body = stored(store=True, input=[
        {"role": "user", "content": "call get_weather"},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "function_call", "call_id": "call_x__thought__SIGNED", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call_output", "call_id": "call_x__thought__SIGNED", "output": "21"},
    ], tools=[WEATHER]).body
    assert body["input"] == [
        {"type": "user_input", "content": [{"type": "text", "text": "call get_weather"}]},
        {"type": "thought", "signature": "SIGNED"},
        {"type": "function_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}},
        {"type": "function_result", "call_id": "call_1", "result": {"output": "21"}, "name": "get_weather"},
    ]


def test_deep_research_runs_in_the_background_as_an_agent():
    plan = stored(model="o3-deep-research", input="Research trams.", tools=[{"type": "web_search_preview"}],
                  reasoning={"summary": "auto"})
    assert plan.background and plan.model == "deep-research-max-preview-04-2026"
    body = plan.body
    assert body["agent"] == "deep-research-max-preview-04-2026" and "model" not in body and "generation_config" not in body
    assert body["agent_config"] == {"type": "deep-research", "thinking_summaries": "auto"}
    assert body["background"] is True and "tools" not in body  # its own search is built in


@pytest.mark.parametrize(("request_", "param", "words"), [
    ({"background": True, "store": False}, "store", "must be stored"),
    ({"model": "o4-mini-deep-research", "store": False}, "store", "must be stored"),
    ({"previous_response_id": "resp_0123abcd", "store": True}, "previous_response_id", "answered without state"),
    ({"conversation": "conv_1", "store": True}, "conversation", "keeps no conversations"),
    ({"store": True, "extra_body": {"google": {"cached_content": "cachedContents/x"}}}, "extra_body.google.cached_content",
     "no cached content"),
    ({"previous_response_id": PREVIOUS, "input": [{"role": "user", "content": "x"},
                                                 {"type": "function_call_output", "call_id": "c1", "output": "o"}]},
     "input[1].call_id", "answers no call item"),
])
def test_what_cannot_be_stored_is_a_400_naming_the_parameter(request_, param, words):
    with pytest.raises(InvalidRequestError) as caught:
        stored(**request_)
    assert caught.value.param == param and words in caught.value.message


def test_an_id_this_gateway_never_gave_is_a_404():
    with pytest.raises(NotFoundError) as caught:
        stored(previous_response_id="resp_gi1_0_zz_f_abc")
    assert caught.value.param == "previous_response_id"


# --- the answer, whole ---------------------------------------------------------------------------------

def test_a_get_repeats_the_input_first_and_the_answer_is_what_follows():
    data = fixture("get_with_input.json")
    where = StoredId("v1_ChdrX2dldA", 2, key_tag(KEY3))
    echo = echo_from_interaction(data, encrypted=True)
    response = response_from_interaction(data, echo, Stored(where.response_id(), previous_response_id="resp_prev"),
                                         token=where.token(), created=0)
    assert response["id"] == where.response_id() and response["status"] == "completed"
    assert response["instructions"] == "Use the tools." and response["max_output_tokens"] == 2048
    assert response["reasoning"] == {"effort": "high", "summary": "auto"}
    assert response["tools"][1] == {"type": "web_search"} and response["tools"][0]["name"] == "get_weather"
    assert [item["type"] for item in response["output"]] == ["reasoning", "function_call"]
    assert response["output"][1]["call_id"].startswith("9x2kq7ab__thought__")
    assert response["created_at"] == 1796030102 and response["previous_response_id"] == "resp_prev"
    items = input_items(data, where.token())
    assert items == [{"id": f"msg_{where.token()}_0", "type": "message", "role": "user", "status": "completed", "content": [
        {"type": "input_text", "text": "Weather in Paris?"},
        {"type": "input_image", "image_url": "https://example.org/paris.png", "detail": "auto"}]}]


def test_a_queued_response_has_no_output_yet_and_a_create_answer_has_no_input():
    plan = stored(background=True)
    queued = response_from_interaction(fixture("background_in_progress.json"), plan.responses, Stored("resp_gi1_x", True),
                                       token="t", created=5)
    assert queued["status"] == "in_progress" and queued["output"] == [] and queued["usage"] is None and queued["background"]
    done = response_from_interaction(fixture("create_completed.json"), stored(store=True).responses, Stored("resp_gi1_y"),
                                     token="t", created=5)
    assert done["output_text"] == "Serverless computing is a cloud execution model." and done["usage"]["total_tokens"] == 24751


# --- through the Call: pinned keys, errors, the routes ---------------------------------------------------

INTERACTION = json.dumps({"id": "v1_new", "status": "completed", "steps": [
    {"type": "model_output", "content": [{"type": "text", "text": "hello"}]}]}).encode()


def pool_call(method: str = "POST", target: str = "/v1/responses", keys: tuple[str, ...] = (KEY1, KEY2, KEY3)):
    instance = Instance(Settings(api_keys=keys, auth_tokens=("tok",)))
    return new_call(instance, method, target, headers={"authorization": "Bearer tok"})


def test_a_new_response_names_the_key_that_answered_and_a_continuation_goes_there_only():
    upstream = Upstream(("answer", 429, b'{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Slow."}}'),
                        ("answer", 200, INTERACTION))
    answer, _ = run(pool_call(), upstream, json.dumps({"model": "gemini-3.8-flash", "input": "hi", "store": True}).encode())
    first = json.loads(answer.body)
    assert parse_response_id(first["id"]) == StoredId("v1_new", 1, key_tag(KEY2))
    assert upstream.sent[1]["target"] == "/v1beta/interactions" and upstream.sent[1]["headers"]["api-revision"] == "2026-05-20"
    # The pool was reordered: the key is found by its fingerprint, not by its old position.
    upstream = Upstream(("answer", 200, INTERACTION))
    answer, _ = run(pool_call(keys=(KEY2, KEY3)), upstream,
                    json.dumps({"model": "gemini-3.8-flash", "input": "more", "previous_response_id": first["id"]}).encode())
    assert answer.status == 200 and [s["headers"]["x-goog-api-key"] for s in upstream.sent] == [KEY2]
    assert parse_response_id(json.loads(answer.body)["id"]).position == 0  # where that key is now
    # The key is gone: a clear 404, and nothing sent to another project.
    upstream = Upstream()
    answer, _ = run(pool_call(keys=(KEY1, KEY3)), upstream,
                    json.dumps({"model": "gemini-3.8-flash", "input": "more", "previous_response_id": first["id"]}).encode())
    assert answer.status == 404 and upstream.sent == []
    assert "no longer in this gateway's key pool" in envelope(answer)["message"]


def test_retrieve_cancel_delete_and_input_items_go_to_the_holding_key():
    where = StoredId("v1_ChdrX2dldA", 2, key_tag(KEY3), True)
    resource = json.dumps(fixture("get_with_input.json")).encode()
    for method, path, outcome, target in [
        ("GET", "", ("answer", 200, resource), "/v1beta/interactions/v1_ChdrX2dldA"),
        ("POST", "/cancel", ("answer", 200, resource), "/v1beta/interactions/v1_ChdrX2dldA/cancel"),
        ("DELETE", "", ("answer", 200, b""), "/v1beta/interactions/v1_ChdrX2dldA"),  # Empty may come as no body
        ("GET", "/input_items?order=asc&limit=1", ("answer", 200, resource), "/v1beta/interactions/v1_ChdrX2dldA"),
    ]:
        upstream = Upstream(outcome)
        answer, _ = run(pool_call(method, f"/v1/responses/{where.response_id()}{path}"), upstream)
        assert answer.status == 200, answer.body
        assert [(s["target"], s["headers"]["x-goog-api-key"]) for s in upstream.sent] == [(target, KEY3)]
        body = json.loads(answer.body)
        if method == "DELETE":
            assert body == {"id": where.response_id(), "object": "response", "deleted": True}
        elif "input_items" in path:
            assert body["object"] == "list" and len(body["data"]) == 1 and body["has_more"] is False
        else:
            assert body["id"] == where.response_id() and body["background"] is True


def test_a_gone_interaction_is_a_404_about_the_response_not_the_model():
    where = StoredId("v1_gone", 0, key_tag(KEY1))
    gone = b'{"error": {"code": 404, "status": "NOT_FOUND", "message": "Interaction v1_gone was not found."}}'
    answer, _ = run(pool_call("GET", f"/v1/responses/{where.response_id()}"), Upstream(("answer", 404, gone)))
    assert answer.status == 404 and envelope(answer)["message"] == "Interaction v1_gone was not found."
    answer, _ = run(pool_call(), Upstream(("answer", 404, gone)),
                    json.dumps({"model": "gemini-3.8-flash", "input": "x", "previous_response_id": where.response_id()}).encode())
    assert answer.status == 404 and "model" not in (envelope(answer)["param"] or "")


@pytest.mark.parametrize(("method", "target", "status"), [
    ("GET", "/v1/responses/resp_abc123", 400),  # a stateless answer's id: nothing was kept
    ("GET", "/v1/responses/not-ours", 404),
    ("PATCH", "/v1/responses/resp_abc123", 405),
    ("POST", "/v1/responses/resp_abc123", 405),
    ("GET", "/v1/responses/resp_abc123/steps", 404),
    ("POST", "/v1/responses/compact", 404),
    ("GET", "/v1/responses/x?starting_after=-1&stream=true", 404),
])
def test_the_routes_refuse_clearly(method, target, status):
    upstream = Upstream()
    answer, _ = run(pool_call(method, target), upstream)
    assert answer.status == status and upstream.sent == []


def test_a_bad_starting_after_is_a_400():
    where = StoredId("v1_x", 0, key_tag(KEY1))
    answer, _ = run(pool_call("GET", f"/v1/responses/{where.response_id()}?stream=true&starting_after=soon"), Upstream())
    assert answer.status == 400 and envelope(answer)["param"] == "starting_after"


def test_a_streamed_continuation_through_the_call():
    sse = (FIXTURES / "stream_text.sse").read_bytes()
    upstream = Upstream(("stream", [sse[:100], sse[100:]]))
    tail, streamed = run(pool_call(), upstream, json.dumps({"model": "gemini-3.8-flash", "input": "x", "stream": True,
                                                            "previous_response_id": PREVIOUS}).encode())
    out = streamed + tail.data
    assert upstream.sent[0]["headers"]["x-goog-api-key"] == KEY2
    assert json.loads(upstream.sent[0]["body"])["stream"] is True
    events = [json.loads(line[6:]) for line in out.split(b"\n") if line.startswith(b"data: ")]
    assert events[-1]["type"] == "response.completed" and events[-1]["response"]["previous_response_id"] == PREVIOUS
    assert parse_response_id(events[-1]["response"]["id"]) == StoredId("v1_ChdrX3RleHQ", 1, key_tag(KEY2))


def test_a_continuation_skips_references_to_what_google_keeps():
    body = stored(previous_response_id=PREVIOUS, input=[
        {"type": "item_reference", "id": "fc_abc_1"}, {"type": "item_reference", "id": "msg_other"},
        {"role": "user", "content": "next"}]).body
    assert body["input"] == [{"type": "user_input", "content": [{"type": "text", "text": "next"}]}]
    with pytest.raises(InvalidRequestError):  # without a previous response nothing holds them
        stored(store=True, input=[{"type": "item_reference", "id": "fc_abc_1"}, {"role": "user", "content": "next"}])


def test_reading_an_interaction_never_changes_it():
    data = fixture("research_completed.json")
    frozen = copy.deepcopy(data)
    response_from_interaction(data, echo_from_interaction(data), Stored("resp_gi1_x"), token="t", created=0)
    input_items(data, "t")
    assert data == frozen


def test_a_citation_after_a_search_counts_from_the_start_of_its_own_message():
    data = {"id": "v1_cite", "status": "completed", "steps": [
        {"type": "user_input", "content": [{"type": "text", "text": "Capital?"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Let me search. "}]},
        {"type": "google_search_call", "id": "gs1", "arguments": {"queries": ["capital of switzerland"]}, "signature": "c2ln"},
        {"type": "google_search_result", "call_id": "gs1", "result": [], "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": "Bern is the capital.", "annotations": [
            {"type": "url_citation", "url": "https://example.org/bern", "title": "Bern", "start_index": 0, "end_index": 4}]}]},
    ]}
    response = response_from_interaction(data, stored(store=True).responses, Stored("resp_gi1_c"), token="t", created=5)
    message = [item for item in response["output"] if item["type"] == "message"][-1]
    (part,) = message["content"]
    (cite,) = part["annotations"]
    assert part["text"][cite["start_index"]:cite["end_index"]] == "Bern"


@pytest.mark.parametrize(("error", "code"), [
    ({"code": "https://ai.google.dev/errors/resource-exhausted", "message": "Quota exceeded."}, "rate_limit_exceeded"),
    ({"code": 429, "message": "Quota exceeded."}, "rate_limit_exceeded"),
    ({"code": "RESOURCE_EXHAUSTED", "message": "Quota exceeded."}, "rate_limit_exceeded"),
    ({"code": "https://ai.google.dev/errors/internal", "message": "Internal."}, "server_error"),
])
def test_a_failed_interaction_s_quota_error_is_a_rate_limit_in_every_form_of_its_code(error, code):
    from core.interaction_response import failure

    assert failure({"status": "failed", "errors": [error]}) == {"code": code, "message": error["message"]}
