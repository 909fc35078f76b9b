"""The turn path through both framework adapters: message ids by default (LangChain
``response_metadata``, LlamaIndex ``additional_kwargs``), sync and async, and LlamaIndex RAG with
several large chunks against a server whose message length limit is below their total."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.chat_engine.types import ChatMode
from llama_index.core.llms import ChatMessage as LIMessage

from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat
from llama_index_hfchat import HuggingChatLLM
from llama_index_hfchat.testing import HashEmbedding


@pytest.fixture
def fake() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat(message_length=2000) as f:
        yield f


def assistant_ids(fake: FakeHuggingChat) -> list[str]:
    return [
        m["id"]
        for conv in fake.conversations.values()
        for m in conv["messages"]
        if m["from"] == "assistant"
    ]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
def test_langchain_answers_carry_the_message_id(fake: FakeHuggingChat, mode: str) -> None:
    llm = ChatHuggingChat(base_url=fake.base_url, model="fake/echo")
    if mode == "invoke":
        msg: Any = llm.invoke("hello")
    elif mode == "ainvoke":
        msg = asyncio.run(llm.ainvoke("hello"))
    elif mode == "stream":
        chunks = list(llm.stream("hello"))
        msg = chunks[0]
        for c in chunks[1:]:
            msg = msg + c
    else:

        async def go() -> Any:
            chunks = [c async for c in llm.astream("hello")]
            out = chunks[0]
            for c in chunks[1:]:
                out = out + c
            return out

        msg = asyncio.run(go())
    (expected,) = assistant_ids(fake)
    assert msg.response_metadata["message_id"] == expected


@pytest.mark.parametrize("mode", ["chat", "achat", "stream_chat", "astream_chat"])
def test_llama_index_answers_carry_the_message_id(fake: FakeHuggingChat, mode: str) -> None:
    llm = HuggingChatLLM(base_url=fake.base_url, model="fake/echo")
    msgs = [LIMessage(role="user", content="hello")]
    if mode == "chat":
        response: Any = llm.chat(msgs)
    elif mode == "achat":
        response = asyncio.run(llm.achat(msgs))
    elif mode == "stream_chat":
        response = list(llm.stream_chat(msgs))[-1]
    else:

        async def go() -> Any:
            return [r async for r in await llm.astream_chat(msgs)][-1]

        response = asyncio.run(go())
    (expected,) = assistant_ids(fake)
    assert response.additional_kwargs["message_id"] == expected


# -- LlamaIndex RAG with large chunks (issue 12 §2) --------------------------------------------

TOPICS = ("lighthouse", "bakery", "observatory")


def _document(topic: str) -> str:
    sentence = f"The {topic} record {{i}} notes a fact about the {topic} and its long history. "
    return "".join(sentence.format(i=i) for i in range(14))  # ~950 characters


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> VectorStoreIndex:
    monkeypatch.setattr(Settings, "_llm", None)  # no fallback to a default LLM
    for topic in TOPICS:
        (tmp_path / f"{topic}.txt").write_text(_document(topic), encoding="utf-8")
    docs = SimpleDirectoryReader(str(tmp_path)).load_data()
    assert all(len(d.text) > 900 for d in docs)
    return VectorStoreIndex.from_documents(docs, embed_model=HashEmbedding())


def _sent_files(fake: FakeHuggingChat) -> list[bytes]:
    out = []
    for conv in fake.store.conversations.values():
        for m in conv.snapshot()["messages"]:
            for f in m.get("files") or []:
                out.append(conv.files[f["value"]].data)
    return out


def test_rag_query_engine_with_large_chunks(fake: FakeHuggingChat, index: VectorStoreIndex) -> None:
    fake.script("All three have long histories.")
    llm = HuggingChatLLM(base_url=fake.base_url, model="fake/echo")
    engine = index.as_query_engine(llm=llm, similarity_top_k=3)
    response = engine.query("What do the records say?")
    assert str(response) == "All three have long histories."
    (context,) = _sent_files(fake)  # the prompt with its three chunks travelled as a file
    assert all(f"The {t} record 13" in context.decode() for t in TOPICS)
    assert "What do the records say?" in context.decode()


def test_rag_condense_plus_context_with_large_chunks(
    fake: FakeHuggingChat, index: VectorStoreIndex
) -> None:
    fake.script("First answer.")
    llm = HuggingChatLLM(base_url=fake.base_url, model="fake/echo")
    engine = index.as_chat_engine(
        chat_mode=ChatMode.CONDENSE_PLUS_CONTEXT, llm=llm, similarity_top_k=3
    )

    async def go() -> list[str]:
        first = await engine.achat("What do the records say?")
        second = await engine.achat("And what else?")
        return [str(first), str(second)]

    assert str(engine.chat("Tell me about the records.")) == "First answer."
    engine.reset()
    fake.script("First answer.", "What else do the records say?", "Second answer.")
    assert asyncio.run(go()) == ["First answer.", "Second answer."]
    # the answers reached the model with all three chunks (the context is the system prompt)
    sends = [q for q in fake.requests if q.route == "post"]
    assert [q.status for q in sends].count(200) == 4
    prompts = [conv.preprompt for conv in fake.store.conversations.values()]
    assert any(all(f"The {t} record 13" in p for t in TOPICS) for p in prompts)
