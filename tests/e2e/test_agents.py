"""The OpenAI Agents SDK (`openai-agents`): an agent with WebSearchTool and a function tool, over the Responses
API and over chat completions, against the gateway in front of the fake Gemini.

Over chat completions the SDK refuses hosted tools itself (src/agents/models/chatcmpl_converter.py:
"Hosted tools are not supported with the ChatCompletions API"), so there web search is the gateway's
own: the `:search` model suffix, Google Search beside the function tool.
"""

from __future__ import annotations

import asyncio

import pytest
from agents import Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, WebSearchTool, function_tool, set_tracing_disabled
from agents.exceptions import UserError
from openai import AsyncOpenAI

from tests.e2e.conftest import USER_KEY
from tests.fakes.agents import server_parts_sent_back, signature

GEMINI_3 = "gemini-3.1-pro-preview"
PROMPT = "call get_weather city=Paris"
ANSWER = "result: {\"output\": \"Paris: 21 degrees\"}"


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"{city}: 21 degrees"


@pytest.fixture(autouse=True)
def no_tracing():
    set_tracing_disabled(True)  # the SDK would upload traces to OpenAI otherwise
    yield


def client(gw: str) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=f"{gw}/v1", api_key=USER_KEY, max_retries=0)


def last_generate(fake) -> dict:
    return [r["json"] for r in fake.requests if "enerateContent" in r["path"]][-1]


def run(agent: Agent) -> str:
    return asyncio.run(Runner.run(agent, PROMPT)).final_output


def test_web_search_and_a_function_tool_over_the_responses_api(gw, fake):
    model = OpenAIResponsesModel(model=GEMINI_3, openai_client=client(gw))
    agent = Agent(name="weather", instructions="Use the tools.", model=model, tools=[WebSearchTool(), get_weather])
    assert run(agent) == ANSWER
    sent = last_generate(fake)
    assert sent["toolConfig"]["includeServerSideToolInvocations"] is True
    assert sent["systemInstruction"] == {"parts": [{"text": "Use the tools."}]}
    model_turn = sent["contents"][1]
    assert [next(iter(p)) for p in model_turn["parts"]] == ["toolCall", "toolResponse", "functionCall"]
    assert model_turn["parts"][-1]["thoughtSignature"] == signature(PROMPT)
    assert model_turn["parts"][0]["thoughtSignature"] == signature(PROMPT, "toolCall")


def test_web_search_and_a_function_tool_over_chat_completions(gw, fake):
    with pytest.raises(UserError, match="Hosted tools are not supported"):
        hosted = Agent(name="w", model=OpenAIChatCompletionsModel(model=GEMINI_3, openai_client=client(gw)),
                       tools=[WebSearchTool(), get_weather])
        run(hosted)
    model = OpenAIChatCompletionsModel(model=f"{GEMINI_3}:search", openai_client=client(gw))
    agent = Agent(name="weather", instructions="Use the tools.", model=model, tools=[get_weather])
    assert run(agent) == ANSWER
    sent = last_generate(fake)
    assert {"googleSearch": {}} in sent["tools"] and sent["toolConfig"]["includeServerSideToolInvocations"] is True
    # the search parts rode in the tool call's id, which the SDK sent back as it got it
    assert [next(iter(p)) for p in server_parts_sent_back(sent["contents"])] == ["toolCall", "toolResponse"]
    assert sent["contents"][1]["parts"][-1]["thoughtSignature"] == signature(PROMPT)
