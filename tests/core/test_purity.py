"""The core stays pure: standard library only, no I/O, no clock, no randomness, no mutated inputs."""

from __future__ import annotations

import ast
import copy
import sys
from pathlib import Path

import pytest

from core.catalog import model_from_gemini, models_page
from core.chat import chat_request_to_gemini
from core.chat_response import chat_response_from_gemini
from core.completions import completion_request_to_gemini, completion_response_from_gemini
from core.config import Settings, settings_from_env
from core.embeddings import embeddings_request_to_gemini, embeddings_response_from_gemini
from core.errors import error_from_gemini
from core.schema import to_gemini_json_schema, to_gemini_openapi_schema

from .conftest import FIXTURES, fixture_json
from .test_schema import PYDANTIC

CORE = Path(__file__).resolve().parents[2] / "core"
# Modules that reach outside the process, read the clock or draw random numbers.
FORBIDDEN = {
    "asyncio", "datetime", "http", "io", "logging", "os", "pathlib", "random", "secrets", "select", "selectors",
    "shutil", "signal", "socket", "socketserver", "ssl", "subprocess", "sys", "tempfile", "threading", "time",
    "urllib.request", "uuid", "mimetypes", "platform", "multiprocessing", "ctypes",
}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_pure_standard_library_modules(path):
    for name in imports_of(path):
        root = name.split(".")[0]
        assert root == "__future__" or root in sys.stdlib_module_names, f"{path.name} imports {name}, not standard library"
        assert root not in FORBIDDEN and name not in FORBIDDEN, f"{path.name} imports {name}, which does I/O or is non-deterministic"


RICH_CHAT = {
    "model": "gemini-3.1-pro-preview",
    "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "hi"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
        {"role": "assistant", "content": "ok", "extra_content": {"google": {"thought_signature": "T"}},
         "tool_calls": [{"id": "call_1__thought__S", "type": "function", "function": {"name": "f", "arguments": '{"a": [1, {"b": 2}]}'}},
                        {"id": "fc-2", "type": "function", "function": {"name": "g", "arguments": {"x": 1}}}]},
        {"role": "tool", "tool_call_id": "fc-2", "content": {"r": [1]}},
        {"role": "tool", "tool_call_id": "call_1__thought__S", "content": '{"ok": true}'},
    ],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": PYDANTIC}}, {"googleSearch": {"x": 1}}],
    "tool_choice": {"type": "function", "function": {"name": "f"}},
    "response_format": {"type": "json_schema", "json_schema": {"schema": PYDANTIC}},
    "extra_body": {"google": {"thinking_config": {"thinking_level": "low"}, "safety_settings": [{"category": "C", "threshold": "T"}]}},
    "stop": ["x"], "reasoning_effort": "low", "stream": True, "stream_options": {"include_usage": True},
}


def assert_unchanged(function, *args, **kwargs):
    # Settings cannot change at all (an immutable tuple holding an immutable mapping): leave them out.
    inputs = ([a for a in args if not isinstance(a, Settings)], kwargs)
    before = copy.deepcopy(inputs)
    function(*args, **kwargs)
    assert inputs == before, f"{function.__name__} mutated its input"


def test_settings_cannot_be_changed():
    settings = settings_from_env({"MODEL_ALIASES": "a=gemini-x"})
    with pytest.raises(AttributeError):
        settings.default_model = "other"
    with pytest.raises(TypeError):
        settings.model_aliases["b"] = "gemini-y"


def test_request_mappers_never_mutate_their_input():
    settings = Settings()
    assert_unchanged(chat_request_to_gemini, RICH_CHAT, settings)
    assert_unchanged(chat_request_to_gemini, {**RICH_CHAT, "model": "gemma-3-27b-it"}, settings)
    assert_unchanged(completion_request_to_gemini, {"prompt": ["a", "b"], "logprobs": 2, "stop": "x"}, settings)
    assert_unchanged(embeddings_request_to_gemini, {"input": ["a"] * 150, "dimensions": 128, "task_type": "clustering"}, settings)
    assert_unchanged(to_gemini_json_schema, PYDANTIC, "p")
    assert_unchanged(to_gemini_openapi_schema, PYDANTIC, "p")
    assert_unchanged(settings_from_env, {"MODEL_ALIASES": '{"a": "b"}', "GEMINI_API_KEY": "k1,k2", "AUTH_TOKEN": "t"})


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.json")))
def test_response_mappers_never_mutate_their_input(name):
    data = fixture_json(f"{name}.json")
    plan = chat_request_to_gemini({"messages": [{"role": "user", "content": "x"}], "n": 2}, Settings())
    assert_unchanged(chat_response_from_gemini, data, plan, completion_id="chatcmpl-x", created=1)
    completion = completion_request_to_gemini({"prompt": "x", "logprobs": 1, "n": 2}, Settings())
    assert_unchanged(completion_response_from_gemini, [data], completion, completion_id="cmpl-x", created=1)


def test_other_mappers_never_mutate_their_input():
    plan = embeddings_request_to_gemini({"input": ["a", "b"], "encoding_format": "base64"}, Settings())
    assert_unchanged(embeddings_response_from_gemini, [{"embeddings": [{"values": [0.5]}, {"values": [0.25]}]}], plan)
    page = {"models": [{"name": "models/gemini-2.5-flash", "inputTokenLimit": 5, "supportedGenerationMethods": ["a"]}],
            "nextPageToken": "t"}
    assert_unchanged(models_page, page)
    assert_unchanged(model_from_gemini, page["models"][0])
    assert_unchanged(error_from_gemini, 429, fixture_json("errors/429_resource_exhausted.json"))
