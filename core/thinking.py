"""Thinking: OpenAI `reasoning_effort` (and friends) → Gemini `thinkingConfig`.

Precedence, most specific first:
1. `extra_body.google.thinking_config` — Google's own OpenAI-endpoint extension, passed as given.
2. `reasoning_effort` (`none|minimal|low|medium|high`, or OpenRouter's `reasoning.effort`).
3. A token budget: Anthropic-style `thinking.budget_tokens` or OpenRouter's `reasoning.max_tokens`.

Gemini 3+ gets `thinkingLevel`, Gemini 2.5 `thinkingBudget` — never both. Thought summaries
(`includeThoughts`) are requested whenever the model thinks, unless the deployment turns them off.
"""

from __future__ import annotations

from typing import Any, Mapping

from .errors import InvalidRequestError
from .fields import get_bool, get_dict, get_int, get_str
from .models import budget_range, thinking_levels, thinking_style

__all__ = ["EFFORTS", "thinking_config_from_openai"]

EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")

# Gemini 2.5 budgets per effort, as Google's OpenAI-compatible endpoint documents them
# (https://ai.google.dev/gemini-api/docs/openai#thinking), with `minimal` at the family's floor.
_EFFORT_BUDGETS = {"none": 0, "minimal": 1, "low": 1024, "medium": 8192, "high": 24576, "xhigh": 32768}
# Gemini 3 levels per effort before fitting them to what the model accepts.
_EFFORT_LEVELS = {"none": "minimal", "minimal": "minimal", "low": "low", "medium": "medium", "high": "high", "xhigh": "high"}
_LEVEL_ORDER = ("minimal", "low", "medium", "high")
_PARAMS = frozenset({"reasoning_effort", "reasoning", "thinking"})


def thinking_config_from_openai(
    body: Mapping[str, Any], google: Mapping[str, Any], model: str, include_thoughts: bool
) -> dict[str, Any] | None:
    """The `generationConfig.thinkingConfig` for an OpenAI request, or `None` to send none."""
    explicit = get_dict(google, "thinking_config", "extra_body.google")
    if explicit is not None:
        return _from_google(explicit, include_thoughts and thinking_style(model) is not None)

    style = thinking_style(model)
    if style is None:
        return None  # models that do not think reject any thinkingConfig

    config: dict[str, Any] = {}
    effort, budget = _requested(body) if not _PARAMS.isdisjoint(body) else (None, None)
    if effort is not None:
        config = _for_effort(effort, style, model)
    elif budget is not None:
        config = _for_budget(budget, style, model)
    if include_thoughts and config.get("thinkingBudget") != 0:
        config["includeThoughts"] = True
    return config or None


def _requested(body: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """(effort, budget) from whichever of the OpenAI-family parameters the client used."""
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
        return effort, None

    thinking = get_dict(body, "thinking")
    if thinking is not None:
        kind = get_str(thinking, "type", "thinking")
        if kind == "disabled":
            return "none", None
        budget = get_int(thinking, "budget_tokens", "thinking", minimum=0)
        if budget is not None:
            return None, budget
    if reasoning is not None:
        if get_bool(reasoning, "enabled", "reasoning") is False:
            return "none", None
        budget = get_int(reasoning, "max_tokens", "reasoning", minimum=0)
        if budget is not None:
            return None, budget
    return None, None


def _for_effort(effort: str, style: str, model: str) -> dict[str, Any]:
    if style == "level":
        return {"thinkingLevel": _fit_level(_EFFORT_LEVELS[effort], thinking_levels(model))}
    return {"thinkingBudget": _fit_budget(_EFFORT_BUDGETS[effort], model)}


def _for_budget(budget: int, style: str, model: str) -> dict[str, Any]:
    if style == "level":
        # Gemini 3 accepts a budget but Google recommends levels; map the budget onto the scale.
        effort = "none" if budget == 0 else "low" if budget <= 1024 else "medium" if budget <= 8192 else "high"
        return {"thinkingLevel": _fit_level(_EFFORT_LEVELS[effort], thinking_levels(model))}
    return {"thinkingBudget": _fit_budget(budget, model)}


def _fit_level(level: str, supported: tuple[str, ...]) -> str:
    """`level` if the model takes it, else the next level up, else the highest it has."""
    for candidate in _LEVEL_ORDER[_LEVEL_ORDER.index(level):]:
        if candidate in supported:
            return candidate
    return supported[-1]


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
