"""Load, disconnects, fuzzing, limits and the access log: the gateway under conditions clients create."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.app import Gateway
from tests.e2e.conftest import USER_KEY, closed_port

FLASH = "gemini-2.5-flash-lite"
AUTH = {"Authorization": f"Bearer {USER_KEY}"}
ROOT = Path(__file__).resolve().parents[2]


def chat_body(text: str, **extra: Any) -> dict:
    return {"model": FLASH, "messages": [{"role": "user", "content": text}], **extra}


def assert_envelope(response: httpx.Response) -> None:
    """A 4xx answer is the OpenAI error envelope, as JSON, with all four fields."""
    assert response.headers["content-type"] == "application/json", response.content[:200]
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert sorted(error) == ["code", "message", "param", "type"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["type"], str) and error["type"]
    assert error["param"] is None or isinstance(error["param"], str)
    assert error["code"] is None or isinstance(error["code"], str)


# ---- (a) many concurrent streams ------------------------------------------------------------


def test_two_hundred_concurrent_streams_each_get_their_own_echo(gw, fake):
    async def one(client: openai.AsyncOpenAI, i: int) -> str:
        stream = await client.chat.completions.create(
            model=FLASH, messages=[{"role": "user", "content": f"stream {i} of 200 #fake:delay=0.02 #fake:chunks=10"}], stream=True
        )
        return "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])

    async def run() -> list[str]:
        async with openai.AsyncOpenAI(base_url=f"{gw}/v1", api_key=USER_KEY, max_retries=0, timeout=30) as client:
            return list(await asyncio.gather(*(one(client, i) for i in range(200))))

    assert asyncio.run(run()) == [f"echo: stream {i} of 200" for i in range(200)]
    # (chunks == 10 leaves out any stream still running from an earlier test)
    assert len([e for e in fake.events if e["type"] == "stream_completed" and e["chunks"] == 10]) == 200


# ---- (b) client disconnects ----------------------------------------------------------------------


def test_client_disconnect_mid_stream_closes_the_upstream_stream(gw, fake):
    body = chat_body("slow story #fake:delay=0.2 #fake:chunks=50", stream=True)
    with httpx.Client(timeout=10) as client:
        with client.stream("POST", f"{gw}/v1/chat/completions", json=body, headers=AUTH) as response:
            assert response.status_code == 200
            events = 0
            for line in response.iter_lines():
                events += line.startswith("data: ")
                if events == 3:  # the role chunk and two content chunks
                    break
        closed = time.monotonic()

    event = fake.wait_for_event("stream_disconnected", timeout=2)
    assert event is not None, fake.events
    assert event["t"] - closed < 1.0
    assert event["chunks"] < 50


def _leave_early(url: str, body: dict, after: float, cut: int | None = None) -> float:
    """Send a request (only `cut` bytes of its body, if given), wait `after` seconds, drop the connection; returns when."""
    host, port = url.removeprefix("http://").split(":")
    payload = json.dumps(body).encode()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {USER_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload[:cut]
        )
        time.sleep(after)
    return time.monotonic()


@pytest.mark.parametrize(("directive", "stream", "event_type"), [
    ("#fake:first_delay=5", True, "stream_disconnected"),
    ("#fake:sleep=5", False, "request_disconnected"),
], ids=["stream-before-first-byte", "whole-response"])
def test_client_disconnect_while_waiting_for_gemini_cancels_the_upstream_call(gw, fake, directive, stream, event_type):
    closed = _leave_early(gw, chat_body(f"think hard {directive}", stream=stream), after=0.3)

    event = fake.wait_for_event(event_type, timeout=2)
    assert event is not None, f"Gemini was still being called after the client left: {fake.events}"
    assert event["t"] - closed < 1.0


# ---- (c) fuzzing, in process --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def asgi(fake_server) -> Iterator[Callable[..., httpx.Response]]:
    """`send(method, url, **httpx kwargs)` through httpx.ASGITransport to a Gateway in this process."""
    gateway = Gateway(env={"GEMINI_BASE_URL": fake_server[1], "MAX_BODY_BYTES": "65536", "REQUEST_TIMEOUT": "5"})
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test", timeout=10)

    def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
        return loop.run_until_complete(client.request(method, url, **kwargs))

    yield send
    loop.run_until_complete(client.aclose())
    loop.run_until_complete(gateway.aclose())
    loop.close()


FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ENDPOINTS = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/chat/completions"]

# Integers stay small or far out of range: a mid-sized `dimensions` would make the fake build huge vectors.
integers = st.integers(-10_000, 10_000) | st.sampled_from([2**31, 2**63, -(2**63), 10**30])
json_values = st.recursive(
    st.none() | st.booleans() | integers | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# Request bodies: a valid request, then up to three of its fields (at any depth) replaced by any JSON
# value or removed. Valid requests reach the fake Gemini; each mutation probes one validator.
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40).filter(lambda t: "#fake:" not in t)
tool_names = st.sampled_from(["get_weather", "lookup", "f"])
function_tool = st.fixed_dictionaries(
    {"type": st.just("function"), "function": st.fixed_dictionaries({"name": tool_names}, optional={
        "description": texts,
        "strict": st.booleans(),
        "parameters": st.sampled_from([
            {"type": "object", "properties": {}},
            {"type": "object", "properties": {"city": {"type": "string", "description": "a city"}}, "required": ["city"]},
            {"type": "object", "properties": {"n": {"type": ["integer", "null"]}, "tags": {"type": "array", "items": {"type": "string"}}},
             "additionalProperties": False},
            {"type": "object", "properties": {"x": {"$ref": "#/$defs/X"}}, "$defs": {"X": {"anyOf": [{"type": "string"}, {"const": 1}]}}},
        ]),
    })},
)
content_parts = st.lists(st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": texts}),
    st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.fixed_dictionaries(
        {"url": st.sampled_from(["data:image/png;base64,iVBORw0KGgo=", "https://example.test/cat.png"])},
        optional={"detail": st.sampled_from(["low", "high", "auto"])},
    )}),
    st.sampled_from([
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}},
        {"type": "file", "file": {"file_data": "JVBERi0=", "filename": "notes.txt"}},
        {"type": "file", "file": {"file_id": "files/abc-123"}},
        {"type": "image_url", "image_url": "data:text/plain,hello%20world"},
    ]),
), min_size=1, max_size=3)
plain_turn = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "developer"]), "content": texts | content_parts.filter(
        lambda parts: all(p["type"] == "text" for p in parts))}),
    st.fixed_dictionaries({"role": st.just("user"), "content": content_parts}),
    st.fixed_dictionaries({"role": st.just("assistant"), "content": texts}),
)
TOOL_ROUND = [
    {"role": "user", "content": "call get_weather city=Oslo"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_abc_0__thought__c2ln", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}},
        {"id": "fc-1", "type": "function", "function": {"name": "lookup", "arguments": ""}}]},
    {"role": "tool", "tool_call_id": "fc-1", "content": [{"type": "text", "text": "[1, 2]"}]},
    {"role": "tool", "tool_call_id": "call_abc_0__thought__c2ln", "content": '{"temp": 3}'},
]
chat_requests = st.fixed_dictionaries(
    {"messages": st.lists(plain_turn, max_size=3).flatmap(
        lambda turns: st.sampled_from([[*turns, {"role": "user", "content": "hi"}], turns + TOOL_ROUND]))},
    optional={
        "model": st.sampled_from([FLASH, "gemini-3.1-pro-preview", "gemini-flash-latest", "gpt-4o", "models/gemini-2.5-pro",
                                  "gemini-does-not-exist", "gemma-3-27b-it", "gpt-4o-search-preview"]),
        "stream": st.booleans(),
        "stream_options": st.fixed_dictionaries({"include_usage": st.booleans()}),
        "n": st.integers(1, 4),
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "max_tokens": st.integers(1, 4096),
        "max_completion_tokens": st.integers(1, 4096),
        "stop": texts | st.lists(texts, max_size=4),
        "seed": st.integers(-(2**31), 2**31 - 1),
        "tools": st.lists(function_tool, max_size=2),
        "tool_choice": st.sampled_from(["auto", "none", "required", {"type": "function", "function": {"name": "lookup"}}]),
        "parallel_tool_calls": st.booleans(),
        "response_format": st.sampled_from([{"type": "text"}, {"type": "json_object"}, {"type": "json_schema", "json_schema": {
            "name": "r", "strict": True, "schema": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}}}]),
        "reasoning_effort": st.sampled_from(["none", "minimal", "low", "medium", "high"]),
        "logprobs": st.booleans(),
        "top_logprobs": st.integers(0, 20),
        "presence_penalty": st.floats(-2, 2),
        "user": texts,
        "extra_body": st.just({"google": {"thinking_config": {"thinking_budget": 128, "include_thoughts": True}}}),
        "web_search_options": st.just({}),
    },
)
prompts = texts.filter(str.strip)
completion_requests = st.fixed_dictionaries(
    {"prompt": prompts | st.lists(prompts, min_size=1, max_size=3)},
    optional={
        "model": st.sampled_from([FLASH, "gpt-3.5-turbo-instruct"]),
        "max_tokens": st.integers(1, 100),
        "n": st.integers(1, 3),
        "logprobs": st.integers(0, 5),
        "stop": texts,
        "echo": st.just(False),
    },
)
embedding_requests = st.fixed_dictionaries(
    {"input": prompts | st.lists(prompts, min_size=1, max_size=5)},
    optional={
        "model": st.sampled_from(["gemini-embedding-001", "text-embedding-3-small"]),
        "dimensions": st.integers(1, 64),
        "encoding_format": st.sampled_from(["float", "base64"]),
        "task_type": st.sampled_from(["RETRIEVAL_QUERY", "clustering"]),
    },
)
REQUESTS = {"/v1/chat/completions": chat_requests, "/v1/completions": completion_requests, "/v1/embeddings": embedding_requests}


def _slots(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every path into a JSON value (dict keys and list indexes)."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*path, key)
        yield from _slots(child, (*path, key))


_REMOVE = object()


def _replaced(value: Any, path: tuple, new: Any) -> Any:
    """A copy of `value` with the slot at `path` set to `new` (or removed, for the `_REMOVE` marker)."""
    if not path:
        return new
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    if len(path) == 1 and new is _REMOVE:
        del copy[path[0]]
    else:
        copy[path[0]] = _replaced(copy[path[0]], path[1:], new)
    return copy


@st.composite
def mutated(draw: Callable, valid: st.SearchStrategy) -> Any:
    body = draw(valid)
    for _ in range(draw(st.integers(0, 3))):
        slots = list(_slots(body))
        if not slots:
            break
        body = _replaced(body, draw(st.sampled_from(slots)), draw(st.just(_REMOVE) | json_values))
    return body


header_values = st.lists(st.integers(0x20, 0xFF).filter(lambda b: b != 0x7F) | st.just(0x09), max_size=40).map(
    lambda codes: bytes(codes).strip(b" \t")
)


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert_envelope(response)


@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS), body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_fuzz_bodies(asgi, endpoint, body):
    _check(asgi("POST", endpoint, content=body, headers={**AUTH, "content-type": "application/json"}))


@settings(FUZZ, max_examples=150)
@given(request=st.sampled_from(sorted(REQUESTS)).flatmap(lambda endpoint: st.tuples(st.just(endpoint), mutated(REQUESTS[endpoint]))))
def test_fuzz_request_shapes(asgi, request):
    endpoint, body = request
    _check(asgi("POST", endpoint, content=json.dumps(body).encode(), headers=AUTH))


HEADER_TARGETS = [
    ("POST", "/v1/chat/completions", chat_body("hi")),
    ("POST", "/v1/embeddings", {"input": "hi"}),
    ("GET", "/v1/models", None),
    ("GET", "/v1/models/gemini-2.5-flash", None),
]


@settings(FUZZ, max_examples=80)
@given(
    authorization=st.none() | header_values | header_values.map(lambda v: b"Bearer " + v) | st.sampled_from([b"Bearer ,", b", ,"]),
    goog_key=st.none() | header_values | st.just(b","),
    content_type=st.sampled_from([None, "application/json", "text/plain", "multipart/form-data; boundary=x",
                                  "application/x-www-form-urlencoded", "application/json; charset=latin-1", "", "*/*"]),
    content_length=st.none() | st.sampled_from(["0", "5", "18446744073709551616", "99999999999999999999999", "-1", "abc", "1e3"]),
    target=st.sampled_from(HEADER_TARGETS),
)
def test_fuzz_headers(asgi, authorization, goog_key, content_type, content_length, target):
    method, endpoint, body = target
    headers: dict[str, Any] = {}
    for name, value in (("authorization", authorization), ("x-goog-api-key", goog_key),
                        ("content-type", content_type), ("content-length", content_length)):
        if value is not None:
            headers[name] = value
    _check(asgi(method, endpoint, content=json.dumps(body).encode() if body else b"", headers=headers))


# httpx refuses control characters in a URL, so the generated text has none (the raw-socket table below covers %00).
path_segments = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30) | st.sampled_from(
    ["..", ".", "%2e%2e", "%2F", "%00", "models/..", "v1", "models", "chat", "completions", "%", "%zz", "//", "\\", "a" * 5000]
)


@settings(FUZZ, max_examples=60)
@given(segments=st.lists(path_segments, max_size=5), method=st.sampled_from(["GET", "POST"]), prefix=st.sampled_from(["/v1/", "/"]))
def test_fuzz_paths(asgi, segments, method, prefix):
    # Percent-encoded as a client would, and set as the raw path so httpx does not resolve it against a base URL.
    url = httpx.URL("http://gateway.test").copy_with(raw_path=quote(prefix + "/".join(segments), safe="/%").encode())
    body = json.dumps(chat_body("hi")).encode() if method == "POST" else None
    _check(asgi(method, url, content=body, headers=AUTH))


def test_an_encoded_method_suffix_is_a_native_call(gw, fake):
    """A model method under /v1/models is Gemini's own API: forwarded, answered in Google's envelope."""
    got, _, content = _raw_request(gw, "GET", "/v1/models/gemini-2.5-flash%3AgenerateContent")
    assert got == 404 and json.loads(content)["error"]["status"] == "NOT_FOUND"
    assert fake.requests[-1]["path"] == "/v1/models/gemini-2.5-flash:generateContent"
    assert fake.requests[-1]["key"] == AUTH["Authorization"].removeprefix("Bearer ")


def _raw_request(url: str, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, dict, bytes]:
    """A request with the path exactly as given (no client-side normalisation), over a real socket."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in {**AUTH, "Content-Length": str(len(body)), **(headers or {})}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(("method", "path", "status"), [
    pytest.param("GET", "/v1/../v1/models", 404, id="dot-dot-before-route"),
    pytest.param("GET", "/v1/models/..", 400, id="model-dot-dot"),
    pytest.param("GET", "/v1/models/../../etc/passwd", 400, id="model-traversal"),
    pytest.param("GET", "/v1/models/%2e%2e%2f%2e%2e%2fv1beta%2fmodels", 400, id="encoded-traversal"),
    pytest.param("GET", "/v1/models/gemini-2.5-flash%3Fkey%3Dx", 400, id="encoded-query"),
    pytest.param("GET", "/v1/%63hat/completions", 405, id="encoded-route"),
    pytest.param("GET", "/v1/models/" + "a" * 4000, 400, id="long-model-id"),
    pytest.param("GET", "/" + "x/" * 2000, 404, id="long-path"),
    pytest.param("POST", "/v1/chat/completions/%00", 400, id="nul"),  # control characters: a 400
    pytest.param("GET", "/v1/models/%ff%fe", 400, id="invalid-utf8"),
])
def test_odd_paths_over_a_real_socket(gw, fake, method, path, status):
    # (`/v1/models/gemini-2.5-flash%3AgenerateContent` is no odd path: it is Gemini's own API, forwarded —
    # see test_an_encoded_method_suffix_is_a_native_call.)
    body = json.dumps(chat_body("hi")).encode() if method == "POST" else b""
    got, headers, content = _raw_request(gw, method, path, body)
    assert got == status, content[:300]
    assert headers["content-type"] == "application/json"
    body = json.loads(content)
    assert sorted(body["error"]) == ["code", "message", "param", "type"]
    assert all(not r["path"].startswith("/etc") and ":generateContent" not in r["path"] for r in fake.requests)


# Pass-through keys no Gemini key can be: the client's mistake (400/401), never the gateway's (5xx).
MALFORMED_KEYS = [
    pytest.param("/v1/chat/completions", {"Authorization": b"Bearer caf\xe9"}, id="latin1"),
    pytest.param("/v1/chat/completions", {"Authorization": b"Bearer \xff\xfe"}, id="bytes"),
    pytest.param("/v1/chat/completions", {"Authorization": b"Bearer k\xe9y,AIzaGoodKey0001"}, id="pool-latin1"),
    pytest.param("/v1/chat/completions", {"Authorization": b"", "x-goog-api-key": b"caf\xe9"}, id="goog-header-latin1"),
    pytest.param("/v1/chat/completions?key=caf%C3%A9", {"Authorization": b""}, id="query-utf8"),
    pytest.param("/v1/models", {"Authorization": b"Bearer caf\xe9"}, id="models-latin1"),
    pytest.param("/v1/chat/completions", {"Authorization": b"Bearer ,"}, id="comma"),
    pytest.param("/v1/chat/completions", {"Authorization": b"Bearer  , ,"}, id="commas-and-spaces"),
    pytest.param("/v1/models?key=,", {"Authorization": b""}, id="query-comma"),
]


@pytest.mark.parametrize(("path", "headers"), MALFORMED_KEYS)
def test_malformed_pass_through_key_is_a_client_error(gw, fake, path, headers):
    body = json.dumps(chat_body("hi")).encode() if "chat" in path else b""
    status, response_headers, content = _raw_request(gw, "POST" if body else "GET", path, body, headers)
    assert status in (400, 401), content[:300]
    assert response_headers["content-type"] == "application/json"
    assert sorted(json.loads(content)["error"]) == ["code", "message", "param", "type"]


# ---- (d) the access log ----------------------------------------------------------------------------------


def _child_env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment without any gateway settings, plus `env`."""
    names = ("GEMINI_", "AUTH_TOKEN", "DEFAULT_", "MODEL_ALIASES", "REQUEST_TIMEOUT", "CONNECT_TIMEOUT", "MAX_", "CORS_",
             "INCLUDE_THOUGHTS", "SAFETY_THRESHOLD", "LOG_LEVEL", "KEY_COOLDOWN", "PORT", "HOST")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(names)}
    return {**clean, "PYTHONPATH": str(ROOT), **env}


class _LocalGateway:
    """`python -m adapters.local` in a child process; its stderr is kept whole."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = closed_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "adapters.local", "--port", str(self.port)],
            cwd=ROOT, env=_child_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.request_ids: list[str] = []

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.communicate()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gateway did not start")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, self.url + path, timeout=10, **kwargs)
        self.request_ids.append(response.headers["x-request-id"])
        return response

    def leave_mid_stream(self, body: dict, headers: dict) -> None:
        """A streamed request whose client reads two events and hangs up."""
        with httpx.Client(timeout=10) as client, client.stream("POST", f"{self.url}/v1/chat/completions", json=body, headers=headers) as r:
            self.request_ids.append(r.headers["x-request-id"])
            next(line for line in r.iter_lines() if line.startswith("data: ") and "content" in line)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        _, stderr = self.process.communicate(timeout=10)
        return stderr.decode("utf-8", "replace")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _json_lines(stderr: str) -> tuple[list[dict], list[str]]:
    records, other = [], []
    for line in stderr.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            other.append(line)
    return records, other


PASS_KEYS = ["AIzaLogPassKeyAlpha0001", "AIzaLogPassKeyBeta00002", "AIzaLogHeaderKey0000003", "AIzaLogQueryKey00000004",
             "AIzaLogWrongKey00000005", "AIzaLogRateLimited00006"]
SERVER_KEYS = ["AIzaLogServerKeyOne0001", "AIzaLogServerKeyTwo0002"]
TOKENS = ["tok-log-secret-first-01", "tok-log-secret-second-2"]
WRONG_TOKEN = "tok-log-wrong-guess-003"


def test_log_lines_never_hold_keys_or_tokens_and_one_line_per_request(fake_url, fake):
    passthrough = _LocalGateway({"GEMINI_BASE_URL": fake_url})
    server = _LocalGateway({"GEMINI_BASE_URL": fake_url, "GEMINI_API_KEY": ",".join(SERVER_KEYS), "AUTH_TOKEN": ",".join(TOKENS)})
    unsafe = subprocess.run(
        [sys.executable, "-m", "adapters.local", "--port", str(closed_port())], cwd=ROOT, capture_output=True, timeout=30,
        env=_child_env({"GEMINI_BASE_URL": fake_url, "GEMINI_API_KEY": SERVER_KEYS[0]}),
    )
    try:
        passthrough.wait_ready()
        server.wait_ready()
        chat = chat_body("log me")

        p = passthrough
        assert p.request("POST", "/v1/chat/completions", json=chat, headers=bearer(PASS_KEYS[0])).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json=chat, headers=bearer(f"{PASS_KEYS[0]},{PASS_KEYS[1]}")).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json=chat, headers={"x-goog-api-key": PASS_KEYS[2]}).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json=chat, params={"key": PASS_KEYS[3]}).status_code == 200
        assert p.request("POST", "/v1/embeddings", json={"input": "x"}, params={"key": PASS_KEYS[3]}).status_code == 200
        assert p.request("GET", "/v1/models", params={"key": PASS_KEYS[3]}).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json={**chat, "stream": True}, headers=bearer(PASS_KEYS[0])).status_code == 200
        failing = chat_body("#fake:status=500")
        assert p.request("POST", "/v1/chat/completions", json=failing, headers=bearer(PASS_KEYS[0])).status_code == 502
        assert p.request("POST", "/v1/chat/completions", json={**chat, "messages": 5}, headers=bearer(PASS_KEYS[0])).status_code == 400
        assert p.request("POST", "/v1/chat/completions", json=chat).status_code == 401
        fake.set_keys(valid=PASS_KEYS[:4] + PASS_KEYS[5:], rate_limited=[PASS_KEYS[5]])
        assert p.request("POST", "/v1/chat/completions", json=chat, headers=bearer(PASS_KEYS[4])).status_code == 401
        assert p.request("POST", "/v1/chat/completions", json=chat, headers=bearer(PASS_KEYS[5])).status_code == 429
        assert p.request("GET", "/v1/models/gemini-2.5-flash", params={"key": PASS_KEYS[4]}).status_code == 401
        fake.set_keys()
        p.leave_mid_stream(chat_body("slow #fake:delay=0.2 #fake:chunks=20", stream=True), bearer(PASS_KEYS[1]))
        assert fake.wait_for_event("stream_disconnected", timeout=2) is not None
        # A client that sends its headers and leaves before the body: logged too (as 499), though it never got an id.
        _leave_early(p.url, chat_body("never sent"), after=0, cut=20)

        s = server
        fake.set_keys(rate_limited=[SERVER_KEYS[0]])
        assert s.request("POST", "/v1/chat/completions", json=chat, headers=bearer(TOKENS[0])).status_code == 200
        assert s.request("POST", "/v1/chat/completions", json=chat, params={"key": TOKENS[1]}).status_code == 200
        assert s.request("POST", "/v1/chat/completions", json=chat, headers={"x-goog-api-key": TOKENS[1]}).status_code == 200
        assert s.request("POST", "/v1/chat/completions", json=chat, headers=bearer(WRONG_TOKEN)).status_code == 401
        assert s.request("POST", "/v1/chat/completions", json=chat, headers=bearer(SERVER_KEYS[1])).status_code == 401
        assert s.request("POST", "/v1/chat/completions", json=chat, params={"key": WRONG_TOKEN}).status_code == 401
        fake.set_keys(valid=[SERVER_KEYS[1]])
        assert s.request("POST", "/v1/chat/completions", json=chat, headers=bearer(TOKENS[0])).status_code == 200
        fake.set_keys(rate_limited=SERVER_KEYS)
        assert s.request("POST", "/v1/chat/completions", json=chat, headers=bearer(TOKENS[0])).status_code == 429
        fake.set_keys()
        # Both keys now rest for that model (Gemini's 7 s); another model goes upstream, and fails there.
        other = {**failing, "model": "gemini-3.1-pro-preview"}
        assert s.request("POST", "/v1/chat/completions", json=other, headers=bearer(TOKENS[1])).status_code == 502
        assert s.request("OPTIONS", "/v1/chat/completions", headers={"Origin": "https://a.example"}).status_code == 204
    finally:
        time.sleep(0.2)  # let the last lines (the cut-off requests) be written before the processes stop
        logs = {"pass-through": (passthrough, passthrough.stop()), "server": (server, server.stop())}

    secrets = PASS_KEYS + SERVER_KEYS + TOKENS + [WRONG_TOKEN, USER_KEY]
    everything = "\n".join(stderr for _, stderr in logs.values()) + unsafe.stderr.decode() + unsafe.stdout.decode()
    assert [secret for secret in secrets if secret in everything] == []
    # Secrets are kept out of the log fields in the first place; redaction is only the safety net.
    assert "[redacted]" not in everything
    # The unsafe configuration does not start, and says which variable to set.
    assert unsafe.returncode == 2
    assert unsafe.stderr.decode().startswith("configuration error: AUTH_TOKEN: ")

    for name, (gateway, stderr) in logs.items():
        records, other = _json_lines(stderr)
        assert [line for line in other if not line.startswith("gateway: http://")] == [], name
        if gateway is passthrough:
            gone = records.pop()
            assert (gone["status"], gone["path"]) == (499, "/v1/chat/completions")
            assert records[-1]["disconnected"] is True
        # Exactly one line per request, and it is that request's line.
        assert [r["request_id"] for r in records] == gateway.request_ids, name
        assert all(isinstance(r["status"], int) and isinstance(r["ms"], float) for r in records), name


# ---- (e) limits and malformed requests ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(gateway) -> str:
    return gateway({"MAX_BODY_BYTES": "1000"})


def _padded_chat(size: int) -> bytes:
    """A valid chat body of exactly `size` bytes."""
    empty = json.dumps(chat_body("")).encode()
    return json.dumps(chat_body("x" * (size - len(empty)))).encode()


def test_body_at_the_limit_is_accepted(small):
    response = httpx.post(f"{small}/v1/chat/completions", content=_padded_chat(1000), headers=AUTH, timeout=10)
    assert response.status_code == 200


def test_body_over_the_limit_with_content_length_is_413(small, fake):
    response = httpx.post(f"{small}/v1/chat/completions", content=_padded_chat(1001), headers=AUTH, timeout=10)
    assert response.status_code == 413
    assert_envelope(response)
    assert response.json()["error"]["code"] == "request_too_large"
    assert fake.requests == []


def test_body_over_the_limit_without_content_length_is_413(small, fake):
    body = _padded_chat(3000)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 256):
            yield body[start:start + 256]

    response = httpx.post(f"{small}/v1/chat/completions", content=chunks(), headers=AUTH, timeout=10)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert_envelope(response)
    assert fake.requests == []


def test_declared_length_over_the_limit_is_refused_before_reading(small):
    status, _, content = _raw_request(small, "POST", "/v1/chat/completions", b"", {"Content-Length": "99999999999"})
    assert status == 413
    assert json.loads(content)["error"]["code"] == "request_too_large"


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("POST", "/v1/chat/completions", b'{"model": "gemini-2.5-flash", "messages": [', 400, "invalid_json"),
    ("POST", "/v1/chat/completions", b"", 400, "invalid_json"),
    ("POST", "/v1/chat/completions", b"[]", 400, "invalid_json"),
    ("POST", "/v1/chat/completions", b'{"messages": NaN}', 400, "invalid_json"),
    ("POST", "/v1/chat/completions", b"\xff\xfe{}", 400, "invalid_json"),
    ("POST", "/v1/embeddings", b"{" * 5000, 400, "invalid_json"),
    ("POST", "/v1/images/variations", b"{}", 404, "unknown_url"),
    ("GET", "/v2/models", b"", 404, "unknown_url"),
    ("GET", "/v1/chat/completions", b"", 405, "method_not_allowed"),
    ("DELETE", "/v1/models/gemini-2.5-flash", b"", 405, "method_not_allowed"),
    ("POST", "/v1/models", b"{}", 405, "method_not_allowed"),
    ("PUT", "/", b"", 405, "method_not_allowed"),
])
def test_malformed_requests(gw, method, path, body, status, code):
    response = httpx.request(method, f"{gw}{path}", content=body, headers={**AUTH, "content-type": "application/json"}, timeout=10)
    assert response.status_code == status
    assert_envelope(response)
    assert response.json()["error"]["code"] == code
    if status == 405:
        assert "OPTIONS" in response.headers["allow"]


def test_a_token_without_server_keys_does_not_start_either(fake_url):
    """AUTH_TOKEN alone would run in pass-through mode and send each token to Google as a key: refused."""
    refused = subprocess.run(
        [sys.executable, "-m", "adapters.local", "--port", str(closed_port())], cwd=ROOT, capture_output=True, timeout=30,
        env=_child_env({"GEMINI_BASE_URL": fake_url, "AUTH_TOKEN": TOKENS[0]}),
    )
    assert refused.returncode == 2
    message = refused.stderr.decode()
    assert message.startswith("configuration error: GEMINI_API_KEY: ") and "AUTH_TOKEN" in message and TOKENS[0] not in message
