"""Live tests against the real HuggingChat (run only when HUGGINGCHAT_COOKIE is set).

Every model made here deletes the conversations it created when it is closed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_hfchat import ChatHuggingChat

pytestmark = pytest.mark.live


@pytest.fixture
def llm(live_cookie: str) -> Iterator[ChatHuggingChat]:
    model = ChatHuggingChat(
        api_key=live_cookie,
        model=os.environ.get("HUGGINGCHAT_MODEL"),
        cleanup_on_close=True,
        timeout=120,
    )
    yield model
    model.close()


def test_live_invoke_and_metadata(llm: ChatHuggingChat) -> None:
    msg = llm.invoke("Reply with the single word: pong")
    assert isinstance(msg, AIMessage)
    assert "pong" in msg.text.lower()
    meta = msg.response_metadata
    assert meta["model_provider"] == "huggingchat"
    assert meta["model_name"]
    assert meta["finish_reason"] == "stop"
    assert meta["conversation_id"]


def test_live_stream_and_follow_up(llm: ChatHuggingChat) -> None:
    chunks = list(llm.stream("Count from 1 to 5, separated by spaces."))
    assert chunks[-1].chunk_position == "last"
    answer = "".join(c.text for c in chunks)
    assert "3" in answer
    history = [
        HumanMessage("Count from 1 to 5, separated by spaces."),
        AIMessage(answer),
        HumanMessage("Now the same backwards."),
    ]
    follow = llm.invoke(history)
    first_id = chunks[-1].response_metadata["conversation_id"]
    assert follow.response_metadata["conversation_id"] == first_id


async def test_live_async(llm: ChatHuggingChat) -> None:
    msg = await llm.ainvoke("Say hello in French, one word.")
    assert msg.text.strip()
    chunks = [c async for c in llm.astream("Say hello in Spanish, one word.")]
    assert "".join(c.text for c in chunks).strip()


def test_live_tool_call(llm: ChatHuggingChat) -> None:
    @tool
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        return "sunny"

    msg = llm.bind_tools([get_weather], tool_choice="get_weather").invoke(
        "What is the weather in Paris?"
    )
    assert [c["name"] for c in msg.tool_calls] == ["get_weather"]
    assert "paris" in str(msg.tool_calls[0]["args"]).lower()


def test_live_structured_output(llm: ChatHuggingChat) -> None:
    class Capital(BaseModel):
        country: str
        capital: str

    result = llm.with_structured_output(Capital).invoke("The capital of Japan?")
    assert isinstance(result, Capital)
    assert "tokyo" in result.capital.lower()
