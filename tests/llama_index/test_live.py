"""Against the real HuggingChat (marker ``live``): skipped unless ``HUGGINGCHAT_COOKIE`` is set.
Every conversation the tests create is deleted afterwards (``cleanup_on_close``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.response.schema import StreamingResponse
from llama_index.core.llms import ChatMessage

from llama_index_hfchat import HuggingChatLLM
from llama_index_hfchat.testing import HashEmbedding

pytestmark = [pytest.mark.live, pytest.mark.timeout(300)]


@pytest.fixture
def live_llm(live_cookie: str) -> Iterator[HuggingChatLLM]:
    llm = HuggingChatLLM(hf_chat_cookie=live_cookie, cleanup_on_close=True, max_retries=3)
    yield llm
    llm.close()


@pytest.fixture
async def alive_llm(live_cookie: str) -> AsyncIterator[HuggingChatLLM]:
    llm = HuggingChatLLM(hf_chat_cookie=live_cookie, cleanup_on_close=True, max_retries=3)
    yield llm
    await llm.aclose()


def test_live_chat_and_stream(live_llm: HuggingChatLLM) -> None:
    response = live_llm.chat(
        [
            ChatMessage(role="system", content="Answer with one lowercase word."),
            ChatMessage(role="user", content="Reply with the word: pong"),
        ]
    )
    assert "pong" in (response.message.content or "").lower()
    assert response.additional_kwargs["conversation_id"]
    chunks = list(live_llm.stream_complete("Count from 1 to 5, separated by spaces."))
    assert "".join(c.delta or "" for c in chunks).strip()
    assert "3" in chunks[-1].text


async def test_live_async_stream(alive_llm: HuggingChatLLM) -> None:
    stream = await alive_llm.astream_chat(
        [ChatMessage(role="user", content="Say hello in French, one word.")]
    )
    chunks = [c async for c in stream]
    assert (chunks[-1].message.content or "").strip()


async def test_live_function_agent(alive_llm: HuggingChatLLM) -> None:
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    agent = FunctionAgent(tools=[add], llm=alive_llm, system_prompt="Use tools for arithmetic.")
    answer = await agent.run("Use the add tool to compute 1234 + 4321.")
    assert "5555" in str(answer).replace(",", "")


def test_live_query_engine(live_llm: HuggingChatLLM) -> None:
    docs = [
        Document(text="The Kerrow lighthouse keeper was Morag Finlay."),
        Document(text="The Brindle bakery sells rye sourdough on Tuesdays."),
    ]
    index = VectorStoreIndex.from_documents(docs, embed_model=HashEmbedding())
    engine = index.as_query_engine(llm=live_llm, streaming=True, similarity_top_k=1)
    response = engine.query("Who kept the Kerrow lighthouse?")
    assert isinstance(response, StreamingResponse)
    assert "Morag" in "".join(response.response_gen)
