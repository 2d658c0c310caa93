"""Model names: which Gemini model a request means, and what the name asks for besides.

A chat model name may carry options after colons, for clients that can only type a name
(translation plugins, chat apps without a reasoning setting):

    gemini-3.8-flash:high            thinking effort: none, minimal, low, medium, high or xhigh
    gemini-2.5-flash-lite:2048       a thinking budget in tokens
    gemini-3.8-flash:low:search      ... with Google Search grounding (options in any order)

`MODEL_ALIASES` targets take the same options (`fast=gemini-3.8-flash:low`). A retired name is
sent as the model Google serves in its place (core/lineup.py `RETIRED`).
"""

from __future__ import annotations

import re
from typing import NamedTuple, Union

from .config import Settings
from .errors import InvalidRequestError
from .lineup import successor

__all__ = [
    "EFFORTS",
    "Effort",
    "ModelChoice",
    "parse_effort",
    "resolve_chat_model",
    "resolve_embedding_model",
    "resolve_messages_model",
    "resolve_model",
    "validate_model_id",
]

# OpenAI's reasoning_effort values; xhigh (GPT-5.x) is accepted and means high.
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
# A thinking effort by name, or a budget in tokens.
Effort = Union[str, int]

# Names Gemini serves, passed through as given; any other name (gpt-4o, ...) uses the default.
_GEMINI_FAMILIES = ("gemini-", "gemma-", "learnlm-")
_SEARCH = "search"
_SEARCH_PREVIEW_SUFFIX = "-search-preview"
_MAX_BUDGET = 1_000_000
# Claude model families → the setting that names their Gemini stand-in (Claude Code's own tiers:
# https://code.claude.com/docs/en/model-config — opus, sonnet, haiku for background work).
_CLAUDE_TIERS = (("opus", "anthropic_large_model"), ("haiku", "anthropic_small_model"), ("sonnet", "anthropic_default_model"))
# A model id becomes part of the upstream URL path, so it may hold nothing that changes the path.
_VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class ModelChoice(NamedTuple):
    """The Gemini model a chat request resolved to, and what its name asked for besides."""

    name: str
    search: bool = False
    effort: Effort | None = None  # from the name (`:high`, `:2048`): wins over the request's parameters


class _Options(NamedTuple):
    search: bool = False
    effort: Effort | None = None


_NONE = _Options()


def resolve_chat_model(requested: str | None, settings: Settings) -> ModelChoice:
    """Resolve an OpenAI `model` value: aliases, `:options`, `-search-preview`, retired names, the default.

    A pure function of the name and the settings, asked on every request with the same few names:
    remembered (per settings object, which each entry holds, so its id cannot be another's)."""
    key = (requested, id(settings))
    known = _RESOLVED.get(key)
    if known is not None and known[0] is settings:
        return known[1]
    choice = _resolve_chat_model(requested, settings)
    if len(_RESOLVED) >= _RESOLVED_LIMIT:
        _RESOLVED.clear()  # clients naming ever new models: start again rather than grow
    _RESOLVED[key] = (settings, choice)
    return choice


_RESOLVED: dict[tuple[str | None, int], tuple[Settings, ModelChoice]] = {}
_RESOLVED_LIMIT = 256


def _resolve_chat_model(requested: str | None, settings: Settings) -> ModelChoice:
    name, options = _split(requested or settings.default_model, "model")
    if name in settings.model_aliases:
        name, aliased = _split(settings.model_aliases[name], "MODEL_ALIASES")
        options = _merge(options, aliased)  # the client's own options win over the alias's
    if name.endswith(_SEARCH_PREVIEW_SUFFIX):
        # OpenAI's search models (gpt-4o-search-preview) always search; so do ours.
        name, options = name[: -len(_SEARCH_PREVIEW_SUFFIX)], _merge(options, _Options(search=True))
    if not _is_gemini(name):
        name, defaults = _split(settings.default_model, "DEFAULT_MODEL")
        options = _merge(options, defaults) if defaults is not _NONE else options
    return ModelChoice(_gemini_name(name, settings.default_model), options.search, options.effort)


def resolve_messages_model(requested: str | None, settings: Settings) -> ModelChoice:
    """Resolve a Messages API `model`: aliases first, Gemini names as given (with their `:options`),
    `claude-*` names (and any other) by tier to ANTHROPIC_LARGE_MODEL, ANTHROPIC_SMALL_MODEL or
    ANTHROPIC_DEFAULT_MODEL."""
    name = requested or settings.anthropic_default_model
    name = settings.model_aliases.get(name, name)
    if not _is_gemini(name.split(":", 1)[0]):
        tier = next((field for word, field in _CLAUDE_TIERS if word in name.lower()), "anthropic_default_model")
        name = getattr(settings, tier)
    return resolve_chat_model(name, settings)


def resolve_embedding_model(requested: str | None, settings: Settings) -> str:
    """Resolve an embeddings `model` value: Gemini names as given, aliases, else the default."""
    name = requested or settings.default_embedding_model
    name = settings.model_aliases.get(name, name)
    return _gemini_name(name, settings.default_embedding_model)


def resolve_model(requested: str | None, default: str, settings: Settings) -> str:
    """A model for the image, speech and transcription endpoints: Gemini names as given (after
    aliases), other names (OpenAI's: `gpt-image-1`, `tts-1`, `whisper-1`) the endpoint's default."""
    name = requested or default
    name = settings.model_aliases.get(name, name)
    return _gemini_name(name, default)


def validate_model_id(name: str, param: str = "model") -> str:
    """`name` without any `models/` prefix, checked to be safe inside an upstream URL path."""
    if name.startswith("models/"):
        name = name[len("models/"):]
    if not _VALID_NAME.fullmatch(name):
        raise InvalidRequestError(f"'{param}' is not a valid model name: {name[:80]!r}.", param=param, code="invalid_value")
    return name


def parse_effort(value: str, param: str) -> Effort:
    """An effort name (`high`) or a thinking budget (`2048`), as a model-name option or a setting."""
    value = value.strip().lower()
    if value in EFFORTS:
        return value
    if value.isdigit() and int(value) <= _MAX_BUDGET:
        return int(value)
    raise InvalidRequestError(
        f"{param!r} option {value[:40]!r} is not one of search, {', '.join(EFFORTS)} or a thinking budget in tokens.",
        param="model",
        code="invalid_value",
    )


def _split(name: str, param: str) -> tuple[str, _Options]:
    """`gemini-3.8-flash:high:search` → ("gemini-3.8-flash", search=True, effort="high")."""
    if ":" not in name:
        return name, _NONE
    base, *parts = name.split(":")
    search, effort = False, None
    for part in parts:
        if part.strip().lower() == _SEARCH:
            search = True
            continue
        if effort is not None:
            raise InvalidRequestError(
                f"{param!r} {name[:80]!r} names more than one thinking effort or budget.", param="model", code="invalid_value"
            )
        effort = parse_effort(part, param)
    return base, _Options(search, effort)


def _merge(first: _Options, second: _Options) -> _Options:
    return _Options(first.search or second.search, first.effort if first.effort is not None else second.effort)


def _is_gemini(name: str) -> bool:
    return name.startswith("models/") or name.startswith(_GEMINI_FAMILIES)


def _gemini_name(name: str, default: str) -> str:
    if not _is_gemini(name):
        name = default
    name = validate_model_id(name)
    return successor(name) or name
