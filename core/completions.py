"""The legacy OpenAI `/completions` API over Gemini `generateContent`.

Each prompt is one user turn; a list of prompts is one Gemini call per prompt, and choice `i` of
prompt `p` is choice `p * n + i`, as OpenAI numbers them. Thoughts are not returned (the legacy
shape has no place for them). Options Gemini cannot honour are refused, not ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .candidates import (
    blocked_prompt_message,
    candidate_index,
    candidate_parts,
    finish_reason,
    read_part,
    response_candidates,
)
from .chat import explicit_paths, google_extras, safety_settings
from .chat_response import check_gemini_response, response_model
from .config import Settings
from .errors import InvalidRequestError, UpstreamError
from .fields import get_bool, get_dict, get_int, get_str, require_dict
from .generation import generation_config_from_openai
from .jsontext import STDLIB, Codec
from .logprobs import completion_logprobs_from_gemini
from .models import resolve_chat_model
from .stream import GeminiStream
from .upstream import UpstreamRequest, generate_request
from .usage import add_usage, usage_from_gemini

__all__ = ["CompletionPlan", "CompletionStream", "completion_request_to_gemini", "completion_response_from_gemini"]

MAX_LOGPROBS = 5  # the legacy API's own limit

# Each prompt of a list is one Gemini call, so one request could fan out without end. OpenAI documents no
# limit for legacy prompt arrays; this one is the gateway's own (a client that batches more splits its list).
MAX_PROMPTS = 20


class CompletionPlan(NamedTuple):
    model: str
    prompts: tuple[str, ...]
    body: dict[str, Any]
    stream: bool = False
    include_usage: bool = False
    n: int = 1
    logprobs: bool = False
    explicit: frozenset[str] = frozenset()  # body paths set in Google's terms (see ChatPlan.explicit)

    def upstream(self) -> list[UpstreamRequest]:
        return [
            generate_request(self.model, {"contents": [{"role": "user", "parts": [{"text": prompt}]}], **self.body}, stream=self.stream)
            for prompt in self.prompts
        ]


def completion_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> CompletionPlan:
    body = require_dict(body, "body")
    model = resolve_chat_model(get_str(body, "model"), settings)
    prompts = _prompts(body.get("prompt"))
    _refuse_unsupported(body)
    stream = bool(get_bool(body, "stream"))
    if stream and len(prompts) > 1:
        raise InvalidRequestError(
            "Streaming takes one prompt at a time; send each prompt in its own request.", param="prompt", code="invalid_value"
        )
    logprobs = get_int(body, "logprobs", minimum=0, maximum=MAX_LOGPROBS)
    # The legacy `logprobs` is a count; the chat mapper reads the chat meaning of the name.
    chat_like = {k: v for k, v in body.items() if k not in ("logprobs", "top_logprobs")}
    if logprobs is not None:
        chat_like.update(logprobs=True, top_logprobs=logprobs)
    google = google_extras(body)

    gemini: dict[str, Any] = {}
    safety = safety_settings(google, settings)
    if safety:
        gemini["safetySettings"] = safety
    config = generation_config_from_openai(
        chat_like, google, model.name, include_thoughts=False, preset=model.effort, default=settings.default_reasoning_effort
    )
    if config:
        gemini["generationConfig"] = config
    if model.search:
        gemini["tools"] = [{"googleSearch": {}}]
    options = get_dict(body, "stream_options") or {}
    include_usage = bool(get_bool(options, "include_usage", "stream_options"))
    n = get_int(body, "n") or 1
    return CompletionPlan(model.name, prompts, gemini, stream, include_usage, n, logprobs is not None, explicit_paths(google))


def completion_response_from_gemini(
    responses: list[Any], plan: CompletionPlan, *, completion_id: str, created: int
) -> dict[str, Any]:
    """One `text_completion` for the responses to `plan.upstream()`, in prompt order."""
    choices: list[dict[str, Any]] = []
    usage = usage_from_gemini({})
    model = plan.model
    for prompt_index, data in enumerate(responses):
        data = check_gemini_response(data)
        model = response_model(data, model)
        usage = add_usage(usage, usage_from_gemini(data.get("usageMetadata") or {}))
        candidates = response_candidates(data)
        if not candidates:
            if blocked_prompt_message(data.get("promptFeedback")) is None:
                raise UpstreamError("Gemini returned no candidates and no block reason.")
            choices.extend(_choice(prompt_index * plan.n + i, "", None, "content_filter") for i in range(plan.n))
            continue
        for candidate in sorted(candidates, key=candidate_index):
            text = "".join(value for kind, value, _ in map(read_part, candidate_parts(candidate)) if kind == "content")
            logprobs = completion_logprobs_from_gemini(candidate.get("logprobsResult")) if plan.logprobs else None
            reason = finish_reason(candidate.get("finishReason"), False)
            choices.append(_choice(prompt_index * plan.n + candidate_index(candidate), text, logprobs, reason))
    return {
        "id": completion_id,
        "object": "text_completion",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": usage,
    }


class CompletionStream(GeminiStream):
    """One streamed legacy completion (a single prompt)."""

    def __init__(self, plan: CompletionPlan, *, completion_id: str, created: int, codec: Codec = STDLIB) -> None:
        super().__init__(codec)
        self._plan = plan
        self._id = completion_id
        self._created = created
        self._model = plan.model
        self._finished: dict[int, bool] = {}
        self._offsets: dict[int, int] = {}

    def _translate(self, data: dict[str, Any]) -> bytes:
        if not self._finished:
            self._model = response_model(data, self._plan.model)
            self._finished = {index: False for index in range(self._plan.n)}
        out: list[bytes] = []
        candidates = response_candidates(data)
        if not candidates and blocked_prompt_message(data.get("promptFeedback")):
            for index, done in sorted(self._finished.items()):
                if not done:
                    self._finished[index] = True
                    out.append(self._chunk(index, "", None, "content_filter"))
        for candidate in candidates:
            index = candidate_index(candidate)
            if self._finished.get(index):
                continue
            self._finished[index] = False
            text = "".join(value for kind, value, _ in map(read_part, candidate_parts(candidate)) if kind == "content")
            logprobs = None
            if self._plan.logprobs:
                logprobs = completion_logprobs_from_gemini(candidate.get("logprobsResult"), self._offsets.get(index, 0))
            self._offsets[index] = self._offsets.get(index, 0) + len(text)
            if text or logprobs:
                out.append(self._chunk(index, text, logprobs, None))
            if isinstance(candidate.get("finishReason"), str):
                self._finished[index] = True
                out.append(self._chunk(index, "", None, finish_reason(candidate["finishReason"], False)))
        return b"".join(out)

    def _chunk(self, index: int, text: str, logprobs: Any, finish: str | None) -> bytes:
        chunk: dict[str, Any] = {
            "id": self._id,
            "object": "text_completion",
            "created": self._created,
            "model": self._model,
            "choices": [{"text": text, "index": index, "logprobs": logprobs, "finish_reason": finish}],
        }
        if self._plan.include_usage:
            chunk["usage"] = None
        return self._event(chunk)

    def _complete(self) -> bool:
        return bool(self._finished) and all(self._finished.values())

    def _end(self) -> bytes:
        if not self._plan.include_usage:
            return b""
        return self._event({
            "id": self._id,
            "object": "text_completion",
            "created": self._created,
            "model": self._model,
            "choices": [],
            "usage": self.usage or usage_from_gemini({}),
        })


def _choice(index: int, text: str, logprobs: Any, finish: str) -> dict[str, Any]:
    return {"text": text, "index": index, "logprobs": logprobs, "finish_reason": finish}


def _prompts(prompt: Any) -> tuple[str, ...]:
    if isinstance(prompt, str):
        return (prompt,)
    if isinstance(prompt, list) and prompt and all(isinstance(item, str) for item in prompt):
        if len(prompt) > MAX_PROMPTS:
            raise InvalidRequestError(f"'prompt' has {len(prompt)} prompts; send at most {MAX_PROMPTS} per request (each is "
                                      "one Gemini call).", param="prompt", code="invalid_value")
        return tuple(prompt)
    if isinstance(prompt, list) and prompt and all(isinstance(item, (int, list)) and not isinstance(item, bool) for item in prompt):
        raise InvalidRequestError(
            "Token-array prompts are not supported: Gemini reads text. Send 'prompt' as a string.",
            param="prompt",
            code="invalid_value",
        )
    raise InvalidRequestError("'prompt' must be a string or a non-empty array of strings.", param="prompt", code="invalid_value")


def _refuse_unsupported(body: Mapping[str, Any]) -> None:
    if get_bool(body, "echo"):
        raise InvalidRequestError("'echo' is not supported: Gemini cannot return the prompt's tokens.",
                                  param="echo", code="unsupported_parameter")
    best_of = get_int(body, "best_of", minimum=1)
    if best_of is not None and best_of != (get_int(body, "n") or 1):
        raise InvalidRequestError(
            "'best_of' is not supported: Gemini does not rank candidates server-side. Use 'n'.",
            param="best_of",
            code="unsupported_parameter",
        )
    if get_str(body, "suffix"):
        raise InvalidRequestError("'suffix' (insertion) is not supported by Gemini.", param="suffix", code="unsupported_parameter")
