"""HuggingChatSearch as a LangChain tool, against the emulator's web-search model."""

from __future__ import annotations

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from hfchat.testing import FakeHuggingChat
from langchain_hfchat import HuggingChatSearch

from .conftest import MakeLLM

SOURCES = [
    {"url": "https://example.com/a", "title": "Example A"},
    {"url": "https://example.org/b", "title": "Example B"},
]


def _posted(fake: FakeHuggingChat) -> list[dict]:  # type: ignore[type-arg]
    return [r.data for r in fake.requests if r.route == "post" and isinstance(r.data, dict)]


def test_sync_search_returns_answer_and_sources(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    tool = HuggingChatSearch(llm=make_llm(model="fake/websearch"))
    assert isinstance(tool, BaseTool)
    assert tool.name == "huggingchat_web_search" and "web" in tool.description
    assert tool.tool_call_schema.model_json_schema()["required"] == ["query"]
    text = tool.invoke("latest news")
    assert text.startswith("Echo: latest news")
    assert text.endswith(
        "Sources:\n[1] Example A <https://example.com/a>\n[2] Example B <https://example.org/b>"
    )
    assert _posted(fake)[0]["selectedMcpServerNames"]  # asked with web search on
    assert fake.conversations == {}  # the search's conversation was deleted


async def test_async_tool_call_carries_sources_as_artifact(
    fake: FakeHuggingChat, make_llm: MakeLLM
) -> None:
    tool = HuggingChatSearch(llm=make_llm(model="fake/websearch"), keep_conversations=True)
    message = await tool.ainvoke(
        {"type": "tool_call", "id": "c1", "name": tool.name, "args": {"query": "what's new"}}
    )
    assert isinstance(message, ToolMessage)
    assert message.tool_call_id == "c1"
    assert "[2] Example B <https://example.org/b>" in message.content
    assert message.artifact["sources"] == SOURCES
    assert message.artifact["model_name"] == "fake/websearch"
    assert message.artifact["conversation_id"] in fake.conversations  # kept on request


def test_a_search_without_sources_says_so(make_llm: MakeLLM) -> None:
    tool = HuggingChatSearch(llm=make_llm(model="fake/echo"))
    assert tool.invoke("plain").endswith("Sources: none (the answer cites no web page)")
