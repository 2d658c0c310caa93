"""Gemini's own API, forwarded: what goes upstream, what comes back (core/native.py)."""

from __future__ import annotations

import pytest

from core.errors import InvalidRequestError, PermissionDeniedError, RateLimitError
from core.native import native_error_headers, native_request, native_response_headers, public_origin, upload_secret

BASE = "https://generativelanguage.googleapis.com"


def test_method_path_query_and_the_call_s_own_headers_go_upstream_but_never_the_key():
    headers = {"x-goog-api-key": "client-key", "content-type": "application/json", "cookie": "c=1",
               "x-goog-api-client": "google-genai-sdk/3.4.0", "user-agent": "sdk"}
    plan = native_request("post", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", "alt=sse&key=client-key", headers)
    request = plan.request
    assert (request.method, request.target()) == ("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
    assert request.stream and plan.model == "gemini-2.5-flash" and plan.needs_key
    assert request.forward == (("content-type", "application/json"),)
    sent = request.headers("pool-key")
    assert sent["x-goog-api-key"] == "pool-key" and "cookie" not in sent and "client-key" not in str(sent)


def test_the_body_rides_as_bytes_for_writes_only():
    plan = native_request("POST", "/v1beta/models/m:generateContent", "", {})
    assert plan.with_body(b'{"contents":[]}').request.content(None) == b'{"contents":[]}'
    assert native_request("GET", "/v1beta/models", "", {}).with_body(b"").request.body is None
    # bytes are sent as they are, with the client's own content type, not as JSON
    assert "content-type" not in plan.with_body(b"x").request.headers("k")


def test_an_upload_s_continuation_needs_no_key_but_its_start_does():
    upload = {"x-goog-upload-protocol": "resumable", "x-goog-upload-command": "start", "x-goog-upload-header-content-length": "5"}
    start = native_request("POST", "/upload/v1beta/files", "", upload)
    assert start.needs_key and dict(start.request.forward)["x-goog-upload-command"] == "start"
    chunk = native_request("POST", "/upload/v1beta/files", "upload_id=abc&upload_protocol=resumable",
                           {"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0"})
    assert not chunk.needs_key and "x-goog-api-key" not in chunk.request.headers(None)


SECRET = upload_secret(("AIza-server-key-1",), ("token-1",))


def test_with_server_keys_an_upload_url_is_signed_and_only_a_signed_continuation_goes_keyless():
    upstream = [("X-Goog-Upload-URL", f"{BASE}/upload/v1beta/files?upload_id=abc&upload_protocol=resumable")]
    [(_, url)] = native_response_headers(upstream, BASE, "https://gw.example.com", secret=SECRET)
    query = url.split("?", 1)[1]
    assert query.startswith("upload_id=abc&upload_protocol=resumable&gateway_upload=")
    chunk = native_request("POST", "/upload/v1beta/files", query, {"x-goog-upload-command": "upload"}, scope="models", secret=SECRET)
    assert not chunk.needs_key and chunk.request.target() == "/upload/v1beta/files?upload_id=abc&upload_protocol=resumable"
    for forged in ("upload_id=abc", "upload_id=abd&" + query.split("&", 1)[1], query.replace("gateway_upload=", "gateway_upload=0")):
        with pytest.raises(PermissionDeniedError):
            native_request("POST", "/upload/v1beta/files", forged, {"x-goog-upload-command": "upload"}, scope="models", secret=SECRET)
    # a signature from another deployment's secrets is no signature
    other = upload_secret(("AIza-other",), ("token-1",))
    with pytest.raises(PermissionDeniedError):
        native_request("POST", "/upload/v1beta/files", query, {"x-goog-upload-command": "upload"}, scope="models", secret=other)


@pytest.mark.parametrize("method, path, command", [
    ("POST", "/upload/v1beta/models/m:generateContent", "upload"),
    ("GET", "/upload/v1beta/files", "query"),
    ("DELETE", "/upload/v1beta/files", "upload"),
    ("POST", "/upload/v1beta/files", ""),
    ("POST", "/upload/v1beta/files", "upload, delete"),
])
def test_a_keyless_request_is_only_ever_a_resumable_upload_s_continuation(method, path, command):
    with pytest.raises(PermissionDeniedError):
        native_request(method, path, "upload_id=1&access_token=x", {"x-goog-upload-command": command} if command else {})


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/v1beta/models", True),
    ("GET", "/v1/models/gemini-3.8-flash", True),
    ("POST", "/v1beta/models/gemini-3.8-flash:streamGenerateContent", True),
    ("POST", "/v1beta/models/gemini-embedding-001:batchEmbedContents", True),
    ("GET", "/v1beta/models/veo-3/operations/op1", True),
    ("POST", "/upload/v1beta/files", True),
    ("GET", "/v1beta/files/abc123", True),
    ("DELETE", "/v1beta/files/abc123", True),
    ("GET", "/v1beta/files", False),
    ("GET", "/v1beta/cachedContents", False),
    ("POST", "/v1beta/cachedContents", False),
    ("GET", "/v1beta/tunedModels", False),
    ("GET", "/v1beta/operations", False),
    ("GET", "/v1beta/batches", False),
    ("DELETE", "/v1beta/models/gemini-3.8-flash", False),
])
def test_token_holders_reach_models_and_their_own_uploads_unless_the_owner_opens_the_rest(method, path, allowed):
    if allowed:
        native_request(method, path, "", {}, scope="models", secret=SECRET)
    else:
        with pytest.raises(PermissionDeniedError) as refused:
            native_request(method, path, "", {}, scope="models", secret=SECRET)
        assert "NATIVE_API=all" in refused.value.message
    native_request(method, path, "", {}, scope="all", secret=SECRET)
    native_request(method, path, "", {})  # pass-through: the client's own key, its own project


def test_the_path_and_query_go_upstream_in_the_client_s_own_encoding():
    plan = native_request("GET", "/v1beta/files/\u0100", "pageToken=a%2Bb%3D&key=k", {}, raw_path="/v1beta/files/%C4%80")
    assert plan.request.target() == "/v1beta/files/%C4%80?pageToken=a%2Bb%3D"
    plan = native_request("GET", "/v1beta/files/%2e%2e", "", {}, raw_path="/v1beta/files/%252e%252e")
    assert plan.request.target() == "/v1beta/files/%252e%252e"


@pytest.mark.parametrize("path, query", [
    ("/v1beta/files/a\x00b", ""), ("/v1beta/files/a\x0bb", ""), ("/v1beta/files/a\x7fb", ""), ("/v1beta/files/..", ""),
    ("/v1beta/models", "pageToken=%00"), ("/v1beta/models", "pageToken=%FF"),
])
def test_control_characters_and_undecodable_bytes_are_a_400(path, query):
    with pytest.raises(InvalidRequestError):
        native_request("GET", path, query, {})


@pytest.mark.parametrize("path", ["/v1beta/../admin", "/v1beta/models/a b:generateContent", "/v1beta/models/x\r\n"])
def test_paths_that_could_leave_the_api_are_refused(path):
    with pytest.raises(InvalidRequestError):
        native_request("GET", path, "", {})


def test_an_upload_url_is_pointed_at_the_gateway_and_hop_by_hop_headers_dropped():
    upstream = [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked"), ("Content-Length", "5"),
                ("X-Goog-Upload-URL", f"{BASE}/upload/v1beta/files?upload_id=abc&upload_protocol=resumable"),
                ("X-Goog-Upload-Status", "active"), ("Set-Cookie", "NID=1")]
    assert native_response_headers(upstream, BASE, "https://gw.example.com") == [
        ("content-type", "application/json"),
        ("x-goog-upload-url", "https://gw.example.com/upload/v1beta/files?upload_id=abc&upload_protocol=resumable"),
        ("x-goog-upload-status", "active"),
    ]


def test_the_public_origin_is_how_the_client_reached_us():
    assert public_origin({"host": "localhost:8000"}, "http") == "http://localhost:8000"
    assert public_origin({"host": "10.0.0.1", "x-forwarded-host": "gw.example.com", "x-forwarded-proto": "https"}, "http") == "https://gw.example.com"
    assert public_origin({"x-forwarded-proto": "javascript"}, "https") == "https://localhost"
    assert public_origin({"host": "[::1]:8080"}, "http") == "http://[::1]:8080"
    assert public_origin({"host": "gw.internal"}, "http", "https://gw.example.com") == "https://gw.example.com"


@pytest.mark.parametrize("host", ["attacker.example:1234/path?", "a b", "evil.example#x", "host:99999", "host:", "x@evil.example",
                                  "gw.example.com\\evil", "[::1]x", ""])
def test_a_host_header_that_is_not_a_plain_host_and_port_is_never_used(host):
    assert public_origin({"host": host}, "https") == "https://localhost"
    assert public_origin({"host": "gw.example.com", "x-forwarded-host": host}, "https") == "https://gw.example.com"


def test_errors_in_google_s_envelope():
    assert RateLimitError("Slow down.").to_google_dict() == {
        "error": {"code": 429, "message": "Slow down.", "status": "RESOURCE_EXHAUSTED"}}


def test_the_gateway_s_own_error_on_an_upload_ends_it_so_the_sdk_does_not_resend_the_chunk():
    assert native_error_headers("/upload/v1beta/files") == [("x-goog-upload-status", "final")]
    assert native_error_headers("/v1beta/models") == []
