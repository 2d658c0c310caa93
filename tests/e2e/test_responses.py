"""The OpenAI Python SDK's Responses API (`client.responses`) against the gateway in front of the fake Gemini."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from pydantic import BaseModel

from tests.e2e.conftest import USER_KEY
from tests.e2e.test_openai_sdk import SAFETY_OFF, sdk, tokens
from tests.fakes.agents import signature as signature_of  # the fake's thought signature for a prompt

FLASH = "gemini-2.5-flash-lite"
GEMINI_3 = "gemini-3-flash-preview"
TOOLS = [
    {"type": "function", "name": "get_weather", "description": "The weather in a city", "strict": True, "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}},
    {"type": "function", "name": "get_time", "strict": True, "parameters": {
        "type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"], "additionalProperties": False}},
]
TWO_CALLS = "call get_weather city=Paris call get_time tz=UTC"
ENCRYPTED = ["reasoning.encrypted_content"]




def usage(prompt: int, output: int, reasoning: int = 0) -> dict:
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output + reasoning,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": prompt + output + reasoning,
    }


def run_tools(calls) -> list[dict]:
    """The client side of an agent: run each function call, answer with a function_call_output."""
    local = {"get_weather": lambda city: {"city": city, "temp": 21}, "get_time": lambda tz: f"12:00 {tz}"}
    outputs = []
    for call in calls:
        result = local[call.name](**json.loads(call.arguments))
        outputs.append({"type": "function_call_output", "call_id": call.call_id,
                        "output": result if isinstance(result, str) else json.dumps(result)})
    return outputs


def model_turns(fake) -> list[dict]:
    return [content for content in fake.requests[-1]["json"]["contents"] if content["role"] == "model"]


# ---- text ------------------------------------------------------------------------------------


def test_create_text_whole_response_and_upstream_request(gw, fake):
    raw = sdk(gw).responses.with_raw_response.create(model=FLASH, input="hello", instructions="be brief",
                                                      metadata={"run": "1"}, store=False)
    response = raw.parse()
    token = raw.headers["x-request-id"]

    assert response.output_text == "echo: hello"
    assert response.to_dict() == {
        "id": f"resp_{token}", "object": "response", "created_at": response.created_at, "status": "completed",
        "background": False, "error": None, "incomplete_details": None, "instructions": "be brief",
        "max_output_tokens": None, "model": FLASH,
        "output": [{"id": f"msg_{token}_0", "type": "message", "status": "completed", "role": "assistant", "content": [
            {"type": "output_text", "annotations": [], "logprobs": [], "text": "echo: hello"}]}],
        "output_text": "echo: hello", "parallel_tool_calls": True, "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None}, "store": False, "temperature": None,
        "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [], "top_p": None, "truncation": "disabled",
        "usage": usage(tokens(len("be brief") + len("hello")), tokens(len("echo: hello"))),
        "user": None, "metadata": {"run": "1"},
    }
    assert [(r["method"], r["path"], r["key"], r["json"]) for r in fake.requests] == [(
        "POST", f"/v1beta/models/{FLASH}:generateContent", USER_KEY, {
            "contents": [{"role": "user", "parts": [{"text": "hello"}]}],
            "systemInstruction": {"parts": [{"text": "be brief"}]},
            "safetySettings": SAFETY_OFF,
        },
    )]


def test_stream_text_with_the_sdk_helper(gw, fake):
    with sdk(gw).responses.stream(model=FLASH, input="stream me please #fake:chunks=4") as stream:
        events = list(stream)
        final = stream.get_final_response()

    assert final.output_text == "echo: stream me please"
    assert final.status == "completed" and final.usage.output_tokens == tokens(len("echo: stream me please"))
    assert [e.type for e in events] == [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        *["response.output_text.delta"] * 4,
        "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == final.output_text
    assert fake.requests[-1]["path"] == f"/v1beta/models/{FLASH}:streamGenerateContent"


def test_the_stream_is_server_sent_events_with_event_names_and_no_done(gw):
    response = httpx.post(f"{gw}/v1/responses", headers={"authorization": f"Bearer {USER_KEY}"},
                          json={"model": FLASH, "input": "hi #fake:chunks=2", "stream": True}, timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    blocks = [block for block in response.text.split("\n\n") if block]
    assert all(block.startswith("event: response.") and "\ndata: {" in block for block in blocks)
    assert blocks[-1].startswith("event: response.completed\n") and "[DONE]" not in response.text


# ---- tools -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_tool_calls_across_two_turns_echoing_the_output_back(gw, fake, stream):
    client = sdk(gw)
    history: list = [{"role": "user", "content": TWO_CALLS}]
    if stream:
        with client.responses.stream(model=GEMINI_3, input=history, tools=TOOLS) as events:
            first = events.get_final_response()
    else:
        first = client.responses.create(model=GEMINI_3, input=history, tools=TOOLS)

    calls = [item for item in first.output if item.type == "function_call"]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "UTC"})]
    assert calls[0].call_id.endswith(f"__thought__{signature_of(TWO_CALLS)}") and "__thought__" not in calls[1].call_id
    assert [c.status for c in calls] == ["completed", "completed"]

    # Turn 2: everything the first response said goes back, then the outputs (in reverse order).
    history += first.output
    history += reversed(run_tools(calls))
    answer = client.responses.create(model=GEMINI_3, input=history, tools=TOOLS)

    assert answer.output_text == 'result: {"city": "Paris", "temp": 21}'
    assert fake.requests[-1]["json"]["contents"] == [
        {"role": "user", "parts": [{"text": TWO_CALLS}]},
        {"role": "model", "parts": [
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": signature_of(TWO_CALLS)},
            {"functionCall": {"name": "get_time", "args": {"tz": "UTC"}}},
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"city": "Paris", "temp": 21}}},
            {"functionResponse": {"name": "get_time", "response": {"output": "12:00 UTC"}}},
        ]},
    ]


def test_a_client_that_sends_only_calls_and_outputs_still_sends_the_signature(gw, fake):
    client = sdk(gw)
    prompt = "call get_weather city=Rome"
    first = client.responses.create(model=GEMINI_3, input=prompt, tools=TOOLS)
    (call,) = first.output

    # Items rebuilt by hand from the call's fields: no ids, no status, no reasoning item.
    client.responses.create(model=GEMINI_3, tools=TOOLS, input=[
        {"role": "user", "content": prompt},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"},
    ])
    assert model_turns(fake) == [{"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}, "thoughtSignature": signature_of(prompt)},
    ]}]


def test_the_signature_also_rides_in_the_reasoning_item_when_asked(gw, fake):
    client = sdk(gw)
    prompt = "call get_weather city=Oslo"
    first = client.responses.create(model=GEMINI_3, input=prompt, tools=TOOLS, include=ENCRYPTED)
    reasoning, call = first.output
    assert reasoning.type == "reasoning" and reasoning.summary == []
    assert reasoning.encrypted_content == f"gemini.thought_signature:{signature_of(prompt)}"

    # A client that shortens call ids (some agent frameworks do) keeps the reasoning item.
    client.responses.create(model=GEMINI_3, tools=TOOLS, input=[
        {"role": "user", "content": prompt},
        reasoning.to_dict(),
        {"type": "function_call", "call_id": "call_1", "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": "call_1", "output": "snow"},
    ])
    assert model_turns(fake)[0]["parts"][0]["thoughtSignature"] == signature_of(prompt)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_an_agent_loop_replayed_end_to_end(gw, fake, stream):
    """A minimal agent: ask, run what the model calls, send the outputs back, until it answers."""
    client = sdk(gw)
    history: list = [{"role": "user", "content": "What is the weather? call get_weather city=Lisbon #fake:thinking"}]
    request = dict(model=GEMINI_3, tools=TOOLS, instructions="Use the tools.", include=ENCRYPTED,
                   reasoning={"effort": "low", "summary": "auto"}, store=False)
    answers = []
    for _ in range(4):
        if stream:
            with client.responses.stream(input=history, **request) as events:
                response = events.get_final_response()
        else:
            response = client.responses.create(input=history, **request)
        answers.append(response)
        history += response.output
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            break
        history += run_tools(calls)

    assert len(answers) == 2
    assert [item.type for item in answers[0].output] == ["reasoning", "function_call"]
    assert answers[0].output[0].summary[0].text.startswith("**Thinking** about: What is the weather?")
    assert answers[1].output_text == 'result: {"city": "Lisbon", "temp": 21}'
    assert [item.type for item in answers[1].output] == ["reasoning", "message"]
    upstream = fake.requests[-1]["json"]
    assert upstream["systemInstruction"] == {"parts": [{"text": "Use the tools."}]}
    assert upstream["generationConfig"] == {"thinkingConfig": {"thinkingLevel": "low", "includeThoughts": True}}
    assert [content["role"] for content in upstream["contents"]] == ["user", "model", "user"]
    assert upstream["contents"][1]["parts"][0]["thoughtSignature"] == signature_of(
        "What is the weather? call get_weather city=Lisbon"
    )


def test_tool_choice_and_web_search_reach_gemini(gw, fake):
    sdk(gw).responses.create(model=GEMINI_3, input="weather?", tools=[*TOOLS, {"type": "web_search_preview"}],
                             tool_choice={"type": "function", "name": "get_time"}, parallel_tool_calls=False)
    sent = fake.requests[-1]["json"]
    assert [list(tool) for tool in sent["tools"]] == [["functionDeclarations"], ["googleSearch"]]
    assert [d["name"] for d in sent["tools"][0]["functionDeclarations"]] == ["get_weather", "get_time"]
    assert sent["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]},
                                  "includeServerSideToolInvocations": True}


def test_web_search_is_left_out_where_the_model_cannot_combine_it(gw, fake):
    sdk(gw).responses.create(model=FLASH, input="weather?", tools=[*TOOLS, {"type": "web_search"}])
    sent = fake.requests[-1]["json"]
    assert [list(tool) for tool in sent["tools"]] == [["functionDeclarations"]]
    assert "toolConfig" not in sent


# ---- structured output, reasoning, limits ----------------------------------------------------------


class City(BaseModel):
    name: str
    population: int


def test_parse_with_a_pydantic_model(gw, fake):
    fake.script({"status": 200, "json": {
        "candidates": [{"content": {"role": "model", "parts": [{"text": '{"name": "Paris", "population": 2100000}'}]},
                        "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 12, "totalTokenCount": 21}, "modelVersion": FLASH,
    }})
    response = sdk(gw).responses.parse(model=FLASH, input="The largest city of France?", text_format=City)

    assert response.output_parsed == City(name="Paris", population=2100000)
    config = fake.requests[-1]["json"]["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == {
        "type": "object", "title": "City", "additionalProperties": False, "required": ["name", "population"],
        "properties": {"name": {"type": "string", "title": "Name"}, "population": {"type": "integer", "title": "Population"}},
    }


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_reasoning_summary(gw, fake, stream):
    prompt = "why #fake:thinking"
    request = dict(model=FLASH, input=prompt, reasoning={"effort": "medium", "summary": "auto"})
    if stream:
        with sdk(gw).responses.stream(**request) as events:
            deltas = [e.delta for e in events if e.type == "response.reasoning_summary_text.delta"]
            response = events.get_final_response()
        assert deltas == ["**Thinking** about: why"]
    else:
        response = sdk(gw).responses.create(**request)

    reasoning, message = response.output
    assert reasoning.summary[0].to_dict() == {"type": "summary_text", "text": "**Thinking** about: why"}
    assert message.type == "message" and response.output_text == "echo: why"
    assert response.usage.to_dict() == usage(tokens(len(prompt)), tokens(len(response.output_text)),
                                              reasoning=tokens(len("**Thinking** about: why")))
    assert fake.requests[-1]["json"]["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 8192, "includeThoughts": True}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_max_tokens_is_incomplete(gw, fake, stream):
    request = dict(model=FLASH, input="long story #fake:max_tokens", max_output_tokens=16)
    if stream:
        with sdk(gw).responses.stream(**request) as events:
            last = list(events)[-1]
        assert last.type == "response.incomplete"
        response = last.response
    else:
        response = sdk(gw).responses.create(**request)
    assert (response.status, response.incomplete_details.reason) == ("incomplete", "max_output_tokens")
    assert fake.requests[-1]["json"]["generationConfig"] == {"maxOutputTokens": 16}


def test_a_blocked_prompt_is_a_refusal(gw):
    response = sdk(gw).responses.create(model=FLASH, input="bad #fake:block")
    assert response.status == "incomplete" and response.incomplete_details.reason == "content_filter"
    assert response.output[0].content[0].type == "refusal"


# ---- failures ----------------------------------------------------------------------------------


def test_a_stream_that_fails_half_way_ends_with_error_and_response_failed(gw):
    with sdk(gw).responses.stream(model=FLASH, input="boom #fake:midstream_error") as stream:
        events = list(stream)
        with pytest.raises(RuntimeError, match=r"response\.completed"):
            stream.get_final_response()

    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") != ""
    error, failed = events[-2:]
    assert (error.type, error.code, error.message) == ("error", "rate_limit_exceeded", "Resource has been exhausted")
    assert failed.type == "response.failed" and failed.response.status == "failed"
    assert failed.response.error.to_dict() == {"code": "rate_limit_exceeded", "message": "Resource has been exhausted"}
    assert failed.response.output[0].status == "incomplete"


def test_a_cut_stream_fails_too(gw):
    with sdk(gw).responses.stream(model=FLASH, input="cut #fake:cut") as stream:
        events = list(stream)
    assert [e.type for e in events[-2:]] == ["error", "response.failed"]
    assert events[-1].response.error.code == "server_error"


def test_previous_response_id_of_a_stateless_answer_is_a_clear_400(gw, fake):
    """A stateless answer's id (`resp_<request id>`) names nothing kept; stored ones: tests/e2e/test_stored_responses.py."""
    with pytest.raises(openai.BadRequestError) as caught:
        sdk(gw).responses.create(model=FLASH, input="and then?", previous_response_id="resp_123")
    body = caught.value.body
    assert (body["type"], body["param"], body["code"]) == ("invalid_request_error", "previous_response_id", "response_not_stored")
    assert "Send the whole conversation in 'input'" in body["message"] and "store: true" in body["message"]
    assert fake.requests == []


BAD_INPUT = [
    pytest.param({"input": [{"type": "computer_call_output", "call_id": "c"}]}, 400, "input[0].type", id="unknown-item"),
    pytest.param({"input": [{"type": "function_call_output", "call_id": "c", "output": "x"}]}, 400, "input[0].call_id",
                 id="orphan-output"),
    pytest.param({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "gopher://x"}]}]}, 400,
                 "input[0].content[0].image_url", id="bad-image-url"),
    pytest.param({"input": "hi", "background": True, "store": False}, 400, "store", id="background-unstored"),
    pytest.param({"input": "hi", "tools": [{"type": "code_interpreter"}]}, 400, "tools[0].type", id="hosted-tool"),
    pytest.param({"input": "hi", "text": {"format": {"type": "json_schema"}}}, 400, "text.format.schema", id="schema-missing"),
    pytest.param({"input": "hi", "max_output_tokens": -1}, 400, "max_output_tokens", id="negative-max"),
    pytest.param({"input": {"role": "user"}}, 400, "input", id="input-object"),
    pytest.param({}, 400, "input", id="input-missing"),
    pytest.param({"input": "hi", "model": "gemini-does-not-exist"}, 404, "model", id="unknown-model"),
]


@pytest.mark.parametrize(("body", "status", "param"), BAD_INPUT)
def test_bad_input_is_4xx_never_5xx(gw, body, status, param):
    response = httpx.post(f"{gw}/v1/responses", headers={"authorization": f"Bearer {USER_KEY}"},
                          json={"model": FLASH, **body}, timeout=10)
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param


def test_a_body_that_is_not_json_is_a_400(gw):
    response = httpx.post(f"{gw}/v1/responses", headers={"authorization": f"Bearer {USER_KEY}",
                                                         "content-type": "application/json"}, content=b"{", timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


# ---- bad agent input: clear 400s in OpenAI's envelope --------------------------------------------------------


@pytest.mark.parametrize(("body", "param"), [
    ({"tools": [{"type": "function", "name": "crm"}, {"type": "namespace", "name": "crm", "description": "CRM",
                                                       "tools": [{"type": "function", "name": "find"}]}]}, "tools[1].name"),
    ({"tools": [{"type": "custom", "description": "no name"}]}, "tools[0].name"),
    ({"input": [{"role": "user", "content": "hi"}, {"type": "hologram_call", "id": "h1"}]}, "input[1].type"),
])
def test_bad_agent_input_is_a_400_naming_the_parameter(gw, body, param):
    reply = httpx.post(f"{gw}/v1/responses", headers={"Authorization": f"Bearer {USER_KEY}"},
                       json={"model": GEMINI_3, "input": "hi", **body})
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and error["message"]
