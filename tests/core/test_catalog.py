"""/models ↔ models.list / models.get, driven through the exchange a shell runs."""

from __future__ import annotations

import pytest

from core.config import Settings
from core.endpoints import prepare
from core.errors import InvalidRequestError
from core.exchange import Stamp
from core.routing import Route

GEMINI_MODEL = {
    "name": "models/gemini-2.5-flash", "version": "001", "displayName": "Gemini 2.5 Flash", "description": "Fast.",
    "inputTokenLimit": 1048576, "outputTokenLimit": 65536, "supportedGenerationMethods": ["generateContent", "countTokens"],
    "temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": True,
}
OPENAI_MODEL = {
    "id": "gemini-2.5-flash", "object": "model", "created": 0, "owned_by": "google", "display_name": "Gemini 2.5 Flash",
    "description": "Fast.", "input_token_limit": 1048576, "output_token_limit": 65536,
    "supported_generation_methods": ["generateContent", "countTokens"], "thinking": True, "context_length": 1048576,
}


def test_the_list_follows_every_page():
    exchange = prepare(Route("models"), None, Settings(), Stamp("t", 1))
    [first] = exchange.requests()
    assert (first.method, first.path, first.query) == ("GET", "/v1beta/models", (("pageSize", "1000"),))
    [second] = exchange.feed([{"models": [GEMINI_MODEL], "nextPageToken": "page2"}])
    assert second.query == (("pageSize", "1000"), ("pageToken", "page2"))
    assert exchange.feed([{"models": [{**GEMINI_MODEL, "name": "models/gemma-3-27b-it"}]}]) == []
    result = exchange.result()
    assert result["object"] == "list"
    assert result["data"][0] == OPENAI_MODEL
    assert [m["id"] for m in result["data"]] == ["gemini-2.5-flash", "gemma-3-27b-it"]


def test_paging_stops_even_if_gemini_never_does():
    exchange = prepare(Route("models"), None, Settings(), Stamp("t", 1))
    rounds, requests = 0, exchange.requests()
    while requests:
        rounds += 1
        requests = exchange.feed([{"models": [], "nextPageToken": "again"}])
    assert rounds == 20


def test_retrieve_one():
    exchange = prepare(Route("model", "models/gemini-2.5-flash"), None, Settings(), Stamp("t", 1))
    assert exchange.requests()[0].path == "/v1beta/models/gemini-2.5-flash"
    exchange.feed([GEMINI_MODEL])
    assert exchange.result() == OPENAI_MODEL


@pytest.mark.parametrize("model_id", ["../files", "a/b", "", "gemini 2"])
def test_a_model_id_cannot_change_the_upstream_path(model_id):
    with pytest.raises(InvalidRequestError):
        prepare(Route("model", model_id), None, Settings(), Stamp("t", 1))
