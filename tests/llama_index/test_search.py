"""HuggingChatSearch as a LlamaIndex tool, against the emulator's web-search model."""

from __future__ import annotations

from typing import Any

from llama_index.core.tools import FunctionTool

from hfchat.testing import FakeHuggingChat
from llama_index_hfchat import HuggingChatSearch

SOURCES = [
    {"url": "https://example.com/a", "title": "Example A"},
    {"url": "https://example.org/b", "title": "Example B"},
]


def test_sync_search(fake: FakeHuggingChat, make_llm: Any) -> None:
    tool = HuggingChatSearch(make_llm(model="fake/websearch"))
    assert isinstance(tool, FunctionTool)
    spec = tool.metadata.to_openai_tool()["function"]
    assert spec["name"] == "huggingchat_web_search"
    assert spec["parameters"]["required"] == ["query"]
    out = tool(query="latest news")
    assert out.content.startswith("Echo: latest news")
    assert "Sources:\n[1] Example A <https://example.com/a>" in out.content
    assert out.raw_output["sources"] == SOURCES
    assert out.raw_output["model_name"] == "fake/websearch"
    assert fake.conversations == {}  # deleted after the search


async def test_async_search_keeps_the_conversation_on_request(
    fake: FakeHuggingChat, make_llm: Any
) -> None:
    tool = HuggingChatSearch(
        make_llm(model="fake/echo"), model="fake/websearch", keep_conversations=True
    )
    out = await tool.acall(query="what's new")
    assert "[2] Example B <https://example.org/b>" in out.content
    assert out.raw_output["conversation_id"] in fake.conversations
    assert out.raw_output["model_name"] == "fake/websearch"  # the tool's model wins
