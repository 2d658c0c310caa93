"""The OpenAI Python SDK against the gateway in front of the fake Gemini, all on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time

import httpx
import openai
import pytest

from tests.e2e.conftest import USER_KEY, closed_port
from tests.fakes.gemini import KEY_INVALID, MESSAGES, MODELS, embed_values

FLASH = "gemini-2.5-flash-lite"
GEMINI_3 = "gemini-3.1-pro-preview"
SAFETY_OFF = [
    {"category": category, "threshold": "OFF"}
    for category in (
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
    )
]
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "strict": True, "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}},
    {"type": "function", "function": {"name": "get_time", "strict": True, "parameters": {
        "type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"], "additionalProperties": False}}},
]
TWO_CALLS = "call get_weather city=Paris call get_time tz=UTC"


def sdk(base_url: str, api_key: str = USER_KEY, **kwargs) -> openai.OpenAI:
    """An SDK client that never retries on its own, so every status reaches the test."""
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key, max_retries=0, timeout=10, **kwargs)


def tokens(chars: int) -> int:
    """The fake's token count for `chars` characters."""
    return (chars + 3) // 4


def usage(prompt: int, completion: int, reasoning: int = 0) -> dict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion + reasoning,
        "total_tokens": prompt + completion + reasoning,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0},
    }


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def generate_calls(fake) -> list[dict]:
    return [r for r in fake.requests if ":generateContent" in r["path"] or ":streamGenerateContent" in r["path"]]


# ---- chat --------------------------------------------------------------------------------


def test_chat_text_whole_response_and_upstream_request(gw, fake):
    raw = sdk(gw).chat.completions.with_raw_response.create(model=FLASH, messages=user("hello"))
    completion = raw.parse()

    assert completion.to_dict() == {
        "id": f"chatcmpl-{raw.headers['x-request-id']}",
        "object": "chat.completion",
        "created": completion.created,
        "model": FLASH,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "echo: hello", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }],
        "usage": usage(tokens(len("hello")), tokens(len("echo: hello"))),
    }
    assert [(r["method"], r["path"], r["key"], r["json"]) for r in fake.requests] == [(
        "POST",
        f"/v1beta/models/{FLASH}:generateContent",
        USER_KEY,
        {
            "contents": [{"role": "user", "parts": [{"text": "hello"}]}],
            "safetySettings": SAFETY_OFF,
            "generationConfig": {"thinkingConfig": {"includeThoughts": True}},
        },
    )]


def test_chat_thinking_is_reasoning_content(gw):
    prompt = "why #fake:thinking"
    completion = sdk(gw).chat.completions.create(model=FLASH, messages=user(prompt))

    message = completion.choices[0].message
    assert message.content == "echo: why"
    assert message.model_extra == {"reasoning_content": "**Thinking** about: why"}
    assert completion.usage.to_dict() == usage(
        tokens(len(prompt)), tokens(len("echo: why")), reasoning=tokens(len("**Thinking** about: why"))
    )


def test_chat_two_candidates_from_a_scripted_response(gw, fake):
    fake.script({"status": 200, "json": {
        "candidates": [
            # Gemini leaves out "index": 0 on the first candidate.
            {"content": {"role": "model", "parts": [{"text": "first"}]}, "finishReason": "STOP"},
            {"content": {"role": "model", "parts": [{"text": "second"}]}, "finishReason": "MAX_TOKENS", "index": 1},
        ],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7},
        "modelVersion": FLASH,
    }})
    completion = sdk(gw).chat.completions.create(model=FLASH, messages=user("two please"), n=2)

    assert [choice.to_dict() for choice in completion.choices] == [
        {"index": 0, "message": {"role": "assistant", "content": "first", "refusal": None}, "logprobs": None, "finish_reason": "stop"},
        {"index": 1, "message": {"role": "assistant", "content": "second", "refusal": None}, "logprobs": None, "finish_reason": "length"},
    ]
    assert completion.usage.to_dict() == usage(3, 4)
    assert fake.requests[-1]["json"]["generationConfig"] == {"candidateCount": 2, "thinkingConfig": {"includeThoughts": True}}


@pytest.mark.parametrize("include_usage", [True, False])
def test_stream_chat_reassembles_and_reports_usage_only_when_asked(gw, fake, include_usage):
    prompt = "stream me please #fake:chunks=6"
    options = {"stream_options": {"include_usage": True}} if include_usage else {}
    chunks = list(sdk(gw).chat.completions.create(model=FLASH, messages=user(prompt), stream=True, **options))

    content_chunks = [c for c in chunks if c.choices]
    text = "".join(c.choices[0].delta.content or "" for c in content_chunks)
    assert text == "echo: stream me please"
    assert [c.choices[0].finish_reason for c in content_chunks] == [None] * (len(content_chunks) - 1) + ["stop"]
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    if include_usage:
        assert chunks[-1].choices == []
        assert chunks[-1].usage.to_dict() == usage(tokens(len(prompt)), tokens(len("echo: stream me please")))
        assert all(c.usage is None for c in chunks[:-1])
    else:
        assert all(c.usage is None for c in chunks)
        assert all("usage" not in c.to_dict() for c in chunks)
    assert fake.requests[-1]["path"] == f"/v1beta/models/{FLASH}:streamGenerateContent"
    assert fake.requests[-1]["query"] == {"alt": "sse"}


def test_stream_chunks_are_relayed_as_they_arrive(gw):
    started = time.monotonic()
    arrivals = [
        time.monotonic() - started
        for chunk in sdk(gw).chat.completions.create(model=FLASH, messages=user("tick #fake:delay=0.4 #fake:chunks=3"), stream=True)
        if chunk.choices and chunk.choices[0].delta.content
    ]
    assert len(arrivals) == 3
    # Nothing is buffered: the first words arrive long before the upstream stream ends (~0.8 s).
    assert arrivals[0] < 0.3 and arrivals[-1] > 0.7


def test_stream_error_event_mid_stream_raises_api_error(gw):
    stream = sdk(gw).chat.completions.create(model=FLASH, messages=user("boom #fake:midstream_error"), stream=True)
    received = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) != ""  # two chunks got through before the error event
    assert caught.value.body == {
        "message": "Resource has been exhausted", "type": "rate_limit_error", "param": None, "code": "rate_limit_exceeded",
    }


@pytest.mark.parametrize("model", [FLASH, GEMINI_3])
def test_stream_helper_parallel_tool_calls_and_the_second_turn(gw, fake, model):
    client = sdk(gw)
    with client.chat.completions.stream(model=model, messages=user(TWO_CALLS), tools=TOOLS) as stream:
        events = list(stream)
        final = stream.get_final_completion()

    signature = base64.b64encode(hashlib.sha256(TWO_CALLS.encode()).digest()).decode() if model == GEMINI_3 else None
    choice = final.choices[0]
    calls = choice.message.tool_calls
    assert choice.finish_reason == "tool_calls"
    assert [(c.type, c.function.name, json.loads(c.function.arguments), c.function.parsed_arguments) for c in calls] == [
        ("function", "get_weather", {"city": "Paris"}, {"city": "Paris"}),
        ("function", "get_time", {"tz": "UTC"}, {"tz": "UTC"}),
    ]
    assert len({c.id for c in calls}) == 2
    done = [(e.index, e.name, e.parsed_arguments) for e in events if e.type == "tool_calls.function.arguments.done"]
    assert done == [(0, "get_weather", {"city": "Paris"}), (1, "get_time", {"tz": "UTC"})]

    # Second turn: the answers come back in the reverse order; Gemini wants them in call order.
    history = [
        *user(TWO_CALLS),
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
            for c in calls
        ]},
        {"role": "tool", "tool_call_id": calls[1].id, "content": "12:00"},
        {"role": "tool", "tool_call_id": calls[0].id, "content": json.dumps({"temp": 21})},
    ]
    answer = client.chat.completions.create(model=model, messages=history, tools=TOOLS)

    assert answer.choices[0].message.content == 'result: {"temp": 21}'
    first_call = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    if signature:
        first_call["thoughtSignature"] = signature
    assert fake.requests[-1]["json"]["contents"] == [
        {"role": "user", "parts": [{"text": TWO_CALLS}]},
        {"role": "model", "parts": [first_call, {"functionCall": {"name": "get_time", "args": {"tz": "UTC"}}}]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"temp": 21}}},
            {"functionResponse": {"name": "get_time", "response": {"output": "12:00"}}},
        ]},
    ]


def test_non_streamed_tool_call_carries_the_signature_both_ways(gw, fake):
    client = sdk(gw)
    prompt = "call get_weather city=Rome"
    completion = client.chat.completions.create(model=GEMINI_3, messages=user(prompt), tools=TOOLS)
    signature = base64.b64encode(hashlib.sha256(prompt.encode()).digest()).decode()

    (call,) = completion.choices[0].message.tool_calls
    assert call.to_dict() == {
        "id": f"{call.id.split('__thought__')[0]}__thought__{signature}",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'},
        "extra_content": {"google": {"thought_signature": signature}},
    }
    # A client that keeps only `extra_content` (and rewrites the id) still sends the signature back.
    history = [
        *user(prompt),
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_client_made_0", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'},
            "extra_content": {"google": {"thought_signature": signature}},
        }]},
        {"role": "tool", "tool_call_id": "call_client_made_0", "content": "sunny"},
    ]
    client.chat.completions.create(model=GEMINI_3, messages=history, tools=TOOLS)
    assert fake.requests[-1]["json"]["contents"][1] == {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}, "thoughtSignature": signature},
    ]}


# ---- embeddings ----------------------------------------------------------------------------


def test_embeddings_float_whole_response(gw, fake):
    result = sdk(gw).embeddings.create(model="gemini-embedding-001", input=["alpha", "beta"], encoding_format="float")

    assert result.to_dict() == {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": embed_values("alpha")},
            {"object": "embedding", "index": 1, "embedding": embed_values("beta")},
        ],
        "model": "gemini-embedding-001",
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }
    assert [(r["path"], r["json"]) for r in fake.requests] == [(
        "/v1beta/models/gemini-embedding-001:batchEmbedContents",
        {"requests": [
            {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "alpha"}]}},
            {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "beta"}]}},
        ]},
    )]


def test_embeddings_base64_decodes_to_the_float_values(gw):
    client = sdk(gw)
    texts = ["one", "two", "three"]
    floats = client.embeddings.create(model="gemini-embedding-001", input=texts, encoding_format="float", dimensions=16)
    # Without encoding_format the SDK asks for base64 itself and decodes it (little-endian float32).
    decoded = client.embeddings.create(model="gemini-embedding-001", input=texts, dimensions=16)
    # With an explicit encoding_format the SDK hands back the base64 text as it came.
    packed = client.embeddings.create(model="gemini-embedding-001", input=texts, encoding_format="base64", dimensions=16)

    # Truncated vectors come back unit length (Google's embeddings guide says to normalise them).
    assert [f.embedding for f in floats.data] == [pytest.approx(embed_values(t, 16), abs=1e-5) for t in texts]
    assert all(abs(sum(x * x for x in f.embedding) - 1) < 1e-12 for f in floats.data)
    for f, d, p in zip(floats.data, decoded.data, packed.data, strict=True):
        assert d.embedding == pytest.approx(f.embedding, abs=1e-6)
        assert list(struct.unpack("<16f", base64.b64decode(p.embedding))) == pytest.approx(f.embedding, abs=1e-6)


def test_embeddings_over_a_hundred_inputs_are_batched_in_order(gw, fake):
    texts = [f"text number {i}" for i in range(250)]
    result = sdk(gw).embeddings.create(model="gemini-embedding-001", input=texts, encoding_format="float")

    assert [(d.index, d.embedding) for d in result.data] == [(i, embed_values(t)) for i, t in enumerate(texts)]
    batches = sorted(
        ([req["content"]["parts"][0]["text"] for req in r["json"]["requests"]] for r in fake.requests),
        key=lambda batch: texts.index(batch[0]),
    )
    assert batches == [texts[:100], texts[100:200], texts[200:]]


# ---- models ----------------------------------------------------------------------------------


def test_models_list_and_retrieve(gw):
    client = sdk(gw)
    assert [m.id for m in client.models.list()] == [m["name"][len("models/"):] for m in MODELS]
    # The catalog is Gemini's own, names as Google lists them (the fake lists gemini-2.5-flash).
    assert client.models.retrieve("gemini-2.5-flash").to_dict() == {
        "id": "gemini-2.5-flash",
        "object": "model",
        "created": 0,
        "owned_by": "google",
        "display_name": "Gemini 2.5 Flash",
        "description": "Stable version of Gemini 2.5 Flash.",
        "input_token_limit": 1048576,
        "output_token_limit": 65536,
        "supported_generation_methods": ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
        "thinking": True,
        "context_length": 1048576,
    }


def test_retrieving_a_missing_model_is_not_found(gw):
    with pytest.raises(openai.NotFoundError) as caught:
        sdk(gw).models.retrieve("gemini-does-not-exist")
    assert caught.value.status_code == 404
    assert caught.value.body["code"] == "model_not_found"
    assert caught.value.body["param"] == "model"


# ---- legacy completions ----------------------------------------------------------------------


def test_legacy_completion_text(gw):
    completion = sdk(gw).completions.create(model=FLASH, prompt="once upon")

    assert completion.to_dict() == {
        "id": completion.id,
        "object": "text_completion",
        "created": completion.created,
        "model": FLASH,
        "choices": [{"text": "echo: once upon", "index": 0, "logprobs": None, "finish_reason": "stop"}],
        "usage": usage(tokens(len("once upon")), tokens(len("echo: once upon"))),
    }
    assert completion.id.startswith("cmpl-")


def test_legacy_completion_several_prompts(gw, fake):
    completion = sdk(gw).completions.create(model=FLASH, prompt=["first", "second", "third"])

    assert [(c.index, c.text) for c in completion.choices] == [(0, "echo: first"), (1, "echo: second"), (2, "echo: third")]
    assert len(generate_calls(fake)) == 3


def test_legacy_completion_stream(gw):
    chunks = list(sdk(gw).completions.create(model=FLASH, prompt="a long time ago #fake:chunks=4", stream=True))

    assert "".join(c.choices[0].text for c in chunks) == "echo: a long time ago"
    assert chunks[-1].choices[0].finish_reason == "stop"


# ---- errors ----------------------------------------------------------------------------------


def _envelope(message: str, type: str, code: str | None, param: str | None = None) -> dict:
    return {"message": message, "type": type, "param": param, "code": code}


MODEL_404 = (
    f"The model '{FLASH}' does not exist or does not support this method (Gemini: {MESSAGES[404]}). "
    "GET /v1/models lists the models your key can use."
)
RATE_LIMITED = "You exceeded your current quota, please check your plan and billing details. Please retry in 7.5s."

# Upstream HTTP status (the fake's `#fake:status=`) → SDK exception, status the client sees, error body.
UPSTREAM_ERRORS = [
    (400, openai.BadRequestError, 400, _envelope(MESSAGES[400], "invalid_request_error", None)),
    (401, openai.AuthenticationError, 401, _envelope(MESSAGES[401], "invalid_request_error", "invalid_api_key")),
    (403, openai.PermissionDeniedError, 403, _envelope(MESSAGES[403], "permission_error", None)),
    (404, openai.NotFoundError, 404, _envelope(MODEL_404, "invalid_request_error", "model_not_found", "model")),
    (429, openai.RateLimitError, 429, _envelope(RATE_LIMITED, "rate_limit_error", "rate_limit_exceeded")),
    (500, openai.InternalServerError, 502, _envelope(f"Gemini error 500: {MESSAGES[500]}", "server_error", "upstream_error")),
    (502, openai.InternalServerError, 502, _envelope("Gemini error 502: Unknown error.", "server_error", "upstream_error")),
    (503, openai.InternalServerError, 503, _envelope(MESSAGES[503], "server_error", "service_unavailable")),
    (504, openai.InternalServerError, 504, _envelope(MESSAGES[504], "server_error", "upstream_timeout")),
]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize(("upstream", "exception", "status", "body"), UPSTREAM_ERRORS, ids=[str(row[0]) for row in UPSTREAM_ERRORS])
def test_upstream_statuses_become_typed_sdk_errors(gw, upstream, exception, status, body, stream):
    with pytest.raises(exception) as caught:
        result = sdk(gw).chat.completions.create(model=FLASH, messages=user(f"fail #fake:status={upstream}"), stream=stream)
        list(result) if stream else None

    error = caught.value
    assert isinstance(error, openai.APIStatusError)
    assert (error.status_code, error.body) == (status, body)
    assert error.response.headers["content-type"] == "application/json"
    assert error.response.headers.get("retry-after") == ("7" if upstream == 429 else None)


def test_rate_limited_key_answers_429_with_retry_after(gw, fake):
    fake.set_keys(rate_limited=["AIzaE2eRateLimitedKey0001"])
    with pytest.raises(openai.RateLimitError) as caught:
        sdk(gw, "AIzaE2eRateLimitedKey0001").chat.completions.create(model=FLASH, messages=user("hi"))
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.body["code"] == "rate_limit_exceeded"


GATEWAY_ERRORS = [
    pytest.param({"model": FLASH}, openai.BadRequestError, 400,
                 _envelope("Missing required parameter: 'messages'.", "invalid_request_error", "missing_required_parameter", "messages"),
                 id="messages-missing"),
    pytest.param({"model": FLASH, "messages": "hi"}, openai.BadRequestError, 400,
                 _envelope("'messages' must be an array, got a string.", "invalid_request_error", "invalid_type", "messages"),
                 id="messages-wrong-type"),
    pytest.param({"model": FLASH, "messages": user("hi"), "temperature": 7}, openai.BadRequestError, 400,
                 _envelope("'temperature' must be between 0 and 2, got 7.", "invalid_request_error", "invalid_value", "temperature"),
                 id="temperature-out-of-range"),
    pytest.param({"model": "gemini-does-not-exist", "messages": user("hi")}, openai.NotFoundError, 404, None,
                 id="unknown-model"),
]


@pytest.mark.parametrize(("body", "exception", "status", "expected"), GATEWAY_ERRORS)
def test_bad_requests_are_typed_sdk_errors(gw, fake, body, exception, status, expected):
    with pytest.raises(exception) as caught:
        sdk(gw).chat.completions.create(**{"model": openai.omit, "messages": openai.omit, **body})
    assert caught.value.status_code == status
    if expected is not None:
        assert caught.value.body == expected
        assert fake.requests == []
    else:
        assert (caught.value.body["code"], caught.value.body["param"]) == ("model_not_found", "model")


def test_upstream_timeout_is_504(gateway):
    gw = gateway({"REQUEST_TIMEOUT": "0.3"})
    with pytest.raises(openai.InternalServerError) as caught:
        sdk(gw).chat.completions.create(model=FLASH, messages=user("slow #fake:sleep=3"))
    assert caught.value.status_code == 504
    assert caught.value.body["code"] == "upstream_timeout"


def test_upstream_timeout_before_the_stream_starts_is_504(gateway):
    gw = gateway({"REQUEST_TIMEOUT": "0.3"})
    with pytest.raises(openai.InternalServerError) as caught:
        list(sdk(gw).chat.completions.create(model=FLASH, messages=user("slow #fake:first_delay=3"), stream=True))
    assert caught.value.status_code == 504


def test_upstream_connection_refused_is_502(gateway):
    gw = gateway({"GEMINI_BASE_URL": f"http://127.0.0.1:{closed_port()}"})
    with pytest.raises(openai.InternalServerError) as caught:
        sdk(gw).chat.completions.create(model=FLASH, messages=user("anyone there?"))
    assert caught.value.status_code == 502
    assert caught.value.body["code"] == "upstream_error"


# ---- auth ------------------------------------------------------------------------------------


def test_pass_through_key_pool_and_header_variants(gw, fake):
    sdk(gw, "AIzaE2ePoolKeyA001,AIzaE2ePoolKeyB002").chat.completions.create(model=FLASH, messages=user("pool"))
    sdk(gw, "placeholder", default_headers={"Authorization": "", "x-goog-api-key": "AIzaE2eHeaderKey003"}).models.list()
    httpx.get(f"{gw}/v1/models", params={"key": "AIzaE2eQueryKey004"}, timeout=10).raise_for_status()

    keys = [r["key"] for r in fake.requests]
    assert keys[0] in ("AIzaE2ePoolKeyA001", "AIzaE2ePoolKeyB002")
    assert keys[1:] == ["AIzaE2eHeaderKey003", "AIzaE2eQueryKey004"]


def test_pass_through_without_a_key_is_401(gw, fake):
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk(gw, "placeholder", default_headers={"Authorization": ""}).chat.completions.create(model=FLASH, messages=user("hi"))
    assert caught.value.body["code"] == "invalid_api_key"
    assert fake.requests == []


SERVER = {"GEMINI_API_KEY": "AIzaE2eServerKey0001", "AUTH_TOKEN": "tok-e2e-first,tok-e2e-second"}


def test_server_keys_with_a_valid_token(gateway, fake):
    gw = gateway(SERVER)
    completion = sdk(gw, "tok-e2e-second").chat.completions.create(model=FLASH, messages=user("hi"))

    assert completion.choices[0].message.content == "echo: hi"
    assert [r["key"] for r in fake.requests] == ["AIzaE2eServerKey0001"]
    assert "tok-e2e-second" not in json.dumps(fake.requests)


@pytest.mark.parametrize("api_key", ["tok-e2e-wrong", "AIzaE2eServerKey0001", "tok-e2e-first,tok-e2e-second"])
def test_server_keys_refuse_a_wrong_token(gateway, fake, api_key):
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk(gateway(SERVER), api_key).chat.completions.create(model=FLASH, messages=user("hi"))
    assert caught.value.body["code"] == "invalid_api_key"
    assert fake.requests == []


def test_server_keys_without_auth_token_fail_closed(gateway, fake):
    gw = gateway({"GEMINI_API_KEY": "AIzaE2eServerKey0001"})
    for api_key in ("anything", "AIzaE2eServerKey0001"):
        with pytest.raises(openai.InternalServerError) as caught:
            sdk(gw, api_key).chat.completions.create(model=FLASH, messages=user("hi"))
        assert caught.value.status_code == 500
        assert caught.value.body["code"] == "gateway_misconfigured"
        assert caught.value.body["message"].startswith("AUTH_TOKEN: ")
    assert fake.requests == []


def test_key_rotation_skips_and_rests_a_rate_limited_key(gateway, fake):
    gw = gateway({"GEMINI_API_KEY": "k1-e2e-key,k2-e2e-key", "AUTH_TOKEN": "tok-e2e"}, fresh=True)
    fake.set_keys(rate_limited=["k1-e2e-key"])
    client = sdk(gw, "tok-e2e")

    seen = []
    for _ in range(3):
        assert client.chat.completions.create(model=FLASH, messages=user("rotate")).choices[0].message.content == "echo: rotate"
        seen.append([r["key"] for r in fake.requests])
        fake.requests.clear()
    # The third request starts its turn at k1 again; k1 is resting, so k2 goes first.
    assert seen == [["k1-e2e-key", "k2-e2e-key"], ["k2-e2e-key"], ["k2-e2e-key"]]


@pytest.mark.parametrize(("cooldown", "pause", "third"), [
    ("300", 0, ["good-e2e-key"]),
    ("0.2", 0.3, ["bad-e2e-key", "good-e2e-key"]),
], ids=["resting", "rested"])
def test_key_rotation_past_an_invalid_key(gateway, fake, cooldown, pause, third):
    gw = gateway({"GEMINI_API_KEY": "bad-e2e-key,good-e2e-key", "AUTH_TOKEN": "tok-e2e", "KEY_COOLDOWN": cooldown}, fresh=True)
    fake.set_keys(valid=["good-e2e-key"])
    client = sdk(gw, "tok-e2e")

    seen = []
    for _ in range(3):
        client.chat.completions.create(model=FLASH, messages=user("hi"))
        seen.append([r["key"] for r in fake.requests])
        fake.requests.clear()
        time.sleep(pause)
    assert seen == [["bad-e2e-key", "good-e2e-key"], ["good-e2e-key"], third]


# Gemini's answer to the first key → whether the gateway tries the next key.
RETRYABLE = [(401, True), (403, True), (429, True), (500, True), (503, True), (504, True), (400, False), (404, False)]


@pytest.mark.parametrize(("status", "retried"), RETRYABLE, ids=[str(status) for status, _ in RETRYABLE])
def test_which_upstream_failures_move_on_to_the_next_key(gateway, fake, status, retried):
    gw = gateway({"GEMINI_API_KEY": "x1-e2e-key,x2-e2e-key", "AUTH_TOKEN": "tok-e2e"}, fresh=True)
    fake.script({"status": status})
    client = sdk(gw, "tok-e2e")
    if retried:
        assert client.chat.completions.create(model=FLASH, messages=user("hi")).choices[0].message.content == "echo: hi"
    else:
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model=FLASH, messages=user("hi"))
        assert caught.value.status_code == status
    assert [r["key"] for r in fake.requests] == ["x1-e2e-key", "x2-e2e-key"][: 2 if retried else 1]


def test_max_attempts_bounds_the_retries(gateway, fake):
    keys = ["r1-e2e-key", "r2-e2e-key", "r3-e2e-key"]
    gw = gateway({"GEMINI_API_KEY": ",".join(keys), "AUTH_TOKEN": "tok-e2e", "MAX_ATTEMPTS": "2"}, fresh=True)
    fake.set_keys(rate_limited=keys)
    with pytest.raises(openai.RateLimitError):
        sdk(gw, "tok-e2e").chat.completions.create(model=FLASH, messages=user("hi"))
    assert [r["key"] for r in fake.requests] == keys[:2]


# ---- CORS --------------------------------------------------------------------------------------


def test_cors_preflight(gw):
    response = httpx.options(f"{gw}/v1/chat/completions", headers={
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os",
    }, timeout=10)

    assert response.status_code == 204
    assert response.content == b""
    assert {k: v for k, v in response.headers.items() if k.startswith("access-control-")} == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "retry-after, x-request-id, x-goog-upload-url, x-goog-upload-status",
        "access-control-allow-methods": "GET, POST, PATCH, DELETE, OPTIONS",
        "access-control-allow-headers": "authorization, content-type, x-stainless-os",
        "access-control-max-age": "86400",
    }


KEY_HEADER = {"Authorization": f"Bearer {USER_KEY}"}


@pytest.mark.parametrize(("method", "path", "headers", "text", "status"), [
    ("POST", "/v1/chat/completions", KEY_HEADER, "hi", 200),
    ("POST", "/v1/chat/completions", KEY_HEADER, "hi #fake:chunks=2", 200),
    ("GET", "/v1/models", KEY_HEADER, None, 200),
    ("POST", "/v1/chat/completions", {}, "hi", 401),
    ("GET", "/v1/nowhere", {}, None, 404),
    ("GET", "/v1/chat/completions", KEY_HEADER, None, 405),
    ("POST", "/v1/chat/completions", KEY_HEADER, "#fake:status=500", 502),
    ("POST", "/v1/chat/completions", KEY_HEADER, "#fake:status=429", 429),
])
def test_cors_header_on_normal_and_error_answers(gw, method, path, headers, text, status):
    body = {"model": FLASH, "messages": user(text), "stream": "chunks" in text} if text else None
    response = httpx.request(method, f"{gw}{path}", headers={"Origin": "https://app.example", **headers}, json=body, timeout=10)
    assert response.status_code == status
    assert response.headers["access-control-allow-origin"] == "*"


def test_cors_restricted_origins(gateway):
    gw = gateway({"CORS_ORIGINS": "https://good.example"})
    allowed = httpx.get(f"{gw}/v1/models", headers={"Origin": "https://good.example", "Authorization": f"Bearer {USER_KEY}"})
    refused = httpx.get(f"{gw}/v1/models", headers={"Origin": "https://evil.example", "Authorization": f"Bearer {USER_KEY}"})
    preflight = httpx.options(f"{gw}/v1/models", headers={"Origin": "https://evil.example"})

    assert allowed.headers["access-control-allow-origin"] == "https://good.example"
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in preflight.headers
    assert "origin" in allowed.headers["vary"].lower()


# ---- stream edge cases ---------------------------------------------------------------------------


def test_stream_thinking_arrives_as_reasoning_content_deltas(gw):
    chunks = list(sdk(gw).chat.completions.create(model=FLASH, messages=user("ponder #fake:thinking #fake:chunks=3"), stream=True))

    reasoning = "".join((c.choices[0].delta.model_extra or {}).get("reasoning_content", "") for c in chunks if c.choices)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert (reasoning, content) == ("**Thinking** about: ponder", "echo: ponder")


def test_stream_two_interleaved_candidates(gw, fake):
    def event(index: int, text: str, finish: str | None = None) -> dict:
        candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "index": index}
        if finish:
            candidate["finishReason"] = finish
        return {"candidates": [candidate], "modelVersion": FLASH}

    fake.script({"sse": [event(1, "B1"), event(0, "A1"), event(0, "A2", "STOP"), event(1, "B2", "MAX_TOKENS")]})
    chunks = list(sdk(gw).chat.completions.create(model=FLASH, messages=user("two"), n=2, stream=True))

    choices: dict[int, list] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            text, finish = choices.setdefault(choice.index, ["", None])
            choices[choice.index] = [text + (choice.delta.content or ""), finish or choice.finish_reason]
    assert choices == {0: ["A1A2", "stop"], 1: ["B1B2", "length"]}
    # Both choices are opened (role chunk) in index order before any content arrives.
    assert [(c.choices[0].index, c.choices[0].delta.role) for c in chunks[:2]] == [(0, "assistant"), (1, "assistant")]


def test_unicode_survives_every_chunking(gw):
    text = "héllo 🌍 世界 — ✓"
    for chunks in (1, 3, 20):
        streamed = sdk(gw).chat.completions.create(model=FLASH, messages=user(f"{text} #fake:chunks={chunks}"), stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices).rstrip(".") == f"echo: {text}"


@pytest.mark.parametrize(("directive", "code"), [
    ("#fake:cut", "upstream_error"),
    ("#fake:garbage", "upstream_error"),
    ("#fake:midstream_error", "rate_limit_exceeded"),
])
def test_broken_upstream_streams_end_with_an_error_event(gw, directive, code):
    stream = sdk(gw).chat.completions.create(model=FLASH, messages=user(f"story {directive}"), stream=True)
    with pytest.raises(openai.APIError) as caught:
        list(stream)
    assert caught.value.body["code"] == code


def test_upstream_timeout_mid_stream_ends_with_an_error_event(gateway):
    gw = gateway({"REQUEST_TIMEOUT": "0.3"})
    received = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in sdk(gw).chat.completions.create(model=FLASH, messages=user("slow #fake:delay=2 #fake:chunks=3"), stream=True):
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) != ""
    assert caught.value.body["code"] == "upstream_timeout"


def test_blocked_prompt_is_a_refusal(gw):
    client = sdk(gw)
    whole = client.chat.completions.create(model=FLASH, messages=user("bad #fake:block"), n=2)
    streamed = list(client.chat.completions.create(model=FLASH, messages=user("bad #fake:block"), stream=True))

    refusal = "Gemini blocked the prompt (blockReason: SAFETY). Flagged: dangerous_content: high."
    assert [c.to_dict() for c in whole.choices] == [
        {"index": i, "message": {"role": "assistant", "content": None, "refusal": refusal}, "logprobs": None,
         "finish_reason": "content_filter"} for i in range(2)
    ]
    assert "".join(c.choices[0].delta.refusal or "" for c in streamed if c.choices) == refusal
    assert streamed[-1].choices[0].finish_reason == "content_filter"


def test_max_tokens_finish_is_length(gw):
    completion = sdk(gw).chat.completions.create(model=FLASH, messages=user("long #fake:max_tokens"), max_tokens=5)
    assert completion.choices[0].finish_reason == "length"


def test_streamed_request_retries_on_the_next_key_before_the_first_byte(gateway, fake):
    gw = gateway({"GEMINI_API_KEY": "s1-e2e-key,s2-e2e-key", "AUTH_TOKEN": "tok-e2e"}, fresh=True)
    fake.set_keys(rate_limited=["s1-e2e-key"])
    chunks = list(sdk(gw, "tok-e2e").chat.completions.create(model=FLASH, messages=user("retry me"), stream=True))

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: retry me"
    assert [r["key"] for r in fake.requests] == ["s1-e2e-key", "s2-e2e-key"]


@pytest.mark.parametrize(("scripted", "status", "code"), [
    ({"json": "not a response"}, 502, "upstream_error"),
    ({"json": {"candidates": []}}, 502, "upstream_error"),
    ({"json": {"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}}}, 503, "service_unavailable"),
    ({"status": 429, "json": {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}}, 429, "rate_limit_exceeded"),
    ({"status": 400, "json": KEY_INVALID}, 401, "invalid_api_key"),
    ({"status": 402, "json": {"error": {"code": 402, "message": "no credits"}}}, 429, "insufficient_quota"),
])
def test_odd_upstream_answers(gw, fake, scripted, status, code):
    fake.script({"status": 200, **scripted})
    with pytest.raises(openai.APIStatusError) as caught:
        sdk(gw).chat.completions.create(model=FLASH, messages=user("hi"))
    assert (caught.value.status_code, caught.value.body["code"]) == (status, code)


# ---- settings and routes -------------------------------------------------------------------------


DEFAULTS = {"safetySettings": SAFETY_OFF, "generationConfig": {"thinkingConfig": {"includeThoughts": True}}}


@pytest.mark.parametrize(("env", "model", "path_model", "extra"), [
    ({}, "gpt-4o", "gemini-3.8-flash", DEFAULTS),
    ({"MODEL_ALIASES": "gpt-4o=gemini-3.1-pro-preview"}, "gpt-4o", "gemini-3.1-pro-preview", DEFAULTS),
    ({"DEFAULT_MODEL": "models/gemma-3-27b-it", "SAFETY_THRESHOLD": "default"}, "claude-3", "gemma-3-27b-it", {}),
    ({"INCLUDE_THOUGHTS": "false", "SAFETY_THRESHOLD": "block_only_high"}, FLASH, FLASH,
     {"safetySettings": [{**s, "threshold": "BLOCK_ONLY_HIGH"} for s in SAFETY_OFF]}),
], ids=["default-model", "alias", "default-model-setting", "thoughts-off"])
def test_settings_shape_the_upstream_request(gateway, fake, env, model, path_model, extra):
    sdk(gateway(env)).chat.completions.create(model=model, messages=user("hi"))
    assert (fake.requests[-1]["path"], fake.requests[-1]["json"]) == (
        f"/v1beta/models/{path_model}:generateContent",
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], **extra},
    )


def test_routes_without_the_v1_prefix(gw):
    client = openai.OpenAI(base_url=gw, api_key=USER_KEY, max_retries=0, timeout=10)
    assert client.chat.completions.create(model=FLASH, messages=user("no prefix")).choices[0].message.content == "echo: no prefix"
    assert client.models.retrieve("gemini-2.5-flash").id == "gemini-2.5-flash"


def test_landing_page(gw):
    page = httpx.get(gw, timeout=10)
    head = httpx.head(gw, timeout=10)
    assert (page.status_code, page.headers["content-type"]) == (200, "text/plain; charset=utf-8")
    assert page.text.startswith("Gemini OpenAI-compatible gateway: running.\n")
    assert "pass-through" in page.text
    assert (head.status_code, head.content) == (200, b"")


def test_invalid_setting_answers_500_naming_the_variable(gateway, fake):
    with pytest.raises(openai.InternalServerError) as caught:
        sdk(gateway({"MAX_BODY_BYTES": "lots"})).chat.completions.create(model=FLASH, messages=user("hi"))
    assert caught.value.body["code"] == "gateway_misconfigured"
    assert caught.value.body["message"].startswith("MAX_BODY_BYTES: ")
    assert fake.requests == []
