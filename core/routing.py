"""Which endpoint a request is for, and the CORS headers every answer carries."""

from __future__ import annotations

from typing import Mapping, NamedTuple
from urllib.parse import unquote

from .config import Settings
from .errors import MethodNotAllowedError, NotFoundError

__all__ = ["Route", "cors_headers", "landing_page", "preflight_headers", "route"]


class Route(NamedTuple):
    """`name` is one of chat, completions, embeddings, models, model, root, preflight."""

    name: str
    model_id: str | None = None


# Path (without any /v1 prefix) → (route name, method).
_ROUTES = {
    "/chat/completions": ("chat", "POST"),
    "/completions": ("completions", "POST"),
    "/embeddings": ("embeddings", "POST"),
    "/models": ("models", "GET"),
}
_ALLOWED_METHODS = "GET, POST, OPTIONS"
# Browser clients may read these: when to retry after a 429, and which log line is theirs.
_EXPOSE = ("access-control-expose-headers", "retry-after, x-request-id")


def route(method: str, path: str) -> Route:
    """Route a request; clients differ in whether they put `/v1` before the endpoint path."""
    method = method.upper()
    if method == "OPTIONS":
        return Route("preflight")
    if path.startswith("/v1/") or path == "/v1":
        path = path[3:]
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    if path in ("", "/"):
        if method in ("GET", "HEAD"):
            return Route("root")
        raise MethodNotAllowedError(method, "/", "GET")
    if path.startswith("/models/") and len(path) > len("/models/"):
        if method != "GET":
            raise MethodNotAllowedError(method, path, "GET")
        return Route("model", unquote(path[len("/models/"):]))
    name, allowed = _ROUTES.get(path, (None, None))
    if name is None:
        raise NotFoundError(f"Unknown endpoint {path[:100]!r}. This gateway serves /v1/chat/completions, "
                            "/v1/completions, /v1/embeddings and /v1/models.", code="unknown_url")
    if method != allowed:
        raise MethodNotAllowedError(method, path, allowed)
    return Route(name)


def cors_headers(origin: str | None, settings: Settings) -> list[tuple[str, str]]:
    """`Access-Control-Allow-Origin` for an answer to a request from `origin`."""
    allowed = settings.cors_origins
    if "*" in allowed:
        return [("access-control-allow-origin", "*"), _EXPOSE]
    if origin and origin in allowed:
        return [("access-control-allow-origin", origin), ("vary", "Origin"), _EXPOSE]
    return [("vary", "Origin")]


def preflight_headers(origin: str | None, headers: Mapping[str, str], settings: Settings) -> list[tuple[str, str]]:
    """The answer to a CORS preflight: the methods we serve and the headers the browser asked about."""
    requested = headers.get("access-control-request-headers")
    return cors_headers(origin, settings) + [
        ("access-control-allow-methods", _ALLOWED_METHODS),
        ("access-control-allow-headers", requested or "Authorization, Content-Type, x-goog-api-key"),
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
        f"Models:    any Gemini model name (GET /v1/models); other names use {settings.default_model}\n"
        "Endpoints: POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, GET /v1/models\n"
    )
