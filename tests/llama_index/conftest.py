"""Fixtures of the LlamaIndex adapter tests: the emulator, an LLM pointed at it, and an
offline embedding for the RAG tests (no model is downloaded)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hfchat.testing import FakeHuggingChat
from llama_index_hfchat import HuggingChatLLM
from llama_index_hfchat.testing import HashEmbedding


@pytest.fixture
def fake(huggingchat_emulator: FakeHuggingChat) -> FakeHuggingChat:
    """The 2026 emulator (chat-ui HEAD)."""
    return huggingchat_emulator


@pytest.fixture
def make_llm(fake: FakeHuggingChat) -> Iterator[Any]:
    """A factory of LLMs pointed at the emulator (closed after the test)."""
    made: list[HuggingChatLLM] = []

    def make(**kwargs: Any) -> HuggingChatLLM:
        kwargs.setdefault("model", "fake/echo")
        kwargs.setdefault("max_retries", 0)
        kwargs.setdefault("timeout", 10)
        llm = HuggingChatLLM(base_url=fake.base_url, **kwargs)
        made.append(llm)
        return llm

    yield make
    for llm in made:
        llm.close()


@pytest.fixture
def llm(make_llm: Any) -> HuggingChatLLM:
    """``fake/echo``: answers ``Echo: <inputs>`` unless a reply is scripted."""
    return make_llm()  # type: ignore[no-any-return]


@pytest.fixture
def embed_model() -> HashEmbedding:
    return HashEmbedding()
