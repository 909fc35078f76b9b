"""Agents (langchain ``create_agent``, LangGraph's prebuilt ReAct agent) complete a tool round."""

from __future__ import annotations

import json
import warnings

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool

from hfchat.testing import FakeHuggingChat

from .conftest import MakeLLM, sent_inputs


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"sunny and 21 C in {city}"


@tool
def get_time(city: str) -> str:
    """The local time in a city."""
    return f"10:00 in {city}"


CALL = json.dumps({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]})
ANSWER = "It is sunny and 21 C in Paris."


def _check_round(fake: FakeHuggingChat, messages: list[object]) -> None:
    assert isinstance(messages[-1], AIMessage)
    assert messages[-1].content == ANSWER
    tool_messages = [m for m in messages if isinstance(m, ToolMessage)]
    assert [m.content for m in tool_messages] == ["sunny and 21 C in Paris"]
    # the tool result reached the server, in the same conversation as the call
    assert sent_inputs(fake)[-1] == "[tool result: get_weather]\nsunny and 21 C in Paris"
    assert len(fake.conversations) == 1
    (preprompt,) = (c["preprompt"] for c in fake.conversations.values())
    assert "get_weather" in preprompt and "get_time" in preprompt
    assert "You are a weather bot." in preprompt


def test_create_agent_tool_round(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.script(CALL, ANSWER)
    agent = create_agent(
        make_llm(), tools=[get_weather, get_time], system_prompt="You are a weather bot."
    )
    result = agent.invoke({"messages": [{"role": "user", "content": "Weather in Paris?"}]})
    _check_round(fake, result["messages"])


async def test_create_agent_tool_round_async(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.script(CALL, ANSWER)
    agent = create_agent(
        make_llm(), tools=[get_weather, get_time], system_prompt="You are a weather bot."
    )
    result = await agent.ainvoke({"messages": [{"role": "user", "content": "Weather in Paris?"}]})
    _check_round(fake, result["messages"])


def test_langgraph_prebuilt_react_agent(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # superseded by create_agent
        from langgraph.prebuilt import create_react_agent

        agent = create_react_agent(
            make_llm(), [get_weather, get_time], prompt="You are a weather bot."
        )
    fake.script(CALL, ANSWER)
    messages = []
    for step in agent.stream({"messages": [("user", "Weather in Paris?")]}, stream_mode="values"):
        messages = step["messages"]
    _check_round(fake, messages)


HERMES_CALL = (
    "Let me check.\n<tool_call>\n"
    + json.dumps({"name": "get_weather", "arguments": {"city": "Paris"}})
    + "\n</tool_call>"
)


def test_create_agent_tool_round_on_a_hermes_shaped_call(
    fake: FakeHuggingChat, make_llm: MakeLLM
) -> None:
    fake.script(HERMES_CALL, ANSWER)
    agent = create_agent(
        make_llm(), tools=[get_weather, get_time], system_prompt="You are a weather bot."
    )
    result = agent.invoke({"messages": [{"role": "user", "content": "Weather in Paris?"}]})
    _check_round(fake, result["messages"])
    call_message = result["messages"][1]
    assert isinstance(call_message, AIMessage) and call_message.content == "Let me check."
