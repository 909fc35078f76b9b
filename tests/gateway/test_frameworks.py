"""LangChain's ``ChatOpenAI`` and LlamaIndex's ``OpenAILike`` pointed at the gateway."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from llama_index.core.llms import ChatMessage as LIChatMessage
from llama_index.llms.openai_like import OpenAILike
from pydantic import BaseModel

from .conftest import API_KEY, RunningGateway


def _chat(gw: RunningGateway, model: str = "fake/echo") -> ChatOpenAI:
    return ChatOpenAI(base_url=gw.url, api_key=API_KEY, model=model, max_retries=0, timeout=30)  # type: ignore[arg-type]


def test_chatopenai_invoke(gateway: RunningGateway) -> None:
    out = _chat(gateway).invoke([SystemMessage("be kind"), HumanMessage("hello langchain")])
    assert out.content == "Echo: hello langchain"
    assert out.response_metadata["finish_reason"] == "stop"


def test_chatopenai_stream(gateway: RunningGateway) -> None:
    chunks = list(_chat(gateway, "fake/slow").stream("go"))
    assert len([c for c in chunks if c.content]) > 1
    assert "".join(str(c.content) for c in chunks)


async def test_chatopenai_astream_reasoner(gateway: RunningGateway) -> None:
    text = ""
    async for chunk in _chat(gateway, "fake/reasoner").astream("why"):
        text += str(chunk.content)
    assert text == "Echo: why"  # reasoning is not mixed into the answer


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    return f"sunny in {city}"


def test_chatopenai_tools_round_trip(gateway: RunningGateway) -> None:
    llm = _chat(gateway, "fake/tools").bind_tools([get_weather])
    question = HumanMessage("What is the weather in 'Lima'?")
    ai = llm.invoke([question])
    assert ai.tool_calls and ai.tool_calls[0]["name"] == "get_weather"
    assert ai.tool_calls[0]["args"] == {"city": "Lima"}
    result = get_weather.invoke(ai.tool_calls[0]["args"])
    final = llm.invoke([question, ai, ToolMessage(result, tool_call_id=ai.tool_calls[0]["id"])])
    assert final.content == "The get_weather result is: sunny in Lima"


class City(BaseModel):
    name: str
    population: int


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_chatopenai_structured_output(gateway: RunningGateway, method: str) -> None:
    llm = _chat(gateway, "fake/tools").with_structured_output(City, method=method)  # type: ignore[arg-type]
    assert llm.invoke("the city 'Oslo' has 700000 people") == City(name="Oslo", population=700000)


def test_chatopenai_json_mode(gateway: RunningGateway) -> None:
    gateway.fake.script('```json\n{"name": "Oslo", "population": 700000}\n```')
    llm = _chat(gateway).with_structured_output(City, method="json_mode")
    assert llm.invoke("Oslo as JSON with name and population") == City(
        name="Oslo", population=700000
    )
    sent = [r for r in gateway.fake.requests if r.route == "create"][-1]
    assert "exactly one JSON object" in str(sent.data)  # the JSON instruction reached the server


def _llama(gw: RunningGateway, model: str = "fake/echo") -> OpenAILike:
    return OpenAILike(
        model=model,
        api_base=gw.url,
        api_key=API_KEY,
        is_chat_model=True,
        context_window=8192,
        max_retries=0,
        timeout=30,
    )


def test_openailike_chat(gateway: RunningGateway) -> None:
    resp = _llama(gateway).chat([LIChatMessage(role="user", content="hello llama")])
    assert resp.message.content == "Echo: hello llama"


def test_openailike_stream_chat(gateway: RunningGateway) -> None:
    deltas = [
        r.delta
        for r in _llama(gateway, "fake/slow").stream_chat(
            [LIChatMessage(role="user", content="go")]
        )
    ]
    assert len([d for d in deltas if d]) > 1


async def test_openailike_astream_complete(gateway: RunningGateway) -> None:
    text = ""
    async for r in await _llama(gateway).astream_complete("async llama"):
        text += r.delta or ""
    assert text == "Echo: async llama"
