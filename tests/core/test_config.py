"""Settings from a plain mapping; every bad value names its variable."""

from __future__ import annotations

import pytest

from core.config import Settings, settings_from_env
from core.errors import ConfigError


def test_defaults():
    assert settings_from_env({}) == Settings()


def test_every_variable():
    env = {
        "GEMINI_BASE_URL": "http://127.0.0.1:9999/", "GEMINI_API_KEY": " k1, k2,,", "AUTH_TOKEN": "t1",
        "DEFAULT_MODEL": "models/gemini-3.1-pro-preview", "DEFAULT_EMBEDDING_MODEL": "gemini-embedding-2",
        "MODEL_ALIASES": "gpt-4o=gemini-3.1-pro-preview, gpt-4o-mini = gemini-3.8-flash:low:search", "REQUEST_TIMEOUT": "120",
        "DEFAULT_REASONING_EFFORT": "Medium",
        "CONNECT_TIMEOUT": "5", "MAX_BODY_BYTES": "1000", "CORS_ORIGINS": "https://a.example,https://b.example",
        "INCLUDE_THOUGHTS": "off", "SAFETY_THRESHOLD": "block_only_high", "LOG_LEVEL": "DEBUG", "MAX_ATTEMPTS": "5",
        "KEY_COOLDOWN": "60", "UNRELATED": "x", "ANTHROPIC_LARGE_MODEL": "models/gemini-3.1-pro-preview",
        "ANTHROPIC_DEFAULT_MODEL": "gemini-2.5-flash", "ANTHROPIC_SMALL_MODEL": "gemini-2.5-flash-lite",
    }
    assert settings_from_env(env) == Settings(
        gemini_base_url="http://127.0.0.1:9999", api_keys=("k1", "k2"), auth_tokens=("t1",), default_model="gemini-3.1-pro-preview",
        default_embedding_model="gemini-embedding-2",
        model_aliases={"gpt-4o": "gemini-3.1-pro-preview", "gpt-4o-mini": "gemini-3.8-flash:low:search"}, default_reasoning_effort="medium",
        request_timeout=120.0, connect_timeout=5.0, max_body_bytes=1000, cors_origins=("https://a.example", "https://b.example"),
        include_thoughts=False, safety_threshold="BLOCK_ONLY_HIGH", log_level="debug", max_attempts=5, key_cooldown=60.0,
        anthropic_large_model="gemini-3.1-pro-preview", anthropic_default_model="gemini-2.5-flash",
        anthropic_small_model="gemini-2.5-flash-lite",
    )
    assert settings_from_env({"MODEL_ALIASES": '{"a": "gemini-x"}'}).model_aliases == {"a": "gemini-x"}
    assert settings_from_env({"DEFAULT_REASONING_EFFORT": "2048"}).default_reasoning_effort == 2048
    assert settings_from_env({"DEFAULT_MODEL": "gemini-3.8-flash:high"}).default_model == "gemini-3.8-flash:high"


@pytest.mark.parametrize(("variable", "value"), [
    ("GEMINI_BASE_URL", "generativelanguage.googleapis.com"),
    ("GEMINI_BASE_URL", "https://"),
    ("MODEL_ALIASES", "gpt-4o"),
    ("MODEL_ALIASES", '{"a": 1}'),
    ("MODEL_ALIASES", "{broken"),
    ("REQUEST_TIMEOUT", "soon"),
    ("REQUEST_TIMEOUT", "0"),
    ("REQUEST_TIMEOUT", "inf"),
    ("MAX_BODY_BYTES", "20MB"),
    ("MAX_BODY_BYTES", "-1"),
    ("INCLUDE_THOUGHTS", "maybe"),
    ("SAFETY_THRESHOLD", "NONE"),
    ("LOG_LEVEL", "loud"),
    ("MAX_ATTEMPTS", "0"),
    ("GEMINI_API_KEY", "AIzaGood,caf\xe9"),
    ("DEFAULT_REASONING_EFFORT", "max"),
    ("DEFAULT_REASONING_EFFORT", "-1"),
    ("DEFAULT_MODEL", "gemini-3.8-flash:loud"),
    ("MODEL_ALIASES", "fast=gemini-3.8-flash:quick"),
    ("MODEL_ALIASES", '{"fast": "gemini-3.8-flash:quick"}'),
])
def test_a_bad_value_names_its_variable(variable, value):
    with pytest.raises(ConfigError) as caught:
        settings_from_env({variable: value})
    assert caught.value.variable == variable
    assert caught.value.message.startswith(f"{variable}: ")
