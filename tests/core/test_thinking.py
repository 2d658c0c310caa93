"""reasoning_effort and friends → thinkingConfig, fitted to the model Google serves."""

from __future__ import annotations

import pytest

from core.lineup import thinking_levels
from core.thinking import least_thinking_config, thinking_config_from_openai

EFFORTS = ("none", "minimal", "low", "medium", "high")


def config(model: str, include_thoughts: bool = False, google: dict | None = None, **body) -> dict | None:
    return thinking_config_from_openai(body, google or {}, model, include_thoughts)


# What each model takes, from Google's tables and the public 400 reports (core/lineup.py cites them):
# the levels a strict Gemini accepts. gemini-2.5-flash is answered by 3.5 Flash-Lite since 2026-12-01.
ACCEPTS = {
    "gemini-flash-latest": {"low", "medium", "high"},
    "gemini-3.8-flash": {"low", "medium", "high"},
    "gemini-3.7-flash": {"low", "medium", "high"},
    "gemini-3.1-pro-preview": {"low", "medium", "high"},
    "gemini-2.5-flash": {"minimal", "low", "medium", "high"},
    "gemini-3.5-flash-lite": {"minimal", "low", "medium", "high"},
    "gemini-3.6-flash": {"minimal", "low", "medium", "high"},
}


@pytest.mark.parametrize("model", sorted(ACCEPTS))
@pytest.mark.parametrize("effort", EFFORTS)
def test_every_effort_gives_a_level_the_model_accepts(model, effort):
    result = config(model, True, reasoning_effort=effort)
    assert set(result) <= {"thinkingLevel", "includeThoughts"}
    assert result["thinkingLevel"] in ACCEPTS[model]
    assert result.get("includeThoughts") is (None if effort == "none" else True)


@pytest.mark.parametrize(("model", "effort", "expected"), [
    # Flash from 3.7 on has no `minimal`: none and minimal ask for its least, `low`.
    ("gemini-3.8-flash", "none", {"thinkingLevel": "low"}),
    ("gemini-3.8-flash", "minimal", {"thinkingLevel": "low"}),
    ("gemini-3.8-flash", "medium", {"thinkingLevel": "medium"}),
    ("gemini-3.8-flash", "xhigh", {"thinkingLevel": "high"}),
    ("gemini-flash-latest", "minimal", {"thinkingLevel": "low"}),
    # Flash-Lite and Flash up to 3.6 still take `minimal`.
    ("gemini-3.5-flash-lite", "none", {"thinkingLevel": "minimal"}),
    ("gemini-3.6-flash", "minimal", {"thinkingLevel": "minimal"}),
    ("gemini-2.5-flash", "minimal", {"thinkingLevel": "minimal"}),
    ("gemini-3.1-flash-lite", "medium", {"thinkingLevel": "medium"}),
    # Pro: 3.1 has low, medium, high; the shut-down 3 Pro had low and high (its name now means 3.1).
    ("gemini-3.1-pro-preview", "minimal", {"thinkingLevel": "low"}),
    ("gemini-3.1-pro-preview", "medium", {"thinkingLevel": "medium"}),
    ("gemini-3-pro-preview", "medium", {"thinkingLevel": "medium"}),
    ("gemini-pro-latest", "minimal", {"thinkingLevel": "low"}),
    # gemini-2.5-pro is answered by 3.8 Flash.
    ("gemini-2.5-pro", "none", {"thinkingLevel": "low"}),
    # Gemini 2.5 Flash-Lite (still served) takes budgets: 512–24576, or 0.
    ("gemini-2.5-flash-lite", "none", {"thinkingBudget": 0}),
    ("gemini-2.5-flash-lite", "minimal", {"thinkingBudget": 512}),
    ("gemini-2.5-flash-lite", "low", {"thinkingBudget": 1024}),
    ("gemini-2.5-flash-lite", "medium", {"thinkingBudget": 8192}),
    ("gemini-2.5-flash-lite", "high", {"thinkingBudget": 24576}),
    ("gemini-2.5-flash-lite", "xhigh", {"thinkingBudget": 24576}),
])
def test_reasoning_effort(model, effort, expected):
    assert config(model, reasoning_effort=effort) == expected


@pytest.mark.parametrize(("model", "expected"), [
    # A 2.5 Flash or Pro variant still served under its own name keeps the family's budget range.
    ("gemini-2.5-flash-preview-09-2025", [0, 128, 1024, 8192, 24576]),
    ("gemini-2.5-pro-exp", [128, 128, 1024, 8192, 24576]),
])
def test_budget_ranges_of_the_25_families(model, expected):
    assert [config(model, reasoning_effort=effort)["thinkingBudget"] for effort in EFFORTS] == expected


def test_the_level_tables():
    assert thinking_levels("gemini-3.8-flash") == ("low", "medium", "high")
    assert thinking_levels("gemini-4-flash") == ("low", "medium", "high")  # the newest rule holds until Gemini says otherwise
    assert thinking_levels("gemini-3-flash-preview") == ("minimal", "low", "medium", "high")
    assert thinking_levels("gemini-3.5-flash-lite") == ("minimal", "low", "medium", "high")
    assert thinking_levels("gemini-3.1-pro-preview") == ("low", "medium", "high")
    assert thinking_levels("gemini-3-omni") == ("low", "medium", "high")  # an unknown 3.x family: what every one takes


def test_never_both_level_and_budget():
    for model in ("gemini-2.5-flash-lite", "gemini-3.1-pro-preview", "gemini-flash-latest", "gemini-2.5-flash"):
        for effort in EFFORTS:
            result = config(model, True, reasoning_effort=effort)
            assert not ("thinkingLevel" in result and "thinkingBudget" in result)


@pytest.mark.parametrize("model", ["gemma-3-27b-it", "gemini-2.5-flash-image", "gemini-3.8-flash-tts", "gemini-nano-banana-2.1",
                                   "learnlm-2.0-flash-experimental", "gemini-embedding-001", "gemini-3-pro-image"])
def test_models_that_do_not_think_get_no_thinking_config(model):
    assert config(model, True, reasoning_effort="high") is None
    assert least_thinking_config(model) is None


def test_thought_summaries_are_requested_unless_turned_off_or_thinking_is_off():
    assert config("gemini-2.5-flash-lite", True) == {"includeThoughts": True}
    assert config("gemini-3.1-pro-preview", True, reasoning_effort="low") == {"thinkingLevel": "low", "includeThoughts": True}
    assert config("gemini-2.5-flash-lite", True, reasoning_effort="none") == {"thinkingBudget": 0}
    assert config("gemini-3.8-flash", True, reasoning_effort="none") == {"thinkingLevel": "low"}  # least thinking, no summaries
    assert config("gemini-2.5-flash-lite", False) is None


@pytest.mark.parametrize(("body", "expected"), [
    ({"reasoning": {"effort": "low"}}, {"thinkingBudget": 1024}),
    ({"reasoning": {"max_tokens": 3000}}, {"thinkingBudget": 3000}),
    ({"reasoning": {"enabled": False}}, {"thinkingBudget": 0}),
    ({"thinking": {"type": "enabled", "budget_tokens": 50000}}, {"thinkingBudget": 24576}),
    ({"thinking": {"type": "disabled"}}, {"thinkingBudget": 0}),
    ({"reasoning_effort": "high", "thinking": {"type": "enabled", "budget_tokens": 10}}, {"thinkingBudget": 24576}),
])
def test_other_clients_spellings(body, expected):
    assert config("gemini-2.5-flash-lite", **body) == expected


def test_a_budget_on_gemini_3_becomes_a_level():
    assert config("gemini-3.6-flash", thinking={"type": "enabled", "budget_tokens": 4000}) == {"thinkingLevel": "medium"}
    assert config("gemini-3.8-flash", thinking={"type": "enabled", "budget_tokens": 0}) == {"thinkingLevel": "low"}


def test_preset_from_the_name_and_the_deployments_default():
    def fitted(model: str, preset=None, default=None, **body) -> dict | None:
        return thinking_config_from_openai(body, {}, model, False, preset=preset, default=default)
    assert fitted("gemini-3.8-flash", default="minimal") == {"thinkingLevel": "low"}
    assert fitted("gemini-3.8-flash", default="minimal", reasoning_effort="high") == {"thinkingLevel": "high"}
    assert fitted("gemini-3.8-flash", preset="medium", reasoning_effort="high") == {"thinkingLevel": "medium"}
    assert fitted("gemini-2.5-flash-lite", preset=2048) == {"thinkingBudget": 2048}
    assert fitted("gemini-2.5-flash-lite", preset=100) == {"thinkingBudget": 512}
    assert fitted("gemini-3.8-flash", preset=30000) == {"thinkingLevel": "high"}


@pytest.mark.parametrize(("model", "expected"), [
    ("gemini-3.8-flash", {"thinkingLevel": "low"}),
    ("gemini-flash-latest", {"thinkingLevel": "low"}),
    ("gemini-3.1-pro-preview", {"thinkingLevel": "low"}),
    ("gemini-2.5-flash", {"thinkingLevel": "minimal"}),
    ("gemini-3.5-flash-lite", {"thinkingLevel": "minimal"}),
    ("gemini-2.5-flash-lite", {"thinkingBudget": 0}),
    ("gemini-2.5-pro-exp", {"thinkingBudget": 128}),
])
def test_the_least_thinking_for_the_gateways_own_calls(model, expected):
    assert least_thinking_config(model) == expected


def test_googles_thinking_config_wins_and_passes_as_given():
    google = {"thinking_config": {"thinkingLevel": "HIGH", "include_thoughts": False}}
    assert config("gemini-3.1-pro-preview", True, google, reasoning_effort="low") == {"thinkingLevel": "high"}
    assert config("gemini-2.5-flash-lite", True, {"thinking_config": {"thinking_budget": -1}}) == {
        "thinkingBudget": -1, "includeThoughts": True}
    # Never fitted: a level the model refuses stays, and Gemini's 400 about it is the client's.
    assert config("gemini-3.8-flash", False, {"thinking_config": {"thinking_level": "minimal"}}) == {"thinkingLevel": "minimal"}
    # A client that names a thinking_config for a model we think does not think is trusted.
    assert config("gemma-3-27b-it", True, {"thinking_config": {"thinking_budget": 0}}) == {"thinkingBudget": 0}
