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


# ---- strict mode (tests/fakes/strict.py) -----------------------------------------------

FLASH_38 = "gemini-3.8-flash"
SIG = "c2lnbmF0dXJl"  # base64 "signature"


def gen(client: httpx.Client, model: str, body: dict, stream: bool = False) -> httpx.Response:
    action = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return client.post(f"/v1beta/models/{model}:{action}", json=body)


def refused(r: httpx.Response, code: int = 400) -> str:
    assert r.status_code == code, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["status"] == {400: "INVALID_ARGUMENT", 404: "NOT_FOUND"}[code]
    return err["message"]


def thinking(**config) -> dict:
    return ask("hi", generationConfig={"thinkingConfig": config})


def call(name: str = "get_weather", sig: str | None = None) -> dict:
    part: dict = {"functionCall": {"name": name, "args": {"city": "Paris"}}}
    if sig is not None:
        part["thoughtSignature"] = sig
    return part


def answer(name: str = "get_weather") -> dict:
    return {"functionResponse": {"name": name, "response": {"temp": 21}}}


def history(*contents: tuple[str, list[dict]]) -> dict:
    return {"contents": [{"role": role, "parts": parts} for role, parts in contents], "tools": WEATHER_TOOL}


GONE_3_PRO = ("This model models/gemini-3-pro-preview is no longer available. Please update your code to "
              "use a newer model for the latest features and improvements. We recommend you to use the "
              "Interactions API (https://ai.google.dev/gemini-api/docs/migrate-to-interactions).")


def test_strict_shut_down_models_answer_404_for_every_method(client, strict):
    assert refused(gen(client, "gemini-3-pro-preview", ask("hi")), 404) == GONE_3_PRO
    assert refused(gen(client, "gemini-3-pro-preview", ask("hi"), stream=True), 404) == GONE_3_PRO
    assert refused(client.get("/v1beta/models/gemini-3-pro-preview"), 404) == GONE_3_PRO
    message = refused(client.post("/v1beta/models/gemini-2.0-flash:countTokens", json=ask("hi")), 404)
    assert message.startswith("This model models/gemini-2.0-flash is no longer available. Please update "
                              "your code to use models/gemini-3.8-flash")
    # its replacement answers; lax mode still serves the old name
    assert gen(client, "gemini-3.1-pro-preview", ask("hi")).status_code == 200
    strict.strict = False
    assert gen(client, "gemini-3-pro-preview", ask("hi")).status_code == 200


@pytest.mark.parametrize("requested,served", [
    ("gemini-2.5-pro", "gemini-3.8-flash"), ("gemini-2.5-flash", "gemini-3.5-flash-lite"),
    ("gemini-flash-latest", "gemini-3.8-flash"), ("gemini-2.5-flash-lite", "gemini-2.5-flash-lite")])
def test_strict_retired_names_are_served_by_their_replacement(client, strict, requested, served):
    r = gen(client, requested, ask("hi"))
    assert r.status_code == 200 and r.json()["modelVersion"] == served
    assert stream(client, ask("hi"), f"/v1beta/models/{requested}:streamGenerateContent?alt=sse")[0][
        "modelVersion"] == served


def test_strict_retired_names_follow_their_replacements_rules(client, strict):
    # gemini-2.5-pro is 3.8 Flash now: no minimal, and a zero budget is fine
    assert "Thinking level MINIMAL" in refused(gen(client, "gemini-2.5-pro", thinking(thinkingLevel="minimal")))
    assert gen(client, "gemini-2.5-pro", thinking(thinkingBudget=0)).status_code == 200
    # gemini-2.5-flash is 3.5 Flash-Lite now: it cannot stop thinking, and takes minimal
    assert refused(gen(client, "gemini-2.5-flash", thinking(thinkingBudget=0))) == (
        "Budget 0 is invalid. This model only works in thinking mode.")
    assert gen(client, "gemini-2.5-flash", thinking(thinkingLevel="minimal")).status_code == 200


MINIMAL_REFUSED = "Thinking level MINIMAL is not supported for this model. Please retry with other thinking level."


@pytest.mark.parametrize("model,config,message", [
    (FLASH_38, {"thinkingLevel": "minimal"}, MINIMAL_REFUSED),
    ("gemini-3.7-flash", {"thinkingLevel": "MINIMAL"}, MINIMAL_REFUSED),
    ("gemini-flash-latest", {"thinkingLevel": "minimal", "includeThoughts": True}, MINIMAL_REFUSED),
    ("gemini-3.1-pro-preview", {"thinkingLevel": "minimal"}, MINIMAL_REFUSED),
    ("gemma-4-31b-it", {"thinkingLevel": "low"},
     "Thinking level LOW is not supported for this model. Please retry with other thinking level."),
    (FLASH_38, {"thinkingLevel": "low", "thinkingBudget": 1024},
     "thinking_budget and thinking_level are not supported together."),
    ("gemini-2.5-flash-lite", {"thinkingLevel": "low", "thinkingBudget": 1024},
     "thinking_budget and thinking_level are not supported together."),
    (FLASH_38, {"thinkingLevel": "extreme"},
     ("Invalid value at 'generation_config.thinking_config.thinking_level' (type.googleapis.com/"
      "google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), \"extreme\"")),
    ("gemma-3-27b-it", {"thinkingBudget": 0}, "Thinking is not enabled for models/gemma-3-27b-it"),
    ("gemma-3-27b-it", {"includeThoughts": True}, "Thinking is not enabled for models/gemma-3-27b-it"),
    ("gemini-2.5-flash-lite", {"thinkingLevel": "low"}, "Thinking level is not supported for this model."),
    ("gemma-4-31b-it", {"thinkingBudget": 1024}, "Thinking budget is not supported for this model."),
    ("gemini-3.1-pro-preview", {"thinkingBudget": 0}, "Budget 0 is invalid. This model only works in thinking mode."),
    ("gemini-3.5-flash-lite", {"thinking_budget": 0}, "Budget 0 is invalid. This model only works in thinking mode."),
    ("gemini-2.5-flash-lite", {"thinkingBudget": 128},
     "The thinking budget 128 is invalid. Please choose a value between 512 and 24576."),
    ("gemini-2.5-flash-lite", {"thinkingBudget": 30000},
     "The thinking budget 30000 is invalid. Please choose a value between 512 and 24576."),
])
def test_strict_refuses_thinking_configs(client, strict, model, config, message):
    assert refused(gen(client, model, ask("hi", generationConfig={"thinkingConfig": config}))) == message
    assert refused(gen(client, model, ask("hi", generationConfig={"thinkingConfig": config}), stream=True)) == message
    strict.strict = False
    assert gen(client, model, ask("hi", generationConfig={"thinkingConfig": config})).status_code == 200


@pytest.mark.parametrize("model,config", [
    (FLASH_38, {"thinkingLevel": "low", "includeThoughts": True}),
    (FLASH_38, {"thinkingLevel": "MEDIUM"}),
    (FLASH_38, {"thinkingBudget": 0}),
    (FLASH_38, {"thinkingBudget": -1}),
    ("gemini-3.6-flash", {"thinkingLevel": "minimal"}),
    ("gemini-3.5-flash-lite", {"thinkingLevel": "minimal"}),
    ("gemini-3.1-flash-lite", {"thinkingLevel": "minimal"}),
    ("gemini-3.1-pro-preview", {"thinkingLevel": "medium"}),
    ("gemini-3.1-pro-preview", {"thinkingBudget": 128}),
    ("gemini-2.5-flash-lite", {"thinkingBudget": 0}),
    ("gemini-2.5-flash-lite", {"thinkingBudget": 512, "includeThoughts": True}),
    ("gemma-4-31b-it", {"thinkingLevel": "high"}),
    ("gemma-3-27b-it", {}),
    ("gemini-3.1-flash-image", {"thinkingLevel": "minimal"}),
    ("gemini-9-ultra", {"thinkingLevel": "minimal"}),     # a model the fake knows nothing about
])
def test_strict_accepts_thinking_configs_the_model_takes(client, strict, model, config):
    r = gen(client, model, ask("hi", generationConfig={"thinkingConfig": config}))
    assert r.status_code == 200, r.text


def test_strict_refuses_penalties(client, strict):
    for field in ("presencePenalty", "frequencyPenalty", "presence_penalty"):
        r = gen(client, FLASH_38, ask("hi", generationConfig={field: 0.5}))
        assert refused(r) == "Penalty is not enabled for this model"
    assert refused(gen(client, "gemini-2.5-pro", ask("hi", generationConfig={"frequencyPenalty": -1}))) == (
        "Penalty is not enabled for this model")
    # zero is not validated; Gemma is not known to refuse them
    assert gen(client, FLASH_38, ask("hi", generationConfig={"presencePenalty": 0, "frequencyPenalty": 0.0})).status_code == 200
    assert gen(client, "gemma-3-27b-it", ask("hi", generationConfig={"presencePenalty": 0.5})).status_code == 200


def test_strict_refuses_logprobs(client, strict):
    r = gen(client, FLASH_38, ask("hi", generationConfig={"responseLogprobs": True, "logprobs": 3}))
    assert refused(r) == "Logprobs is not enabled for models/gemini-3.8-flash"
    r = gen(client, "gemini-2.5-flash-lite", ask("hi", generationConfig={"responseLogprobs": True}))
    assert refused(r) == "Logprobs is not enabled for models/gemini-2.5-flash-lite"
    for alias in ("gemini-flash-latest", "gemini-2.5-pro"):
        r = gen(client, alias, ask("hi", generationConfig={"responseLogprobs": True}))
        assert refused(r) == "Logprobs is not enabled for this model"
    assert gen(client, FLASH_38, ask("hi", generationConfig={"responseLogprobs": False})).status_code == 200


COMBINATION = ("Please enable tool_config.include_server_side_tool_invocations to use Built-in tools with "
               "Function calling.")


@pytest.mark.parametrize("tools", [
    [{"googleSearch": {}}, *WEATHER_TOOL],
    [{"google_search": {}, "functionDeclarations": WEATHER_TOOL[0]["functionDeclarations"]}],
    [{"codeExecution": {}}, *WEATHER_TOOL],
    [{"urlContext": {}}, {"function_declarations": WEATHER_TOOL[0]["functionDeclarations"]}],
])
def test_strict_refuses_built_in_tools_beside_functions_without_the_flag(client, strict, tools):
    assert refused(gen(client, FLASH_38, ask("hi", tools=tools))) == COMBINATION
    flagged = ask("hi", tools=tools, toolConfig={"includeServerSideToolInvocations": True})
    assert gen(client, FLASH_38, flagged).status_code == 200
    assert refused(gen(client, FLASH_38, ask("hi", tools=tools, toolConfig={
        "includeServerSideToolInvocations": False}))) == COMBINATION


def test_strict_accepts_built_in_tools_or_functions_alone(client, strict):
    assert gen(client, FLASH_38, ask("hi", tools=[{"googleSearch": {}}, {"urlContext": {}}])).status_code == 200
    assert gen(client, FLASH_38, ask("hi", tools=WEATHER_TOOL)).status_code == 200


COUNT = ("Please ensure that the number of function response parts is equal to the number of function "
         "call parts of the function call turn.")


PREFILL = "Requests ending with a model turn are not supported unless the last part is a function response."


def test_strict_refuses_a_model_turn_prefill_on_the_newest_models(client, strict):
    prefill = {"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "model", "parts": [{"text": "Sure,"}]}]}
    for model in (FLASH_38, "gemini-3.7-flash", "gemini-3.6-flash", "gemini-3.5-flash-lite", "gemini-flash-latest"):
        assert refused(gen(client, model, prefill)) == PREFILL, model
    for model in ("gemini-3.5-flash", "gemini-3.1-pro-preview", "gemini-2.5-flash-lite", "gemma-3-27b-it"):
        assert gen(client, model, prefill).status_code == 200, model
    single = {"contents": [{"role": "model", "parts": [{"text": "Sure,"}]}]}
    assert refused(gen(client, "gemini-2.5-flash-lite", single)) == (
        "Please ensure that single turn requests end with a user role or the role field is empty.")
    assert gen(client, "gemini-2.5-flash-lite", {"contents": [{"parts": [{"text": "q"}]}]}).status_code == 200


def test_strict_refuses_function_responses_that_do_not_match_the_calls(client, strict):
    two_calls = ("model", [call(sig=SIG), call("get_time")])
    assert refused(gen(client, FLASH_38, history(("user", [{"text": "q"}]), two_calls,
                                                 ("user", [answer()])))) == COUNT
    # a tool result that never came back, and a new question instead
    assert refused(gen(client, "gemini-2.5-flash-lite", history(
        ("user", [{"text": "q"}]), ("model", [call()]), ("user", [{"text": "never mind"}])))) == COUNT
    assert gen(client, FLASH_38, history(("user", [{"text": "q"}]), two_calls,
                                         ("user", [answer(), answer("get_time")]))).status_code == 200


def signature_missing(name: str, position: int) -> str:
    return ("Function call is missing a thought_signature in functionCall parts. This is required for tools "
            "to work correctly, and missing thought_signature may lead to degraded model performance. "
            f"Additional data, function call `default_api:{name}` , position {position}. Please refer to "
            "https://ai.google.dev/gemini-api/docs/thought-signatures for more details.")


def test_strict_refuses_an_unsigned_step_in_the_current_turn(client, strict):
    unsigned = history(("user", [{"text": "q"}]), ("model", [call()]), ("user", [answer()]))
    assert refused(gen(client, FLASH_38, unsigned)) == signature_missing("get_weather", 2)
    assert refused(gen(client, "gemini-flash-latest", unsigned)) == signature_missing("get_weather", 2)
    # the second step of the same turn (after a functionResponse-only user content)
    two_steps = history(("user", [{"text": "q"}]), ("model", [call(sig=SIG)]), ("user", [answer()]),
                        ("model", [{"text": "and the time"}, call("get_time")]), ("user", [answer("get_time")]))
    assert refused(gen(client, FLASH_38, two_steps)) == signature_missing("get_time", 4)


@pytest.mark.parametrize("model,body", [
    (FLASH_38, history(("user", [{"text": "q"}]), ("model", [call(sig="skip_thought_signature_validator")]),
                       ("user", [answer()]))),
    (FLASH_38, history(("user", [{"text": "q"}]), ("model", [call(sig="context_engineering_is_the_way_to_go")]),
                       ("user", [answer()]))),
    # parallel calls: only the first is signed
    (FLASH_38, history(("user", [{"text": "q"}]), ("model", [call(sig=SIG), call("get_time")]),
                       ("user", [answer(), answer("get_time")]))),
    # an earlier turn is not validated
    (FLASH_38, history(("user", [{"text": "q"}]), ("model", [call()]), ("user", [answer()]),
                       ("model", [{"text": "21 degrees"}]), ("user", [{"text": "thanks"}]))),
    # Gemini 2.5 does not validate signatures; Gemini 3 image models do not either
    ("gemini-2.5-flash-lite", history(("user", [{"text": "q"}]), ("model", [call()]), ("user", [answer()]))),
    ("gemini-3-pro-image", history(("user", [{"text": "q"}]), ("model", [call()]), ("user", [answer()]))),
])
def test_strict_accepts_signed_steps_and_what_is_not_validated(client, strict, model, body):
    r = gen(client, model, body)
    assert r.status_code == 200, r.text


def test_strict_refuses_interleaved_parallel_calls(client, strict):
    interleaved = history(("user", [{"text": "q"}]), ("model", [call(sig=SIG)]), ("user", [answer()]),
                          ("model", [call("get_time")]), ("user", [answer("get_time")]))
    assert refused(gen(client, FLASH_38, interleaved)) == signature_missing("get_time", 4)
    grouped = history(("user", [{"text": "q"}]), ("model", [call(sig=SIG), call("get_time")]),
                      ("user", [answer(), answer("get_time")]))
    assert gen(client, FLASH_38, grouped).status_code == 200


def test_strict_accepts_its_own_function_call_sent_back(client, strict):
    first = gen(client, FLASH_38, ask("please call get_weather and call get_time", tools=WEATHER_TOOL)).json()
    parts = first["candidates"][0]["content"]["parts"]
    assert parts[0]["thoughtSignature"] and "thoughtSignature" not in parts[1]
    body = history(("user", [{"text": "please call get_weather and call get_time"}]), ("model", parts),
                   ("user", [answer(), answer("get_time")]))
    assert text_of(gen(client, FLASH_38, body).json()) == 'result: {"temp": 21}'


def test_strict_rules_skip_scripted_responses(client, strict):
    strict.script({"status": 200, "json": {"candidates": []}})
    assert gen(client, FLASH_38, thinking(thinkingLevel="minimal")).json() == {"candidates": []}
    assert refused(gen(client, FLASH_38, thinking(thinkingLevel="minimal"))) == MINIMAL_REFUSED


def test_strict_is_a_constructor_default_that_reset_restores(fake_server):
    fake = FakeGemini(strict=True)
    fake.strict = False
    fake.reset()
    assert fake.strict is True
    assert FakeGemini().strict is False
    assert fake_server[0].strict is True          # the session's fake (tests/conftest.py)
    r = httpx.post(fake_server[1] + "/_fake/strict", json={"strict": False})
    assert r.json() == {"strict": False} and fake_server[0].strict is False
    httpx.post(fake_server[1] + "/_fake/reset")
    assert fake_server[0].strict is True


def test_main_subprocess_strict():
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.gemini", "--port", "0", "--strict"],
                            cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().strip().split()[-1]
        r = httpx.post(base + "/v1beta/models/gemini-3.8-flash:generateContent", headers=KEY, timeout=10,
                       json=thinking(thinkingLevel="minimal"))
        assert r.status_code == 400 and r.json()["error"]["message"] == MINIMAL_REFUSED
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize(("contents", "words"), [
    ([{"role": "system", "parts": [{"text": "hi"}]}], "Please use a valid role: user, model."),
    ([{"role": "user", "parts": []}], "contents.parts must not be empty"),
    ([{"role": "user", "parts": [{"text": "hi"}]},
      {"role": "model", "parts": [{"text": "x", "thoughtSignature": "gemini.thought_signature:abc"}]},
      {"role": "user", "parts": [{"text": "and?"}]}], "(TYPE_BYTES), Base64 decoding failed"),
    ([{"role": "user", "parts": [{"text": "hi"}]},
      {"role": "model", "parts": [{"text": "x", "thoughtSignature": "EmIKYAERTTIPsMumWW2CIAWzb"}]},
      {"role": "user", "parts": [{"text": "and?"}]}], "(TYPE_BYTES), Base64 decoding failed"),
])
def test_strict_mode_refuses_malformed_contents_as_gemini_does(contents, words):
    from tests.fakes.strict import check

    error = check("gemini-3.8-flash", {"contents": contents})
    assert error is not None and words in error["error"]["message"]
    assert check("gemini-3.8-flash", {"contents": [{"role": "user", "parts": [{"text": "hi"}]},
                                                   {"role": "model", "parts": [{"text": "x", "thoughtSignature": "c2lnbg=="}]},
                                                   {"role": "user", "parts": [{"text": "and?"}]}]}) is None
