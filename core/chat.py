"""OpenAI chat completion requests → Gemini `generateContent` requests."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from .config import Settings
from .errors import InvalidRequestError
from .fields import get_bool, get_dict, get_int, get_list, get_str, require_dict
from .generation import generation_config_from_openai
from .lineup import is_image_model
from .messages import messages_to_gemini
from .models import resolve_chat_model
from .thinking import google_thinking_paths
from .tools import tool_setup
from .upstream import UpstreamRequest, generate_request

__all__ = ["ChatPlan", "chat_request_to_gemini", "explicit_paths", "google_extras", "safety_settings"]

# The categories the Gemini API lets callers adjust (https://ai.google.dev/gemini-api/docs/safety-settings).
# HARM_CATEGORY_CIVIC_INTEGRITY is deprecated and left out.
HARM_CATEGORIES = (
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
)
# `extra_body.google` keys → the Gemini body path each sets (thinking_config: google_thinking_paths).
_GOOGLE_PATHS = (
    (("safety_settings", "safetySettings"), "safetySettings"),
    (("cached_content", "cachedContent"), "cachedContent"),
    (("media_resolution",), "generationConfig.mediaResolution"),
)
# OpenAI service tiers that have a Gemini counterpart; "auto" and "default" send nothing.
_SERVICE_TIERS = {"flex": "flex", "priority": "priority"}


class ChatPlan(NamedTuple):
    """A translated chat request: the Gemini call, and what the response translation needs to know."""

    model: str
    body: dict[str, Any]
    stream: bool = False
    include_usage: bool = False
    n: int = 1
    # Dotted paths in `body` the client set in Google's own terms (`extra_body.google`): a Gemini 400
    # about one of them is the client's, never corrected (core/fitting.py).
    explicit: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()  # what the translation left out, for the request's log line

    def upstream(self) -> list[UpstreamRequest]:
        return [generate_request(self.model, self.body, stream=self.stream)]


def chat_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> ChatPlan:
    """Translate an OpenAI `/chat/completions` request body into a Gemini request."""
    body = require_dict(body, "body")
    model = resolve_chat_model(get_str(body, "model"), settings)
    google = google_extras(body)
    messages = get_list(body, "messages", required=True)
    setup = tool_setup(body, model.name, search=model.search)
    # Server-side tool parts go back only where Gemini was asked for them (the combination flag).
    combined = bool(setup.tool_config and setup.tool_config.get("includeServerSideToolInvocations"))
    system, contents = messages_to_gemini(messages, model.name, server_tools=combined)

    gemini: dict[str, Any] = {"contents": contents}
    if system:
        gemini["systemInstruction"] = system
    if setup.tools:
        gemini["tools"] = setup.tools
    if setup.tool_config:
        gemini["toolConfig"] = setup.tool_config
    safety = safety_settings(google, settings)
    if safety:
        gemini["safetySettings"] = safety
    config = generation_config_from_openai(
        body, google, model.name, settings.include_thoughts, preset=model.effort, default=settings.default_reasoning_effort
    )
    if is_image_model(model.name) and "responseModalities" not in (config or {}):
        config = {**(config or {}), "responseModalities": ["TEXT", "IMAGE"]}  # the pictures are the point
    if config:
        gemini["generationConfig"] = config
    cached = _cached_content(google)
    if cached:
        gemini["cachedContent"] = cached
    tier = get_str(body, "service_tier")
    if tier in _SERVICE_TIERS:
        gemini["serviceTier"] = _SERVICE_TIERS[tier]
    get_bool(body, "parallel_tool_calls")  # accepted; Gemini has no switch for it

    stream = bool(get_bool(body, "stream"))
    options = get_dict(body, "stream_options") or {}
    include_usage = bool(get_bool(options, "include_usage", "stream_options"))
    n = get_int(body, "n") or 1
    return ChatPlan(model.name, gemini, stream, include_usage, n, explicit_paths(google), setup.notes)


def google_extras(body: Mapping[str, Any]) -> dict[str, Any]:
    """Google's `extra_body.google` object, nested under `extra_body` or (flattened by the SDK) at the top."""
    merged: dict[str, Any] = {}
    if "extra_body" not in body and "google" not in body:
        return merged
    extra = get_dict(body, "extra_body")
    if extra is not None:
        merged.update(get_dict(extra, "google", "extra_body") or {})
    merged.update(get_dict(body, "google") or {})
    return merged


def explicit_paths(google: Mapping[str, Any]) -> frozenset[str]:
    """The Gemini body paths `extra_body.google` set: the client's own choices, never corrected."""
    if not google:
        return frozenset()
    paths = set(google_thinking_paths(google))
    for keys, path in _GOOGLE_PATHS:
        if any(google.get(key) is not None for key in keys):
            paths.add(path)
    return frozenset(paths)


def safety_settings(google: Mapping[str, Any], settings: Settings) -> list[dict[str, str]]:
    """The client's `safety_settings` if given, else every adjustable category at the configured threshold."""
    if not google:  # most requests: no extra_body.google to look into
        return list(_default_safety(settings.safety_threshold))
    given = get_list(google, "safety_settings", "extra_body.google")
    if given is None:
        given = get_list(google, "safetySettings", "extra_body.google")
    if given is not None:
        return [_safety_setting(item, index) for index, item in enumerate(given)]
    return list(_default_safety(settings.safety_threshold))


@cache
def _default_safety(threshold: str) -> tuple[dict[str, str], ...]:
    """Every adjustable category at `threshold` (`DEFAULT`: none, Gemini's own). Built once, never changed."""
    if threshold == "DEFAULT":
        return ()
    return tuple({"category": category, "threshold": threshold} for category in HARM_CATEGORIES)


def _safety_setting(item: Any, index: int) -> dict[str, str]:
    param = f"extra_body.google.safety_settings[{index}]"
    item = require_dict(item, param)
    category = get_str(item, "category", param, required=True)
    threshold = get_str(item, "threshold", param, required=True)
    return {"category": category, "threshold": threshold}


def _cached_content(google: Mapping[str, Any]) -> str | None:
    if not google:
        return None
    name = get_str(google, "cached_content", "extra_body.google") or get_str(google, "cachedContent", "extra_body.google")
    if not name:
        return None
    if "/" in name and not name.startswith("cachedContents/"):
        raise InvalidRequestError(
            "'extra_body.google.cached_content' must name a cache as cachedContents/<id>.",
            param="extra_body.google.cached_content",
            code="invalid_value",
        )
    return name if name.startswith("cachedContents/") else f"cachedContents/{name}"
