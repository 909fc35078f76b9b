"""The reply corpus through both adapters: ``ChatHuggingChat`` invoke and stream, and
``HuggingChatLLM`` chat and stream_chat with tools, against scripted emulator replies."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk
from llama_index.core.base.llms.types import ToolCallBlock

from hfchat.testing import FakeHuggingChat

from .corpus import ADD_SCHEMA, CASES, MARKUP, WEATHER_SCHEMA, Case

OPENAI_TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "description": "w", "parameters": WEATHER_SCHEMA},
    },
    {"type": "function", "function": {"name": "add", "description": "a", "parameters": ADD_SCHEMA}},
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_langchain_invoke_and_stream(fake: FakeHuggingChat, chat_model: Any, case: Case) -> None:
    fake.script(case.reply, case.reply)
    bound = chat_model().bind_tools(OPENAI_TOOLS)
    message = bound.invoke("go")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == case.calls
    assert message.content == case.expected_content
    chunks = list(bound.stream("go"))
    streamed = "".join(c.text for c in chunks)
    assert streamed == case.expected_content
    if case.calls:
        assert not any(m in streamed for m in MARKUP)
    full: AIMessageChunk = chunks[0]
    for c in chunks[1:]:
        full = full + c  # type: ignore[assignment]
    assert [(c["name"], c["args"]) for c in full.tool_calls] == case.calls


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_llama_index_chat_and_stream(fake: FakeHuggingChat, index_llm: Any, case: Case) -> None:
    fake.script(case.reply, case.reply)
    llm = index_llm()
    response = llm.chat_with_tools(OPENAI_TOOLS, user_msg="go", allow_parallel_tool_calls=True)
    got = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    assert [(s.tool_name, s.tool_kwargs) for s in got] == case.calls
    assert (response.message.content or "") == case.expected_content
    chunks = list(
        llm.stream_chat_with_tools(OPENAI_TOOLS, user_msg="go", allow_parallel_tool_calls=True)
    )
    streamed = "".join(c.delta or "" for c in chunks)
    assert streamed == case.expected_content
    blocks = [b for b in chunks[-1].message.blocks if isinstance(b, ToolCallBlock)]
    assert [(b.tool_name, b.tool_kwargs) for b in blocks] == case.calls
