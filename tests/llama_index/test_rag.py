"""Retrieval-augmented generation through HuggingChatLLM: a vector index over local documents
(offline hashing embedding), a streaming query engine and a condense-plus-context chat engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.base.response.schema import AsyncStreamingResponse, StreamingResponse
from llama_index.core.chat_engine.types import ChatMode, StreamingAgentChatResponse
from llama_index.core.llms import ChatMessage

from hfchat.testing import FakeHuggingChat
from llama_index_hfchat import HuggingChatLLM
from llama_index_hfchat.testing import HashEmbedding

from .helpers import creates, posts

DOCS = {
    "lighthouse.txt": "The Kerrow lighthouse was built in 1871 from granite quarried on Skye. "
    "Its keeper, Morag Finlay, kept the lamp burning for forty years.",
    "bakery.txt": "The Brindle bakery sells rye sourdough every Tuesday. "
    "Its oven is fired with beech wood.",
    "observatory.txt": "The Halden observatory houses a refracting telescope with a "
    "sixty centimetre lens, installed in 1902.",
}


@pytest.fixture
def index(tmp_path: Path, embed_model: HashEmbedding) -> VectorStoreIndex:
    for name, text in DOCS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    documents = SimpleDirectoryReader(str(tmp_path)).load_data()
    return VectorStoreIndex.from_documents(documents, embed_model=embed_model)


@pytest.fixture(autouse=True)
def _no_default_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    # any component falling back to Settings.llm (OpenAI) would fail loudly here
    monkeypatch.setattr(Settings, "_llm", None)


def test_streaming_query_engine(
    index: VectorStoreIndex, llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    fake.script("<think>The context names the keeper.</think>Morag Finlay kept the lamp.")
    engine = index.as_query_engine(llm=llm, streaming=True, similarity_top_k=1)
    response = engine.query("Who was the keeper of the Kerrow lighthouse?")
    assert isinstance(response, StreamingResponse)
    tokens = list(response.response_gen)
    assert len(tokens) > 1  # streamed
    assert "".join(tokens) == "Morag Finlay kept the lamp."  # the answer, not the reasoning
    (source,) = response.source_nodes
    assert "lighthouse" in source.node.metadata["file_name"]
    # the retrieved context reached the server, the other documents did not
    (post,) = posts(fake)
    assert "granite quarried on Skye" in post.data["inputs"]
    assert "sourdough" not in post.data["inputs"]
    assert "Who was the keeper" in post.data["inputs"]


async def test_async_streaming_query_engine(
    index: VectorStoreIndex, llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    fake.script("Every Tuesday.")
    engine = index.as_query_engine(llm=llm, streaming=True, similarity_top_k=1)
    response = await engine.aquery("When does the Brindle bakery sell rye sourdough?")
    assert isinstance(response, AsyncStreamingResponse)
    tokens = [t async for t in response.async_response_gen()]
    assert "".join(tokens) == "Every Tuesday."
    assert "beech wood" in posts(fake)[0].data["inputs"]


def test_query_engine_without_streaming(
    index: VectorStoreIndex, llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    fake.script("A sixty centimetre lens.")
    engine = index.as_query_engine(llm=llm, similarity_top_k=1)
    response = engine.query("What lens does the Halden observatory telescope have?")
    assert str(response) == "A sixty centimetre lens."
    assert "installed in 1902" in posts(fake)[0].data["inputs"]


def test_condense_plus_context_chat_engine(
    index: VectorStoreIndex, llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    fake.script(
        "It was built in 1871.",
        # turn two: first the condensed question, then the answer
        "Who kept the lamp of the Kerrow lighthouse?",
        "Morag Finlay, for forty years.",
    )
    engine = index.as_chat_engine(
        chat_mode=ChatMode.CONDENSE_PLUS_CONTEXT, llm=llm, similarity_top_k=1
    )
    first = engine.chat("When was the Kerrow lighthouse built?")
    assert str(first) == "It was built in 1871."
    second = engine.stream_chat("And who kept its lamp?")
    assert isinstance(second, StreamingAgentChatResponse)
    assert "".join(second.response_gen) == "Morag Finlay, for forty years."
    first_post, condense, answer = posts(fake)
    # the condense step saw the first turn
    assert "When was the Kerrow lighthouse built?" in condense.data["inputs"]
    assert "And who kept its lamp?" in condense.data["inputs"]
    # the retrieved context is the system prompt (the preprompt); the same document was
    # retrieved twice, so the second answer continued the first server conversation
    assert "Morag Finlay" in creates(fake)[0].data["preprompt"]
    assert answer.path == first_post.path
    assert answer.data["inputs"] == "And who kept its lamp?"
    history = engine.chat_history
    assert [m.role for m in history] == ["user", "assistant", "user", "assistant"]
    assert history[-1].content == "Morag Finlay, for forty years."


async def test_chat_engine_async(
    index: VectorStoreIndex, llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    fake.script("Beech wood.", "What wood fires the Brindle bakery oven?", "Still beech wood.")
    engine = index.as_chat_engine(chat_mode=ChatMode.CONDENSE_PLUS_CONTEXT, llm=llm)
    assert str(await engine.achat("What fires the Brindle bakery oven?")) == "Beech wood."
    streamed = await engine.astream_chat("Are you sure?")
    tokens = [t async for t in streamed.async_response_gen()]
    assert "".join(tokens) == "Still beech wood."
    assert isinstance(engine.chat_history[0], ChatMessage)
