"""The emulator's tool-calling families (``fake/tools-*``) through both adapters and their agents:
every family's call is parsed, streams no markup, and completes an agent round."""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from hfchat.testing import FakeHuggingChat, model_ids
from hfchat.testing.tool_models import TOOL_FAMILIES

from .corpus import MARKUP

CHATTY = "fake/tools-chatty"
FAMILIES = sorted(set(TOOL_FAMILIES) - {CHATTY})

pytestmark = [
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20"),
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince211"),
]


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"sunny in {city}"


@tool
def get_time(city: str) -> str:
    """The local time in a city."""
    return f"10:00 in {city}"


def weather(city: str) -> str:
    """The current weather in a city."""
    return f"sunny in {city}"


QUESTION = "What is the weather in 'Paris'?"


def test_every_family_is_listed() -> None:
    assert len(FAMILIES) >= 8
    listed = set(model_ids("2026")) & set(model_ids("2024"))
    assert {*FAMILIES, CHATTY} <= listed


@pytest.mark.parametrize("family", FAMILIES)
def test_family_invoke_and_stream(fake: FakeHuggingChat, chat_model: Any, family: str) -> None:
    bound = chat_model(model=family).bind_tools([get_weather, get_time])
    message = bound.invoke(QUESTION)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    chunks = list(bound.stream(QUESTION))
    streamed = "".join(c.text for c in chunks)
    assert not any(m in streamed for m in MARKUP) and "tool_calls" not in streamed
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [
        (c["name"], c["args"]) for c in message.tool_calls
    ]
    assert full.text == message.text


@pytest.mark.parametrize("family", FAMILIES)
def test_family_completes_a_create_agent_loop(
    fake: FakeHuggingChat, chat_model: Any, family: str
) -> None:
    agent = create_agent(chat_model(model=family), tools=[get_weather, get_time])
    result = agent.invoke({"messages": [{"role": "user", "content": QUESTION}]})
    messages = result["messages"]
    assert [m.content for m in messages if isinstance(m, ToolMessage)] == ["sunny in Paris"]
    assert isinstance(messages[-1], AIMessage) and not messages[-1].tool_calls
    assert "sunny in Paris" in messages[-1].text
    assert len(fake.conversations) == 1


@pytest.mark.parametrize("family", FAMILIES)
async def test_family_completes_a_function_agent_round(
    fake: FakeHuggingChat, index_llm: Any, family: str
) -> None:
    agent = FunctionAgent(
        tools=[FunctionTool.from_defaults(fn=weather)], llm=index_llm(model=family)
    )
    handler = agent.run(QUESTION)
    results = [e async for e in handler.stream_events() if isinstance(e, ToolCallResult)]
    output = await handler
    assert [(r.tool_name, r.tool_kwargs) for r in results] == [("weather", {"city": "Paris"})]
    assert "sunny in Paris" in str(output)
    assert len(fake.conversations) == 1


class City(BaseModel):
    """A city."""

    name: str
    population: int


@pytest.mark.parametrize("family", FAMILIES)
def test_family_structured_output(fake: FakeHuggingChat, chat_model: Any, family: str) -> None:
    llm = chat_model(model=family)
    for method in ("function_calling", "json_schema"):
        city = llm.with_structured_output(City, method=method).invoke("The city 'Oslo', 700000")
        assert city == City(name="Oslo", population=700000), method


@pytest.mark.parametrize("family", FAMILIES)
async def test_family_structured_predict(
    fake: FakeHuggingChat, index_llm: Any, family: str
) -> None:
    from llama_index.core.prompts import PromptTemplate

    city = await index_llm(model=family).astructured_predict(
        City, PromptTemplate("The city {q}"), q="'Oslo', 700000"
    )
    assert city == City(name="Oslo", population=700000)


@pytest.mark.parametrize("family", ["fake/tools-hermes", "fake/tools-pythonic"])
def test_family_on_a_2024_server(huggingchat_emulator_2024: FakeHuggingChat, family: str) -> None:
    from langchain_hfchat import ChatHuggingChat

    with ChatHuggingChat(
        model=family, base_url=huggingchat_emulator_2024.base_url, max_retries=0, timeout=10
    ) as llm:
        bound = llm.bind_tools([get_weather])
        message = bound.invoke(QUESTION)
        chunks = list(bound.stream(QUESTION))
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    assert "".join(c.text for c in chunks) == message.text == ""


def _follow_ups(fake: FakeHuggingChat) -> list[str]:
    inputs = [r.data["inputs"] for r in fake.requests if r.route == "post"]
    return [i for i in inputs if i.startswith("Your last reply could not be used")]


def test_chatty_model_names_the_tool_in_prose_which_is_no_call(
    fake: FakeHuggingChat, chat_model: Any
) -> None:
    bound = chat_model(model=CHATTY).bind_tools([get_weather, get_time])
    message = bound.invoke(QUESTION)
    assert message.tool_calls == []
    assert message.content == "To answer that I would use get_weather with city = Paris."
    assert "".join(c.text for c in bound.stream(QUESTION)) == message.content


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
async def test_chatty_model_is_corrected_once_for_structured_output(
    fake: FakeHuggingChat, chat_model: Any, method: str
) -> None:
    structured = chat_model(model=CHATTY).with_structured_output(City, method=method)
    city = await structured.ainvoke("The city 'Oslo', 700000")
    assert isinstance(city, City)
    assert len(_follow_ups(fake)) == 1 and len(fake.conversations) == 1


def test_chatty_model_is_corrected_once_for_structured_predict(
    fake: FakeHuggingChat, index_llm: Any
) -> None:
    from llama_index.core.prompts import PromptTemplate

    city = index_llm(model=CHATTY).structured_predict(
        City, PromptTemplate("The city {q}"), q="'Oslo', 700000"
    )
    assert isinstance(city, City)
    assert len(_follow_ups(fake)) == 1 and len(fake.conversations) == 1


def test_chatty_model_without_retries_fails_loudly(fake: FakeHuggingChat, chat_model: Any) -> None:
    from langchain_core.exceptions import OutputParserException

    structured = chat_model(model=CHATTY, structured_output_retries=0).with_structured_output(City)
    with pytest.raises(OutputParserException):
        structured.invoke("The city 'Oslo', 700000")
    assert _follow_ups(fake) == []
