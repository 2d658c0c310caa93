"""OpenAI `/models` ↔ Gemini `models.list` / `models.get`."""

from __future__ import annotations

from typing import Any

from .errors import UpstreamError
from .models import validate_model_id
from .upstream import API_VERSION, UpstreamRequest

__all__ = ["list_models_request", "model_from_gemini", "models_page", "retrieve_model_request"]

PAGE_SIZE = 1000  # the largest page models.list serves


def list_models_request(page_token: str | None = None, *, page_size: int = PAGE_SIZE) -> UpstreamRequest:
    query = [("pageSize", str(page_size))]
    if page_token:
        query.append(("pageToken", page_token))
    return UpstreamRequest("GET", f"/{API_VERSION}/models", tuple(query))


def retrieve_model_request(model_id: str) -> UpstreamRequest:
    return UpstreamRequest("GET", f"/{API_VERSION}/models/{validate_model_id(model_id, 'model')}")


def models_page(data: Any) -> tuple[list[dict[str, Any]], str | None]:
    """(OpenAI model objects, next page token) for one `models.list` page."""
    if not isinstance(data, dict):
        raise UpstreamError("Gemini's model list is not an object.")
    models = data.get("models")
    models = models if isinstance(models, list) else []
    token = data.get("nextPageToken")
    return [model_from_gemini(m) for m in models if isinstance(m, dict)], token if isinstance(token, str) and token else None


def model_from_gemini(model: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI model object; Gemini's limits stay as extra fields clients read to size context."""
    name = model.get("name")
    name = name if isinstance(name, str) else ""
    out: dict[str, Any] = {
        "id": name[len("models/"):] if name.startswith("models/") else name,
        "object": "model",
        "created": 0,
        "owned_by": "google",
    }
    for source, target in _EXTRA_FIELDS:
        value = model.get(source)
        if value is not None:
            out[target] = value
    if isinstance(model.get("inputTokenLimit"), int):
        # OpenRouter's name for it, which LobeChat, Cherry Studio and others read.
        out["context_length"] = model["inputTokenLimit"]
    return out


_EXTRA_FIELDS = (
    ("displayName", "display_name"),
    ("description", "description"),
    ("inputTokenLimit", "input_token_limit"),
    ("outputTokenLimit", "output_token_limit"),
    ("supportedGenerationMethods", "supported_generation_methods"),
    ("thinking", "thinking"),
)
