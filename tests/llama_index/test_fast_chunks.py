"""Streamed chunks built without validation equal the ChatResponses built the normal way."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    MessageRole,
    TextBlock,
    ThinkingBlock,
)

from hfchat.events import ReasoningDelta, TextDelta
from llama_index_hfchat._responses import TurnChunks


def _normal(text: str, reasoning: str, delta: str, thinking: str | None) -> ChatResponse:
    blocks: list[Any] = [ThinkingBlock(content=reasoning)] if reasoning else []
    blocks.append(TextBlock(text=text))
    kwargs: dict[str, Any] = {}
    if thinking is not None:
        kwargs["additional_kwargs"] = {"thinking_delta": thinking}
    message = ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
    return ChatResponse(message=message, delta=delta, **kwargs)


def _same(fast: ChatResponse | None, slow: ChatResponse) -> None:
    assert fast is not None
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_dump(exclude_unset=True) == slow.model_dump(exclude_unset=True)
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.message.model_fields_set == slow.message.model_fields_set
    for a, b in zip(fast.message.blocks, slow.message.blocks, strict=True):
        assert type(a) is type(b) and a.model_fields_set == b.model_fields_set
    assert fast.message.content == slow.message.content
    assert str(fast) == str(slow)


def test_text_chunks_equal_validated_responses() -> None:
    chunks = TurnChunks()
    _same(chunks.feed(TextDelta("Hel")), _normal("Hel", "", "Hel", None))
    _same(chunks.feed(TextDelta("lo ✓")), _normal("Hello ✓", "", "lo ✓", None))


def test_reasoning_then_text_chunks_equal_validated_responses() -> None:
    chunks = TurnChunks()
    _same(chunks.feed(ReasoningDelta("hm")), _normal("", "hm", "", "hm"))
    _same(chunks.feed(ReasoningDelta(" ok")), _normal("", "hm ok", "", " ok"))
    _same(chunks.feed(TextDelta("hi")), _normal("hi", "hm ok", "hi", None))


def test_chunks_share_no_mutable_state() -> None:
    chunks = TurnChunks()
    a = chunks.feed(TextDelta("a"))
    b = chunks.feed(TextDelta("b"))
    assert a is not None and b is not None
    a.additional_kwargs["k"] = 1
    a.message.additional_kwargs["k"] = 1
    assert b.additional_kwargs == {} and b.message.additional_kwargs == {}
    assert a.message.content == "a" and b.message.content == "ab"
