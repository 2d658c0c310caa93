"""Chat with an image model: pictures as Markdown in a whole answer, as `delta.images` in a stream."""

from __future__ import annotations

import json

from core.chat import ChatPlan, chat_request_to_gemini
from core.chat_response import chat_response_from_gemini
from core.config import Settings
from core.stream import ChatStream

from .conftest import sse_events

PARTS = [{"text": "Here you go."}, {"inlineData": {"mimeType": "image/png", "data": "aGk="}},
         {"inlineData": {"mimeType": "image/png", "data": "ZHJhZnQ="}, "thought": True}]


def test_an_image_model_is_asked_for_pictures():
    body = {"model": "gemini-nano-banana-2.1", "messages": [{"role": "user", "content": "a cat"}]}
    assert chat_request_to_gemini(body, Settings()).body["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    plain = chat_request_to_gemini({**body, "model": "gemini-2.5-flash"}, Settings()).body
    assert "responseModalities" not in plain.get("generationConfig", {})


def test_a_whole_answer_shows_the_picture_as_markdown_after_the_text():
    data = {"candidates": [{"content": {"role": "model", "parts": PARTS}, "finishReason": "STOP"}]}
    plan = ChatPlan("gemini-nano-banana-2.1", {})
    message = chat_response_from_gemini(data, plan, completion_id="c", created=1)["choices"][0]["message"]
    assert message["content"] == "Here you go.\n\n![image](data:image/png;base64,aGk=)"


def test_a_picture_alone_is_just_the_markdown():
    data = {"candidates": [{"content": {"role": "model", "parts": PARTS[1:2]}, "finishReason": "STOP"}]}
    message = chat_response_from_gemini(data, ChatPlan("m", {}), completion_id="c", created=1)["choices"][0]["message"]
    assert message["content"] == "![image](data:image/png;base64,aGk=)"


def test_a_stream_sends_each_picture_as_delta_images():
    stream = ChatStream(ChatPlan("gemini-nano-banana-2.1", {}, stream=True), completion_id="c", created=1)
    events = [b'data: {"candidates":[{"content":{"parts":[{"text":"Here you go."}]}}]}\r\n\r\n',
              b"data: " + json.dumps({"candidates": [{"content": {"parts": PARTS[1:]}, "finishReason": "STOP"}]}).encode() + b"\r\n\r\n"]
    out = b"".join(stream.feed(e) for e in events) + stream.close()
    deltas = [e["choices"][0]["delta"] for e in sse_events(out) if e != "[DONE]" and e["choices"]]
    assert {"images": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,aGk="}, "index": 0}]} in deltas
    assert not any("ZHJhZnQ" in json.dumps(d) for d in deltas)
    assert all("![image]" not in (d.get("content") or "") for d in deltas)
