"""Fixtures of the LangChain adapter tests (the emulator fixtures come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat

MakeLLM = Callable[..., ChatHuggingChat]


@pytest.fixture
def fake(huggingchat_emulator: FakeHuggingChat) -> FakeHuggingChat:
    """A running 2026 emulator (fresh per test)."""
    return huggingchat_emulator


@pytest.fixture
def make_llm(fake: FakeHuggingChat) -> Iterator[MakeLLM]:
    """Build ChatHuggingChat models pointed at the emulator; closed after the test."""
    made: list[ChatHuggingChat] = []

    def make(**kwargs: Any) -> ChatHuggingChat:
        kwargs.setdefault("model", "fake/echo")
        llm = ChatHuggingChat(base_url=fake.base_url, **kwargs)
        made.append(llm)
        return llm

    yield make
    for llm in made:
        llm.close()


def sent_inputs(fake: FakeHuggingChat) -> list[str]:
    """The ``inputs`` of every message the emulator received, in order."""
    return [
        r.data["inputs"]
        for r in fake.requests
        if r.route == "post" and isinstance(r.data, dict) and "inputs" in r.data
    ]


def created_preprompts(fake: FakeHuggingChat) -> list[str]:
    """The ``preprompt`` of every conversation created, in order."""
    return [
        r.data.get("preprompt") or ""
        for r in fake.requests
        if r.route == "create" and isinstance(r.data, dict)
    ]
