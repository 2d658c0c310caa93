"""Requests no well-behaved client sends, written byte for byte on a real socket (an HTTP client would
normalise them first): each gets a 4xx in the envelope of the API its path names, never a 500."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from adapters.app import Gateway
from tests.fakes.gemini import serve_in_thread

KEY = "AIzaWireRobustnessKey000001"


@pytest.fixture(scope="module")
def address(fake_server) -> Iterator[tuple[str, int]]:
    _, fake_url = fake_server
    base_url, stop = serve_in_thread(Gateway(env={"GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "error"}))
    host, port = base_url.removeprefix("http://").split(":")
    yield host, int(port)
    stop()


def exchange(address: tuple[str, int], head: str, body: bytes = b"") -> tuple[int, dict]:
    """One request as raw bytes -> (status, JSON body)."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head.encode("latin-1") + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def get(address: tuple[str, int], path: str) -> tuple[int, dict]:
    return exchange(address, f"GET {path} HTTP/1.1\r\nHost: {address[0]}\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n\r\n")


GOOGLE = {"code": 400, "status": "INVALID_ARGUMENT"}


@pytest.mark.parametrize(("path", "message", "google"), [
    ("/v1beta/files/%FF", "The request path is not valid percent-encoded UTF-8.", True),
    ("/v1beta/models/%C0%AF:generateContent", "The request path is not valid percent-encoded UTF-8.", True),  # overlong '/'
    ("/v1/models/%FF", "The request path is not valid percent-encoded UTF-8.", False),
    ("/v1/models/%00", "The request path holds control characters.", False),
    ("/v1beta/models/gemini-2.5-flash%0A", "The request path holds control characters.", True),
    ("/v1beta/files/abc?key=%FF", "The query string is not valid percent-encoded UTF-8.", True),
])
def test_an_undecodable_path_is_a_400_in_its_apis_envelope(address, path, message, google):
    status, body = get(address, path)
    assert status == 400
    if google:
        assert body == {"error": {**GOOGLE, "message": message}}
    else:
        assert body["error"]["message"] == message and body["error"]["type"] == "invalid_request_error"


def test_a_decodable_path_of_no_file_reaches_gemini_which_says_not_found(address):
    status, body = get(address, "/v1beta/files/%C4%80")  # U+0100: a character, just not a file
    assert status == 404 and body["error"]["status"] == "NOT_FOUND"


def test_dot_segments_are_not_a_way_out_of_the_native_api(address):
    status, body = get(address, "/v1beta/models/gemini-2.5-flash/../../x")
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT" and "Not a Gemini API path" in body["error"]["message"]


@pytest.mark.parametrize(("body", "says"), [
    (b'{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"\\ud800"}]}', "lone UTF-16 surrogate"),
    (b"\xff\xfe{}", "not valid UTF-8"),
    (b'{"model":"gemini-2.5-flash","messages":[]}trailing', "not valid JSON"),
    (b"[" * 100_000, "nested more than"),
    (b'{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}],"temperature":NaN}', "NaN is not valid JSON"),
])
def test_a_body_no_json_encoder_writes_is_a_400(address, body, says):
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {address[0]}\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    status, answer = exchange(address, head, body)
    assert status == 400 and says in answer["error"]["message"] and answer["error"]["code"] == "invalid_json"
