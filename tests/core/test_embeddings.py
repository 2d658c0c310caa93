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
    responses = [{"embeddings": [{"values": [float(i)]} for i in range(start, min(start + 100, 250))]} for start in (0, 100, 200)]
    result = embeddings_response_from_gemini(responses, plan)
    assert [item["embedding"] for item in result["data"]] == [[float(i)] for i in range(250)]
    assert [item["index"] for item in result["data"]] == list(range(250))
    assert result["model"] == "text-embedding-3-small" and result["usage"] == {"prompt_tokens": 0, "total_tokens": 0}


def test_base64_is_little_endian_float32():
    plan = embeddings_request_to_gemini({"input": "hello", "encoding_format": "base64"}, Settings())
    result = embeddings_response_from_gemini([{"embeddings": [{"values": [0.5, -1.25, 3.0]}]}], plan)
    encoded = result["data"][0]["embedding"]
    assert struct.unpack("<3f", base64.b64decode(encoded)) == (0.5, -1.25, 3.0)


def test_gemini_names_pass_and_others_use_the_default():
    settings = Settings(default_embedding_model="gemini-embedding-001")
    assert embeddings_request_to_gemini({"model": "models/text-embedding-004", "input": "x"}, settings).model == "text-embedding-004"
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
