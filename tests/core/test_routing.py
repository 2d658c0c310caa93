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
    ("POST", "/v1/images/generations", Route("images")),
    ("POST", "/images/edits", Route("image_edits")),
    ("POST", "/v1/audio/speech", Route("speech")),
    ("POST", "/v1/audio/transcriptions", Route("transcriptions")),
    ("POST", "/v1/audio/translations", Route("translations")),
    # Gemini's own API: all of /v1beta, the Files API's uploads, and /v1 paths OpenAI never uses.
    ("POST", "/v1beta/models/gemini-2.5-flash:generateContent", Route("native", path="/v1beta/models/gemini-2.5-flash:generateContent")),
    ("GET", "/v1beta/models", Route("native", path="/v1beta/models")),
    ("DELETE", "/v1beta/files/abc", Route("native", path="/v1beta/files/abc")),
    ("POST", "/upload/v1beta/files", Route("native", path="/upload/v1beta/files")),
    ("POST", "/v1/models/gemini-2.5-flash:streamGenerateContent",
     Route("native", path="/v1/models/gemini-2.5-flash:streamGenerateContent")),
    ("GET", "/v1/files/abc", Route("native", path="/v1/files/abc")),
])
def test_routes(method, path, expected):
    assert route(method, path) == expected


def test_a_google_sdk_gets_the_native_v1_api_where_an_openai_client_gets_openai_s():
    google = {"x-goog-api-client": "google-genai-sdk/3.4.0 gl-python/3.11"}
    assert route("GET", "/v1/models", google) == Route("native", path="/v1/models")
    assert route("GET", "/v1/models", {"user-agent": "OpenAI/Python 3.54"}) == Route("models")
    assert route("GET", "/v1/models/gemini-2.5-flash", {}) == Route("model", "gemini-2.5-flash")


def test_anthropic_s_messages_api_and_its_model_list():
    anthropic = {"anthropic-version": "2023-06-01"}
    assert route("POST", "/v1/messages", anthropic) == route("POST", "/messages") == Route("messages")
    assert route("POST", "/v1/messages/count_tokens") == Route("count_tokens")
    assert route("GET", "/v1/models", anthropic) == Route("anthropic_models")
    assert route("GET", "/v1/models/claude-opus-5-5", anthropic) == Route("anthropic_model", "claude-opus-5-5")
    assert route("POST", "/v1/messages/batches", anthropic) == Route("messages_unknown", path="/messages/batches")
    with pytest.raises(MethodNotAllowedError):
        route("GET", "/v1/messages", anthropic)


def test_each_route_s_dialect_sets_its_error_envelope():
    assert [Route(name).dialect for name in ("chat", "native", "messages", "count_tokens", "anthropic_models",
                                             "messages_unknown", "models")] == [
        "openai", "google", "anthropic", "anthropic", "anthropic", "anthropic", "openai"]


def test_the_body_each_route_reads():
    assert Route("messages").body == "json" and Route("count_tokens").body == "json"
    assert Route("chat").body == "json" and Route("speech").body == "json"
    assert Route("image_edits").body == "form" and Route("transcriptions").body == "form"
    assert Route("native").body == "raw" and Route("models").body is None


@pytest.mark.parametrize(("method", "path", "error"), [
    ("GET", "/v1/chat/completions", MethodNotAllowedError),
    ("POST", "/v1/models", MethodNotAllowedError),
    ("DELETE", "/v1/models/x", MethodNotAllowedError),
    ("GET", "/v2/models", NotFoundError),
    ("GET", "/v1/images/generations", MethodNotAllowedError),
    ("PUT", "/v1beta/models", MethodNotAllowedError),
    ("POST", "/v1/images/variations", NotFoundError),
    ("GET", "/favicon.ico", NotFoundError),
])
def test_everything_else_is_an_openai_error(method, path, error):
    with pytest.raises(error) as caught:
        route(method, path)
    assert caught.value.to_dict()["error"]["type"] == "invalid_request_error"


def test_cors():
    expose = ("access-control-expose-headers", "retry-after, x-request-id, x-goog-upload-url, x-goog-upload-status")
    assert cors_headers("https://app.example", Settings()) == (("access-control-allow-origin", "*"), expose)
    only = Settings(cors_origins=("https://app.example",))
    assert cors_headers("https://app.example", only) == (("access-control-allow-origin", "https://app.example"), ("vary", "Origin"), expose)
    assert cors_headers("https://evil.example", only) == (("vary", "Origin"),)
    asked = {"access-control-request-headers": "authorization, x-stainless-os"}
    preflight = dict(preflight_headers("https://app.example", asked, Settings()))
    assert preflight["access-control-allow-headers"] == "authorization, x-stainless-os"
    assert "POST" in preflight["access-control-allow-methods"]


def test_the_landing_page_tells_how_to_connect():
    assert "/v1" in landing_page(Settings()) and "your own Gemini API key" in landing_page(Settings())
    assert "AUTH_TOKEN" in landing_page(Settings(api_keys=("k",), auth_tokens=("t",)))
