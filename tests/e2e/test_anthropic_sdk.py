"""The Anthropic Python SDK (`anthropic`) against the gateway in front of the fake Gemini, all on 127.0.0.1."""

from __future__ import annotations

import base64

import anthropic
import pytest

from tests.e2e.conftest import USER_KEY
from tests.fakes.agents import signature as signature_of  # the fake's thought signature for a prompt

GEMINI_3 = "gemini-3.1-pro-preview"
WEATHER = {"name": "get_weather", "description": "The weather in a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
TIME = {"name": "get_time", "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8"
                                     "cfc0f01f0005000201a5f6c5b40000000049454e44ae426082")).decode()
PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").decode()


def sdk(base_url: str, **kwargs) -> anthropic.Anthropic:
    """A client that never retries on its own, so every status reaches the test."""
    kwargs.setdefault("api_key", USER_KEY)
    return anthropic.Anthropic(base_url=base_url, max_retries=0, timeout=10, **kwargs)




def test_create_text_with_a_claude_model_name(gw, fake):
    raw = sdk(gw).messages.with_raw_response.create(model="claude-sonnet-4-6", max_tokens=1000, system="be brief",
                                                     messages=[{"role": "user", "content": "hello"}])
    message = raw.parse()
    assert message.id == f"msg_{raw.headers['x-request-id']}"
    assert message.content[0].type == "text" and message.content[0].text == "echo: hello"
    assert (message.role, message.stop_reason, message.model) == ("assistant", "end_turn", "gemini-3.8-flash")
    assert message.usage.input_tokens == 4 and message.usage.output_tokens == 3
    sent = fake.requests[-1]
    assert sent["path"] == "/v1beta/models/gemini-3.8-flash:generateContent" and sent["key"] == USER_KEY
    assert sent["json"]["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert sent["json"]["generationConfig"]["maxOutputTokens"] == 1000


def test_stream_with_the_sdk_s_accumulator(gw, fake):
    client = sdk(gw)
    with client.messages.stream(model="claude-haiku-4-5", max_tokens=100, messages=[
            {"role": "user", "content": "stream this please #fake:chunks=4"}]) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(texts) == 4 and "".join(texts) == "echo: stream this please"
    assert final.content[0].text == "echo: stream this please" and final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0 and final.model == "gemini-3.5-flash-lite"
    assert fake.requests[-1]["query"] == {"alt": "sse"}


def test_thinking_blocks_stream_with_their_text(gw, fake):
    with sdk(gw).messages.stream(model="gemini-2.5-flash-lite", max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024},
                                 messages=[{"role": "user", "content": "think #fake:thinking"}]) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].thinking == "**Thinking** about: think" and final.content[1].text.startswith("echo: think")
    assert fake.requests[-1]["json"]["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 1024, "includeThoughts": True}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_a_two_turn_tool_loop_brings_the_signature_back_to_gemini(gw, fake, stream):
    client = sdk(gw)
    prompt = "call get_weather city=Paris"
    messages = [{"role": "user", "content": prompt}]
    if stream:
        with client.messages.stream(model=GEMINI_3, max_tokens=500, tools=[WEATHER, TIME], messages=messages) as events:
            first = events.get_final_message()
    else:
        first = client.messages.create(model=GEMINI_3, max_tokens=500, tools=[WEATHER, TIME], messages=messages)
    assert first.stop_reason == "tool_use"
    thinking, call = first.content
    assert thinking.type == "thinking" and thinking.signature == "gemini.thought_signature:" + signature_of(prompt)
    assert (call.type, call.name, call.input) == ("tool_use", "get_weather", {"city": "Paris"})

    messages += [{"role": "assistant", "content": first.content},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny, 21°C"}]}]
    second = client.messages.create(model=GEMINI_3, max_tokens=500, tools=[WEATHER, TIME], messages=messages)
    assert second.content[0].text == 'result: {"output": "sunny, 21\\u00b0C"}'
    model_turn = fake.requests[-1]["json"]["contents"][1]
    assert model_turn == {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                                                      "thoughtSignature": signature_of(prompt)}]}


def test_parallel_calls_and_disable_parallel_tool_use(gw, fake):
    client = sdk(gw)
    prompt = "call get_weather city=Paris call get_time tz=UTC"
    both = client.messages.create(model=GEMINI_3, max_tokens=500, tools=[WEATHER, TIME], messages=[{"role": "user", "content": prompt}])
    assert [b.name for b in both.content if b.type == "tool_use"] == ["get_weather", "get_time"]
    assert len({b.id for b in both.content if b.type == "tool_use"}) == 2
    one = client.messages.create(model=GEMINI_3, max_tokens=500, tools=[WEATHER, TIME], messages=[{"role": "user", "content": prompt}],
                                 tool_choice={"type": "auto", "disable_parallel_tool_use": True})
    assert [b.name for b in one.content if b.type == "tool_use"] == ["get_weather"]


def test_images_and_pdfs(gw, fake):
    content = [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://upload.example/cat.webp"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}, "title": "Tiny"},
        {"type": "document", "source": {"type": "url", "url": "https://papers.example/paper.pdf"}},
        {"type": "text", "text": "describe them"},
    ]
    message = sdk(gw).messages.create(model="gemini-2.5-flash-lite", max_tokens=100, messages=[{"role": "user", "content": content}])
    assert message.content[0].text == "echo: Tiny describe them"
    assert fake.requests[-1]["json"]["contents"][0]["parts"][:5] == [
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
        {"fileData": {"fileUri": "https://upload.example/cat.webp", "mimeType": "image/webp"}},
        {"text": "Tiny"}, {"inlineData": {"mimeType": "application/pdf", "data": PDF}},
        {"fileData": {"fileUri": "https://papers.example/paper.pdf", "mimeType": "application/pdf"}},
    ]


def test_count_tokens_and_the_model_list(gw, fake):
    client = sdk(gw)
    counted = client.messages.count_tokens(model="claude-opus-5-5", messages=[{"role": "user", "content": "twelve chars"}])
    assert counted.input_tokens == 3
    assert fake.requests[-1]["path"] == "/v1beta/models/gemini-3.1-pro-preview:countTokens"
    models = list(client.models.list())
    assert [m.id for m in models] == ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-3.8-flash", "gemini-3.5-flash-lite",
                                      "gemini-3.1-pro-preview", "gemini-flash-latest", "gemma-3-27b-it"]  # the fake's catalogue
    assert models[0].display_name == "Gemini 2.5 Flash" and models[0].type == "model"


@pytest.mark.parametrize(("prompt", "error", "kind"), [
    ("#fake:status=429", anthropic.RateLimitError, "rate_limit_error"),
    ("#fake:status=503", anthropic.OverloadedError, "overloaded_error"),
    ("#fake:status=500", anthropic.InternalServerError, "api_error"),
    ("#fake:status=400", anthropic.BadRequestError, "invalid_request_error"),
    ("#fake:status=403", anthropic.PermissionDeniedError, "permission_error"),
])
def test_typed_errors(gw, fake, prompt, error, kind):
    with pytest.raises(error) as caught:
        sdk(gw).messages.create(model="gemini-2.5-flash-lite", max_tokens=10, messages=[{"role": "user", "content": prompt}])
    assert caught.value.type == kind and caught.value.body["type"] == "error"
    if error is anthropic.RateLimitError:
        assert int(caught.value.response.headers["retry-after"]) >= 7


def test_not_found_and_bad_request_are_typed_too(gw, fake):
    client = sdk(gw)
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(model="gemini-does-not-exist", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert caught.value.type == "not_found_error" and "gemini-does-not-exist" in caught.value.message
    fake.reset()
    with pytest.raises(anthropic.BadRequestError) as bad:
        client.messages.create(model="claude-sonnet-4-6", max_tokens=10, messages=[{"role": "user", "content": "x"}],
                               tools=[{"type": "computer_20250124", "name": "computer", "display_width_px": 1, "display_height_px": 1}])
    assert "tools[0].type" in bad.value.message and fake.requests == []


def test_authentication_in_server_key_mode(gateway, fake):
    url = gateway({"GEMINI_API_KEY": "AIzaServerHeldKey0000001", "AUTH_TOKEN": "team-token"})
    answer = sdk(url, api_key=None, auth_token="team-token").messages.create(  # Claude Code's ANTHROPIC_AUTH_TOKEN
        model="claude-sonnet-4-6", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert answer.content[0].text == "echo: hi" and fake.requests[-1]["key"] == "AIzaServerHeldKey0000001"
    for client in (sdk(url, api_key="wrong"), sdk(url, api_key=None, auth_token="wrong")):
        with pytest.raises(anthropic.AuthenticationError) as caught:
            client.messages.create(model="claude-sonnet-4-6", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        assert caught.value.type == "authentication_error" and "team-token" not in caught.value.message


def test_a_stream_that_fails_half_way_raises_the_error(gw, fake):
    with (pytest.raises(anthropic.APIStatusError) as caught,
          sdk(gw).messages.stream(model="gemini-2.5-flash-lite", max_tokens=100,
                                  messages=[{"role": "user", "content": "hello #fake:midstream_error"}]) as stream):
        stream.get_final_message()
    assert caught.value.type == "rate_limit_error"
