"""Which endpoint a request is for, and the CORS headers every answer carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote

from .config import Settings
from .errors import MethodNotAllowedError, NotFoundError

__all__ = ["Route", "cors_headers", "landing_page", "preflight_headers", "route"]


class Route(NamedTuple):
    """`name`: chat, responses, completions, embeddings, models, codex_models, model, images, image_edits, speech,
    transcriptions, translations, gateway_keys, gateway_keys_check, native, root or preflight; for
    Anthropic's Messages API messages, count_tokens, anthropic_models, anthropic_model or
    messages_unknown (a path under /messages this gateway does not serve); for a stored response
    (core/stateful.py) response, response_delete, response_cancel or response_input_items. `model_id` is the model a
    `model` or `anthropic_model` route names; `path` is the Gemini path a `native` route forwards to,
    or the unknown Messages API path."""

    name: str
    model_id: str | None = None
    path: str = ""
    response_id: str | None = None  # the stored response a `response*` route is about
    query: tuple[tuple[str, str], ...] = ()  # a `response*` route's query (stream, starting_after, ...)

    @property
    def body(self) -> str | None:
        """What the request body is: `"json"`, `"form"` (multipart/form-data), `"raw"` (native: bytes
        forwarded as they are) or None (no body is read)."""
        return _BODIES.get(self.name)

    @property
    def dialect(self) -> str:
        """Which API the client speaks, for the format of its errors: "openai", "google" or "anthropic"."""
        return "google" if self.name == "native" else "anthropic" if self.name in _ANTHROPIC_ROUTES else "openai"


# Path (without any /v1 prefix) → (route name, method).
_ROUTES = {
    "/chat/completions": ("chat", "POST"),
    "/responses": ("responses", "POST"),
    "/completions": ("completions", "POST"),
    "/embeddings": ("embeddings", "POST"),
    "/models": ("models", "GET"),
    "/codex/models": ("codex_models", "GET"),  # Codex CLI's model_catalog_url (core/codex_catalog.py)
    # The key pool as this instance knows it, for AUTH_TOKEN holders (the landing page's panel; core/call.py).
    "/gateway/keys": ("gateway_keys", "GET"),
    "/gateway/keys/check": ("gateway_keys_check", "POST"),
    "/images/generations": ("images", "POST"),
    "/images/edits": ("image_edits", "POST"),
    "/audio/speech": ("speech", "POST"),
    "/audio/transcriptions": ("transcriptions", "POST"),
    "/audio/translations": ("translations", "POST"),
    "/messages": ("messages", "POST"),
    "/messages/count_tokens": ("count_tokens", "POST"),
}
_BODIES = {
    "chat": "json", "responses": "json", "completions": "json", "embeddings": "json", "images": "json", "speech": "json",
    "image_edits": "form", "transcriptions": "form", "translations": "form", "native": "raw",
    "messages": "json", "count_tokens": "json",
}
_ANTHROPIC_ROUTES = frozenset({"messages", "count_tokens", "anthropic_models", "anthropic_model", "messages_unknown"})
# /responses/{id}[/<what>] → {method: route name} (a stored response, core/stateful.py).
_RESPONSE_ROUTES = {
    "": {"GET": "response", "DELETE": "response_delete"},
    "cancel": {"POST": "response_cancel"},
    "input_items": {"GET": "response_input_items"},
}
# OpenAI's other /responses/<name> endpoints, which need OpenAI's own machinery.
_RESPONSE_UNSERVED = frozenset({"compact", "input_tokens"})
_ENDPOINTS = ", ".join(f"/v1{path}" for path in _ROUTES)
# Gemini's own API, forwarded: everything under /v1beta and the Files API's uploads; under /v1, what
# cannot be an OpenAI request (see `_is_native_v1`).
_NATIVE_PREFIXES = ("/v1beta/", "/upload/v1beta/", "/upload/v1/")
_NATIVE_METHODS = frozenset({"GET", "POST", "PATCH", "DELETE"})
_ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
_ALLOWED_HEADERS = ("Authorization, Content-Type, x-goog-api-key, x-goog-api-client, x-goog-upload-protocol, "
                    "x-goog-upload-command, x-goog-upload-offset, x-goog-upload-header-content-length, "
                    "x-goog-upload-header-content-type, x-api-key, anthropic-version, anthropic-beta, "
                    "anthropic-dangerous-direct-browser-access")
# Browser clients may read these: when to retry after a 429, which log line is theirs, and where the
# Files API's resumable upload continues.
_EXPOSE = ("access-control-expose-headers", "retry-after, x-request-id, x-goog-upload-url, x-goog-upload-status")


def route(method: str, path: str, headers: Mapping[str, str] | None = None, query: str = "") -> Route:
    """Route a request; clients differ in whether they put `/v1` before the endpoint path.

    `headers` (lower-case names) tell a Google SDK's `GET /v1/models` (Gemini's stable API, which
    google-genai 3 calls by default) from an OpenAI client's: only Google's SDKs send `x-goog-api-client`,
    and only Anthropic's clients `anthropic-version` (then the model list is in Anthropic's shape).
    """
    method = method.upper()
    known = _FAST.get((method, path))
    if known is not None and (headers is None or ("x-goog-api-client" not in headers and "anthropic-version" not in headers)):
        return known  # the routes every request of a client asks for, looked up at once
    if method == "OPTIONS":
        return Route("preflight")
    if path.startswith(_NATIVE_PREFIXES) or _is_native_v1(path, headers or {}):
        if method not in _NATIVE_METHODS:
            raise MethodNotAllowedError(method, path[:100], "GET, POST, PATCH or DELETE")
        return Route("native", path=path)
    if path.startswith("/v1/") or path == "/v1":
        path = path[3:]
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    if path in ("", "/"):
        if method in ("GET", "HEAD"):
            return Route("root")
        raise MethodNotAllowedError(method, "/", "GET")
    anthropic = "anthropic-version" in (headers or {})
    if path.startswith("/responses/") and len(path) > len("/responses/"):
        return _response_route(method, path, query)
    if path.startswith("/models/") and len(path) > len("/models/"):
        if method != "GET":
            raise MethodNotAllowedError(method, path, "GET")
        return Route("anthropic_model" if anthropic else "model", unquote(path[len("/models/"):]))
    served = _ROUTES.get(path)
    if served is None and path.startswith("/messages/"):
        return Route("messages_unknown", path=path[:100])  # Anthropic's batches and the like: its own 404
    if served is None:
        raise NotFoundError(f"Unknown endpoint {path[:100]!r}. This gateway serves {_ENDPOINTS}, and Gemini's own "
                            "API under /v1beta.", code="unknown_url")
    name, allowed = served
    if name == "models" and anthropic:
        name = "anthropic_models"
    if method != allowed:
        raise MethodNotAllowedError(method, path, allowed)
    return Route(name)


def _response_route(method: str, path: str, query: str) -> Route:
    """`/responses/{id}`, `/responses/{id}/cancel`, `/responses/{id}/input_items`."""
    response_id, _, what = path[len("/responses/"):].partition("/")
    if response_id in _RESPONSE_UNSERVED and not what:
        raise NotFoundError(f"This gateway does not serve /v1/responses/{response_id}: it needs OpenAI's own service.",
                            code="unknown_url")
    methods = _RESPONSE_ROUTES.get(what)
    if methods is None:
        raise NotFoundError(f"Unknown endpoint {path[:100]!r}. A stored response has /v1/responses/{{id}}, "
                            "/v1/responses/{id}/cancel and /v1/responses/{id}/input_items.", code="unknown_url")
    if method not in methods:
        raise MethodNotAllowedError(method, path[:100], " or ".join(methods))
    return Route(methods[method], response_id=response_id, query=tuple(parse_qsl(query)))


# (method, path) → its Route, for the API routes under /v1 and without it, when the request carries neither
# Google's SDK header (a /v1 path may then be Gemini's own API) nor Anthropic's (the model list's shape).
_FAST = {(method, prefix + path): Route(name) for path, (name, method) in _ROUTES.items() for prefix in ("/v1", "")}


def _is_native_v1(path: str, headers: Mapping[str, str]) -> bool:
    """Gemini's stable API under /v1: a model method (`/v1/models/{model}:generateContent`: OpenAI's
    model paths never hold a colon), Gemini-only collections, or any path a Google SDK calls."""
    if path.startswith("/v1/models/") and ":" in path[len("/v1/models/"):]:
        return True
    if path.startswith(("/upload/v1/", "/v1/files", "/v1/cachedContents", "/v1/tunedModels", "/v1/operations")):
        return True
    return path.startswith("/v1/") and "x-goog-api-client" in headers


_ANY_ORIGIN = (("access-control-allow-origin", "*"), _EXPOSE)
_VARY = (("vary", "Origin"),)

def cors_headers(origin: str | None, settings: Settings) -> tuple[tuple[str, str], ...]:
    """`Access-Control-Allow-Origin` for an answer to a request from `origin`."""
    allowed = settings.cors_origins
    if "*" in allowed:
        return _ANY_ORIGIN
    if origin and origin in allowed:
        return (("access-control-allow-origin", origin), ("vary", "Origin"), _EXPOSE)
    return _VARY


def preflight_headers(origin: str | None, headers: Mapping[str, str], settings: Settings) -> list[tuple[str, str]]:
    """The answer to a CORS preflight: the methods we serve and the headers the browser asked about."""
    requested = headers.get("access-control-request-headers")
    return [
        *cors_headers(origin, settings),
        ("access-control-allow-methods", _ALLOWED_METHODS),
        ("access-control-allow-headers", requested or _ALLOWED_HEADERS),
        ("access-control-max-age", "86400"),
    ]


def landing_page(settings: Settings) -> str:
    """The plain-text page `GET /` answers: the gateway runs, and how to point a client at it."""
    mode = (
        "server-held Gemini keys: send one of the deployment's AUTH_TOKEN values as the API key"
        if settings.server_keys
        else "pass-through: send your own Gemini API key as the API key"
    )
    return (
        "Gemini OpenAI-compatible gateway: running.\n\n"
        "API base:  <this URL>/v1\n"
        f"API key:   {mode}\n"
        "Models:    any Gemini model (GET /v1/models): gemini-3.8-flash, gemini-3.5-flash-lite,\n"
        f"           gemini-3.1-pro-preview, ...; other names use {settings.default_model}\n"
        "Options:   a thinking effort (none ... high) or budget, and :search, after the name:\n"
        "           gemini-3.8-flash:high, gemini-3.8-flash:low:search, gemini-2.5-flash-lite:2048\n"
        "Endpoints: POST /v1/chat/completions, /v1/responses, /v1/completions, /v1/embeddings,\n"
        "           /v1/images/generations, /v1/images/edits, /v1/audio/speech, /v1/audio/transcriptions,\n"
        "           /v1/audio/translations; GET /v1/models, /v1/codex/models (Codex CLI's model_catalog_url)\n"
        "Stored:    /v1/responses with store: true, previous_response_id or background: true is kept by\n"
        "           Gemini's Interactions API: GET|DELETE /v1/responses/{id}, POST /v1/responses/{id}/cancel\n"
        "Anthropic: POST /v1/messages, /v1/messages/count_tokens (Claude Code: ANTHROPIC_BASE_URL=<this URL>)\n"
        "Gemini:    Gemini's own API under <this URL>/v1beta (e.g. the google-genai SDK's base_url: <this URL>)\n"
    )
