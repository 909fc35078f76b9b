"""Fixtures of the tool tests: both adapters pointed at the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat
from llama_index_hfchat import HuggingChatLLM


@pytest.fixture
def fake(huggingchat_emulator: FakeHuggingChat) -> FakeHuggingChat:
    return huggingchat_emulator


@pytest.fixture
def chat_model(fake: FakeHuggingChat) -> Iterator[Any]:
    made: list[ChatHuggingChat] = []

    def make(**kwargs: Any) -> ChatHuggingChat:
        kwargs.setdefault("model", "fake/echo")
        llm = ChatHuggingChat(base_url=fake.base_url, max_retries=0, timeout=10, **kwargs)
        made.append(llm)
        return llm

    yield make
    for llm in made:
        llm.close()


@pytest.fixture
def index_llm(fake: FakeHuggingChat) -> Iterator[Any]:
    made: list[HuggingChatLLM] = []

    def make(**kwargs: Any) -> HuggingChatLLM:
        kwargs.setdefault("model", "fake/echo")
        llm = HuggingChatLLM(base_url=fake.base_url, max_retries=0, timeout=10, **kwargs)
        made.append(llm)
        return llm

    yield make
    for llm in made:
        llm.close()
