"""OpenAI sampling, length, output-format and thinking parameters → Gemini `generationConfig`.

Each parameter is fitted to the model Google serves (core/lineup.py): sampling is left out where
Gemini ignores it (3.6 Flash, 3.5 Flash-Lite and later), penalties and logprobs where Gemini refuses
them (every Gemini since 2.0 Flash). What a table misses, core/fitting.py corrects from Gemini's 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .errors import InvalidRequestError
from .fields import get_bool, get_dict, get_int, get_number, get_str
from .lineup import supports_json_schema, takes_logprobs, takes_penalties, takes_sampling
from .models import Effort
from .schema import to_gemini_json_schema, to_gemini_openapi_schema
from .thinking import thinking_config_from_openai

__all__ = ["MAX_CANDIDATES", "MAX_STOP_SEQUENCES", "MEDIA_RESOLUTIONS", "fitted_config", "generation_config_from_openai",
           "json_output_config", "media_resolution"]

MAX_CANDIDATES = 8  # candidateCount range on current Gemini models
MAX_STOP_SEQUENCES = 5  # GenerationConfig.stopSequences: "up to 5 character sequences"
MAX_TOP_LOGPROBS = 20  # GenerationConfig.logprobs range [1, 20]

# OpenAI parameter → (Gemini field, reader). A zero penalty is the neutral value: it is left out,
# because some Gemini models reject penalties altogether and many clients always send 0.
_SAMPLING = (
    ("temperature", "temperature", 0, 2),  # (OpenAI's name, Gemini's, minimum, maximum)
    ("top_p", "topP", 0, 1),
    ("presence_penalty", "presencePenalty", -2, 2),
    ("frequency_penalty", "frequencyPenalty", -2, 2),
)
_PENALTIES = ("presencePenalty", "frequencyPenalty")
_SAMPLING_FIELDS = ("temperature", "topP", "topK")
_LOGPROBS = ("responseLogprobs", "logprobs")
# `extra_body.google.media_resolution` → generationConfig.mediaResolution (types.MediaResolution).
MEDIA_RESOLUTIONS = {
    "low": "MEDIA_RESOLUTION_LOW", "medium": "MEDIA_RESOLUTION_MEDIUM", "high": "MEDIA_RESOLUTION_HIGH",
    "media_resolution_low": "MEDIA_RESOLUTION_LOW", "media_resolution_medium": "MEDIA_RESOLUTION_MEDIUM",
    "media_resolution_high": "MEDIA_RESOLUTION_HIGH",
}
# Every parameter read below: most requests carry none, and skipping the reads is measurable.
_PARAMS = frozenset({
    "temperature", "top_p", "presence_penalty", "frequency_penalty", "top_k", "max_completion_tokens",
    "max_tokens", "n", "seed", "stop", "logprobs", "top_logprobs", "response_format",
})


def generation_config_from_openai(
    body: Mapping[str, Any],
    google: Mapping[str, Any],
    model: str,
    include_thoughts: bool,
    *,
    preset: Effort | None = None,
    default: Effort | None = None,
) -> dict[str, Any]:
    """The `generationConfig` for a chat (or legacy completion) request.

    `preset`: a thinking effort from the model name; `default`: DEFAULT_REASONING_EFFORT.
    """
    config: dict[str, Any] = fitted_config(_sampling(body, model), model) if not _PARAMS.isdisjoint(body) else {}
    thinking = thinking_config_from_openai(body, google, model, include_thoughts, preset=preset, default=default)
    if thinking:
        config["thinkingConfig"] = thinking
    if google:
        resolution = media_resolution(google)
        if resolution:
            config["mediaResolution"] = resolution
    return config


def media_resolution(google: Mapping[str, Any]) -> str | None:
    """`extra_body.google.media_resolution` (`low`/`medium`/`high` or Gemini's enum name), or None."""
    value = get_str(google, "media_resolution", "extra_body.google")
    if value is None:
        return None
    resolution = MEDIA_RESOLUTIONS.get(value.lower())
    if resolution is None:
        raise InvalidRequestError(
            f"'extra_body.google.media_resolution' must be low, medium or high; got {value[:40]!r}.",
            param="extra_body.google.media_resolution",
            code="invalid_value",
        )
    return resolution


def fitted_config(config: dict[str, Any], model: str) -> dict[str, Any]:
    """`config` without what the model Google serves ignores or refuses (core/lineup.py)."""
    dropped = _dropped(model)
    if not dropped or dropped.isdisjoint(config):
        return config
    return {key: value for key, value in config.items() if key not in dropped}


@lru_cache(maxsize=256)
def _dropped(model: str) -> frozenset[str]:
    dropped: tuple[str, ...] = ()
    if not takes_sampling(model):
        dropped += _SAMPLING_FIELDS
    if not takes_penalties(model):
        dropped += _PENALTIES
    if not takes_logprobs(model):
        dropped += _LOGPROBS
    return frozenset(dropped)


def _sampling(body: Mapping[str, Any], model: str) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name, field, minimum, maximum in _SAMPLING:
        value = get_number(body, name, minimum=minimum, maximum=maximum)
        if value is not None and not (field in _PENALTIES and value == 0):
            config[field] = value

    top_k = get_int(body, "top_k", minimum=1)
    if top_k is not None:
        config["topK"] = top_k
    max_tokens = get_int(body, "max_completion_tokens", minimum=1)
    if max_tokens is None:
        max_tokens = get_int(body, "max_tokens", minimum=1)
    if max_tokens is not None:
        config["maxOutputTokens"] = max_tokens
    n = get_int(body, "n", minimum=1, maximum=MAX_CANDIDATES)
    if n is not None and n > 1:
        config["candidateCount"] = n
    seed = get_int(body, "seed", minimum=-(2**31))
    if seed is not None:
        config["seed"] = seed

    stop = _stop_sequences(body.get("stop"))
    if stop:
        config["stopSequences"] = stop
    config.update(_logprobs(body))
    config.update(_response_format(body, model))
    return config


def _stop_sequences(stop: Any) -> list[str]:
    if stop is None:
        return []
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or not all(isinstance(item, str) for item in stop):
        raise InvalidRequestError("'stop' must be a string or an array of strings.", param="stop", code="invalid_type")
    sequences = [item for item in stop if item]
    if len(sequences) > MAX_STOP_SEQUENCES:
        raise InvalidRequestError(
            f"'stop' has {len(sequences)} sequences; Gemini accepts at most {MAX_STOP_SEQUENCES}.",
            param="stop",
            code="invalid_value",
        )
    return sequences


def _logprobs(body: Mapping[str, Any]) -> dict[str, Any]:
    wanted = get_bool(body, "logprobs")
    top = get_int(body, "top_logprobs", minimum=0, maximum=MAX_TOP_LOGPROBS)
    if not wanted and not top:
        return {}
    config: dict[str, Any] = {"responseLogprobs": True}
    if top:
        config["logprobs"] = top
    return config


def _response_format(body: Mapping[str, Any], model: str) -> dict[str, Any]:
    response_format = get_dict(body, "response_format")
    if response_format is None:
        return {}
    kind = get_str(response_format, "type", "response_format", required=True)
    if kind == "text":
        return {}
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind != "json_schema":
        raise InvalidRequestError(
            f"'response_format.type' must be text, json_object or json_schema; got {kind!r}.",
            param="response_format.type",
            code="invalid_value",
        )
    spec = get_dict(response_format, "json_schema", "response_format") or {}
    return json_output_config(spec.get("schema"), model, "response_format.json_schema.schema")


def json_output_config(schema: Any, model: str, param: str) -> dict[str, Any]:
    """JSON output, with its schema cleaned for what the model takes (`responseJsonSchema` from 2.5 on,
    the OpenAPI subset `responseSchema` before); `param` names the schema in a 400."""
    if schema is None:
        return {"responseMimeType": "application/json"}
    if supports_json_schema(model):
        return {"responseMimeType": "application/json", "responseJsonSchema": to_gemini_json_schema(schema, param)}
    return {"responseMimeType": "application/json", "responseSchema": to_gemini_openapi_schema(schema, param)}

