"""Helpers of the LlamaIndex adapter tests."""

from __future__ import annotations

from hfchat.testing import FakeHuggingChat, RecordedRequest


def posts(fake: FakeHuggingChat) -> list[RecordedRequest]:
    """The message sends the emulator received, oldest first."""
    return [r for r in fake.requests if r.route == "post"]


def creates(fake: FakeHuggingChat) -> list[RecordedRequest]:
    """The conversation creations the emulator received, oldest first."""
    return [r for r in fake.requests if r.route == "create"]
