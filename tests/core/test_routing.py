"""Routes with and without /v1, CORS, and the landing page."""

from __future__ import annotations

import pytest

from core.config import Settings
from core.errors import MethodNotAllowedError, NotFoundError
from core.routing import Route, cors_headers, landing_page, preflight_headers, route


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("POST", "/v1/chat/completions", Route("chat")),
    ("POST", "/chat/completions", Route("chat")),
    ("POST", "/v1/chat/completions/", Route("chat")),
    ("POST", "/v1/completions", Route("completions")),
    ("POST", "/embeddings", Route("embeddings")),
    ("GET", "/v1/models", Route("models")),
    ("GET", "/models/gemini-2.5-flash", Route("model", "gemini-2.5-flash")),
    ("GET", "/v1/models/models%2Fgemini-2.5-flash", Route("model", "models/gemini-2.5-flash")),
    ("OPTIONS", "/anything/at/all", Route("preflight")),
    ("GET", "/", Route("root")),
    ("HEAD", "/v1", Route("root")),
])
def test_routes(method, path, expected):
    assert route(method, path) == expected


@pytest.mark.parametrize(("method", "path", "error"), [
    ("GET", "/v1/chat/completions", MethodNotAllowedError),
    ("POST", "/v1/models", MethodNotAllowedError),
    ("DELETE", "/v1/models/x", MethodNotAllowedError),
    ("GET", "/v2/models", NotFoundError),
    ("POST", "/v1/images/generations", NotFoundError),
    ("GET", "/favicon.ico", NotFoundError),
])
def test_everything_else_is_an_openai_error(method, path, error):
    with pytest.raises(error) as caught:
        route(method, path)
    assert caught.value.to_dict()["error"]["type"] == "invalid_request_error"


def test_cors():
    expose = ("access-control-expose-headers", "retry-after, x-request-id")
    assert cors_headers("https://app.example", Settings()) == [("access-control-allow-origin", "*"), expose]
    only = Settings(cors_origins=("https://app.example",))
    assert cors_headers("https://app.example", only) == [("access-control-allow-origin", "https://app.example"), ("vary", "Origin"), expose]
    assert cors_headers("https://evil.example", only) == [("vary", "Origin")]
    preflight = dict(preflight_headers("https://app.example", {"access-control-request-headers": "authorization, x-stainless-os"}, Settings()))
    assert preflight["access-control-allow-headers"] == "authorization, x-stainless-os"
    assert "POST" in preflight["access-control-allow-methods"]


def test_the_landing_page_tells_how_to_connect():
    assert "/v1" in landing_page(Settings()) and "your own Gemini API key" in landing_page(Settings())
    assert "AUTH_TOKEN" in landing_page(Settings(api_keys=("k",), auth_tokens=("t",)))
