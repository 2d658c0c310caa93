"""Thinking: OpenAI `reasoning_effort` (and friends) → Gemini `thinkingConfig`, fitted to the model.

Precedence, most specific first:
1. `extra_body.google.thinking_config` — Google's own OpenAI-endpoint extension, passed as given
   (the client's explicit choice: never fitted, never corrected).
2. An effort or budget in the model name (`gemini-3.8-flash:high`, core/models.py).
3. `reasoning_effort` (`none|minimal|low|medium|high|xhigh`, or OpenRouter's `reasoning.effort`),
   or a token budget: Anthropic-style `thinking.budget_tokens`, OpenRouter's `reasoning.max_tokens`.
4. `DEFAULT_REASONING_EFFORT`, when the request says nothing.

Gemini 3+ gets `thinkingLevel`, Gemini 2.5 `thinkingBudget` — never both, each fitted to what the
model Google serves takes (core/lineup.py). Thought summaries (`includeThoughts`) are requested
whenever the model thinks, unless the deployment turns them off or the effort is `none`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequestError
from .fields import get_bool, get_dict, get_int, get_str
from .lineup import budget_range, thinking_levels, thinking_style
from .models import EFFORTS, Effort

__all__ = ["LEVEL_ORDER", "fit_level", "google_thinking_paths", "least_thinking_config", "thinking_config_from_openai"]

# Gemini 2.5 budgets per effort, as Google's OpenAI-compatible endpoint documents them
# (https://ai.google.dev/gemini-api/docs/openai#thinking), with `minimal` at the family's floor.
_EFFORT_BUDGETS = {"none": 0, "minimal": 1, "low": 1024, "medium": 8192, "high": 24576, "xhigh": 32768}
# Gemini 3 levels per effort before fitting them to what the model accepts: `none` asks for the
# least thinking the model allows ("Reasoning cannot be turned off for ... 3 models", same page).
_EFFORT_LEVELS = {"none": "minimal", "minimal": "minimal", "low": "low", "medium": "medium", "high": "high", "xhigh": "high"}
LEVEL_ORDER = ("minimal", "low", "medium", "high")
_PARAMS = frozenset({"reasoning_effort", "reasoning", "thinking"})
_CONFIG = "generationConfig.thinkingConfig"
# Google's snake_case keys → the wire fields they set.
_GOOGLE_KEYS = {
    "thinking_budget": "thinkingBudget", "thinkingBudget": "thinkingBudget",
    "thinking_level": "thinkingLevel", "thinkingLevel": "thinkingLevel",
    "include_thoughts": "includeThoughts", "includeThoughts": "includeThoughts",
}


def thinking_config_from_openai(
    body: Mapping[str, Any],
    google: Mapping[str, Any],
    model: str,
    include_thoughts: bool,
    *,
    preset: Effort | None = None,
    default: Effort | None = None,
) -> dict[str, Any] | None:
    """The `generationConfig.thinkingConfig` for an OpenAI request, or `None` to send none.

    `preset`: the effort the model name carries; `default`: the deployment's DEFAULT_REASONING_EFFORT.
    """
    explicit = get_dict(google, "thinking_config", "extra_body.google")
    if explicit is not None:
        return _from_google(explicit, include_thoughts and thinking_style(model) is not None)

    style = thinking_style(model)
    if style is None:
        return None  # models that do not think reject any thinkingConfig

    requested = preset
    if requested is None and not _PARAMS.isdisjoint(body):
        requested = _requested(body)
    if requested is None:
        requested = default
    config: dict[str, Any] = {}
    thinks = True
    if isinstance(requested, str):
        config, thinks = _for_effort(requested, style, model), requested != "none"
    elif isinstance(requested, int):
        config = _for_budget(requested, style, model)
        thinks = requested != 0
    if include_thoughts and thinks and config.get("thinkingBudget") != 0:
        config["includeThoughts"] = True
    return config or None


def least_thinking_config(model: str) -> dict[str, Any] | None:
    """The least thinking `model` allows, for the gateway's own calls (transcription): its lowest
    level, or a budget of 0 where thinking can be turned off. `None` for models that do not think."""
    style = thinking_style(model)
    return _for_effort("none", style, model) if style else None  # effort `none`, fitted to the model


def google_thinking_paths(google: Mapping[str, Any]) -> frozenset[str]:
    """The Gemini body paths the client set in Google's own terms (`extra_body.google.thinking_config`)."""
    config = google.get("thinking_config")
    if not isinstance(config, dict):
        return frozenset()
    return frozenset(f"{_CONFIG}.{_GOOGLE_KEYS[key]}" for key in config if key in _GOOGLE_KEYS and config[key] is not None)


def fit_level(level: str, supported: tuple[str, ...]) -> str:
    """`level` if the model takes it, else the next level up, else the highest it has."""
    for candidate in LEVEL_ORDER[LEVEL_ORDER.index(level):]:
        if candidate in supported:
            return candidate
    return supported[-1]


def _requested(body: Mapping[str, Any]) -> Effort | None:
    """The effort or budget from whichever of the OpenAI-family parameters the client used."""
    effort = get_str(body, "reasoning_effort")
    reasoning = get_dict(body, "reasoning")
    if effort is None and reasoning is not None:
        effort = get_str(reasoning, "effort", "reasoning")
    if effort is not None:
        if effort not in EFFORTS:
            param = "reasoning_effort" if "reasoning_effort" in body else "reasoning.effort"
            raise InvalidRequestError(
                f"'{param}' must be one of {', '.join(EFFORTS[:-1])}; got {effort!r}.", param=param, code="invalid_value"
            )
        return effort

    thinking = get_dict(body, "thinking")
    if thinking is not None:
        kind = get_str(thinking, "type", "thinking")
        if kind == "disabled":
            return "none"
        budget = get_int(thinking, "budget_tokens", "thinking", minimum=0)
        if budget is not None:
            return budget
    if reasoning is not None:
        if get_bool(reasoning, "enabled", "reasoning") is False:
            return "none"
        budget = get_int(reasoning, "max_tokens", "reasoning", minimum=0)
        if budget is not None:
            return budget
    return None


def _for_effort(effort: str, style: str, model: str) -> dict[str, Any]:
    if style == "level":
        return {"thinkingLevel": fit_level(_EFFORT_LEVELS[effort], thinking_levels(model))}
    return {"thinkingBudget": _fit_budget(_EFFORT_BUDGETS[effort], model)}


def _for_budget(budget: int, style: str, model: str) -> dict[str, Any]:
    if style == "level":
        # Gemini 3 accepts a budget but Google recommends levels; map the budget onto the scale.
        effort = "none" if budget == 0 else "low" if budget <= 1024 else "medium" if budget <= 8192 else "high"
        return {"thinkingLevel": fit_level(_EFFORT_LEVELS[effort], thinking_levels(model))}
    return {"thinkingBudget": _fit_budget(budget, model)}


def _fit_budget(budget: int, model: str) -> int:
    lowest, highest, can_disable = budget_range(model)
    if budget == 0 and can_disable:
        return 0
    return max(lowest, min(budget, highest))


def _from_google(config: Mapping[str, Any], include_default: bool) -> dict[str, Any]:
    """Google's `thinking_config` (snake_case or camelCase keys) as the camelCase wire object."""
    prefix = "extra_body.google.thinking_config"
    budget = _either(config, "thinking_budget", "thinkingBudget", lambda k: get_int(config, k, prefix, minimum=-1))
    level = _either(config, "thinking_level", "thinkingLevel", lambda k: get_str(config, k, prefix))
    include = _either(config, "include_thoughts", "includeThoughts", lambda k: get_bool(config, k, prefix))
    if budget is not None and level is not None:
        raise InvalidRequestError(
            "Set either thinking_budget or thinking_level, not both: Gemini rejects the pair.",
            param=prefix,
            code="invalid_value",
        )
    out: dict[str, Any] = {}
    if budget is not None:
        out["thinkingBudget"] = budget
    if level is not None:
        out["thinkingLevel"] = level.lower()
    if include is None:
        include = include_default and budget != 0
    if include:
        out["includeThoughts"] = True
    return out


def _either(config: Mapping[str, Any], snake: str, camel: str, read: Any) -> Any:
    value = read(snake)
    return value if value is not None else read(camel)
