"""LangChain's OpenAI integration (ChatOpenAI, OpenAIEmbeddings) against the gateway."""

from __future__ import annotations

import base64
import hashlib
from functools import reduce
from operator import add

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from tests.e2e.conftest import USER_KEY
from tests.fakes.gemini import embed_values

FLASH = "gemini-2.5-flash-lite"
GEMINI_3 = "gemini-3.1-pro-preview"


def get_weather(city: str) -> str:
    """The weather in a city."""
    return "sunny"


def get_time(tz: str) -> str:
    """The time in a time zone."""
    return "12:00"


@pytest.fixture
def chat(gw: str) -> ChatOpenAI:
    return ChatOpenAI(base_url=f"{gw}/v1", api_key=USER_KEY, model=FLASH, max_retries=0, timeout=10)


def test_invoke(chat, fake):
    message = chat.invoke("hello there")

    assert isinstance(message, AIMessage)
    assert message.content == "echo: hello there"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.usage_metadata["input_tokens"] == 3
    assert fake.requests[-1]["key"] == USER_KEY


def test_stream_chunks_concatenate_to_the_echo(chat):
    chunks = list(chat.stream("tell me a story #fake:chunks=7", stream_usage=True))

    assert all(isinstance(chunk, AIMessageChunk) for chunk in chunks)
    assert len([c for c in chunks if c.content]) == 7
    assert "".join(chunk.content for chunk in chunks) == "echo: tell me a story"
    merged = reduce(add, chunks)
    assert merged.content == "echo: tell me a story"
    assert merged.usage_metadata["input_tokens"] == 8


def test_bind_tools_invoke_returns_parsed_tool_calls(chat):
    message = chat.bind_tools([get_weather]).invoke("call get_weather city=Oslo")

    assert [(c["name"], c["args"], c["type"]) for c in message.tool_calls] == [("get_weather", {"city": "Oslo"}, "tool_call")]
    assert message.tool_calls[0]["id"]
    assert message.invalid_tool_calls == []


def test_streamed_parallel_tool_calls_stay_distinct(chat):
    chunks = list(chat.bind_tools([get_weather, get_time]).stream("call get_weather city=Paris call get_time tz=UTC"))
    merged = reduce(add, chunks)

    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "UTC"})]
    assert [(c["index"], c["name"], c["args"]) for c in merged.tool_call_chunks] == [
        (0, "get_weather", '{"city":"Paris"}'),
        (1, "get_time", '{"tz":"UTC"}'),
    ]
    ids = [c["id"] for c in merged.tool_calls]
    assert len(set(ids)) == 2 and all(ids)
    assert merged.invalid_tool_calls == []
    assert merged.response_metadata["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(("model", "streamed"), [(FLASH, False), (GEMINI_3, False), (GEMINI_3, True)])
def test_tool_results_round_trip(gw, fake, model, streamed):
    chat = ChatOpenAI(base_url=f"{gw}/v1", api_key=USER_KEY, model=model, max_retries=0, timeout=10)
    bound = chat.bind_tools([get_weather, get_time])
    text = "call get_weather city=Paris call get_time tz=UTC"
    question = HumanMessage(text)
    first = reduce(add, bound.stream([question])) if streamed else bound.invoke([question])
    # Answered in the reverse order; Gemini gets them back in call order.
    answers = [ToolMessage(content="sunny" if c["name"] == "get_weather" else "12:00", tool_call_id=c["id"])
               for c in reversed(first.tool_calls)]

    second = bound.invoke([question, first, *answers])

    assert second.content == 'result: {"output": "sunny"}'
    first_call = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    if model == GEMINI_3:
        first_call["thoughtSignature"] = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    assert fake.requests[-1]["json"]["contents"][1:] == [
        {"role": "model", "parts": [first_call, {"functionCall": {"name": "get_time", "args": {"tz": "UTC"}}}]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"output": "sunny"}}},
            {"functionResponse": {"name": "get_time", "response": {"output": "12:00"}}},
        ]},
    ]


def test_embeddings(gw, fake):
    embeddings = OpenAIEmbeddings(
        base_url=f"{gw}/v1", api_key=USER_KEY, model="gemini-embedding-001", check_embedding_ctx_length=False, max_retries=0
    )

    documents = embeddings.embed_documents(["first document", "second document"])
    query = embeddings.embed_query("a question")

    assert documents == [pytest.approx(embed_values("first document"), abs=1e-6), pytest.approx(embed_values("second document"), abs=1e-6)]
    assert query == pytest.approx(embed_values("a question"), abs=1e-6)
    assert all(r["path"] == "/v1beta/models/gemini-embedding-001:batchEmbedContents" for r in fake.requests)
