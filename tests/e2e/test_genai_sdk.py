"""Google's own Python SDK (google-genai) through the native pass-through, against the fake Gemini.

The SDK is pointed at the gateway with `http_options.base_url`, as a user in a region Google does
not serve would; it calls Gemini's stable `/v1` API by default, and `/v1beta` when asked.
"""

from __future__ import annotations

import time

import pytest
from google import genai
from google.genai import errors, types

from tests.e2e.conftest import USER_KEY

SERVER_KEY = "AIzaGenaiServerKey00000001"
TOKEN = "genai-team-token"


@pytest.fixture(params=["pass-through", "server-keys"])
def client(request, gateway, fake):
    """A google-genai client for each auth mode, and the key Gemini should see from it."""
    if request.param == "pass-through":
        base_url, api_key, upstream_key = gateway(), USER_KEY, USER_KEY
    else:
        base_url, api_key, upstream_key = gateway({"GEMINI_API_KEY": SERVER_KEY, "AUTH_TOKEN": TOKEN}), TOKEN, SERVER_KEY
    sdk = genai.Client(api_key=api_key, http_options=types.HttpOptions(base_url=base_url, timeout=10_000))
    sdk.upstream_key = upstream_key
    return sdk


def test_generate_content(client, fake):
    response = client.models.generate_content(model="gemini-2.5-flash", contents="hello native")
    assert response.text == "echo: hello native" and response.usage_metadata.total_token_count > 0
    request = fake.requests[-1]
    assert request["path"] == "/v1/models/gemini-2.5-flash:generateContent" and request["key"] == client.upstream_key
    assert TOKEN not in str(request["headers"])


def test_generate_content_stream_arrives_in_chunks(client, fake):
    chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="stream me #fake:chunks=4"))
    assert len(chunks) == 4 and "".join(chunk.text for chunk in chunks) == "echo: stream me"
    assert fake.requests[-1]["query"] == {"alt": "sse"} and fake.requests[-1]["key"] == client.upstream_key


def test_embed_content(client, fake):
    result = client.models.embed_content(model="gemini-embedding-001", contents=["one", "two"],
                                         config=types.EmbedContentConfig(output_dimensionality=8))
    assert [len(e.values) for e in result.embeddings] == [8, 8]
    assert fake.requests[-1]["path"].endswith(":batchEmbedContents")


def test_models_list(client, fake):
    names = [model.name for model in client.models.list(config={"page_size": 5})]
    assert "models/gemini-2.5-flash" in names and len(names) > 5  # every page, through the gateway
    assert fake.requests[-1]["path"] == "/v1/models"


def test_files_upload_get_delete(client, fake, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"native upload through the gateway\n" * 100)
    uploaded = client.files.upload(file=path, config={"mime_type": "text/plain"})
    assert uploaded.name.startswith("files/") and uploaded.size_bytes == path.stat().st_size
    assert client.files.get(name=uploaded.name).state.name == "ACTIVE"
    client.files.delete(name=uploaded.name)
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name=uploaded.name)
    assert caught.value.code == 404
    data_request = next(r for r in fake.requests if "upload_id" in r["query"])
    assert data_request["key"] is None  # the upload id authorizes the bytes, as at Google


def test_the_v1beta_api_too(client, fake):
    beta = genai.Client(api_key=client._api_client.api_key, http_options=types.HttpOptions(
        base_url=client._api_client._http_options.base_url, api_version="v1beta", timeout=10_000))
    assert beta.models.generate_content(model="gemini-2.5-flash", contents="beta").text == "echo: beta"
    assert fake.requests[-1]["path"] == "/v1beta/models/gemini-2.5-flash:generateContent"


def test_gemini_s_errors_reach_the_sdk_as_its_own(client):
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-does-not-exist", contents="x")
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    with pytest.raises(errors.ServerError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents="x #fake:status=503")
    assert caught.value.code == 503


def test_a_wrong_token_is_the_sdk_s_401(gateway):
    app = gateway({"GEMINI_API_KEY": SERVER_KEY, "AUTH_TOKEN": TOKEN})
    sdk = genai.Client(api_key="not-the-token", http_options=types.HttpOptions(base_url=app, timeout=10_000))
    with pytest.raises(errors.ClientError) as caught:
        sdk.models.generate_content(model="gemini-2.5-flash", contents="x")
    assert caught.value.code == 401 and caught.value.status == "UNAUTHENTICATED"


def test_an_upload_too_large_for_the_gateway_fails_at_once_with_its_reason(gateway, tmp_path):
    small = gateway({"MAX_BODY_BYTES": "4096"})
    sdk = genai.Client(api_key=USER_KEY, http_options=types.HttpOptions(base_url=small, timeout=10_000))
    path = tmp_path / "big.bin"
    path.write_bytes(b"\x00" * 10_000)
    started = time.monotonic()
    with pytest.raises(errors.ClientError) as caught:
        sdk.files.upload(file=path, config={"mime_type": "application/octet-stream"})
    assert caught.value.code == 413 and "4096" in caught.value.message
    assert time.monotonic() - started < 1  # not resent three times with back-off
