"""Settings: one frozen object, parsed from a plain mapping of environment variables.

`settings_from_env(os.environ)` in a shell; `settings_from_env({"GEMINI_API_KEY": "k"})` in a test.
Every invalid value raises `ConfigError` naming the variable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from .errors import ConfigError

__all__ = ["NATIVE_SCOPES", "RESPONSES_STATES", "SAFETY_THRESHOLDS", "Settings", "check_key_modes", "is_header_safe", "settings_from_env"]

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"

# https://ai.google.dev/gemini-api/docs/safety-settings — "OFF" is the least blocking threshold;
# "DEFAULT" means: send no safetySettings and let Gemini apply its own defaults.
SAFETY_THRESHOLDS = ("OFF", "BLOCK_NONE", "BLOCK_ONLY_HIGH", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_LOW_AND_ABOVE", "DEFAULT")
LOG_LEVELS = ("debug", "info", "warning", "error", "off")
# What Gemini's own API (core/native.py) lets AUTH_TOKEN holders reach with the server's keys:
# `models` — calling and listing models, and the uploads they start; `all` — the project's files,
# cached contents, tuned models, batches and operations too.
NATIVE_SCOPES = ("models", "all")
# Which Responses API requests are stored in Gemini's Interactions API (core/responses.py `wants_state`):
# `explicit` — those that ask (previous_response_id, background, store: true, Deep Research);
# `openai` — also those that leave `store` out (OpenAI's default is true); `off` — none (every one stateless).
RESPONSES_STATES = ("explicit", "openai", "off")

# Thinking efforts a setting or a model-name option may name (core/models.py EFFORTS), or a budget.
_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
_NAME_OPTION = re.compile(r"search|none|minimal|low|medium|high|xhigh|\d{1,7}", re.IGNORECASE)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class Settings(NamedTuple):
    """Everything the gateway can be told; the defaults are what a fresh deploy runs with."""

    gemini_base_url: str = DEFAULT_BASE_URL
    api_keys: tuple[str, ...] = ()
    auth_tokens: tuple[str, ...] = ()
    # Models Google serves on 2026-12-01 (core/lineup.py): the newest Flash for chat, the fast and
    # cheap 3.5 Flash-Lite to listen, Nano Banana 2.1 to draw, 3.8 Flash TTS to speak.
    default_model: str = "gemini-3.8-flash"
    default_embedding_model: str = "gemini-embedding-001"
    default_image_model: str = "gemini-nano-banana-2.1"
    default_speech_model: str = "gemini-3.8-flash-tts"
    default_transcription_model: str = "gemini-3.5-flash-lite"
    default_reasoning_effort: str | int | None = None  # for requests that name none
    # The Messages API's `claude-*` names by tier: opus, sonnet (and any other claude name), haiku
    # (the small, fast model Claude Code uses for background work). Current models in
    # https://ai.google.dev/gemini-api/docs/models as of 2026-12.
    anthropic_large_model: str = "gemini-3.1-pro-preview"
    anthropic_default_model: str = "gemini-3.8-flash"
    anthropic_small_model: str = "gemini-3.5-flash-lite"
    model_aliases: Mapping[str, str] = MappingProxyType({})
    request_timeout: float = 300.0
    connect_timeout: float = 10.0
    max_body_bytes: int = 20 * 1024 * 1024
    cors_origins: tuple[str, ...] = ("*",)
    include_thoughts: bool = True
    safety_threshold: str = "OFF"
    log_level: str = "info"
    max_attempts: int = 3
    key_cooldown: float = 300.0
    body_timeout: float = 60.0
    stream_keepalive: float = 15.0
    retry_empty_answers: bool = True
    public_url: str | None = None
    native_scope: str = "models"
    responses_state: str = "explicit"

    @property
    def server_keys(self) -> bool:
        """True when the deployment holds its own Gemini keys (clients present `AUTH_TOKEN`s)."""
        return bool(self.api_keys)


def settings_from_env(env: Mapping[str, str]) -> Settings:
    """Parse the gateway's environment variables; unknown variables are ignored."""
    defaults = Settings()
    settings = Settings(
        gemini_base_url=_url(env, "GEMINI_BASE_URL", defaults.gemini_base_url),
        api_keys=_keys(env, "GEMINI_API_KEY"),
        auth_tokens=_csv(env, "AUTH_TOKEN"),
        default_model=_model(env, "DEFAULT_MODEL", defaults.default_model),
        default_embedding_model=_model(env, "DEFAULT_EMBEDDING_MODEL", defaults.default_embedding_model),
        default_image_model=_model(env, "DEFAULT_IMAGE_MODEL", defaults.default_image_model),
        default_speech_model=_model(env, "DEFAULT_SPEECH_MODEL", defaults.default_speech_model),
        default_transcription_model=_model(env, "DEFAULT_TRANSCRIPTION_MODEL", defaults.default_transcription_model),
        default_reasoning_effort=_effort(env, "DEFAULT_REASONING_EFFORT"),
        anthropic_large_model=_model(env, "ANTHROPIC_LARGE_MODEL", defaults.anthropic_large_model),
        anthropic_default_model=_model(env, "ANTHROPIC_DEFAULT_MODEL", defaults.anthropic_default_model),
        anthropic_small_model=_model(env, "ANTHROPIC_SMALL_MODEL", defaults.anthropic_small_model),
        model_aliases=MappingProxyType(_aliases(env, "MODEL_ALIASES")),
        request_timeout=_seconds(env, "REQUEST_TIMEOUT", defaults.request_timeout),
        connect_timeout=_seconds(env, "CONNECT_TIMEOUT", defaults.connect_timeout),
        max_body_bytes=_positive_int(env, "MAX_BODY_BYTES", defaults.max_body_bytes),
        cors_origins=_csv(env, "CORS_ORIGINS") or defaults.cors_origins,
        include_thoughts=_bool(env, "INCLUDE_THOUGHTS", defaults.include_thoughts),
        safety_threshold=_choice(env, "SAFETY_THRESHOLD", defaults.safety_threshold, SAFETY_THRESHOLDS, upper=True),
        log_level=_choice(env, "LOG_LEVEL", defaults.log_level, LOG_LEVELS, upper=False),
        max_attempts=_positive_int(env, "MAX_ATTEMPTS", defaults.max_attempts),
        key_cooldown=_seconds(env, "KEY_COOLDOWN", defaults.key_cooldown),
        body_timeout=_seconds(env, "BODY_TIMEOUT", defaults.body_timeout),
        stream_keepalive=_seconds(env, "STREAM_KEEPALIVE", defaults.stream_keepalive, zero=True),
        retry_empty_answers=_bool(env, "RETRY_EMPTY_ANSWERS", defaults.retry_empty_answers),
        public_url=_public_url(env, "PUBLIC_URL"),
        native_scope=_choice(env, "NATIVE_API", defaults.native_scope, NATIVE_SCOPES, upper=False),
        responses_state=_choice(env, "RESPONSES_STATE", defaults.responses_state, RESPONSES_STATES, upper=False),
    )
    check_key_modes(settings)
    return settings


def check_key_modes(settings: Settings) -> None:
    """Server-held keys need tokens, and tokens need server-held keys: either half alone is unsafe.

    GEMINI_API_KEY alone would spend the owner's keys for anyone who finds the URL; AUTH_TOKEN alone
    would run in pass-through mode and forward each token to Google as if it were a Gemini key.
    """
    if settings.api_keys and not settings.auth_tokens:
        raise ConfigError(
            "AUTH_TOKEN",
            "GEMINI_API_KEY is set, so this gateway spends its own Gemini keys, but no AUTH_TOKEN is set, "
            "so anyone could use them. Set AUTH_TOKEN to a secret (several, comma-separated) that clients "
            "send as their API key, or remove GEMINI_API_KEY to let clients bring their own Gemini keys.",
        )
    if settings.auth_tokens and not settings.api_keys:
        raise ConfigError(
            "GEMINI_API_KEY",
            "AUTH_TOKEN is set but GEMINI_API_KEY is not: a token only makes sense in front of the gateway's own "
            "Gemini keys, and without them each client's token would be sent to Google as its Gemini key. Set "
            "GEMINI_API_KEY to your Gemini key(s), or remove AUTH_TOKEN to let clients bring their own keys.",
        )


def is_header_safe(key: str) -> bool:
    """Whether a Gemini key can travel in the `x-goog-api-key` header: visible ASCII, no spaces."""
    # Printable ASCII is U+0020-U+007E; without the space, "!" to "~" (string methods: C speed, per request).
    return key.isascii() and key.isprintable() and " " not in key


def _raw(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _csv(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    value = _raw(env, name)
    if value is None:
        return ()
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    keys = _csv(env, name)
    for position, key in enumerate(keys, 1):
        if not is_header_safe(key):
            raise ConfigError(name, f"key number {position} contains characters an HTTP header cannot carry; check what was pasted.")
    return keys


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = _raw(env, name)
    if value is None:
        return default
    if not value.startswith(("http://", "https://")) or len(value.split("//", 1)[1].strip("/")) == 0:
        raise ConfigError(name, f"must be an http(s) URL such as {DEFAULT_BASE_URL}.")
    return value.rstrip("/")


def _model(env: Mapping[str, str], name: str, default: str) -> str:
    value = _raw(env, name)
    if value is None:
        return default
    value = value[len("models/"):] if value.startswith("models/") else value
    _check_options(name, value)
    return value


def _check_options(name: str, model: str) -> None:
    """A model name's `:options` (core/models.py) must be search, an effort or a budget."""
    for option in model.split(":")[1:]:
        if not _NAME_OPTION.fullmatch(option.strip()):
            raise ConfigError(name, f"{model!r}: option {option!r} is not search, one of {', '.join(_EFFORTS)} or a budget.")


def _effort(env: Mapping[str, str], name: str) -> str | int | None:
    """`none`…`xhigh`, or a thinking budget in tokens."""
    value = _raw(env, name)
    if value is None:
        return None
    value = value.lower()
    if value in _EFFORTS:
        return value
    if value.isdigit() and int(value) <= 1_000_000:
        return int(value)
    raise ConfigError(name, f"must be one of {', '.join(_EFFORTS)} or a thinking budget in tokens, got {value!r}.")


def _aliases(env: Mapping[str, str], name: str) -> dict[str, str]:
    """`gpt-4o=gemini-3.1-pro-preview,fast=gemini-3.8-flash:low`, or the same as a JSON object."""
    value = _raw(env, name)
    if value is None:
        return {}
    if value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise ConfigError(name, f"is not valid JSON ({exc}).") from None
        if not isinstance(parsed, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()):
            raise ConfigError(name, "must map model names to model names (strings).")
        aliases = {k.strip(): v.strip() for k, v in parsed.items()}
        for target in aliases.values():
            _check_options(name, target)
        return aliases
    aliases = {}
    for item in value.split(","):
        if not item.strip():
            continue
        alias, sep, target = item.partition("=")
        if not sep or not alias.strip() or not target.strip():
            raise ConfigError(name, f"expected 'alias=model' pairs separated by commas, got {item.strip()!r}.")
        aliases[alias.strip()] = target.strip()
        _check_options(name, target.strip())
    return aliases


def _seconds(env: Mapping[str, str], name: str, default: float, *, zero: bool = False) -> float:
    value = _raw(env, name)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(name, f"must be a number of seconds, got {value!r}.") from None
    if zero and seconds == 0:
        return 0.0
    if not seconds > 0 or seconds == float("inf"):
        kind = "zero or a positive" if zero else "a positive"
        raise ConfigError(name, f"must be {kind} number of seconds, got {value!r}.")
    return seconds


def _public_url(env: Mapping[str, str], name: str) -> str | None:
    """`https://gateway.example.com`: the origin clients reach this gateway at (scheme, host, port; no path)."""
    value = _raw(env, name)
    if value is None:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise ConfigError(name, f"must be an origin such as https://gateway.example.com (no path), got {value!r}.")
    return f"{parts.scheme}://{parts.netloc}"


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _raw(env, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(name, f"must be a whole number, got {value!r}.") from None
    if number <= 0:
        raise ConfigError(name, f"must be positive, got {value!r}.")
    return number


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = _raw(env, name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ConfigError(name, f"must be true or false, got {value!r}.")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...], *, upper: bool) -> str:
    value = _raw(env, name)
    if value is None:
        return default
    value = value.upper() if upper else value.lower()
    if value not in choices:
        raise ConfigError(name, f"must be one of {', '.join(choices)}, got {value!r}.")
    return value
