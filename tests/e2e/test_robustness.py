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
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.app import Gateway
from tests.e2e.conftest import USER_KEY, closed_port

FLASH = "gemini-2.5-flash"
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
    assert len([e for e in fake.events if e["type"] == "stream_completed"]) == 200


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


def _leave_early(url: str, body: dict, after: float) -> float:
    """Send a request, wait `after` seconds without reading an answer, drop the connection; returns when."""
    host, port = url.removeprefix("http://").split(":")
    payload = json.dumps(body).encode()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {USER_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload
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
    loop.run_until_complete(gateway.upstream.aclose())
    loop.close()


FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ENDPOINTS = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/chat/completions"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# Where a chat request has a field, a plausible value or any JSON value at all.
def _or_any(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return strategy | json_values


text_part = st.fixed_dictionaries({"type": _or_any(st.sampled_from(["text", "image_url", "input_audio", "file"])),
                                   "text": _or_any(st.text(max_size=20))})
image_part = st.fixed_dictionaries({"type": st.just("image_url"), "image_url": _or_any(st.fixed_dictionaries(
    {"url": _or_any(st.sampled_from(["data:image/png;base64,iVBORw0KGgo=", "data:;base64,@@", "https://x.test/a.png", "ftp://x", ""]))}))})
tool_call = st.fixed_dictionaries({
    "id": _or_any(st.sampled_from(["call_1", "call_x__thought__c2ln", "c2"])),
    "type": _or_any(st.just("function")),
    "function": _or_any(st.fixed_dictionaries({"name": _or_any(st.sampled_from(["f", "g"])),
                                               "arguments": _or_any(st.sampled_from(["{}", '{"a": 1}', "[1]", "{", "", "null"]))})),
})
message = st.fixed_dictionaries(
    {"role": _or_any(st.sampled_from(["user", "assistant", "system", "developer", "tool", "function", "bot"]))},
    optional={
        "content": _or_any(st.text(max_size=30) | st.lists(text_part | image_part, max_size=3)),
        "tool_calls": _or_any(st.lists(tool_call, max_size=2)),
        "tool_call_id": _or_any(st.sampled_from(["call_1", "c2", "missing"])),
        "name": json_values,
    },
)
tool = st.fixed_dictionaries({"type": _or_any(st.sampled_from(["function", "web_search", "code_interpreter"]))}, optional={
    "function": _or_any(st.fixed_dictionaries({"name": _or_any(st.sampled_from(["f", "g"]))}, optional={
        "parameters": _or_any(st.fixed_dictionaries({"type": _or_any(st.just("object")), "properties": json_values})),
        "strict": json_values,
    })),
})
chat_shapes = st.fixed_dictionaries(
    {"messages": _or_any(st.lists(message, max_size=4))},
    optional={
        "model": _or_any(st.sampled_from([FLASH, "gemini-3-pro-preview", "gpt-4o", "gemini-does-not-exist", "models/gemini-2.5-pro", ""])),
        "stream": _or_any(st.booleans()),
        "stream_options": _or_any(st.fixed_dictionaries({"include_usage": _or_any(st.booleans())})),
        "n": _or_any(st.integers(-2, 10)),
        "temperature": _or_any(st.floats(-1, 3)),
        "top_p": json_values, "top_k": json_values, "seed": json_values, "stop": json_values,
        "max_tokens": _or_any(st.integers(-5, 2**40)),
        "max_completion_tokens": json_values,
        "tools": _or_any(st.lists(tool, max_size=2)),
        "tool_choice": _or_any(st.sampled_from(["auto", "none", "required", "sometimes"])),
        "response_format": _or_any(st.fixed_dictionaries({"type": _or_any(st.sampled_from(["text", "json_object", "json_schema"]))},
                                                          optional={"json_schema": json_values})),
        "reasoning_effort": _or_any(st.sampled_from(["none", "low", "medium", "high", "max"])),
        "logprobs": json_values, "top_logprobs": json_values,
        "extra_body": json_values, "google": json_values, "web_search_options": json_values, "modalities": json_values,
        "thinking": json_values, "reasoning": json_values, "service_tier": json_values, "parallel_tool_calls": json_values,
    },
)
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


@settings(FUZZ, max_examples=120)
@given(endpoint=st.sampled_from(["/v1/chat/completions", "/v1/completions"]), body=chat_shapes)
def test_fuzz_chat_shapes(asgi, endpoint, body):
    if endpoint == "/v1/completions":
        body = {**body, "prompt": body.pop("messages")}
    _check(asgi("POST", endpoint, content=json.dumps(body).encode(), headers=AUTH))


@settings(FUZZ, max_examples=50)
@given(
    authorization=st.none() | header_values | header_values.map(lambda v: b"Bearer " + v),
    goog_key=st.none() | header_values,
    content_type=st.sampled_from([None, "application/json", "text/plain", "multipart/form-data; boundary=x",
                                  "application/x-www-form-urlencoded", "application/json; charset=latin-1", "", "*/*"]),
    content_length=st.none() | st.sampled_from(["0", "5", "18446744073709551616", "99999999999999999999999", "-1", "abc", "1e3"]),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    endpoint=st.sampled_from(ENDPOINTS + ["/v1/models", "/v1/models/gemini-2.5-flash", "/"]),
)
def test_fuzz_headers(asgi, authorization, goog_key, content_type, content_length, method, endpoint):
    headers: dict[str, Any] = {}
    for name, value in (("authorization", authorization), ("x-goog-api-key", goog_key),
                        ("content-type", content_type), ("content-length", content_length)):
        if value is not None:
            headers[name] = value
    body = json.dumps(chat_body("hi")).encode() if method == "POST" else b""
    _check(asgi(method, endpoint, content=body, headers=headers))


path_segments = st.text(max_size=30) | st.sampled_from(["..", ".", "%2e%2e", "%2F", "%00", "models/..", "v1", "models", "chat",
                                                         "completions", "%", "%zz", "//", "\\", "a" * 5000])


@settings(FUZZ, max_examples=60)
@given(segments=st.lists(path_segments, max_size=5), method=st.sampled_from(["GET", "POST"]), prefix=st.sampled_from(["/v1/", "/"]))
def test_fuzz_paths(asgi, segments, method, prefix):
    path = prefix + "/".join(segments)
    body = json.dumps(chat_body("hi")).encode() if method == "POST" else None
    _check(asgi(method, path, content=body, headers=AUTH))


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
    ("GET", "/v1/../v1/models", 404),
    ("GET", "/v1/models/..", 400),
    ("GET", "/v1/models/../../etc/passwd", 400),
    ("GET", "/v1/models/%2e%2e%2f%2e%2e%2fv1beta%2fmodels", 400),
    ("GET", "/v1/models/gemini-2.5-flash%3AgenerateContent", 400),
    ("GET", "/v1/models/gemini-2.5-flash%3Fkey%3Dx", 400),
    ("GET", "/v1/%63hat/completions", 405),
    ("GET", "/v1/models/" + "a" * 4000, 400),
    ("GET", "/" + "x/" * 2000, 404),
    ("POST", "/v1/chat/completions/%00", 404),
    ("GET", "/v1/models/%ff%fe", 400),
])
def test_odd_paths_over_a_real_socket(gw, fake, method, path, status):
    body = json.dumps(chat_body("hi")).encode() if method == "POST" else b""
    got, headers, content = _raw_request(gw, method, path, body)
    assert got == status, content[:300]
    assert headers["content-type"] == "application/json"
    body = json.loads(content)
    assert sorted(body["error"]) == ["code", "message", "param", "type"]
    assert all(not r["path"].startswith("/etc") and ":generateContent" not in r["path"] for r in fake.requests)


@pytest.mark.parametrize("authorization", [b"Bearer caf\xe9", b"Bearer \xff\xfe", b"Bearer k\xe9y,AIzaGood"])
def test_non_ascii_key_is_a_client_error_not_a_crash(gw, fake, authorization):
    host, port = gw.removeprefix("http://").split(":")
    payload = json.dumps(chat_body("hi")).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: " + authorization
                     + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, content = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    assert status in (400, 401), raw[:400]
    assert json.loads(content)["error"]["code"] == "invalid_api_key"


# ---- (d) the access log ----------------------------------------------------------------------------------


def _free_port() -> int:
    return closed_port()


class _LocalGateway:
    """`python -m adapters.local` in a child process; its stderr is kept whole."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "AUTH_", "OPENAI_"))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "adapters.local", "--port", str(self.port)],
            cwd=ROOT, env={**clean, "PYTHONPATH": str(ROOT), **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
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

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        _, stderr = self.process.communicate(timeout=10)
        return stderr.decode("utf-8", "replace")


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
        [sys.executable, "-m", "adapters.local", "--port", str(_free_port())], cwd=ROOT, capture_output=True, timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT), "GEMINI_BASE_URL": fake_url, "GEMINI_API_KEY": SERVER_KEYS[0]},
    )
    try:
        passthrough.wait_ready()
        server.wait_ready()
        chat = chat_body("log me")
        bearer = lambda key: {"Authorization": f"Bearer {key}"}  # noqa: E731

        p = passthrough
        assert p.request("POST", "/v1/chat/completions", json=chat, headers=bearer(PASS_KEYS[0])).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json=chat, headers=bearer(f"{PASS_KEYS[0]},{PASS_KEYS[1]}")).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json=chat, headers={"x-goog-api-key": PASS_KEYS[2]}).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json=chat, params={"key": PASS_KEYS[3]}).status_code == 200
        assert p.request("POST", "/v1/embeddings", json={"input": "x"}, params={"key": PASS_KEYS[3]}).status_code == 200
        assert p.request("GET", "/v1/models", params={"key": PASS_KEYS[3]}).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json={**chat, "stream": True}, headers=bearer(PASS_KEYS[0])).status_code == 200
        assert p.request("POST", "/v1/chat/completions", json=chat_body("#fake:status=500"), headers=bearer(PASS_KEYS[0])).status_code == 502
        assert p.request("POST", "/v1/chat/completions", json=chat_body("x", messages=5), headers=bearer(PASS_KEYS[0])).status_code == 400
        assert p.request("POST", "/v1/chat/completions", json=chat).status_code == 401
        fake.set_keys(valid=PASS_KEYS[:4], rate_limited=[PASS_KEYS[5]])
        assert p.request("POST", "/v1/chat/completions", json=chat, headers=bearer(PASS_KEYS[4])).status_code == 401
        assert p.request("POST", "/v1/chat/completions", json=chat, headers=bearer(PASS_KEYS[5])).status_code == 429
        assert p.request("GET", "/v1/models/gemini-2.5-flash", params={"key": PASS_KEYS[4]}).status_code == 401

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
        assert s.request("POST", "/v1/chat/completions", json=chat_body("#fake:status=500"), headers=bearer(TOKENS[1])).status_code == 502
        assert s.request("OPTIONS", "/v1/chat/completions", headers={"Origin": "https://a.example"}).status_code == 204
    finally:
        logs = {"pass-through": (passthrough, passthrough.stop()), "server": (server, server.stop())}

    secrets = PASS_KEYS + SERVER_KEYS + TOKENS + [WRONG_TOKEN]
    everything = "\n".join(stderr for _, stderr in logs.values()) + unsafe.stderr.decode() + unsafe.stdout.decode()
    assert [s for s in secrets if s in everything] == []
    # The unsafe configuration does not start, and says which variable to set.
    assert unsafe.returncode == 2
    assert unsafe.stderr.decode().startswith("configuration error: AUTH_TOKEN: ")

    for name, (gateway, stderr) in logs.items():
        records, other = _json_lines(stderr)
        assert [line for line in other if not line.startswith("gateway: http://")] == [], name
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
    status, headers, content = _raw_request(small, "POST", "/v1/chat/completions", b"", {"Content-Length": "99999999999"})
    assert status == 413
    assert json.loads(content)["error"]["code"] == "request_too_large"


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("POST", "/v1/chat/completions", b'{"model": "gemini-2.5-flash", "messages": [', 400, "invalid_json"),
    ("POST", "/v1/chat/completions", b"", 400, "invalid_json"),
    ("POST", "/v1/chat/completions", b"[]", 400, "invalid_json"),
    ("POST", "/v1/chat/completions", b'{"messages": NaN}', 400, "invalid_json"),
    ("POST", "/v1/chat/completions", b"\xff\xfe{}", 400, "invalid_json"),
    ("POST", "/v1/embeddings", b"{" * 5000, 400, "invalid_json"),
    ("POST", "/v1/responses", b"{}", 404, "unknown_url"),
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
