"""Self-correction from Gemini's 400s: what a refused field becomes, and remembering it per model.

The tables in core/lineup.py age monthly; Gemini's 400 for a field it will not take is the
durable source. When Gemini answers 400 INVALID_ARGUMENT about a field the gateway chose or fitted
(a thinking level or budget, `includeThoughts`, sampling, a penalty, logprobs), `Fits.correct`
returns the body to retry with once — with the value Gemini's message allows, or without the
field — and remembers the fit, so `Fits.apply` fixes the next request to that model before it is
sent. A field the client set in Google's own terms (`extra_body.google`, listed in the plan's
`explicit` paths) is never corrected: Gemini's 400 about it is the client's.

The messages recognised are real ones, each with its source in tests/core/test_fitting.py and
in /work/research/gemini-400s.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from .thinking import LEVEL_ORDER, fit_level

__all__ = ["Correction", "Fits"]

_CONFIG = "generationConfig"
_THINKING = f"{_CONFIG}.thinkingConfig"
_LEVEL = f"{_THINKING}.thinkingLevel"
_BUDGET = f"{_THINKING}.thinkingBudget"
_INCLUDE = f"{_THINKING}.includeThoughts"
_PENALTIES = (f"{_CONFIG}.presencePenalty", f"{_CONFIG}.frequencyPenalty")
_LOGPROBS = (f"{_CONFIG}.responseLogprobs", f"{_CONFIG}.logprobs")
_SAMPLING = {"temperature": f"{_CONFIG}.temperature", "top_p": f"{_CONFIG}.topP", "topp": f"{_CONFIG}.topP",
             "top_k": f"{_CONFIG}.topK", "topk": f"{_CONFIG}.topK"}
_MAX_MODELS = 256  # models remembered at once (a pass-through client may name any)
_LEVEL_WORD = r"(?:THINKING_LEVEL_)?([A-Za-z]+)"

# Gemini's messages, most specific first. Each group names what the fix needs.
_LEVEL_ALLOWED = re.compile(r"'?(\w+)'? is not a supported thinking level for this model\. Allowed values are: ([\w ,]+)", re.I)
_LEVEL_NAMED = re.compile(
    rf"thinking[ _]level {_LEVEL_WORD} is not supported|THINKING_LEVEL_([A-Z]+) is unsupported|"
    r"thinking level is unsupported: THINKING_LEVEL_([A-Z]+)", re.I)
_LEVEL_ANY = re.compile(r"thinking[ _]level is not supported", re.I)
_BUDGET_RANGE = re.compile(r"thinking budget \(?(-?\d+)\)? is invalid\. Please choose a value between (\d+) and (\d+)", re.I)
_BUDGET_ZERO = re.compile(
    r"budget 0 is invalid|only works in thinking mode|does not support setting thinking_budget to 0|"
    r"thinking_budget cannot be set to 0", re.I)
_BUDGET_BAD = re.compile(r"thinking budget \(?(-?\d+)\)? is invalid", re.I)
_NO_THINKING = re.compile(r"thinking is not enabled for|thinking is not supported", re.I)
_INCLUDE_THOUGHTS = re.compile(r"include_?thoughts is only enabled when thinking is enabled", re.I)
_PENALTY = re.compile(r"penalty is not (?:enabled|supported)|(?:presence|frequency)[ _]?penalty\b.{0,40}not supported", re.I)
_LOGPROB = re.compile(r"logprobs is not (?:enabled|supported)|logprobs are not supported", re.I)
_SAMPLING_FIELD = re.compile(r"\b(temperature|top_?p|top_?k)\b[^.]{0,60}\b(?:is|are) (?:not|no longer) supported", re.I)


class Correction(NamedTuple):
    """What to retry with, once, and what to log."""

    body: dict[str, Any]  # the request body to retry with
    note: str  # for the log line, e.g. "thinkingLevel minimal -> low (allowed: low, medium, high)"


class _Fit:
    """What one model has been found to refuse."""

    __slots__ = ("allowed", "refused", "budget", "dropped")

    def __init__(self) -> None:
        self.allowed: tuple[str, ...] | None = None  # the levels Gemini listed
        self.refused: set[str] = set()  # levels refused without a list
        self.budget: tuple[int, int] | None = None  # the budget range Gemini named
        self.dropped: set[str] = set()  # paths to leave out


class Fits:
    """What this instance has learnt about models from Gemini's 400s (one per process, like the key pool)."""

    def __init__(self) -> None:
        self._fits: dict[str, _Fit] = {}

    def apply(self, model: str, body: dict[str, Any], explicit: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The body with the remembered fits for `model` applied: a new dict when anything changes, `body`
        itself when nothing does (the input is never mutated)."""
        fit = self._fits.get(model)
        if fit is None:
            return body  # nothing learnt about this model: the body as it is (nothing copies it)
        out = body  # _without and _with copy what they change
        for path in sorted(fit.dropped):
            if not _explicit(path, explicit):
                out = _without(out, path)
        level = _get(out, _LEVEL)
        if isinstance(level, str) and not _explicit(_LEVEL, explicit):
            fitted = _next_level(level.lower(), fit)
            if fitted is not None and fitted != level.lower():
                out = _with(out, _LEVEL, fitted)
        budget = _get(out, _BUDGET)
        if fit.budget is not None and isinstance(budget, int) and budget != -1 and not _explicit(_BUDGET, explicit):
            clamped = max(fit.budget[0], min(budget, fit.budget[1]))
            if clamped != budget:
                out = _with(out, _BUDGET, clamped)
        return out

    def correct(
        self, model: str, body: dict[str, Any], status: int, error_body: bytes, explicit: frozenset[str] = frozenset()
    ) -> Correction | None:
        """The body to retry with after Gemini's 400 about a field the gateway chose, or None:
        not ours to fix (another error, the client's explicit field, or nothing left to change)."""
        message = _invalid_argument(status, error_body)
        if message is None:
            return None
        for recognise in _RECOGNISERS:
            correction = recognise(self, model, body, message, explicit)
            if correction is not None:
                return correction
        return None

    def _fit(self, model: str) -> _Fit:
        fit = self._fits.get(model)
        if fit is None:
            if len(self._fits) >= _MAX_MODELS:
                self._fits.pop(next(iter(self._fits)))
            fit = self._fits[model] = _Fit()
        return fit

    # Each recogniser: (model, body, message, explicit) → Correction | None.

    def _level(self, model: str, body: dict[str, Any], message: str, explicit: frozenset[str]) -> Correction | None:
        level = _get(body, _LEVEL)
        if not isinstance(level, str) or _explicit(_LEVEL, explicit):
            return None
        allowed_match = _LEVEL_ALLOWED.search(message)
        named = allowed_match or _LEVEL_NAMED.search(message)
        if named is None:
            if _LEVEL_ANY.search(message):  # the model takes no levels at all (a Gemini 2.5 model)
                return self._drop(model, body, (_LEVEL,), explicit, "thinkingLevel dropped (the model takes no thinking level)")
            return None
        refused = next(group for group in named.groups() if group).lower()  # the first group found is the level
        if refused != level.lower():
            return None  # the body no longer holds what Gemini refused
        fit = self._fit(model)
        fit.refused.add(refused)
        if allowed_match:
            allowed = tuple(word for word in LEVEL_ORDER if word in allowed_match.group(2).lower().replace(" ", "").split(","))
            fit.allowed = allowed or fit.allowed
        fitted = _next_level(refused, fit)
        if fitted is None or fitted == refused:
            return None
        allowed_note = f" (allowed: {', '.join(fit.allowed)})" if fit.allowed else ""
        return Correction(_with(body, _LEVEL, fitted), f"thinkingLevel {refused} -> {fitted}{allowed_note}")

    def _budget(self, model: str, body: dict[str, Any], message: str, explicit: frozenset[str]) -> Correction | None:
        budget = _get(body, _BUDGET)
        if not isinstance(budget, int) or _explicit(_BUDGET, explicit):
            return None
        ranged = _BUDGET_RANGE.search(message)
        if ranged and int(ranged.group(1)) == budget:
            lowest, highest = int(ranged.group(2)), int(ranged.group(3))
            self._fit(model).budget = (lowest, highest)
            clamped = max(lowest, min(budget, highest))
            if clamped != budget:
                return Correction(_with(body, _BUDGET, clamped), f"thinkingBudget {budget} -> {clamped} (allowed: {lowest}-{highest})")
        bad = _BUDGET_BAD.search(message)
        if (_BUDGET_ZERO.search(message) and budget == 0) or (bad and int(bad.group(1)) == budget):
            self._fit(model).dropped.add(_BUDGET)
            return Correction(_without(body, _BUDGET), f"thinkingBudget {budget} dropped (the model's own default)")
        return None

    def _thinking(self, model: str, body: dict[str, Any], message: str, explicit: frozenset[str]) -> Correction | None:
        if _NO_THINKING.search(message):
            return self._drop(model, body, (_THINKING,), explicit, "thinkingConfig dropped (the model does not think)")
        if _INCLUDE_THOUGHTS.search(message):
            return self._drop(model, body, (_INCLUDE,), explicit, "includeThoughts dropped (thinking is off)")
        return None

    def _fields(self, model: str, body: dict[str, Any], message: str, explicit: frozenset[str]) -> Correction | None:
        if _PENALTY.search(message):
            return self._drop(model, body, _PENALTIES, explicit, "presencePenalty, frequencyPenalty dropped (the model takes no penalties)")
        if _LOGPROB.search(message):
            return self._drop(model, body, _LOGPROBS, explicit, "responseLogprobs, logprobs dropped (the model gives no logprobs)")
        sampling = _SAMPLING_FIELD.search(message)
        if sampling:
            path = _SAMPLING[sampling.group(1).lower()]
            return self._drop(model, body, (path,), explicit, f"{path.rpartition('.')[2]} dropped (the model takes no sampling)")
        return None

    def _drop(self, model: str, body: dict[str, Any], paths: tuple[str, ...], explicit: frozenset[str], note: str) -> Correction | None:
        """`body` without `paths`, remembered for `model`; None if none is there or one is the client's."""
        present = [path for path in paths if _get(body, path) is not None]
        if not present or any(_explicit(path, explicit) for path in present):
            return None
        self._fit(model).dropped.update(paths)
        out = body
        for path in present:
            out = _without(out, path)
        return Correction(out, note)


_RECOGNISERS: tuple[Callable[..., Correction | None], ...] = (Fits._level, Fits._budget, Fits._thinking, Fits._fields)


def _invalid_argument(status: int, error_body: bytes) -> str | None:
    """Gemini's message for a 400 INVALID_ARGUMENT (or a 400 that names no status), else None."""
    if status != 400:
        return None
    try:
        data = json.loads(error_body)
    except (ValueError, TypeError):
        return None
    if isinstance(data, list) and data:
        data = data[0]
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or error.get("status") not in (None, "INVALID_ARGUMENT"):
        return None
    message = error.get("message")
    return message if isinstance(message, str) else None


def _next_level(level: str, fit: _Fit) -> str | None:
    """The nearest level the model takes: the next one up, else the next one down."""
    if level not in LEVEL_ORDER:
        return None
    allowed = tuple(lv for lv in LEVEL_ORDER if (lv in fit.allowed if fit.allowed else lv not in fit.refused))
    return fit_level(level, allowed) if allowed else None


def _explicit(path: str, explicit: frozenset[str]) -> bool:
    """Whether the client set `path`, or anything inside it, itself."""
    return any(given == path or given.startswith(path + ".") or path.startswith(given + ".") for given in explicit)


def _get(body: dict[str, Any], path: str) -> Any:
    node: Any = body
    for key in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _with(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `body` with `path` set, copying only the dicts on the way."""
    head, _, rest = path.partition(".")
    inner: dict[str, Any] = body[head] if isinstance(body.get(head), dict) else {}
    return {**body, head: _with(inner, rest, value) if rest else value}


def _without(body: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of `body` without `path`; an object left empty goes too."""
    head, _, rest = path.partition(".")
    if head not in body:
        return body
    if not rest:
        return {key: value for key, value in body.items() if key != head}
    inner = body[head]
    if not isinstance(inner, dict):
        return body
    trimmed = _without(inner, rest)
    if not trimmed:
        return {key: value for key, value in body.items() if key != head}
    return {**body, head: trimmed}
