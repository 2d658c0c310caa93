"""OpenAI `/embeddings` ↔ Gemini `batchEmbedContents`.

* `dimensions` below the model's full size: Gemini truncates the vector (Matryoshka), and
  gemini-embedding-001's truncated vectors are not unit length. Google's embeddings guide says
  "The 3072 dimension embedding is normalized. [...] For other dimensions, including 768 and 1536,
  you need to normalize the embeddings" (https://ai.google.dev/gemini-api/docs/embeddings#quality-for-smaller-dimensions).
  OpenAI clients assume unit vectors (cosine = dot product), so the gateway normalises them.
  gemini-embedding-2's are already unit length; normalising again changes nothing.
* gemini-embedding-2 takes no `taskType` ("You cannot use the task_type field to specify an
  embedding task for the gemini-embedding-2 model. Instead, include the task as an instruction in
  your prompt"), so a `task_type` becomes Google's documented prefix on each input. Its inputs may
  hold 8,192 tokens (longer ones are silently truncated by Gemini); 128–3072 dimensions, 3072 by
  default (https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/embeddings/get-multimodal-embeddings,
  https://ai.google.dev/gemini-api/docs/models/gemini-embedding-2).
"""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Mapping
from typing import Any, NamedTuple

from .config import Settings
from .errors import InvalidRequestError, UpstreamError
from .fields import get_int, get_str, require_dict
from .models import resolve_embedding_model
from .upstream import API_VERSION, UpstreamRequest

__all__ = ["TASK_TYPES", "EmbeddingsPlan", "embeddings_request_to_gemini", "embeddings_response_from_gemini"]

BATCH_LIMIT = 100  # "at most 100 requests can be in one batch"
# OpenAI's own limit on one request's inputs (https://platform.openai.com/docs/api-reference/embeddings/create:
# "any array must be 2048 dimensions or less"). Each 100 inputs cost one Gemini call: unbounded, one request
# would fan out without end.
MAX_INPUTS = 2048
TASK_TYPES = (
    "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
    "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
)
# gemini-embedding-2's task instructions, per task type (the Agent Platform page above: queries
# "task: <task> | query: {content}", documents "title: {title} | text: {content}", "title: none"
# when there is no title).
TASK_PREFIXES = {
    "RETRIEVAL_QUERY": "task: search result | query: ",
    "RETRIEVAL_DOCUMENT": "title: none | text: ",
    "SEMANTIC_SIMILARITY": "task: sentence similarity | query: ",
    "CLASSIFICATION": "task: classification | query: ",
    "CLUSTERING": "task: clustering | query: ",
    "QUESTION_ANSWERING": "task: question answering | query: ",
    "FACT_VERIFICATION": "task: fact checking | query: ",
    "CODE_RETRIEVAL_QUERY": "task: code retrieval | query: ",
}
# Full output sizes: "Flexible, supports: 128 - 3072" for both models, 3072 by default (model pages).
# Only the top is checked: a vector cannot be cut to more than it has.
FULL_DIMENSIONS = {"gemini-embedding-001": 3072, "gemini-embedding-2": 3072}
_PREFIXED = ("gemini-embedding-2",)  # the models that take task instructions instead of taskType


class EmbeddingsPlan(NamedTuple):
    model: str
    requested_model: str
    inputs: tuple[str, ...]
    dimensions: int | None = None
    encoding_format: str = "float"
    task_type: str | None = None

    def upstream(self) -> list[UpstreamRequest]:
        """One `batchEmbedContents` call per 100 inputs; the results come back in input order."""
        path = f"/{API_VERSION}/models/{self.model}:batchEmbedContents"
        return [
            UpstreamRequest("POST", path, (), {"requests": [self.request_for(text) for text in self.inputs[start:start + BATCH_LIMIT]]})
            for start in range(0, len(self.inputs), BATCH_LIMIT)
        ]

    def request_for(self, text: str) -> dict[str, Any]:
        prefixed = self.model.startswith(_PREFIXED)
        if prefixed and self.task_type:
            text = TASK_PREFIXES[self.task_type] + text
        request: dict[str, Any] = {"model": f"models/{self.model}", "content": {"parts": [{"text": text}]}}
        if self.task_type and not prefixed:
            request["taskType"] = self.task_type
        if self.dimensions:
            request["outputDimensionality"] = self.dimensions
        return request


def embeddings_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> EmbeddingsPlan:
    body = require_dict(body, "body")
    requested = get_str(body, "model") or settings.default_embedding_model
    model = resolve_embedding_model(requested, settings)
    inputs = _inputs(body.get("input"))
    dimensions = get_int(body, "dimensions", minimum=1)
    if dimensions is not None:
        _check_dimensions(dimensions, model)
    encoding = get_str(body, "encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise InvalidRequestError(
            f"'encoding_format' must be float or base64, got {encoding!r}.", param="encoding_format", code="invalid_value"
        )
    return EmbeddingsPlan(model, requested, inputs, dimensions, encoding, _task_type(body))


def embeddings_response_from_gemini(responses: list[Any], plan: EmbeddingsPlan) -> dict[str, Any]:
    """The OpenAI embeddings list, from the batch responses in the order `plan.upstream()` made them.

    Gemini reports no token usage for embeddings; usage is 0 rather than a guess.
    """
    vectors: list[list[float]] = []
    for response in responses:
        embeddings = response.get("embeddings") if isinstance(response, dict) else None
        if not isinstance(embeddings, list):
            raise UpstreamError("Gemini's embeddings response has no 'embeddings' list.")
        for embedding in embeddings:
            values = embedding.get("values") if isinstance(embedding, dict) else None
            if not isinstance(values, list):
                raise UpstreamError("Gemini returned an embedding without 'values'.")
            vectors.append(values)
    if len(vectors) != len(plan.inputs):
        raise UpstreamError(f"Gemini returned {len(vectors)} embeddings for {len(plan.inputs)} inputs.")
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": index,
             "embedding": _encode(_unit(values) if plan.dimensions else values, plan.encoding_format)}
            for index, values in enumerate(vectors)
        ],
        "model": plan.requested_model,
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }


def _inputs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise InvalidRequestError("'input' must be a string or a non-empty array of strings.", param="input", code="invalid_value")
    if len(value) > MAX_INPUTS:
        raise InvalidRequestError(f"'input' has {len(value)} items; send at most {MAX_INPUTS} per request.", param="input",
                                  code="invalid_value")
    for index, item in enumerate(value):
        if isinstance(item, str):
            if not item:
                raise InvalidRequestError(f"'input[{index}]' is an empty string.", param="input", code="invalid_value")
            continue
        if isinstance(item, (int, list)):
            raise InvalidRequestError(
                "Token arrays are not supported: Gemini embeds text. Send 'input' as a string or an array of strings.",
                param="input",
                code="invalid_value",
            )
        raise InvalidRequestError(f"'input[{index}]' must be a string.", param="input", code="invalid_type")
    return tuple(value)


def _task_type(body: Mapping[str, Any]) -> str | None:
    """`task_type` at the top level (the OpenAI SDK flattens `extra_body`) or under `extra_body`."""
    task_type = get_str(body, "task_type")
    if task_type is None and isinstance(body.get("extra_body"), dict):
        task_type = get_str(body["extra_body"], "task_type", "extra_body")
    if task_type is None:
        return None
    task_type = task_type.upper()
    if task_type not in TASK_TYPES:
        raise InvalidRequestError(
            f"'task_type' must be one of {', '.join(TASK_TYPES)}; got {task_type!r}.", param="task_type", code="invalid_value"
        )
    return task_type


def _check_dimensions(dimensions: int, model: str) -> None:
    for name, full in FULL_DIMENSIONS.items():
        if (model == name or model.startswith(name + "-")) and dimensions > full:
            raise InvalidRequestError(
                f"'dimensions' must be at most {full} for {name} (128 to {full} are supported), got {dimensions}.",
                param="dimensions", code="invalid_value")


def _unit(values: list[Any]) -> list[Any]:
    """`values` scaled to unit length (a zero vector stays as it is)."""
    try:
        norm = math.sqrt(math.fsum(value * value for value in values))
    except TypeError:
        raise UpstreamError("Gemini returned an embedding with non-numeric values.") from None
    if not norm or not math.isfinite(norm):
        return values
    return [value / norm for value in values]


def _encode(values: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format == "float":
        return values
    # OpenAI's base64 embeddings are little-endian float32, as the SDKs decode them.
    try:
        return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")
    except (struct.error, TypeError):
        raise UpstreamError("Gemini returned an embedding with non-numeric values.") from None
