"""Model names: which Gemini model a request means, and what that model family can do.

Capabilities are read from the name (`gemini-2.5-pro`, `gemini-3-flash-preview`, `gemini-flash-latest`)
rather than from a list of models, which goes stale every few weeks.
"""

from __future__ import annotations

from typing import NamedTuple
import re
from functools import lru_cache

from .config import Settings
from .errors import InvalidRequestError

__all__ = [
    "ModelChoice",
    "budget_range",
    "generation",
    "is_image_model",
    "output_token_limit",
    "requires_thought_signatures",
    "resolve_chat_model",
    "resolve_messages_model",
    "resolve_embedding_model",
    "resolve_model",
    "supports_json_schema",
    "thinking_levels",
    "thinking_style",
]

# Names Gemini serves, passed through as given; any other name (gpt-4o, ...) uses the default.
_GEMINI_FAMILIES = ("gemini-", "gemma-", "learnlm-")
_SEARCH_SUFFIX = ":search"
_SEARCH_PREVIEW_SUFFIX = "-search-preview"
# Claude model families → the setting that names their Gemini stand-in (Claude Code's own tiers:
# https://code.claude.com/docs/en/model-config — opus, sonnet, haiku for background work).
_CLAUDE_TIERS = (("opus", "anthropic_large_model"), ("haiku", "anthropic_small_model"), ("sonnet", "anthropic_default_model"))
# A model id becomes part of the upstream URL path, so it may hold nothing that changes the path.
_VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_VERSION = re.compile(r"gemini-(\d+)(?:\.(\d+))?-")
# `gemini-flash-latest`, `gemini-pro-latest`: Google's moving aliases point at the newest generation.
_LATEST = (99, 0)
# Variants that reject thinkingConfig ("Thinking is not enabled for models/...").
_NO_THINKING = ("-image", "-tts", "-audio", "live", "embedding", "-robotics")


class ModelChoice(NamedTuple):
    """The Gemini model a chat request resolved to, and whether Google Search grounding was asked for."""

    name: str
    search: bool = False


def resolve_chat_model(requested: str | None, settings: Settings) -> ModelChoice:
    """Resolve an OpenAI `model` value: aliases, `:search`, `-search-preview`, the default model."""
    name = requested or settings.default_model
    search = False
    if name.endswith(_SEARCH_SUFFIX):
        name, search = name[: -len(_SEARCH_SUFFIX)], True
    if name in settings.model_aliases:
        name = settings.model_aliases[name]
        if name.endswith(_SEARCH_SUFFIX):
            name, search = name[: -len(_SEARCH_SUFFIX)], True
    if name.endswith(_SEARCH_PREVIEW_SUFFIX):
        # OpenAI's search models (gpt-4o-search-preview) always search; so do ours.
        name, search = name[: -len(_SEARCH_PREVIEW_SUFFIX)], True
    return ModelChoice(_gemini_name(name, settings.default_model), search)


def resolve_messages_model(requested: str | None, settings: Settings) -> ModelChoice:
    """Resolve a Messages API `model`: aliases first, Gemini names as given, `claude-*` names (and
    any other) by tier to ANTHROPIC_LARGE_MODEL, ANTHROPIC_SMALL_MODEL or ANTHROPIC_DEFAULT_MODEL."""
    name = requested or settings.anthropic_default_model
    name = settings.model_aliases.get(name, name)
    base = name[: -len(_SEARCH_SUFFIX)] if name.endswith(_SEARCH_SUFFIX) else name
    if not base.startswith("models/") and not base.startswith(_GEMINI_FAMILIES):
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


def _gemini_name(name: str, default: str) -> str:
    if not name.startswith("models/") and not name.startswith(_GEMINI_FAMILIES):
        name = default
    return validate_model_id(name)


@lru_cache(maxsize=256)
def generation(model: str) -> tuple[int, int] | None:
    """(major, minor) of a Gemini model, `(99, 0)` for `-latest` aliases, `None` when unknown."""
    match = _VERSION.match(model)
    if match:
        return int(match.group(1)), int(match.group(2) or 0)
    if model.startswith("gemini-") and model.endswith("-latest"):
        return _LATEST
    return None


def is_image_model(model: str) -> bool:
    """Gemini's image-output models (`gemini-3-pro-image`, `gemini-nano-banana-2.1`): their names say so."""
    return "-image" in model or "nano-banana" in model


@lru_cache(maxsize=256)
def thinking_style(model: str) -> str | None:
    """`"level"` (Gemini 3+: thinkingLevel), `"budget"` (Gemini 2.5: thinkingBudget) or `None`."""
    gen = generation(model)
    if gen is None or any(marker in model for marker in _NO_THINKING):
        return None
    if gen >= (3, 0):
        return "level"
    if gen >= (2, 5):
        return "budget"
    return None


def thinking_levels(model: str) -> tuple[str, ...]:
    """The thinkingLevel values a Gemini 3+ model accepts, lowest first.

    https://ai.google.dev/gemini-api/docs/thinking#thinking-levels: Gemini 3 Pro took only low and
    high; later Pro models add medium; Flash and Flash-Lite models take all four.
    """
    if "-pro" in model:
        return ("low", "high") if generation(model) == (3, 0) else ("low", "medium", "high")
    return ("minimal", "low", "medium", "high")


def budget_range(model: str) -> tuple[int, int, bool]:
    """(lowest non-zero budget, highest budget, can thinking be turned off) for a Gemini 2.5 model.

    https://ai.google.dev/gemini-api/docs/thinking#set-budget: Pro 128–32768 and always thinks;
    Flash 0–24576; Flash-Lite 512–24576 or 0.
    """
    if "flash-lite" in model:
        return 512, 24576, True
    if "-pro" in model:
        return 128, 32768, False
    return 128, 24576, True


def output_token_limit(model: str) -> int:
    """The largest `maxOutputTokens` Gemini accepts for `model`: 65536 from Gemini 2.5 on, 8192 before.

    A larger value is a 400 ("maxOutputTokens value of 128000 but the supported range is from 1
    (inclusive) to 65537 (exclusive)", BerriAI/litellm#10548); Claude Code asks for 128000.
    """
    gen = generation(model)
    return 65536 if gen is not None and gen >= (2, 5) else 8192


def supports_json_schema(model: str) -> bool:
    """Whether to send `responseJsonSchema` / `parametersJsonSchema` rather than the OpenAPI subset."""
    gen = generation(model)
    return gen is not None and gen >= (2, 5)


def requires_thought_signatures(model: str) -> bool:
    """Gemini 3+ rejects a function call in the current turn that carries no thought signature."""
    gen = generation(model)
    return gen is not None and gen >= (3, 0)
