"""The legacy /completions request side (responses and streams are replayed in test_replay)."""

from __future__ import annotations

import pytest

from core.completions import completion_request_to_gemini, completion_response_from_gemini
from core.config import Settings
from core.errors import InvalidRequestError

QUIET = Settings(safety_threshold="DEFAULT")


def test_each_prompt_is_one_call_and_choices_are_numbered_prompt_by_prompt():
    # A model the tables know nothing about (Gemma) gets the logprobs asked for; Gemini 2.5+ refuse them.
    plan = completion_request_to_gemini({"model": "gemma-3-27b-it", "prompt": ["a", "b"], "n": 2, "max_tokens": 5,
                                         "logprobs": 2, "stop": ["\n"]}, QUIET)
    calls = plan.upstream()
    assert [c.body["contents"] for c in calls] == [[{"role": "user", "parts": [{"text": "a"}]}],
                                                   [{"role": "user", "parts": [{"text": "b"}]}]]
    assert calls[0].body["generationConfig"] == {"maxOutputTokens": 5, "candidateCount": 2, "stopSequences": ["\n"],
                                                 "responseLogprobs": True, "logprobs": 2}

    def answer(text):
        return {"candidates": [{"content": {"parts": [{"text": text}]}, "finishReason": "STOP"},
                               {"content": {"parts": [{"text": text + "!"}]}, "finishReason": "MAX_TOKENS", "index": 1}],
                "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 2, "totalTokenCount": 3}}

    result = completion_response_from_gemini([answer("A"), answer("B")], plan, completion_id="cmpl-1", created=1)
    assert [(c["index"], c["text"], c["finish_reason"]) for c in result["choices"]] == [
        (0, "A", "stop"), (1, "A!", "length"), (2, "B", "stop"), (3, "B!", "length")]
    assert result["usage"]["total_tokens"] == 6


def test_thinking_models_think_but_their_thoughts_are_not_requested():
    plan = completion_request_to_gemini({"model": "gemini-2.5-flash-lite", "prompt": "x", "reasoning_effort": "low"}, Settings())
    assert plan.body["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 1024}}
    plan = completion_request_to_gemini({"model": "gemini-3.8-flash:minimal", "prompt": "x", "logprobs": 2}, Settings())
    assert plan.body["generationConfig"] == {"thinkingConfig": {"thinkingLevel": "low"}}  # no logprobs: 3.8 Flash refuses them
    assert plan.explicit == frozenset()


@pytest.mark.parametrize(("request_", "param"), [
    ({"prompt": [1, 2, 3]}, "prompt"),
    ({"prompt": [[1, 2]]}, "prompt"),
    ({"prompt": []}, "prompt"),
    ({}, "prompt"),
    ({"prompt": "x", "echo": True}, "echo"),
    ({"prompt": "x", "best_of": 3}, "best_of"),
    ({"prompt": "x", "suffix": "end"}, "suffix"),
    ({"prompt": "x", "logprobs": 6}, "logprobs"),
    ({"prompt": ["a", "b"], "stream": True}, "prompt"),
])
def test_options_gemini_cannot_honour_are_refused(request_, param):
    with pytest.raises(InvalidRequestError) as caught:
        completion_request_to_gemini(request_, QUIET)
    assert caught.value.param == param


def test_harmless_defaults_of_those_options_are_accepted():
    completion_request_to_gemini({"prompt": "x", "echo": False, "best_of": 1, "suffix": None, "logprobs": None}, QUIET)
