"""Translation between LangChain messages and the hfchat core.

In: LangChain messages -> :class:`hfchat.ChatMessage` (text, image files, tool calls, tool
results). Content blocks are read through ``message.content_blocks``, which normalises the
OpenAI, Anthropic and LangChain v0/v1 shapes into standard v1 blocks.

Out: hfchat events -> :class:`AIMessageChunk` (one chunk per event that carries output), and a
finished :class:`hfchat.TurnResult` -> :class:`AIMessage`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk

import hfchat
from hfchat.errors import ConfigurationError
from hfchat.events import ReasoningDelta, TextDelta, ToolActivity, TurnEnd, TurnResult
from hfchat.files import file_from_base64, file_from_data_url
from hfchat.stops import StopCutter
from hfchat.tools import ToolCall, parse_arguments

__all__ = [
    "PROVIDER",
    "StopCutter",
    "activity_dict",
    "event_to_chunk",
    "event_to_generation",
    "final_chunk",
    "response_metadata",
    "result_to_message",
    "text_generation",
    "to_core_messages",
]

PROVIDER = "huggingchat"
_ROLES = {
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "system": "system",
    "developer": "system",
    "tool": "tool",
    "function": "tool",
}


# -- in ------------------------------------------------------------------------------------------
def _block_file(block: dict[str, Any]) -> hfchat.FileUpload:
    """A v1 image/file/audio/video block as a file to upload."""
    mime = block.get("mime_type")
    name = None
    extras = block.get("extras")
    if isinstance(extras, dict) and isinstance(extras.get("filename"), str):
        name = extras["filename"]
    if isinstance(block.get("base64"), str):
        return file_from_base64(block["base64"], mime, name)
    url = block.get("url")
    if isinstance(url, str):
        return file_from_data_url(url, name)  # http(s) URLs are refused with a clear error
    if block.get("file_id") is not None:
        raise ConfigurationError("provider file ids are not supported; pass the file as base64")
    raise ConfigurationError(f"cannot read the {block.get('type')} content block")


def _text_and_files(message: BaseMessage) -> tuple[str, list[hfchat.FileUpload]]:
    if isinstance(message.content, str):
        return message.content, []
    texts: list[str] = []
    files: list[hfchat.FileUpload] = []
    for block in message.content_blocks:
        kind = block.get("type")
        if kind in ("text", "text-plain"):
            text = block.get("text")
            if isinstance(text, str) and text:
                texts.append(text)
        elif kind in ("image", "file", "audio", "video"):
            files.append(_block_file(dict(block)))
        # reasoning, tool calls and provider-specific blocks are not sent back as text
    return "\n".join(texts), files


def _tool_content(message: ToolMessage | FunctionMessage) -> tuple[str, list[hfchat.FileUpload]]:
    content = message.content
    if isinstance(content, list) and all(isinstance(b, dict) for b in content):
        text, files = _text_and_files(message)
        if not text and not files and content:
            text = json.dumps(content, ensure_ascii=False, default=str)
        return text, files
    return str(content), []


def to_core_messages(messages: Sequence[BaseMessage]) -> list[hfchat.ChatMessage]:
    """LangChain messages as the core's plain history."""
    out: list[hfchat.ChatMessage] = []
    tool_names: dict[str, str] = {}
    for m in messages:
        if isinstance(m, SystemMessage):
            out.append(hfchat.ChatMessage("system", _text_and_files(m)[0]))
        elif isinstance(m, HumanMessage):
            text, files = _text_and_files(m)
            out.append(hfchat.ChatMessage("user", text, files=files))
        elif isinstance(m, AIMessage):
            calls = []
            for tc in m.tool_calls:
                call_id = tc.get("id") or ""
                calls.append(
                    ToolCall(
                        name=tc["name"], arguments=parse_arguments(tc["args"]) or {}, id=call_id
                    )
                )
                if call_id:
                    tool_names[call_id] = tc["name"]
            out.append(hfchat.ChatMessage("assistant", m.text, tool_calls=calls))
        elif isinstance(m, ToolMessage):
            text, files = _tool_content(m)
            if m.status == "error" and not text.lower().startswith("error"):
                text = f"Error: {text}"
            name = m.name or tool_names.get(m.tool_call_id)
            out.append(
                hfchat.ChatMessage(
                    "tool", text, files=files, name=name, tool_call_id=m.tool_call_id
                )
            )
        elif isinstance(m, FunctionMessage):
            text, files = _tool_content(m)
            out.append(hfchat.ChatMessage("tool", text, files=files, name=m.name))
        elif isinstance(m, ChatMessage):
            role = _ROLES.get(m.role.lower())
            if role is None:
                raise ConfigurationError(f"unsupported message role {m.role!r}")
            text, files = _text_and_files(m)
            out.append(hfchat.ChatMessage(role, text, files=files))  # type: ignore[arg-type]
        else:
            raise ConfigurationError(f"unsupported message type {type(m).__name__}")
    return out


# -- out -----------------------------------------------------------------------------------------
def activity_dict(activity: ToolActivity) -> dict[str, Any]:
    """Server-side tool activity as plain data (``additional_kwargs["tool_activity"]``)."""
    item: dict[str, Any] = {"kind": activity.kind, "id": activity.uuid}
    if activity.name is not None:
        item["name"] = activity.name
    if activity.arguments is not None:
        item["args"] = activity.arguments
    if activity.status is not None:
        item["status"] = activity.status
    if activity.outputs is not None:
        item["outputs"] = activity.outputs
    if activity.message is not None:
        item["message"] = activity.message
    return item


_SERVER_TOOL_KINDS = ("call", "result", "error")


def event_to_chunk(event: object, stop: StopCutter | None = None) -> AIMessageChunk | None:
    """The chunk for one stream event, or None for events that only feed the final metadata."""
    kind = type(event)
    if kind is TextDelta:
        text = event.text  # type: ignore[attr-defined]
        if stop:
            text = stop.feed(text)
        if not text:
            return None
        return AIMessageChunk(content=text, response_metadata={"model_provider": PROVIDER})
    if kind is ReasoningDelta:
        return AIMessageChunk(
            content="",
            additional_kwargs={"reasoning_content": event.text},  # type: ignore[attr-defined]
            response_metadata={"model_provider": PROVIDER},
        )
    if kind is ToolActivity and event.kind in _SERVER_TOOL_KINDS:  # type: ignore[attr-defined]
        return AIMessageChunk(
            content="",
            additional_kwargs={"tool_activity": [activity_dict(event)]},  # type: ignore[arg-type]
            response_metadata={"model_provider": PROVIDER},
        )
    return None


def _validated_text_generation(text: str) -> ChatGenerationChunk:
    """A text token's generation chunk, built (and validated) the ordinary way."""
    message = AIMessageChunk(content=text, response_metadata={"model_provider": PROVIDER})
    return ChatGenerationChunk(message=message)


def _state(obj: Any) -> tuple[Any, ...]:
    """Everything pydantic keeps on an instance."""
    return (
        type(obj),
        obj.__dict__,
        obj.__pydantic_fields_set__,
        obj.__pydantic_extra__,
        obj.__pydantic_private__,
    )


class _TextGenerations:
    """Per-token ``ChatGenerationChunk(message=AIMessageChunk(content=text))`` without validation.

    A text token's chunk always has the same shape (string content, our
    ``response_metadata``), so validating it per token only repeats work whose result is known.
    The instance state pydantic would build is read once from a validated reference chunk and
    then filled in per token: the same field values in the same order, fresh (unshared) mutable
    containers, the same set fields, extra and private state. On first use, a chunk built this
    way is compared with a validated one; if any of that differs (another langchain-core or
    pydantic version), every chunk is built the ordinary way instead.
    """

    __slots__ = ("_gen", "_gen_set", "_message", "_message_set", "_mutable", "enabled")

    def __init__(self) -> None:
        ref = _validated_text_generation("")
        message = ref.message
        self._message: dict[str, Any] = dict(message.__dict__)
        self._mutable = tuple(k for k, v in self._message.items() if isinstance(v, (dict, list)))
        self._message_set = frozenset(message.__pydantic_fields_set__)
        self._gen: dict[str, Any] = dict(ref.__dict__)
        self._gen_set = frozenset(ref.__pydantic_fields_set__)
        self.enabled = (
            message.__pydantic_extra__ == {}
            and message.__pydantic_private__ is None
            and ref.__pydantic_extra__ is None
            and ref.__pydantic_private__ is None
            and set(self._gen) == {"text", "generation_info", "type", "message"}
        )
        if self.enabled:
            probe = "probe <b>"
            fast, slow = self.build(probe), _validated_text_generation(probe)
            self.enabled = (
                _state(fast.message) == _state(slow.message)
                and {**fast.__dict__, "message": None} == {**slow.__dict__, "message": None}
                and _state(fast)[2:] == _state(slow)[2:]
                and fast.model_dump() == slow.model_dump()
            )

    def build(self, text: str) -> ChatGenerationChunk:
        """The chunk for ``text`` (a non-empty string), built from the reference state."""
        fields = self._message.copy()
        fields["content"] = text
        for key in self._mutable:
            fields[key] = fields[key].copy()
        message = AIMessageChunk.__new__(AIMessageChunk)
        _set(message, "__dict__", fields)
        _set(message, "__pydantic_fields_set__", set(self._message_set))
        _set(message, "__pydantic_extra__", {})
        _set(message, "__pydantic_private__", None)
        gen_fields = self._gen.copy()
        gen_fields["text"] = message.text
        gen_fields["message"] = message
        generation = ChatGenerationChunk.__new__(ChatGenerationChunk)
        _set(generation, "__dict__", gen_fields)
        _set(generation, "__pydantic_fields_set__", set(self._gen_set))
        _set(generation, "__pydantic_extra__", None)
        _set(generation, "__pydantic_private__", None)
        return generation


_set = object.__setattr__
_TEXT: list[_TextGenerations] = []


def text_generation(text: str) -> ChatGenerationChunk:
    """The generation chunk of one text token: equal in every field to
    ``ChatGenerationChunk(message=AIMessageChunk(content=text, response_metadata=...))``,
    built without per-token validation when that equality holds (checked once)."""
    if not _TEXT:
        _TEXT.append(_TextGenerations())
    factory = _TEXT[0]
    return factory.build(text) if factory.enabled else _validated_text_generation(text)


def event_to_generation(
    event: object, stop: StopCutter | None = None
) -> ChatGenerationChunk | None:
    """The generation chunk for one stream event (the last one for ``TurnEnd``), or None."""
    kind = type(event)
    if kind is TextDelta:
        text = event.text  # type: ignore[attr-defined]
        if stop:
            text = stop.feed(text)
        return text_generation(text) if text else None
    if kind is TurnEnd:
        return ChatGenerationChunk(message=final_chunk(event.result, stop))  # type: ignore[attr-defined]
    chunk = event_to_chunk(event, stop)
    return None if chunk is None else ChatGenerationChunk(message=chunk)


def response_metadata(result: TurnResult) -> dict[str, Any]:
    meta = result.metadata()
    meta["model_provider"] = PROVIDER
    return meta


def final_chunk(result: TurnResult, stop: StopCutter | None = None) -> AIMessageChunk:
    """The last chunk: held-back text, the tool calls, and the turn's metadata."""
    return AIMessageChunk(
        content=stop.flush() if stop else "",
        tool_call_chunks=[
            tool_call_chunk(
                name=call.name,
                args=json.dumps(call.arguments, ensure_ascii=False),
                id=call.id,
                index=i,
            )
            for i, call in enumerate(result.tool_calls)
        ],
        response_metadata=response_metadata(result),
        chunk_position="last",
    )


def result_to_message(result: TurnResult, stop: StopCutter | None = None) -> AIMessage:
    """A whole turn as one :class:`AIMessage`."""
    additional: dict[str, Any] = {}
    if result.reasoning:
        additional["reasoning_content"] = result.reasoning
    activity = [activity_dict(a) for a in result.tool_activity if a.kind in _SERVER_TOOL_KINDS]
    if activity:
        additional["tool_activity"] = activity
    return AIMessage(
        content=stop.cut(result.text)[0] if stop else result.text,
        additional_kwargs=additional,
        tool_calls=[
            {"name": c.name, "args": c.arguments, "id": c.id, "type": "tool_call"}
            for c in result.tool_calls
        ],
        response_metadata=response_metadata(result),
    )
