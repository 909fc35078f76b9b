"""Standard (v1) content blocks for HuggingChat messages.

Registered with langchain-core as the translator of ``model_provider="huggingchat"``, so that
``message.content_blocks`` and ``output_version="v1"`` show:

* ``reasoning`` from ``additional_kwargs["reasoning_content"]``;
* ``server_tool_call`` / ``server_tool_result`` from ``additional_kwargs["tool_activity"]``
  (server-side MCP tools such as web search);
* ``text`` from the answer;
* ``tool_call`` (or ``tool_call_chunk`` while streaming) from the parsed client tool calls.
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from ._messages import PROVIDER

__all__ = ["register", "translate_content", "translate_content_chunk"]


def _server_tool_blocks(items: Any) -> list[types.ContentBlock]:
    blocks: list[types.ContentBlock] = []
    if not isinstance(items, list):
        return blocks
    for item in items:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        kind = item.get("kind")
        if kind == "call":
            call: dict[str, Any] = {
                "type": "server_tool_call",
                "id": str(item["id"]),
                "name": str(item.get("name") or ""),
                "args": dict(item.get("args") or {}),
            }
            blocks.append(cast(types.ServerToolCall, call))
        elif kind in ("result", "error"):
            failed = kind == "error" or item.get("status") == "error"
            result: dict[str, Any] = {
                "type": "server_tool_result",
                "tool_call_id": str(item["id"]),
                "status": "error" if failed else "success",
            }
            if item.get("outputs") is not None:
                result["output"] = item["outputs"]
            elif item.get("message"):
                result["output"] = item["message"]
            if item.get("name"):
                result["extras"] = {"name": item["name"]}
            blocks.append(cast(types.ServerToolResult, result))
    return blocks


def _common(message: AIMessage) -> list[types.ContentBlock]:
    if not isinstance(message.content, str):
        raise NotImplementedError  # list content: langchain-core's best-effort parsing
    blocks: list[types.ContentBlock] = []
    reasoning = message.additional_kwargs.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        blocks.append(
            cast(types.ReasoningContentBlock, {"type": "reasoning", "reasoning": reasoning})
        )
    blocks.extend(_server_tool_blocks(message.additional_kwargs.get("tool_activity")))
    if message.content:
        blocks.append(cast(types.TextContentBlock, {"type": "text", "text": message.content}))
    return blocks


def _tool_call_blocks(message: AIMessage) -> list[types.ContentBlock]:
    blocks: list[types.ContentBlock] = []
    for tc in message.tool_calls:
        call = {"type": "tool_call", "name": tc["name"], "args": tc["args"], "id": tc["id"]}
        blocks.append(cast(types.ToolCall, call))
    for itc in message.invalid_tool_calls:
        invalid: dict[str, Any] = {
            "type": "invalid_tool_call",
            "id": itc.get("id"),
            "name": itc.get("name"),
            "args": itc.get("args"),
            "error": itc.get("error"),
        }
        blocks.append(cast(types.InvalidToolCall, invalid))
    return blocks


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks of a HuggingChat :class:`AIMessage`."""
    return _common(message) + _tool_call_blocks(message)


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """Standard blocks of a HuggingChat :class:`AIMessageChunk`."""
    blocks = _common(message)
    if message.chunk_position == "last":
        return blocks + _tool_call_blocks(message)
    for tcc in message.tool_call_chunks:
        chunk: dict[str, Any] = {
            "type": "tool_call_chunk",
            "id": tcc.get("id"),
            "name": tcc.get("name"),
            "args": tcc.get("args"),
        }
        if tcc.get("index") is not None:
            chunk["index"] = tcc["index"]
        blocks.append(cast(types.ToolCallChunk, chunk))
    return blocks


def register() -> None:
    """Register the translator (idempotent; done when ``langchain_hfchat`` is imported)."""
    register_translator(PROVIDER, translate_content, translate_content_chunk)
