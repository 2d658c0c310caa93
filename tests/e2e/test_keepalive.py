"""Keep-alives while Gemini thinks: SSE comments that proxies see as traffic and every client skips.

A thinking model can keep the first byte for minutes; CDNs and proxies cut idle connections
(Cloudflare at 100 s). The gateway sends `: keep-alive` every STREAM_KEEPALIVE seconds of upstream
silence. Here the fake holds its first byte for 1.2 s and the gateway ticks every 0.3 s: the OpenAI
SDK's and LangChain's streams must read exactly what they read without the comments.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from langchain_openai import ChatOpenAI
from openai import OpenAI

from tests.e2e.conftest import USER_KEY

FLASH = "gemini-3.8-flash"
SLOW = "think first #fake:first_delay=1.2"


@pytest.fixture
def ticking(gateway) -> str:
    return gateway({"STREAM_KEEPALIVE": "0.3"})


def test_the_wire_carries_keep_alive_comments_before_the_answer(ticking, fake):
    body = {"model": FLASH, "stream": True, "messages": [{"role": "user", "content": SLOW}]}
    with httpx.stream("POST", f"{ticking}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {USER_KEY}"},
                      timeout=10) as response:
        raw = b"".join(response.iter_raw())
    assert response.status_code == 200
    head, _, rest = raw.partition(b"data: ")
    assert head.count(b": keep-alive\n\n") >= 2  # the first tick opened the stream, before Gemini's first byte
    assert rest.endswith(b"data: [DONE]\n\n")


def test_the_openai_sdk_reads_through_them(ticking, fake):
    client = OpenAI(base_url=f"{ticking}/v1", api_key=USER_KEY, max_retries=0, timeout=10)
    stream = client.chat.completions.create(model=FLASH, messages=[{"role": "user", "content": SLOW}], stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "echo: think first"


def test_the_responses_stream_reads_through_them(ticking, fake):
    client = OpenAI(base_url=f"{ticking}/v1", api_key=USER_KEY, max_retries=0, timeout=10)
    with client.responses.stream(model=FLASH, input=SLOW) as stream:
        final = stream.get_final_response()
    assert final.output_text == "echo: think first"


def test_langchain_reads_through_them(ticking, fake):
    chat = ChatOpenAI(base_url=f"{ticking}/v1", api_key=USER_KEY, model=FLASH, max_retries=0, timeout=10)

    async def collect() -> str:
        return "".join([chunk.content async for chunk in chat.astream(SLOW)])

    assert asyncio.run(collect()) == "echo: think first"


def test_an_error_after_the_stream_began_is_its_closing_event(ticking, fake):
    client = OpenAI(base_url=f"{ticking}/v1", api_key=USER_KEY, max_retries=0, timeout=10)
    stream = client.chat.completions.create(model=FLASH, stream=True,
                                            messages=[{"role": "user", "content": "x #fake:first_delay=1 #fake:status=429"}])
    with pytest.raises(Exception) as raised:
        list(stream)
    assert "429" in str(raised.value) or "rate" in str(raised.value).lower() or "quota" in str(raised.value).lower()


def test_the_openai_node_sdk_and_the_vercel_ai_sdk_read_through_them(ticking, fake):
    from tests.e2e.clients import require_installed, run_node

    require_installed("openai", "ai", "@ai-sdk/openai")
    env = {"BASE_URL": f"{ticking}/v1", "API_KEY": USER_KEY}
    node = run_node("keepalive.mjs", env, FLASH, SLOW)
    assert (node["chat"], node["responses"], node["blocked"]) == ("echo: think first", "echo: think first", [])
    vercel = run_node("ai_sdk.mjs", env, "stream", FLASH, SLOW)
    assert vercel["text"] == "echo: think first" and vercel["blocked"] == []
