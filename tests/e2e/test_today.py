"""Today's Gemini, through the OpenAI SDK, against the strict fake: every effort on every model people
name, a transcription on each, empty answers asked again, and the model-name options.

The strict fake (tests/fakes/strict.py) refuses what Google's models refuse today — `minimal` on
3.7/3.8 Flash and 3.1 Pro, a budget on level-only models, budget 0 where thinking cannot be off —
and routes the retired names to what Google serves for them.
"""

from __future__ import annotations

import io
import json
import struct
import wave

import pytest
from openai import OpenAI

from tests.e2e.conftest import USER_KEY

MODELS = ["gemini-flash-latest", "gemini-3.8-flash", "gemini-3.1-pro-preview", "gemini-2.5-flash"]
EFFORTS = ["none", "minimal", "low", "medium", "high"]


@pytest.fixture
def client(gw: str) -> OpenAI:
    return OpenAI(base_url=f"{gw}/v1", api_key=USER_KEY, max_retries=0, timeout=10)


def generate_requests(fake) -> list[dict]:
    return [r for r in fake.requests if r["path"].endswith(("generateContent", "GenerateContent"))]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("effort", EFFORTS)
def test_every_effort_on_every_model_is_one_accepted_request(client, fake, model, effort):
    reply = client.chat.completions.create(model=model, reasoning_effort=effort, messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "echo: hi"
    [sent] = generate_requests(fake)  # fitted up front: no refusal, no correction needed
    thinking = sent["json"].get("generationConfig", {}).get("thinkingConfig", {})
    assert not ("thinkingLevel" in thinking and "thinkingBudget" in thinking)


def _wav(seconds: float = 1.5, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack("<h", 0) * int(seconds * rate))
    return buffer.getvalue()


@pytest.mark.parametrize("model", MODELS)
def test_a_transcription_on_every_model(client, fake, model):
    text = client.audio.transcriptions.create(model=model, file=("hello.wav", _wav(), "audio/wav"))
    assert text.text.startswith("Hello from the fake transcriber")


def test_an_empty_answer_is_asked_again_and_the_client_gets_the_second(client, fake):
    empty = {"candidates": [{"content": {"role": "model", "parts": []}, "finishReason": "STOP"}],
             "usageMetadata": {"promptTokenCount": 1, "totalTokenCount": 1}}
    fake.script({"status": 200, "json": empty})
    reply = client.chat.completions.create(model="gemini-3.8-flash", messages=[{"role": "user", "content": "again"}])
    assert reply.choices[0].message.content == "echo: again" and len(generate_requests(fake)) == 2


def test_an_empty_stream_is_asked_again_before_the_client_sees_a_byte(client, fake):
    empty = {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP"}]}
    fake.script({"status": 200, "sse": [empty]})
    stream = client.chat.completions.create(model="gemini-3.8-flash", stream=True, messages=[{"role": "user", "content": "again"}])
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: again"
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.role) == 1 and len(generate_requests(fake)) == 2


@pytest.mark.parametrize("name, level", [("gemini-3.8-flash:high", "high"), ("gemini-3.8-flash:low:search", "low")])
def test_the_model_name_can_set_the_thinking_level(client, fake, name, level):
    client.chat.completions.create(model=name, messages=[{"role": "user", "content": "hi"}])
    [sent] = generate_requests(fake)
    assert sent["json"]["generationConfig"]["thinkingConfig"]["thinkingLevel"] == level
    assert ({"googleSearch": {}} in sent["json"].get("tools", [])) == name.endswith(":search")


def test_the_default_effort_applies_when_a_request_names_none(gateway, fake):
    base = gateway({"DEFAULT_REASONING_EFFORT": "high"})
    OpenAI(base_url=f"{base}/v1", api_key=USER_KEY, max_retries=0).chat.completions.create(
        model="gemini-3.8-flash", messages=[{"role": "user", "content": "hi"}])
    [sent] = generate_requests(fake)
    assert sent["json"]["generationConfig"]["thinkingConfig"]["thinkingLevel"] == "high"
    assert json.dumps(sent["json"]).count("thinkingLevel") == 1
