"""LlamaIndex chat messages in, :class:`hfchat.ChatMessage` out.

* ``SYSTEM`` (and ``DEVELOPER``) messages, and ``LLM.system_prompt``, become system messages:
  the core turns them into the conversation's ``preprompt``.
* ``TextBlock``s are the text; ``ImageBlock``s (and document, audio and video blocks) travel as
  files (the core refuses them for models that do not accept the type); ``ThinkingBlock``s in
  the history are dropped (the model's past reasoning is not sent back); ``CachePoint``s are
  ignored.
* ``ToolCallBlock``s (or OpenAI-shaped ``additional_kwargs["tool_calls"]``) of an assistant
  message become its tool calls; ``TOOL`` messages become tool results, named after the call
  they answer.

Only HuggingChat traffic leaves the process: binary blocks given as an http(s) URL are refused
(the same rule as :func:`hfchat.files.file_from_data_url`); pass bytes, a path or a data URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    DocumentBlock,
    ImageBlock,
    MessageRole,
    TextBlock,
    ToolCallBlock,
    VideoBlock,
)

import hfchat
from hfchat.errors import ConfigurationError
from hfchat.files import file_from_bytes, file_from_data_url
from hfchat.tools import ToolCall, parse_arguments

__all__ = ["to_core_messages", "tool_call_from_openai"]

_ROLES: dict[str, str] = {
    MessageRole.SYSTEM.value: "system",
    MessageRole.DEVELOPER.value: "system",
    MessageRole.USER.value: "user",
    MessageRole.ASSISTANT.value: "assistant",
    MessageRole.CHATBOT.value: "assistant",
    MessageRole.MODEL.value: "assistant",
    MessageRole.TOOL.value: "tool",
    MessageRole.FUNCTION.value: "tool",
}


def tool_call_from_openai(item: Any) -> ToolCall | None:
    """A tool call from an OpenAI-shaped dict (or object): ``{"id", "function": {...}}``."""
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    fn = get("function") or item
    fget = fn.get if isinstance(fn, dict) else lambda k, d=None: getattr(fn, k, d)
    name = fget("name")
    if not isinstance(name, str) or not name:
        return None
    args = parse_arguments(fget("arguments", fget("args", {}))) or {}
    call_id = get("id") or get("tool_call_id")
    return ToolCall(name, args, call_id) if call_id else ToolCall(name, args)


def _binary_file(block: ImageBlock | DocumentBlock | AudioBlock | VideoBlock) -> hfchat.FileUpload:
    """A binary block as a file to upload (never fetched from the web)."""
    url = str(getattr(block, "url", None) or "")
    if url.startswith("data:"):
        return file_from_data_url(url)
    if url and not getattr(block, "path", None) and not _has_data(block):
        raise ConfigurationError(
            f"{type(block).__name__} URLs are not fetched; pass bytes, a path or a data URL"
        )
    if isinstance(block, ImageBlock):
        data = block.resolve_image().read()
        mime = block.image_mimetype
        name = _name(block.path, "image")
    elif isinstance(block, DocumentBlock):
        data = block.resolve_document().read()
        mime = block.document_mimetype
        name = block.title or _name(block.path, "document")
    elif isinstance(block, AudioBlock):
        data = block.resolve_audio().read()
        mime = f"audio/{block.format}" if block.format else None
        name = _name(block.path, "audio")
    else:
        data = block.resolve_video().read()
        mime = block.video_mimetype
        name = _name(block.path, "video")
    return file_from_bytes(data, mime, name)


def _has_data(block: Any) -> bool:
    for attr in ("image", "data", "audio", "video"):
        if getattr(block, attr, None):
            return True
    return False


def _name(path: Any, default: str) -> str | None:
    return getattr(path, "name", None) or (str(path).rsplit("/", 1)[-1] if path else None) or None


def _tool_calls(message: ChatMessage) -> list[ToolCall]:
    calls = [
        ToolCall(b.tool_name, parse_arguments(b.tool_kwargs) or {}, b.tool_call_id)
        if b.tool_call_id
        else ToolCall(b.tool_name, parse_arguments(b.tool_kwargs) or {})
        for b in message.blocks
        if isinstance(b, ToolCallBlock)
    ]
    if calls:
        return calls
    raw = message.additional_kwargs.get("tool_calls") or []
    return [c for c in (tool_call_from_openai(i) for i in raw) if c is not None]


def _convert(message: ChatMessage, names: dict[str, str]) -> hfchat.ChatMessage:
    role = message.role.value if isinstance(message.role, MessageRole) else str(message.role)
    core_role = _ROLES.get(role)
    if core_role is None:
        raise ConfigurationError(f"unsupported message role {role!r}")
    texts: list[str] = []
    files: list[hfchat.FileUpload] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, (ImageBlock, DocumentBlock, AudioBlock, VideoBlock)):
            if core_role != "user":
                raise ConfigurationError(
                    f"HuggingChat takes files in user messages only, not in {role} messages"
                )
            files.append(_binary_file(block))
        # ThinkingBlock, ToolCallBlock (read below), CachePoint and citations: not sent
    out = hfchat.ChatMessage(core_role, "\n".join(texts), files)  # type: ignore[arg-type]
    if core_role == "assistant":
        out.tool_calls = _tool_calls(message)
        for call in out.tool_calls:
            names[call.id] = call.name
    elif core_role == "tool":
        kw = message.additional_kwargs
        call_id = kw.get("tool_call_id") or kw.get("id")
        out.tool_call_id = str(call_id) if call_id else None
        name = kw.get("name") or kw.get("tool_name")
        out.name = str(name) if name else names.get(out.tool_call_id or "")
    return out


def to_core_messages(
    messages: Sequence[ChatMessage], system_prompt: str | None = None
) -> list[hfchat.ChatMessage]:
    """The core's messages for a LlamaIndex history (``system_prompt`` first, unless the
    history already carries it as a system message)."""
    names: dict[str, str] = {}
    out = [_convert(m, names) for m in messages]
    if system_prompt and system_prompt.strip():
        present = any(m.role == "system" and m.content == system_prompt for m in out)
        if not present:
            out.insert(0, hfchat.ChatMessage("system", system_prompt))
    return out
