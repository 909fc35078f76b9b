"""Opt-in live tests against the real HuggingChat (run only with ``HUGGINGCHAT_COOKIE``)."""

from __future__ import annotations

import asyncio

import pytest

from hfchat import AsyncHuggingChatClient, ChatMessage, HuggingChatClient, TextDelta, TurnEnd

pytestmark = pytest.mark.live


def test_models_and_user(live_cookie: str) -> None:
    with HuggingChatClient(hf_chat_cookie=live_cookie) as client:
        models = client.list_models()
        assert models and all(m.id for m in models)
        assert client.generation in ("2026", "2024")
        assert client.whoami() is not None


def test_a_streamed_turn_and_a_follow_up(live_cookie: str) -> None:
    with HuggingChatClient(hf_chat_cookie=live_cookie, cleanup_on_close=True) as client:
        history = [
            ChatMessage("system", "Answer in one short sentence."),
            ChatMessage("user", "Name a primary colour."),
        ]
        events = list(client.stream_chat(history))
        first = events[-1]
        assert isinstance(first, TurnEnd) and first.result.text
        assert "".join(e.text for e in events if isinstance(e, TextDelta)).strip()
        history += [
            ChatMessage("assistant", first.result.text),
            ChatMessage("user", "Name another one."),
        ]
        second = client.chat(history)
        assert second.conversation_id == first.result.conversation_id
        assert second.text


def test_async_turn(live_cookie: str) -> None:
    async def go() -> str:
        async with AsyncHuggingChatClient(hf_chat_cookie=live_cookie, cleanup_on_close=True) as c:
            return (await c.chat("Say OK.")).text

    assert asyncio.run(go())
