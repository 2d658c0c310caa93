"""Gemini's own API, forwarded: what goes upstream, what comes back (core/native.py)."""

from __future__ import annotations

import pytest

from core.errors import InvalidRequestError, RateLimitError
from core.native import native_error_headers, native_request, native_response_headers, public_origin

BASE = "https://generativelanguage.googleapis.com"


def test_method_path_query_and_the_call_s_own_headers_go_upstream_but_never_the_key():
    headers = {"x-goog-api-key": "client-key", "content-type": "application/json", "cookie": "c=1",
               "x-goog-api-client": "google-genai-sdk/3.4.0", "user-agent": "sdk"}
    plan = native_request("post", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", "alt=sse&key=client-key", headers)
    request = plan.request
    assert (request.method, request.path, request.query) == ("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", (("alt", "sse"),))
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


def test_errors_in_google_s_envelope():
    assert RateLimitError("Slow down.").to_google_dict() == {"error": {"code": 429, "message": "Slow down.", "status": "RESOURCE_EXHAUSTED"}}


def test_the_gateway_s_own_error_on_an_upload_ends_it_so_the_sdk_does_not_resend_the_chunk():
    assert native_error_headers("/upload/v1beta/files") == [("x-goog-upload-status", "final")]
    assert native_error_headers("/v1beta/models") == []
