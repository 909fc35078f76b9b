"""Pytest fixtures yielding a started :class:`~hfchat.testing.FakeHuggingChat` per test.

Installed with the package as a pytest plugin (entry point ``pytest11``), so any test can ask for
``huggingchat_emulator`` (2026 server) or ``huggingchat_emulator_2024`` (v0.9.4 server).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .emulator import FakeHuggingChat

__all__ = ["huggingchat_emulator", "huggingchat_emulator_2024"]


@pytest.fixture
def huggingchat_emulator() -> Iterator[FakeHuggingChat]:
    """A running 2026 (chat-ui HEAD) emulator, stopped after the test."""
    with FakeHuggingChat(generation="2026") as fake:
        yield fake


@pytest.fixture
def huggingchat_emulator_2024() -> Iterator[FakeHuggingChat]:
    """A running 2024 (chat-ui v0.9.4) emulator, stopped after the test."""
    with FakeHuggingChat(generation="2024") as fake:
        yield fake
