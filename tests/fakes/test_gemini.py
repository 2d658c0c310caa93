"""Tests of the fake Gemini server itself (tests/fakes/gemini.py)."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, embed_values, serve_in_thread

KEY = {"x-goog-api-key": "test-key"}
FLASH = "/v1beta/models/gemini-2.5-flash"
STREAM = FLASH + ":streamGenerateContent?alt=sse"
WEATHER_TOOL = [{"functionDeclarations": [{"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}, {"name": "get_time"}]}]


@pytest.fixture
def client(fake_server, fake):
    with httpx.Client(base_url=fake_server[1], headers=KEY, timeout=10) as c:
        yield c


def ask(text: str, **extra) -> dict:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}], **extra}


def sse(raw: str) -> list[str]:
    """Split an SSE body into its raw ``data:`` payloads, checking the framing."""
    assert raw.endswith("\r\n\r\n")
    events = raw.split("\r\n\r\n")[:-1]
    assert all(e.startswith("data: ") for e in events)
    return [e[len("data: "):] for e in events]


def stream(client: httpx.Client, body: dict, path: str = STREAM) -> list[dict]:
    r = client.post(path, json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    return [json.loads(p) for p in sse(r.text)]


def text_of(resp: dict) -> str:
    parts = resp["candidates"][0]["content"]["parts"]
    return "".join(p["text"] for p in parts if "text" in p and not p.get("thought"))


# ---- generation ----------------------------------------------------------------------


def test_generate_echo(client):
    r = client.post(FLASH + ":generateContent", json=ask("hello there"))
    assert r.status_code == 200
    body = r.json()
    cand = body["candidates"][0]
    assert cand["content"] == {"role": "model", "parts": [{"text": "echo: hello there"}]}
    assert cand["finishReason"] == "STOP" and cand["index"] == 0
    usage = body["usageMetadata"]
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]
    assert body["modelVersion"] == "gemini-2.5-flash" and body["responseId"]


def test_echo_uses_last_user_turn_and_joins_parts(client):
    body = {"contents": [
        {"role": "user", "parts": [{"text": "first"}]},
        {"role": "model", "parts": [{"text": "echo: first"}]},
        {"role": "user", "parts": [{"text": "second"}, {"text": "part"}]}]}
    r = client.post(FLASH + ":generateContent", json=body)
    assert text_of(r.json()) == "echo: second part"


def test_stream_reassembles_to_non_stream_reply(client):
    chunks = stream(client, ask("stream me please"))
    assert len(chunks) == 5
    full = client.post(FLASH + ":generateContent", json=ask("stream me please")).json()
    assert "".join(text_of(c) for c in chunks) == text_of(full) == "echo: stream me please"
    assert [("finishReason" in c["candidates"][0]) for c in chunks] == [False] * 4 + [True]
    totals = [c["usageMetadata"]["candidatesTokenCount"] for c in chunks]
    assert totals == sorted(totals) and chunks[-1]["usageMetadata"] == full["usageMetadata"]
    assert len({c["responseId"] for c in chunks}) == 1


def test_stream_chunks_directive_pads_short_reply(client):
    chunks = stream(client, ask("hi #fake:chunks=20"))
    assert len(chunks) == 20
    assert "".join(text_of(c) for c in chunks).startswith("echo: hi")


def test_unknown_model_404(client):
    r = client.post("/v1beta/models/gemini-does-not-exist:generateContent", json=ask("x"))
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["status"] == "NOT_FOUND"
    assert err["message"].startswith("models/gemini-does-not-exist is not found for API version v1beta")
    assert client.post("/v1beta/models/foo-1:generateContent", json=ask("x")).status_code == 404
    for model in ("gemma-3-27b-it", "learnlm-2.0-flash", "gemini-9-ultra"):
        assert client.post(f"/v1beta/models/{model}:generateContent", json=ask("x")).status_code == 200


@pytest.mark.parametrize("code,status", [(500, "INTERNAL"), (503, "UNAVAILABLE"),
                                         (504, "DEADLINE_EXCEEDED"), (429, "RESOURCE_EXHAUSTED")])
@pytest.mark.parametrize("path", [FLASH + ":generateContent", STREAM])
def test_status_directive(client, code, status, path):
    r = client.post(path, json=ask(f"boom #fake:status={code}"))
    assert r.status_code == code
    err = r.json()["error"]
    assert err["code"] == code and err["status"] == status
    if code == 503:
        assert err["message"] == "The model is overloaded. Please try again later."
    if code == 429:
        assert err["details"][1]["retryDelay"] == "7s"


def test_function_call(client):
    r = client.post(FLASH + ":generateContent", json=ask("please call get_weather", tools=WEATHER_TOOL))
    cand = r.json()["candidates"][0]
    assert cand["content"]["parts"] == [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]
    assert cand["finishReason"] == "STOP"
    # without tools it is just an echo
    r = client.post(FLASH + ":generateContent", json=ask("please call get_weather"))
    assert text_of(r.json()) == "echo: please call get_weather"


def test_parallel_function_calls_with_args_and_signature(client):
    text = 'call get_weather {"city": "Tokyo"} and call get_time zone=UTC days=3'
    r = client.post("/v1beta/models/gemini-3-pro-preview:generateContent", json=ask(text, tools=WEATHER_TOOL))
    parts = r.json()["candidates"][0]["content"]["parts"]
    assert [p["functionCall"] for p in parts] == [
        {"name": "get_weather", "args": {"city": "Tokyo"}},
        {"name": "get_time", "args": {"zone": "UTC", "days": 3}}]
    assert parts[0]["thoughtSignature"] and "thoughtSignature" not in parts[1]
    chunks = stream(client, ask(text, tools=WEATHER_TOOL), "/v1beta/models/gemini-3-pro-preview"
                    ":streamGenerateContent?alt=sse")
    assert len(chunks) == 1 and chunks[0]["candidates"][0]["content"]["parts"] == parts


def test_function_response(client):
    body = {"contents": [
        {"role": "user", "parts": [{"text": "call get_weather"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather",
                                                         "response": {"temp": 21}}}]}],
        "tools": WEATHER_TOOL}
    r = client.post(FLASH + ":generateContent", json=body)
    assert text_of(r.json()) == 'result: {"temp": 21}'


def test_block_max_tokens_thinking(client):
    blocked = client.post(FLASH + ":generateContent", json=ask("bad #fake:block")).json()
    assert blocked["promptFeedback"]["blockReason"] == "SAFETY" and "candidates" not in blocked
    assert stream(client, ask("bad #fake:block"))[0]["promptFeedback"]["blockReason"] == "SAFETY"

    r = client.post(FLASH + ":generateContent", json=ask("long #fake:max_tokens")).json()
    assert r["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert stream(client, ask("long #fake:max_tokens"))[-1]["candidates"][0]["finishReason"] == "MAX_TOKENS"

    r = client.post(FLASH + ":generateContent", json=ask("think #fake:thinking")).json()
    parts = r["candidates"][0]["content"]["parts"]
    assert parts[0]["thought"] is True and parts[1] == {"text": "echo: think"}
    usage = r["usageMetadata"]
    assert usage["thoughtsTokenCount"] > 0
    assert usage["totalTokenCount"] == (usage["promptTokenCount"] + usage["candidatesTokenCount"]
                                        + usage["thoughtsTokenCount"])
    chunks = stream(client, ask("think #fake:thinking"))
    assert chunks[0]["candidates"][0]["content"]["parts"][0]["thought"] is True
    assert "".join(text_of(c) for c in chunks) == "echo: think"


def test_stream_faults(client):
    cut = stream(client, ask("x #fake:cut"))
    assert len(cut) == 2 and all("finishReason" not in c["candidates"][0] for c in cut)

    mid = stream(client, ask("x #fake:midstream_error"))
    assert len(mid) == 3 and mid[2] == {"error": {
        "code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED"}}

    raw = sse(client.post(STREAM, json=ask("x #fake:garbage")).text)
    with pytest.raises(ValueError):
        json.loads(raw[2])
    assert len(raw) == 6 and "finishReason" in json.loads(raw[-1])["candidates"][0]


def test_delays(client, fake):
    t0 = time.monotonic()
    client.post(FLASH + ":generateContent", json=ask("x #fake:sleep=0.3"))
    assert time.monotonic() - t0 >= 0.3
    t0 = time.monotonic()
    with client.stream("POST", STREAM, json=ask("x #fake:first_delay=0.3 #fake:delay=0.05")) as r:
        assert time.monotonic() - t0 >= 0.3
        assert len(sse(r.read().decode())) == 5
    assert time.monotonic() - t0 >= 0.5
    assert fake.wait_for_event("stream_completed")["chunks"] == 5


# ---- auth ----------------------------------------------------------------------------


def test_auth(client, fake, fake_server):
    base = fake_server[1]
    r = httpx.post(base + FLASH + ":generateContent", json=ask("x"))
    assert r.status_code == 403 and r.json()["error"]["status"] == "PERMISSION_DENIED"
    assert "unregistered callers" in r.json()["error"]["message"]
    assert httpx.post(base + FLASH + ":generateContent?key=any", json=ask("x")).status_code == 200

    fake.set_keys(valid=["good", "slow"], rate_limited=["slow"])
    r = client.post(FLASH + ":generateContent", json=ask("x"))
    assert r.status_code == 400 and r.json() == {"error": {
        "code": 400, "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT", "details": [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "generativelanguage.googleapis.com"}}]}}
    assert client.get("/v1beta/models", headers={"x-goog-api-key": "good"}).status_code == 200
    r = client.post(FLASH + ":generateContent", headers={"x-goog-api-key": "slow"}, json=ask("x"))
    assert r.status_code == 429
    err = r.json()["error"]
    assert err["status"] == "RESOURCE_EXHAUSTED" and "Please retry in 7.5s" in err["message"]
    assert [d["@type"].rsplit(".", 1)[1] for d in err["details"]] == ["QuotaFailure", "RetryInfo"]
    assert err["details"][0]["violations"][0]["quotaId"] == "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"

    # admin route does the same; reset restores the startup (open) configuration
    httpx.post(base + "/_fake/keys", json={"valid": ["other"]})
    assert client.post(FLASH + ":generateContent", json=ask("x")).status_code == 400
    httpx.post(base + "/_fake/reset")
    assert client.post(FLASH + ":generateContent", json=ask("x")).status_code == 200


# ---- embeddings ------------------------------------------------------------------------


def embed_req(text: str, **extra) -> dict:
    return {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": text}]}, **extra}


def test_batch_embeddings(client):
    path = "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    reqs = [embed_req("a"), embed_req("b", outputDimensionality=3, taskType="RETRIEVAL_QUERY"), embed_req("a")]
    embs = client.post(path, json={"requests": reqs}).json()["embeddings"]
    assert [len(e["values"]) for e in embs] == [8, 3, 8]
    assert embs[0] == embs[2] != embs[1] and embs[0]["values"] == embed_values("a", 8)
    assert abs(sum(v * v for v in embs[0]["values"]) - 1) < 1e-4

    r = client.post(path, json={"requests": [embed_req(str(i)) for i in range(101)]})
    assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "at most 100 requests can be in one batch" in r.json()["error"]["message"]
    assert client.post(path, json={"requests": [embed_req("x")] * 100}).status_code == 200

    r = client.post("/v1beta/models/gemini-embedding-001:embedContent", json=embed_req("a"))
    assert r.json() == {"embedding": embs[0]}
    bad = client.post("/v1beta/models/embed-does-not-exist:embedContent", json=embed_req("a"))
    assert bad.status_code == 404
    err = client.post(path, json={"requests": [embed_req("x #fake:status=503")]})
    assert err.status_code == 503


# ---- models ----------------------------------------------------------------------------


def test_list_models_pagination(client):
    everything = client.get("/v1beta/models").json()
    assert "nextPageToken" not in everything
    names = [m["name"] for m in everything["models"]]
    assert "models/gemini-2.5-flash" in names and "models/gemini-embedding-001" in names
    paged, token, pages = [], None, 0
    while True:
        params = {"pageSize": 2, **({"pageToken": token} if token else {})}
        page = client.get("/v1beta/models", params=params).json()
        assert len(page["models"]) <= 2
        paged += [m["name"] for m in page["models"]]
        pages += 1
        token = page.get("nextPageToken")
        if not token:
            break
    assert paged == names and pages == (len(names) + 1) // 2
    m = client.get("/v1beta/models/gemini-2.5-pro").json()
    assert m["name"] == "models/gemini-2.5-pro" and "generateContent" in m["supportedGenerationMethods"]
    for field in ("version", "displayName", "inputTokenLimit", "outputTokenLimit"):
        assert field in m
    r = client.get("/v1beta/models/nope")
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"


# ---- scripting & inspection ------------------------------------------------------------


def test_script_via_admin_routes(client, fake_server):
    base = fake_server[1]
    canned = {"candidates": [{"content": {"role": "model", "parts": [{"text": "canned"}]},
                              "finishReason": "STOP", "index": 0}]}
    r = httpx.post(base + "/_fake/script", json={"responses": [
        {"status": 429, "json": {"error": {"code": 429, "message": "slow down"}}},
        {"status": 200, "json": canned},
        {"status": 200, "sse": ['{"candidates": []}', "not json", {"x": 1}], "delay": 0.01},
        {"status": 503, "headers": {"retry-after": "2"}},
        {},
    ]})
    assert r.json() == {"queued": 5}
    gen = FLASH + ":generateContent"
    r = client.post(gen, json=ask("x"))
    assert r.status_code == 429 and r.json()["error"]["message"] == "slow down"
    assert client.post(gen, json=ask("x")).json() == canned
    assert sse(client.post(STREAM, json=ask("x")).text) == ['{"candidates": []}', "not json", '{"x": 1}']
    r = client.post(gen, json=ask("x"))
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.json()["error"]["status"] == "UNAVAILABLE"
    assert text_of(client.post(gen, json=ask("placeholder")).json()) == "echo: placeholder"
    assert text_of(client.post(gen, json=ask("default")).json()) == "echo: default"


def test_script_in_process_and_records(client, fake, fake_server):
    fake.script({"status": 500}, [{"status": 200, "json": {"embedding": {"values": [1.0]}}}])
    assert client.post(FLASH + ":generateContent", json=ask("x")).status_code == 500
    r = client.post("/v1beta/models/gemini-embedding-001:embedContent?foo=bar", json=embed_req("q"))
    assert r.json() == {"embedding": {"values": [1.0]}}

    recs = httpx.get(fake_server[1] + "/_fake/requests").json()
    assert [rec["path"] for rec in recs] == [FLASH + ":generateContent",
                                              "/v1beta/models/gemini-embedding-001:embedContent"]
    assert recs[1]["query"] == {"foo": "bar"} and recs[1]["key"] == "test-key"
    assert recs[1]["method"] == "POST" and recs[1]["json"] == embed_req("q")
    assert fake.requests[0]["json"] == ask("x")
    httpx.get(fake_server[1] + "/v1beta/models?key=qk")
    assert fake.requests[-1]["key"] == "qk"
    httpx.post(fake_server[1] + "/_fake/reset")
    assert fake.requests == [] and httpx.get(fake_server[1] + "/_fake/events").json() == []


# ---- disconnects & load ----------------------------------------------------------------


def test_disconnect_noticed_promptly(client, fake):
    with client.stream("POST", STREAM, json=ask("slow #fake:chunks=50 #fake:delay=0.05")) as r:
        lines = r.iter_lines()
        got = 0
        for line in lines:
            got += line.startswith("data: ")
            if got == 2:
                break
    closed_at = time.monotonic()
    ev = fake.wait_for_event("stream_disconnected", timeout=2)
    assert ev is not None and ev["path"] == FLASH + ":streamGenerateContent"
    assert ev["t"] - closed_at < 0.5 and ev["chunks"] < 10
    assert not any(e["type"] == "stream_completed" for e in fake.events)


def test_disconnect_during_non_stream_sleep(fake_server, fake):
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(fake_server[1] + FLASH + ":generateContent", headers=KEY,
                   json=ask("x #fake:sleep=5"), timeout=0.2)
    assert fake.wait_for_event("request_disconnected", timeout=1) is not None


def test_200_concurrent_slow_streams(fake_server, fake):
    async def one(c: httpx.AsyncClient, i: int) -> str:
        r = await c.post(STREAM, json=ask(f"number {i} #fake:chunks=10 #fake:delay=0.05"))
        assert r.status_code == 200
        return "".join(text_of(json.loads(p)) for p in sse(r.text))

    async def run() -> list[str]:
        limits = httpx.Limits(max_connections=250)
        async with httpx.AsyncClient(base_url=fake_server[1], headers=KEY, limits=limits, timeout=30) as c:
            return await asyncio.gather(*(one(c, i) for i in range(200)))

    t0 = time.monotonic()
    texts = asyncio.run(run())
    elapsed = time.monotonic() - t0
    assert texts == [f"echo: number {i}" for i in range(200)]
    assert elapsed < 10  # serially this would take 200 * 0.45s = 90s
    assert sum(e["type"] == "stream_completed" for e in fake.events) == 200


def test_stop_closes_open_streams():
    fake = FakeGemini()
    base_url, stop = serve_in_thread(fake)
    errors = []

    def slow() -> None:
        try:
            httpx.post(base_url + STREAM, headers=KEY, timeout=10,
                       json=ask("x #fake:chunks=100 #fake:delay=0.1"))
        except httpx.HTTPError as exc:
            errors.append(exc)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    stop()
    t.join(5)
    assert time.monotonic() - t0 < 1 and errors
    assert fake.events[0]["type"] == "stream_disconnected"


def test_main_subprocess_port_zero():
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.gemini", "--port", "0", "--keys", "k1,k2"],
                            cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        base = line.split()[-1]
        r = httpx.post(base + FLASH + ":generateContent", headers={"x-goog-api-key": "k2"},
                       json=ask("hi"), timeout=10)
        assert text_of(r.json()) == "echo: hi"
        r = httpx.post(base + FLASH + ":generateContent", headers={"x-goog-api-key": "k3"},
                       json=ask("hi"), timeout=10)
        assert r.status_code == 400
    finally:
        proc.terminate()
        proc.wait(10)
