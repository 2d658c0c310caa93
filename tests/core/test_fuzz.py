"""Arbitrary JSON thrown at every request mapper: the only exception that may escape is the 400.

Upstream-facing code gets the same treatment with arbitrary Gemini-ish JSON and arbitrary bytes:
it may raise only gateway errors, and streams never raise at all.
"""

from __future__ import annotations

import contextlib
import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.chat import chat_request_to_gemini
from core.chat_response import chat_response_from_gemini
from core.completions import completion_request_to_gemini
from core.config import Settings
from core.embeddings import embeddings_request_to_gemini
from core.endpoints import prepare
from core.errors import GatewayError, InvalidRequestError
from core.exchange import Stamp
from core.routing import Route
from core.stream import ChatStream

from .test_schema import chain, compact_ladder, ladder, walk_within_bounds

SETTINGS = Settings()
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=12)


def keyed(keys: list[str], values=json_values):
    """Objects whose keys are mostly the names a mapper reads, so the fuzz gets past the first check."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), values, max_size=len(keys))


PART_TYPES = ["text", "image_url", "input_audio", "file", "refusal", "video"]
parts = keyed(["type", "text", "image_url", "input_audio", "file"], json_values | st.sampled_from(PART_TYPES)
              | st.sampled_from(["data:image/png;base64,AAAA", "https://x.org/a.png", "data:,", "files/x"])
              | st.fixed_dictionaries({"url": st.text(max_size=30), "data": st.text(max_size=8), "format": st.text(max_size=4)}))
tool_calls = keyed(["id", "type", "function"], json_values | st.fixed_dictionaries(
    {"name": st.text(max_size=5), "arguments": st.text(max_size=20) | json_values}))
messages = keyed(
    ["role", "content", "tool_calls", "tool_call_id", "name", "extra_content"],
    json_values | st.sampled_from(["system", "developer", "user", "assistant", "tool", "call_1"])
    | st.lists(parts, max_size=3) | st.lists(tool_calls, max_size=3),
)
chat_bodies = keyed(
    ["model", "messages", "temperature", "top_p", "top_k", "n", "stop", "max_tokens", "max_completion_tokens",
     "tools", "tool_choice", "response_format", "reasoning_effort", "reasoning", "thinking", "extra_body", "google",
     "stream", "stream_options", "logprobs", "top_logprobs", "seed", "web_search_options", "service_tier"],
    json_values | st.lists(messages, min_size=1, max_size=4)
    | st.sampled_from(["gemini-3-pro-preview", "gemini-2.0-flash", "low", "required"]),
)


def maps_or_400(mapper, body):
    before = copy.deepcopy(body)
    try:
        mapper(body, SETTINGS)
    except InvalidRequestError as error:
        assert error.status == 400 and error.message
    assert body == before


@FUZZ
@given(chat_bodies)
def test_chat_requests(body):
    maps_or_400(chat_request_to_gemini, body)


@FUZZ
@given(json_values)
def test_any_json_at_all(body):
    for mapper in (chat_request_to_gemini, completion_request_to_gemini, embeddings_request_to_gemini):
        maps_or_400(mapper, body)


@FUZZ
@given(keyed(["model", "prompt", "n", "logprobs", "echo", "best_of", "suffix", "stream", "stop", "max_tokens"]))
def test_completion_requests(body):
    maps_or_400(completion_request_to_gemini, body)


@FUZZ
@given(keyed(["model", "input", "dimensions", "encoding_format", "task_type", "extra_body"],
             json_values | st.lists(st.text(max_size=5), max_size=3)))
def test_embedding_requests(body):
    maps_or_400(embeddings_request_to_gemini, body)


@FUZZ
@given(st.sampled_from(["chat", "completions", "embeddings", "models", "model"]), json_values, st.text(max_size=20))
def test_prepare_any_route(route, body, model_id):
    try:
        exchange = prepare(Route(route, model_id), body if isinstance(body, dict) else {}, SETTINGS, Stamp("t", 1))
        exchange.requests()
    except InvalidRequestError:
        pass


# Schemas built to blow up: `$ref` graphs with fan-out, cycles and self-references, through every
# keyword that holds sub-schemas, plus the keyword soup above. The bounds are asserted on each.
DEF_NAMES = ["A", "B", "C", "D", "E", "F"]
refs = st.sampled_from(DEF_NAMES).map(lambda name: {"$ref": f"#/$defs/{name}"})
schema_leaves = (st.sampled_from([{"type": "string"}, {"type": "null"}, {"enum": [1, None]}, {}, {"type": ["integer", "null"]},
                                  {"const": True}, {"description": "d" * 500}, {"$ref": "#"}, {"$ref": "#/$defs/Z"}])
                 | refs | refs | refs  # mostly references, so that fan-outs multiply
                 | st.sampled_from(DEF_NAMES).map(lambda name: {"$ref": f"#/definitions/{name}", "description": "r"}))
schema_nodes = st.recursive(schema_leaves, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=8).map(lambda subs: {"type": "object", "properties": {f"p{i}": sub for i, sub in enumerate(subs)},
                                                               "required": ["p0", "p1", "x"]}),
    st.lists(inner, min_size=1, max_size=8).map(lambda subs: {"anyOf": subs}),
    st.lists(inner, min_size=1, max_size=8).map(lambda subs: {"allOf": subs}),
    st.lists(inner, min_size=1, max_size=4).map(lambda subs: {"type": "array", "items": subs[0], "prefixItems": subs[1:]}),
    keyed(["type", "properties", "items", "anyOf", "allOf", "required", "enum", "nullable", "$ref"], inner | json_values),
), max_leaves=30)
ref_graphs = st.builds(lambda defs, old, root: {"$defs": defs, "definitions": old, **root},
                       st.dictionaries(st.sampled_from(DEF_NAMES), schema_nodes, min_size=1, max_size=6),
                       st.dictionaries(st.sampled_from(DEF_NAMES[:2]), schema_nodes, max_size=2), schema_nodes)
adversarial_schemas = (ref_graphs
                       | st.builds(chain, st.integers(1, 12), st.integers(1, 12), cyclic=st.booleans(),
                                   via=st.sampled_from(["properties", "allOf", "anyOf", "items"]))
                       | st.builds(ladder, st.integers(1, 16), st.integers(1, 5), cyclic=st.booleans())
                       | st.builds(compact_ladder, st.integers(1, 32), st.integers(1, 4)))
SCHEMA_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SCHEMA_FUZZ
@given(adversarial_schemas)
def test_schemas_stay_bounded_in_both_dialects(schema):
    before = copy.deepcopy(schema)
    for dialect in ("json", "openapi"):
        walk_within_bounds(schema, dialect, "tools[0].function.parameters")
    assert schema == before


@SCHEMA_FUZZ
@given(adversarial_schemas, st.sampled_from(["gemma-3-27b-it", "gemini-2.0-flash", "gemini-2.5-flash"]))
def test_chat_requests_with_adversarial_schemas(schema, model):
    body = {"model": model, "messages": [{"role": "user", "content": "x"}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": schema}}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": schema}}}
    before = copy.deepcopy(body)
    try:
        chat_request_to_gemini(body, SETTINGS)
    except InvalidRequestError as error:
        assert error.param in ("tools[0].function.parameters", "response_format.json_schema.schema") and error.message
    assert body == before


candidates = keyed(["content", "finishReason", "index", "groundingMetadata", "logprobsResult"], json_values | st.fixed_dictionaries(
    {"parts": st.lists(keyed(["text", "thought", "functionCall", "thoughtSignature", "executableCode"]), max_size=3)}))
responses = keyed(["candidates", "usageMetadata", "promptFeedback", "modelVersion", "error"],
                  json_values | st.lists(candidates, max_size=3))


@FUZZ
@given(responses)
def test_gemini_responses_raise_only_gateway_errors(data):
    plan = chat_request_to_gemini({"messages": [{"role": "user", "content": "x"}]}, SETTINGS)
    with contextlib.suppress(GatewayError):
        chat_response_from_gemini(data, plan, completion_id="chatcmpl-x", created=1)


@FUZZ
@given(st.lists(st.binary(max_size=40) | responses.map(lambda r: b"data: " + json.dumps(r).encode() + b"\r\n\r\n"), max_size=6))
def test_streams_never_raise(chunks):
    plan = chat_request_to_gemini({"messages": [{"role": "user", "content": "x"}], "stream": True}, SETTINGS)
    stream = ChatStream(plan, completion_id="chatcmpl-x", created=1)
    out = b"".join(stream.feed(chunk) for chunk in chunks) + stream.close()
    assert out.endswith(b"data: [DONE]\n\n")
