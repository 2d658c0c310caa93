"""Self-correction from Gemini's 400s, replayed with the texts users have reported."""

from __future__ import annotations

import copy
import json

import pytest

from core.chat import chat_request_to_gemini
from core.config import Settings
from core.fitting import Correction, Fits

FLASH = "gemini-3.8-flash"
LEVEL = "generationConfig.thinkingConfig.thinkingLevel"
BUDGET = "generationConfig.thinkingConfig.thinkingBudget"


def refusal(message: str, status: str | None = "INVALID_ARGUMENT", code: int = 400) -> bytes:
    error: dict = {"code": code, "message": message}
    if status:
        error["status"] = status
    return json.dumps({"error": error}).encode()


def thinking(**config) -> dict:
    return {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": 9, "thinkingConfig": config}}


def corrected(body: dict, message: str, model: str = FLASH, explicit: frozenset = frozenset(),
              fits: Fits | None = None) -> Correction | None:
    before = copy.deepcopy(body)
    result = (fits or Fits()).correct(model, body, 400, refusal(message), explicit)
    assert body == before  # never mutated
    return result


# (body, Gemini's message as reported, the body to retry with, the log note). Sources: /work/research/gemini-400s.md.
CASES = [
    pytest.param(
        thinking(thinkingLevel="minimal", includeThoughts=True),
        # https://github.com/earendil-works/pi/issues/9455 (gemini-3.8-flash); theJayTea/WritingTools#282
        "Thinking level MINIMAL is not supported for this model. Please retry with other thinking level.",
        thinking(thinkingLevel="low", includeThoughts=True), "thinkingLevel minimal -> low", id="level-minimal-no-list"),
    pytest.param(
        thinking(thinkingLevel="minimal"),
        # https://github.com/fishjar/kiss-translator/pull/1051 (3.x non-lite Flash)
        "'minimal' is not a supported thinking level for this model. Allowed values are: medium, low, high.",
        thinking(thinkingLevel="low"), "thinkingLevel minimal -> low (allowed: low, medium, high)", id="level-allowed-list"),
    pytest.param(
        thinking(thinkingLevel="medium"),
        # https://github.com/googleapis/js-genai/issues/1581 (Interactions API wording, 3.1 Flash-Lite in May 2026)
        "'medium' is not a supported thinking level for this model. Allowed values are: high, low.",
        thinking(thinkingLevel="high"), "thinkingLevel medium -> high (allowed: low, high)", id="level-allowed-up"),
    pytest.param(
        thinking(thinkingLevel="medium"),
        # https://github.com/jenslys/opencode-gemini-auth/issues/14 (Vertex, gemini-3-pro-preview)
        "Unable to submit request because thinking_level MEDIUM is not supported by this model. "
        "Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini",
        thinking(thinkingLevel="high"), "thinkingLevel medium -> high", id="level-vertex"),
    pytest.param(
        thinking(thinkingLevel="minimal"),
        # https://github.com/can1357/oh-my-pi/issues/10543 (Vertex, gemini-3.7-flash)
        "Thinking level is unsupported: THINKING_LEVEL_MINIMAL",
        thinking(thinkingLevel="low"), "thinkingLevel minimal -> low", id="level-vertex-enum"),
    pytest.param(
        thinking(thinkingLevel="low", includeThoughts=True),
        # https://github.com/RooCodeInc/Roo-Code/issues/10700 (gemini-2.5-flash: a level sent to a budget model)
        "Thinking level is not supported for this model.",
        thinking(includeThoughts=True), "thinkingLevel dropped (the model takes no thinking level)", id="level-none-at-all"),
    pytest.param(
        thinking(thinkingBudget=0),
        # issue 12; https://github.com/vercel/ai/issues/8027 (gemini-2.5-pro)
        "Budget 0 is invalid. This model only works in thinking mode.",
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": 9}},
        "thinkingBudget 0 dropped (the model's own default)", id="budget-zero"),
    pytest.param(
        thinking(thinkingBudget=0),
        # https://github.com/GewoonJaap/gemini-cli-openai/issues/23
        "The model does not support setting thinking_budget to 0.",
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": 9}},
        "thinkingBudget 0 dropped (the model's own default)", id="budget-zero-2"),
    pytest.param(
        thinking(thinkingBudget=128, includeThoughts=True),
        # https://github.com/earendil-works/pi/pull/2861 (gemini-2.5-flash-lite)
        "The thinking budget 128 is invalid. Please choose a value between 512 and 24576.",
        thinking(thinkingBudget=512, includeThoughts=True), "thinkingBudget 128 -> 512 (allowed: 512-24576)", id="budget-range"),
    pytest.param(
        thinking(thinkingBudget=52428),
        # https://github.com/RooCodeInc/Roo-Code/issues/4399
        "The thinking budget (52428) is invalid.",
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": 9}},
        "thinkingBudget 52428 dropped (the model's own default)", id="budget-invalid"),
    pytest.param(
        thinking(thinkingLevel="low", includeThoughts=True),
        # https://github.com/lobehub/lobehub/issues/7985
        "Thinking is not enabled for models/gemini-2.0-flash-preview-image-generation",
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": 9}},
        "thinkingConfig dropped (the model does not think)", id="no-thinking"),
    pytest.param(
        thinking(thinkingBudget=0, includeThoughts=True),
        # lobehub/lobehub#7985, google-gemini/gemini-cli#1953 (Vertex)
        "Unable to submit request because Thinking_config.include_thoughts is only enabled when thinking is enabled.. "
        "Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini",
        thinking(thinkingBudget=0), "includeThoughts dropped (thinking is off)", id="include-thoughts"),
    pytest.param(
        {"generationConfig": {"presencePenalty": 0.5, "frequencyPenalty": 0.2, "topK": 3}},
        # https://github.com/BerriAI/litellm/pull/32273
        "Penalty is not enabled for models/gemini-2.5-flash",
        {"generationConfig": {"topK": 3}}, "presencePenalty, frequencyPenalty dropped (the model takes no penalties)", id="penalty"),
    pytest.param(
        {"generationConfig": {"frequencyPenalty": 1}},
        # https://github.com/google-gemini/cookbook/issues/1290
        "Penalty is not enabled for this model",
        {}, "presencePenalty, frequencyPenalty dropped (the model takes no penalties)", id="penalty-this-model"),
    pytest.param(
        {"generationConfig": {"responseLogprobs": True, "logprobs": 3, "seed": 1}},
        # https://github.com/googleapis/python-genai/issues/1921
        "Logprobs is not enabled for models/gemini-2.5-pro",
        {"generationConfig": {"seed": 1}}, "responseLogprobs, logprobs dropped (the model gives no logprobs)", id="logprobs"),
    pytest.param(
        {"generationConfig": {"responseLogprobs": True}},
        # https://github.com/GoogleCloudPlatform/generative-ai/issues/2947 (Vertex, 3.5 Flash)
        "Unable to submit request because Logprobs is not supported for this model.",
        {}, "responseLogprobs, logprobs dropped (the model gives no logprobs)", id="logprobs-vertex"),
    pytest.param(
        {"generationConfig": {"temperature": 0.2, "topP": 0.5}},
        # Constructed: no public report of a sampling 400 yet; Google says later generations will refuse
        # what 3.6 Flash ignores (Agent Platform 3.6 Flash page). The wording follows the level messages.
        "temperature is not supported for this model.",
        {"generationConfig": {"topP": 0.5}}, "temperature dropped (the model takes no sampling)", id="sampling-constructed"),
]


@pytest.mark.parametrize(("body", "message", "retry", "note"), CASES)
def test_a_refusal_of_a_field_the_gateway_chose_is_corrected_once(body, message, retry, note):
    fits = Fits()
    correction = corrected(body, message, fits=fits)
    assert correction == Correction(retry, note)
    # The body it returns already has what the message asks for: a second correction is refused.
    assert fits.correct(FLASH, correction.body, 400, refusal(message), frozenset()) is None
    # And the next request to the model is fixed before it is sent.
    assert fits.apply(FLASH, body) == retry
    assert fits.apply("gemini-3.1-pro-preview", body) == body  # another model learnt nothing


@pytest.mark.parametrize(("body", "message", "retry", "note"), CASES)
def test_a_field_the_client_set_in_googles_terms_is_never_corrected(body, message, retry, note):
    explicit = frozenset({LEVEL, BUDGET, "generationConfig.thinkingConfig.includeThoughts", "generationConfig.presencePenalty",
                          "generationConfig.frequencyPenalty", "generationConfig.responseLogprobs", "generationConfig.temperature"})
    fits = Fits()
    assert corrected(body, message, explicit=explicit, fits=fits) is None
    assert fits.apply(FLASH, body, explicit) == body


def test_a_remembered_level_is_not_forced_on_a_clients_explicit_level():
    fits = Fits()
    fits.correct(FLASH, thinking(thinkingLevel="minimal"), 400,
                 refusal("Thinking level MINIMAL is not supported for this model. Please retry with other thinking level."))
    assert fits.apply(FLASH, thinking(thinkingLevel="minimal")) == thinking(thinkingLevel="low")
    assert fits.apply(FLASH, thinking(thinkingLevel="minimal"), frozenset({LEVEL})) == thinking(thinkingLevel="minimal")


def test_a_message_about_another_value_than_the_body_holds_is_not_ours():
    assert corrected(thinking(thinkingLevel="low"), "Thinking level MINIMAL is not supported for this model.") is None
    budget = "The thinking budget 128 is invalid. Please choose a value between 512 and 24576."
    assert corrected(thinking(thinkingBudget=1024), budget) is None
    assert corrected(thinking(thinkingLevel="low"), "Penalty is not enabled for models/gemini-2.5-flash") is None


def test_levels_refused_without_a_list_are_learnt_one_by_one():
    fits = Fits()
    message = "Thinking level {} is not supported for this model. Please retry with other thinking level."
    first = fits.correct(FLASH, thinking(thinkingLevel="minimal"), 400, refusal(message.format("MINIMAL")))
    second = fits.correct(FLASH, first.body, 400, refusal(message.format("LOW")))
    assert (first.body, second.body) == (thinking(thinkingLevel="low"), thinking(thinkingLevel="medium"))
    assert fits.apply(FLASH, thinking(thinkingLevel="minimal")) == thinking(thinkingLevel="medium")
    assert fits.apply(FLASH, thinking(thinkingLevel="high")) == thinking(thinkingLevel="high")


def test_other_errors_are_not_ours():
    fits = Fits()
    body = thinking(thinkingLevel="minimal")
    message = "Thinking level MINIMAL is not supported for this model."
    assert fits.correct(FLASH, body, 429, refusal(message, "RESOURCE_EXHAUSTED", 429), frozenset()) is None
    assert fits.correct(FLASH, body, 400, refusal(message, "FAILED_PRECONDITION"), frozenset()) is None
    assert fits.correct(FLASH, body, 400, refusal("API key not valid. Please pass a valid API key."), frozenset()) is None
    assert fits.correct(FLASH, body, 400, b"<html>bad gateway</html>", frozenset()) is None
    assert fits.correct(FLASH, body, 400, b"[]", frozenset()) is None
    assert fits.correct(FLASH, body, 400, refusal(message, status=None), frozenset()) is not None  # a 400 that names no status
    wrapped = json.dumps([json.loads(refusal(message))]).encode()  # some front ends wrap the envelope in a list
    assert Fits().correct(FLASH, body, 400, wrapped, frozenset()) is not None


def test_apply_never_mutates_and_returns_a_new_body_when_it_changes_one():
    fits = Fits()
    fits.correct(FLASH, {"generationConfig": {"presencePenalty": 1}}, 400, refusal("Penalty is not enabled for this model"))
    body = {"generationConfig": {"presencePenalty": 1, "temperature": 1}, "contents": []}
    before = copy.deepcopy(body)
    out = fits.apply(FLASH, body)
    assert out == {"generationConfig": {"temperature": 1}, "contents": []} and body == before and out is not body
    assert Fits().apply(FLASH, body) is body  # nothing learnt: the body itself, not a copy (per request, it counts)


def test_fits_are_remembered_for_a_bounded_number_of_models():
    fits = Fits()
    for i in range(600):
        fits.correct(f"m{i}", {"generationConfig": {"presencePenalty": 1}}, 400, refusal("Penalty is not enabled for this model"))
    assert len(fits._fits) <= 256


def test_a_chat_plans_explicit_paths_keep_a_clients_level_from_being_corrected():
    # extra_body.google.thinking_config is the client's own choice: Gemini's 400 stays the client's.
    settings = Settings(safety_threshold="DEFAULT")
    google = {"extra_body": {"google": {"thinking_config": {"thinking_level": "minimal"}}}}
    plan = chat_request_to_gemini({"model": FLASH, "messages": [{"role": "user", "content": "hi"}], **google}, settings)
    message = "Thinking level MINIMAL is not supported for this model. Please retry with other thinking level."
    assert plan.body["generationConfig"]["thinkingConfig"]["thinkingLevel"] == "minimal"
    assert Fits().correct(plan.model, plan.body, 400, refusal(message), plan.explicit) is None
    # The same level chosen by the gateway (a stale table, say) is corrected.
    gateway_chose = copy.deepcopy(plan.body)
    assert Fits().correct(plan.model, gateway_chose, 400, refusal(message), frozenset()).body["generationConfig"]["thinkingConfig"] == {
        "thinkingLevel": "low", "includeThoughts": True}
