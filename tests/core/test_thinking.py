"""reasoning_effort and friends → thinkingConfig, per model family."""

from __future__ import annotations

import pytest

from core.thinking import thinking_config_from_openai


def config(model: str, include_thoughts: bool = False, google: dict | None = None, **body) -> dict | None:
    return thinking_config_from_openai(body, google or {}, model, include_thoughts)


@pytest.mark.parametrize(("model", "effort", "expected"), [
    # Gemini 2.5: budgets, fitted to each family's range.
    ("gemini-2.5-flash", "none", {"thinkingBudget": 0}),
    ("gemini-2.5-flash", "minimal", {"thinkingBudget": 128}),
    ("gemini-2.5-flash", "low", {"thinkingBudget": 1024}),
    ("gemini-2.5-flash", "medium", {"thinkingBudget": 8192}),
    ("gemini-2.5-flash", "high", {"thinkingBudget": 24576}),
    ("gemini-2.5-flash", "xhigh", {"thinkingBudget": 24576}),
    ("gemini-2.5-pro", "none", {"thinkingBudget": 128}),  # Pro cannot stop thinking
    ("gemini-2.5-pro", "minimal", {"thinkingBudget": 128}),
    ("gemini-2.5-pro", "xhigh", {"thinkingBudget": 32768}),
    ("gemini-2.5-flash-lite", "none", {"thinkingBudget": 0}),
    ("gemini-2.5-flash-lite", "minimal", {"thinkingBudget": 512}),
    # Gemini 3+: levels, fitted to what each model accepts.
    ("gemini-3-flash-preview", "none", {"thinkingLevel": "minimal"}),
    ("gemini-3-flash-preview", "minimal", {"thinkingLevel": "minimal"}),
    ("gemini-3-flash-preview", "medium", {"thinkingLevel": "medium"}),
    ("gemini-3-pro-preview", "minimal", {"thinkingLevel": "low"}),
    ("gemini-3-pro-preview", "medium", {"thinkingLevel": "high"}),
    ("gemini-3.1-pro-preview", "medium", {"thinkingLevel": "medium"}),
    ("gemini-3.1-flash-lite-preview", "minimal", {"thinkingLevel": "minimal"}),
    ("gemini-flash-latest", "low", {"thinkingLevel": "low"}),
    ("gemini-pro-latest", "minimal", {"thinkingLevel": "low"}),
])
def test_reasoning_effort(model, effort, expected):
    assert config(model, reasoning_effort=effort) == expected


def test_never_both_level_and_budget():
    for model in ("gemini-2.5-flash", "gemini-3-pro-preview", "gemini-flash-latest"):
        for effort in ("none", "minimal", "low", "medium", "high"):
            result = config(model, True, reasoning_effort=effort)
            assert not ("thinkingLevel" in result and "thinkingBudget" in result)


@pytest.mark.parametrize("model", ["gemini-2.0-flash", "gemma-3-27b-it", "gemini-2.5-flash-image", "gemini-2.5-flash-preview-tts",
                                   "learnlm-2.0-flash-experimental", "gemini-embedding-001"])
def test_models_that_do_not_think_get_no_thinking_config(model):
    assert config(model, True, reasoning_effort="high") is None


def test_thought_summaries_are_requested_unless_turned_off_or_thinking_is_off():
    assert config("gemini-2.5-flash", True) == {"includeThoughts": True}
    assert config("gemini-3-pro-preview", True, reasoning_effort="low") == {"thinkingLevel": "low", "includeThoughts": True}
    assert config("gemini-2.5-flash", True, reasoning_effort="none") == {"thinkingBudget": 0}
    assert config("gemini-2.5-flash", False) is None


@pytest.mark.parametrize(("body", "expected"), [
    ({"reasoning": {"effort": "low"}}, {"thinkingBudget": 1024}),
    ({"reasoning": {"max_tokens": 3000}}, {"thinkingBudget": 3000}),
    ({"reasoning": {"enabled": False}}, {"thinkingBudget": 0}),
    ({"thinking": {"type": "enabled", "budget_tokens": 50000}}, {"thinkingBudget": 24576}),
    ({"thinking": {"type": "disabled"}}, {"thinkingBudget": 0}),
    ({"reasoning_effort": "high", "thinking": {"type": "enabled", "budget_tokens": 10}}, {"thinkingBudget": 24576}),
])
def test_other_clients_spellings(body, expected):
    assert config("gemini-2.5-flash", **body) == expected


def test_a_budget_on_gemini_3_becomes_a_level():
    assert config("gemini-3-flash-preview", thinking={"type": "enabled", "budget_tokens": 4000}) == {"thinkingLevel": "medium"}


def test_googles_thinking_config_wins_and_passes_as_given():
    google = {"thinking_config": {"thinkingLevel": "HIGH", "include_thoughts": False}}
    assert config("gemini-3-pro-preview", True, google, reasoning_effort="low") == {"thinkingLevel": "high"}
    assert config("gemini-2.5-flash", True, {"thinking_config": {"thinking_budget": -1}}) == {"thinkingBudget": -1, "includeThoughts": True}
    # A client that names a thinking_config for a model we think does not think is trusted.
    assert config("gemma-3-27b-it", True, {"thinking_config": {"thinking_budget": 0}}) == {"thinkingBudget": 0}
