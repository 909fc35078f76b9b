"""Answers, reasoning and every response_metadata key through invoke/ainvoke/stream/astream."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat

from .conftest import MakeLLM

MODES = ["invoke", "ainvoke", "stream", "astream"]
KEYS = {
    "model_name",
    "model_provider",
    "finish_reason",
    "conversation_id",
    "message_id",
    "title",
    "sources",
    "files",
}
SOURCES = [
    {"url": "https://example.com/a", "title": "Example A"},
    {"url": "https://example.org/b", "title": "Example B"},
]


async def run(
    llm: ChatHuggingChat, mode: str, prompt: str = "Hello there", **kw: Any
) -> tuple[BaseMessage, list[AIMessageChunk]]:
    """The final message of one call in ``mode``, and the chunks when streaming."""
    chunks: list[AIMessageChunk] = []
    if mode == "invoke":
        return llm.invoke(prompt, **kw), chunks
    if mode == "ainvoke":
        return await llm.ainvoke(prompt, **kw), chunks
    if mode == "stream":
        chunks = list(llm.stream(prompt, **kw))
    else:
        chunks = [c async for c in llm.astream(prompt, **kw)]
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert chunks[-1].chunk_position == "last"
    return full, chunks


@pytest.mark.parametrize("mode", MODES)
async def test_routed_answer_and_metadata(
    fake: FakeHuggingChat, make_llm: MakeLLM, mode: str
) -> None:
    llm = make_llm(model="omni")
    msg, chunks = await run(llm, mode)
    assert isinstance(msg, AIMessage)
    assert msg.content == "Echo: Hello there"
    meta = msg.response_metadata
    assert KEYS <= set(meta)
    assert meta["model_provider"] == "huggingchat"
    assert meta["model_name"] == "fake/echo"  # the routed model, not "omni"
    assert meta["router"] == {
        "route": "casual_conversation",
        "model": "fake/echo",
        "provider": "fake-provider",
    }
    assert meta["finish_reason"] == "stop"
    assert [meta["conversation_id"]] == list(fake.conversations)
    assert meta["title"] == 'Fake title for: User message: "Hello there'
    assert meta["sources"] == [] and meta["files"] == []
    if chunks:
        assert all(c.response_metadata.get("model_provider") == "huggingchat" for c in chunks)
        # the metadata travels once, on the last chunk
        assert all("conversation_id" not in c.response_metadata for c in chunks[:-1])
        assert [c.text for c in chunks[:-1]] == ["Echo: ", "Hello ", "there"]


@pytest.mark.parametrize("mode", MODES)
async def test_message_id_when_resolved(
    fake: FakeHuggingChat, make_llm: MakeLLM, mode: str
) -> None:
    msg, _ = await run(make_llm(resolve_message_ids=True), mode)
    (conversation,) = fake.conversations.values()
    last = conversation["messages"][-1]
    assert last["from"] == "assistant"
    assert msg.response_metadata["message_id"] == last["id"]
    by_default, _ = await run(make_llm(), mode)
    # the stream carries no ids: a read beside it finds the message by its generation id
    ids = [m["id"] for c in fake.conversations.values() for m in c["messages"]]
    assert by_default.response_metadata["message_id"] in ids[len(conversation["messages"]) :]


@pytest.mark.parametrize("mode", MODES)
async def test_reasoning_is_apart_from_the_answer(make_llm: MakeLLM, mode: str) -> None:
    llm = make_llm(model="fake/reasoner")
    msg, chunks = await run(llm, mode, "Why?")
    assert msg.content == "Echo: Why?"
    assert msg.additional_kwargs["reasoning_content"] == "Thinking about it. Step one. Step two. "
    assert msg.content_blocks[0] == {
        "type": "reasoning",
        "reasoning": "Thinking about it. Step one. Step two. ",
    }
    assert msg.content_blocks[1] == {"type": "text", "text": "Echo: Why?"}
    assert "<think>" not in msg.response_metadata["title"]
    assert msg.response_metadata["model_name"] == "fake/reasoner"
    if chunks:
        kinds = ["r" if c.additional_kwargs.get("reasoning_content") else "t" for c in chunks]
        assert "".join(kinds).startswith("rrr") and "r" not in "".join(kinds).lstrip("r")
        assert all(not c.content for c in chunks if c.additional_kwargs)


@pytest.mark.parametrize("mode", MODES)
async def test_v1_output_has_standard_reasoning_blocks(make_llm: MakeLLM, mode: str) -> None:
    llm = make_llm(model="fake/reasoner", output_version="v1")
    msg, _ = await run(llm, mode, "Why?")
    assert isinstance(msg.content, list)
    reasoning = [b for b in msg.content if isinstance(b, dict) and b["type"] == "reasoning"]
    text = [b for b in msg.content if isinstance(b, dict) and b["type"] == "text"]
    assert "".join(b["reasoning"] for b in reasoning) == "Thinking about it. Step one. Step two. "
    assert "".join(b["text"] for b in text) == "Echo: Why?"
    assert msg.response_metadata["output_version"] == "v1"


@pytest.mark.parametrize("mode", MODES)
async def test_web_search_sources_once_and_server_tool_blocks(make_llm: MakeLLM, mode: str) -> None:
    llm = make_llm(model="fake/websearch", web_search=True, output_version="v1")
    msg, chunks = await run(llm, mode, "cats")
    assert msg.response_metadata["sources"] == SOURCES  # merged chunks did not duplicate them
    if chunks:
        assert sum(1 for c in chunks if "sources" in c.response_metadata) == 1
    blocks = msg.content_blocks
    call = next(b for b in blocks if b["type"] == "server_tool_call")
    result = next(b for b in blocks if b["type"] == "server_tool_result")
    assert call["name"] == "web_search_exa"
    assert call["args"] == {"query": "cats"}
    assert result["tool_call_id"] == call["id"]
    assert result["status"] == "success"
    assert "Example A" in str(result["output"])
    text = "".join(b["text"] for b in blocks if b["type"] == "text")
    assert text.startswith("Echo: cats")


async def test_server_tool_activity_in_v0_content_blocks(make_llm: MakeLLM) -> None:
    msg = await make_llm(model="fake/websearch", web_search=True).ainvoke("dogs")
    assert isinstance(msg.content, str)  # v0: the answer only
    assert [a["kind"] for a in msg.additional_kwargs["tool_activity"]] == ["call", "result"]
    types = [b["type"] for b in msg.content_blocks]
    assert types == ["server_tool_call", "server_tool_result", "text"]


@pytest.mark.parametrize("mode", MODES)
async def test_generated_files(fake: FakeHuggingChat, make_llm: MakeLLM, mode: str) -> None:
    msg, _ = await run(make_llm(model="fake/file"), mode, "make a file")
    (url,) = msg.response_metadata["files"]
    cid = msg.response_metadata["conversation_id"]
    assert url.startswith(f"{fake.base_url}/conversation/{cid}/output/")


async def test_interrupted_generation() -> None:
    with FakeHuggingChat(slow_tokens=200, slow_delay=0.01) as slow:
        llm = ChatHuggingChat(model="fake/slow", base_url=slow.base_url)
        chunks = []
        async for chunk in llm.astream("go"):
            chunks.append(chunk)
            if len(chunks) == 3:
                await llm.async_client.stop_generating(next(iter(slow.conversations)))
        await llm.aclose()
    assert chunks[-1].response_metadata["finish_reason"] == "interrupted"
    assert len(chunks) < 100


@pytest.mark.parametrize("mode", MODES)
async def test_per_call_model_override(make_llm: MakeLLM, mode: str) -> None:
    llm = make_llm(model="fake/echo")
    msg, _ = await run(llm, mode, "Why?", model="fake/reasoner")
    assert msg.response_metadata["model_name"] == "fake/reasoner"
    assert msg.additional_kwargs["reasoning_content"]


async def test_2024_server(huggingchat_emulator_2024: FakeHuggingChat) -> None:
    llm = ChatHuggingChat(model="fake/reasoner", base_url=huggingchat_emulator_2024.base_url)
    msg = llm.invoke("Hello")
    assert msg.content == "Echo: Hello"
    assert msg.additional_kwargs["reasoning_content"].startswith("Thinking")
    assert msg.response_metadata["title"] == "Hello"
    assert "router" not in msg.response_metadata  # no router metadata on 2024 servers
    chunks = [c async for c in llm.astream("Hello")]
    assert chunks[-1].response_metadata["model_name"] == "fake/reasoner"
    llm.close()


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


class _AsyncTokens(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


async def test_on_llm_new_token_fires_for_every_text_chunk(make_llm: MakeLLM) -> None:
    llm = make_llm()
    sync, async_ = _Tokens(), _AsyncTokens()
    list(llm.stream("one two three", config={"callbacks": [sync]}))
    assert [t for t in sync.tokens if t] == ["Echo: ", "one ", "two ", "three"]
    [c async for c in llm.astream("one two", config={"callbacks": [async_]})]
    assert [t for t in async_.tokens if t] == ["Echo: ", "one ", "two"]
    # streaming=True makes invoke stream too, so callbacks see each token
    streaming = make_llm(streaming=True)
    handler = _Tokens()
    assert streaming.invoke("a b", config={"callbacks": [handler]}).content == "Echo: a b"
    assert [t for t in handler.tokens if t] == ["Echo: ", "a ", "b"]
