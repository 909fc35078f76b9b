"""hfchat events out as LlamaIndex :class:`ChatResponse` objects.

One streamed chunk per answer or reasoning delta: ``delta`` is the new answer text,
``additional_kwargs["thinking_delta"]`` the new reasoning (what LlamaIndex agents forward as
``AgentStream.thinking_delta``), and ``message`` the answer so far (reasoning as a
``ThinkingBlock`` before the text). The last chunk (``delta=""``) carries the whole turn:
tool calls as ``ToolCallBlock``s (and OpenAI-shaped ``message.additional_kwargs["tool_calls"]``),
the turn's metadata in both ``additional_kwargs`` and ``message.additional_kwargs`` and the final
updates as ``raw``.

Chunks are built with ``model_construct`` (no validation per token); the final response is
validated normally.
"""

from __future__ import annotations

import json
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ContentBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from hfchat.events import Event, ReasoningDelta, TextDelta, TurnEnd, TurnResult
from hfchat.tools import ToolCall

__all__ = ["TurnChunks", "response_from_result", "turn_metadata"]


def turn_metadata(result: TurnResult) -> dict[str, Any]:
    """``ChatResponse.additional_kwargs`` of a finished turn."""
    meta = result.metadata()
    meta["model"] = meta["model_name"]  # LlamaIndex-style alias of the shared key
    if result.reasoning_status:
        meta["reasoning_status"] = list(result.reasoning_status)
    return meta


def _openai_tool_calls(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
        }
        for c in calls
    ]


def response_from_result(result: TurnResult) -> ChatResponse:
    """The complete response of a turn."""
    blocks: list[ContentBlock] = []
    if result.reasoning:
        blocks.append(ThinkingBlock(content=result.reasoning))
    blocks.append(TextBlock(text=result.text))
    blocks.extend(
        ToolCallBlock(tool_call_id=c.id, tool_name=c.name, tool_kwargs=dict(c.arguments))
        for c in result.tool_calls
    )
    meta = turn_metadata(result)
    extra: dict[str, Any] = dict(meta)  # the metadata on the message too
    if result.tool_calls:
        extra["tool_calls"] = _openai_tool_calls(result.tool_calls)
    return ChatResponse(
        message=ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=extra),
        raw=result.final_updates,
        delta="",
        additional_kwargs=meta,
    )


class TurnChunks:
    """Turns the events of one stream into streamed ``ChatResponse`` chunks."""

    __slots__ = ("_reasoning", "_text")

    def __init__(self) -> None:
        self._text = ""
        self._reasoning = ""

    def _chunk(self, delta: str, thinking: str | None) -> ChatResponse:
        # ``_fields_set`` as validation would record it, so that even ``exclude_unset`` dumps
        # equal those of the validated response (tests/llama_index/test_fast_chunks.py)
        blocks: list[Any] = []
        if self._reasoning:
            blocks.append(
                ThinkingBlock.model_construct(_fields_set={"content"}, content=self._reasoning)
            )
        blocks.append(TextBlock.model_construct(_fields_set={"text"}, text=self._text))
        message = ChatMessage.model_construct(
            _fields_set={"role", "blocks"},
            role=MessageRole.ASSISTANT,
            blocks=blocks,
            additional_kwargs={},
        )
        if thinking is None:
            return ChatResponse.model_construct(
                _fields_set={"message", "delta"},
                message=message,
                raw=None,
                delta=delta,
                additional_kwargs={},
            )
        return ChatResponse.model_construct(
            _fields_set={"message", "delta", "additional_kwargs"},
            message=message,
            raw=None,
            delta=delta,
            additional_kwargs={"thinking_delta": thinking},
        )

    def feed(self, event: Event) -> ChatResponse | None:
        """The chunk for ``event``, or None when it has nothing to show."""
        kind = type(event)
        if kind is TextDelta:
            text = event.text  # type: ignore[union-attr]
            if not text:
                return None
            self._text += text
            return self._chunk(text, None)
        if kind is ReasoningDelta:
            text = event.text  # type: ignore[union-attr]
            if not text:
                return None
            self._reasoning += text
            return self._chunk("", text)
        if kind is TurnEnd:
            return response_from_result(event.result)  # type: ignore[union-attr]
        return None
