"""`GET /v1/codex/models`: Gemini's models.list as the catalog Codex CLI reads (core/codex_catalog.py)."""

from __future__ import annotations

from core.codex_catalog import BASE_INSTRUCTIONS, CodexCatalogExchange
from core.config import Settings
from core.endpoints import prepare
from core.exchange import Stamp
from core.routing import Route, route
from tests.fakes.gemini import MODELS

# The keys Codex 0.169.0 fails to decode a catalog entry without (found against the real binary).
REQUIRED = {"slug", "display_name", "support_verbosity", "truncation_policy", "supported_reasoning_levels", "shell_type",
            "visibility", "supported_in_api", "priority", "experimental_supported_tools", "base_instructions"}
IMAGE_AND_TTS = [{"name": "models/gemini-3-pro-image", "supportedGenerationMethods": ["generateContent"]},
                 {"name": "models/gemini-3.8-flash-tts", "supportedGenerationMethods": ["generateContent"]}]


def catalog(pages: list[dict]) -> dict:
    exchange = prepare(route("GET", "/v1/codex/models", {}), None, Settings(), Stamp("t", 1))
    assert isinstance(exchange, CodexCatalogExchange)
    requests = exchange.requests()
    for page in pages:
        assert requests and requests[0].path == "/v1beta/models"
        requests = exchange.feed([page])
    assert requests == []
    return exchange.result()


def test_the_route():
    assert route("GET", "/v1/codex/models", {}) == Route("codex_models")
    assert route("GET", "/codex/models", {}) == Route("codex_models")


def test_every_chat_model_with_what_codex_needs_to_send_its_tools():
    models = catalog([{"models": MODELS + IMAGE_AND_TTS}])["models"]
    # the retired names (gemini-2.5-flash, gemini-2.5-pro) are left out: their successors are in the list
    assert [m["slug"] for m in models] == ["gemini-3.8-flash", "gemini-3.5-flash-lite", "gemini-3.1-pro-preview", "gemini-flash-latest"]
    for model in models:
        assert set(model) >= REQUIRED
        assert model["apply_patch_tool_type"] == "freeform" and model["supports_search_tool"] is True
        assert model["base_instructions"] == BASE_INSTRUCTIONS and "*** Begin Patch" in BASE_INSTRUCTIONS
        assert model["context_window"] == 1048576
    by_slug = {m["slug"]: m for m in models}
    assert [level["effort"] for level in by_slug["gemini-3.8-flash"]["supported_reasoning_levels"]] == ["low", "medium", "high"]
    lite = by_slug["gemini-3.5-flash-lite"]["supported_reasoning_levels"]
    assert [level["effort"] for level in lite] == ["minimal", "low", "medium", "high"]
    assert by_slug["gemini-3.8-flash"]["default_reasoning_level"] == "medium"


def test_every_page_is_read():
    first = {"models": MODELS[:3], "nextPageToken": "p2"}
    assert [m["slug"] for m in catalog([first, {"models": MODELS[3:5]}])["models"]] == [
        "gemini-3.8-flash", "gemini-3.5-flash-lite", "gemini-3.1-pro-preview"]
