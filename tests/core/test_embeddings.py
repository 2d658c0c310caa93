"""/embeddings ↔ batchEmbedContents."""

from __future__ import annotations

import base64
import struct

import pytest

from core.config import Settings
from core.embeddings import embeddings_request_to_gemini, embeddings_response_from_gemini
from core.errors import InvalidRequestError, UpstreamError


def test_a_request_becomes_batches_of_at_most_100_reassembled_in_order():
    plan = embeddings_request_to_gemini({"model": "text-embedding-3-small", "input": [f"t{i}" for i in range(250)],
                                         "dimensions": 768, "task_type": "retrieval_document"}, Settings())
    calls = plan.upstream()
    assert [len(c.body["requests"]) for c in calls] == [100, 100, 50]
    assert calls[0].path == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert calls[2].body["requests"][-1] == {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "t249"}]},
                                             "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 768}
    responses = [{"embeddings": [{"values": [float(i), 0.0]} for i in range(start, min(start + 100, 250))]} for start in (0, 100, 200)]
    result = embeddings_response_from_gemini(responses, plan)
    # Truncated vectors come back unit length (see test_truncated_vectors_are_normalised).
    assert [item["embedding"] for item in result["data"]] == [[0.0, 0.0]] + [[1.0, 0.0] for _ in range(249)]
    assert [item["index"] for item in result["data"]] == list(range(250))
    assert result["model"] == "text-embedding-3-small" and result["usage"] == {"prompt_tokens": 0, "total_tokens": 0}


def test_base64_is_little_endian_float32():
    plan = embeddings_request_to_gemini({"input": "hello", "encoding_format": "base64"}, Settings())
    result = embeddings_response_from_gemini([{"embeddings": [{"values": [0.5, -1.25, 3.0]}]}], plan)
    encoded = result["data"][0]["embedding"]
    assert struct.unpack("<3f", base64.b64decode(encoded)) == (0.5, -1.25, 3.0)


def test_gemini_names_pass_and_others_use_the_default():
    settings = Settings(default_embedding_model="gemini-embedding-001")
    # text-embedding-004 was shut down on 2026-01-14: its name is sent as gemini-embedding-001.
    assert embeddings_request_to_gemini({"model": "models/text-embedding-004", "input": "x"}, settings).model == "gemini-embedding-001"
    assert embeddings_request_to_gemini({"model": "gemini-embedding-2", "input": "x"}, settings).model == "gemini-embedding-2"
    assert embeddings_request_to_gemini({"model": "ada-002", "input": "x"}, settings).model == "gemini-embedding-001"


@pytest.mark.parametrize(("request_", "param"), [
    ({"input": [1, 2, 3]}, "input"),
    ({"input": [[1, 2]]}, "input"),
    ({"input": []}, "input"),
    ({"input": ""}, "input"),
    ({}, "input"),
    ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
    ({"input": "x", "dimensions": 0}, "dimensions"),
    ({"input": "x", "dimensions": 4096, "model": "gemini-embedding-2"}, "dimensions"),
    ({"input": "x", "task_type": "SUMMARIZE"}, "task_type"),
])
def test_bad_requests(request_, param):
    with pytest.raises(InvalidRequestError) as caught:
        embeddings_request_to_gemini(request_, Settings())
    assert caught.value.param == param


def test_an_upstream_answer_with_the_wrong_count_is_an_upstream_error():
    plan = embeddings_request_to_gemini({"input": ["a", "b"]}, Settings())
    with pytest.raises(UpstreamError):
        embeddings_response_from_gemini([{"embeddings": [{"values": [1.0]}]}], plan)


def _norm(vector: list[float]) -> float:
    return sum(x * x for x in vector) ** 0.5


def test_truncated_vectors_are_normalised():
    # "The 3072 dimension embedding is normalized. [...] For other dimensions, including 768 and 1536,
    # you need to normalize the embeddings" (ai.google.dev/gemini-api/docs/embeddings).
    plan = embeddings_request_to_gemini({"input": ["a", "b", "c"], "dimensions": 768}, Settings())
    raw = [[3.0, 4.0] + [0.0] * 766, [0.0] * 768, [0.25] * 768]
    result = embeddings_response_from_gemini([{"embeddings": [{"values": v} for v in raw]}], plan)
    vectors = [item["embedding"] for item in result["data"]]
    assert vectors[0][:2] == [0.6, 0.8] and abs(_norm(vectors[0]) - 1) < 1e-12
    assert vectors[1] == [0.0] * 768  # a zero vector stays as it is
    assert abs(_norm(vectors[2]) - 1) < 1e-12
    # base64 carries the normalised values too
    plan64 = plan._replace(encoding_format="base64")
    encoded = embeddings_response_from_gemini([{"embeddings": [{"values": v} for v in raw]}], plan64)["data"][0]["embedding"]
    assert struct.unpack("<768f", base64.b64decode(encoded))[:2] == pytest.approx((0.6, 0.8))


def test_full_size_vectors_are_passed_as_they_are():
    plan = embeddings_request_to_gemini({"input": "a"}, Settings())
    assert embeddings_response_from_gemini([{"embeddings": [{"values": [3.0, 4.0]}]}], plan)["data"][0]["embedding"] == [3.0, 4.0]


def test_non_numeric_values_are_an_upstream_error():
    plan = embeddings_request_to_gemini({"input": "a", "dimensions": 128}, Settings())
    with pytest.raises(UpstreamError):
        embeddings_response_from_gemini([{"embeddings": [{"values": ["x", 1.0]}]}], plan)


@pytest.mark.parametrize(("task_type", "text"), [
    # gemini-embedding-2 takes no taskType; its task goes into the text, as Google's table writes it
    # (docs.cloud.google.com/gemini-enterprise-agent-platform/models/embeddings/get-multimodal-embeddings).
    ("RETRIEVAL_QUERY", "task: search result | query: hi"),
    ("RETRIEVAL_DOCUMENT", "title: none | text: hi"),
    ("SEMANTIC_SIMILARITY", "task: sentence similarity | query: hi"),
    ("CLASSIFICATION", "task: classification | query: hi"),
    ("CLUSTERING", "task: clustering | query: hi"),
    ("QUESTION_ANSWERING", "task: question answering | query: hi"),
    ("FACT_VERIFICATION", "task: fact checking | query: hi"),
    ("CODE_RETRIEVAL_QUERY", "task: code retrieval | query: hi"),
    (None, "hi"),
])
def test_gemini_embedding_2_gets_its_task_as_a_prefix(task_type, text):
    request = {"model": "gemini-embedding-2", "input": "hi", "dimensions": 1536, **({"task_type": task_type} if task_type else {})}
    call = embeddings_request_to_gemini(request, Settings()).upstream()[0]
    assert call.body["requests"] == [{"model": "models/gemini-embedding-2", "content": {"parts": [{"text": text}]},
                                      "outputDimensionality": 1536}]


def test_gemini_embedding_001_gets_its_task_as_a_task_type():
    call = embeddings_request_to_gemini({"input": "hi", "extra_body": {"task_type": "clustering"}}, Settings()).upstream()[0]
    assert call.body["requests"] == [{"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "hi"}]},
                                      "taskType": "CLUSTERING"}]
