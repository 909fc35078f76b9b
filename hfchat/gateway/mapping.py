"""OpenAI Chat Completions <-> the hfchat core.

In: a validated :class:`~hfchat.gateway.schemas.ChatCompletionRequest` becomes the core's
plain history (:class:`hfchat.ChatMessage`: text, image files from data URLs, earlier tool calls
with their ids, tool results named after the call they answer) plus the turn options (tools,
tool choice) and the JSON instruction of ``response_format``.

Out: a :class:`hfchat.TurnResult` becomes a ``chat.completion`` (answer in ``content``,
reasoning in ``reasoning_content``, tool calls with JSON-string arguments) with the extra
top-level ``hfchat`` field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..conversations import ChatMessage
from ..errors import ConfigurationError
from ..events import TurnResult
from ..files import file_from_data_url
from ..protocol.routes import FileUpload
from ..tools import ToolCall, ToolSpec, json_prompt
from .schemas import ChatCompletionRequest, ChatRequestMessage, ImagePart, NamedToolChoice

__all__ = [
    "TurnRequest",
    "clean_json",
    "completion",
    "hfchat_field",
    "to_turn_request",
    "tool_call_dicts",
]


@dataclass
class TurnRequest:
    """What one Chat Completions request asks of the core."""

    messages: list[ChatMessage]
    tools: list[ToolSpec] = field(default_factory=list)
    tool_choice: str | None = None
    json_mode: bool = False
    stops: list[str] = field(default_factory=list)
    web_search: bool | None = None


def _content(msg: ChatRequestMessage, where: str) -> tuple[str, list[FileUpload]]:
    content = msg.content
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    texts: list[str] = []
    files: list[FileUpload] = []
    for part in content:
        if isinstance(part, ImagePart):
            if msg.role != "user":
                raise ConfigurationError(f"{where}: images are accepted in user messages only")
            files.append(file_from_data_url(part.image_url.url))
        else:
            texts.append(part.text)
    return "\n".join(texts), files


def _arguments(raw: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ConfigurationError(f"{where}: function.arguments is not a JSON string") from None
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where}: function.arguments must be a JSON object")
    return value


def _messages(req: ChatCompletionRequest) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    call_names: dict[str, str] = {}
    for i, m in enumerate(req.messages):
        where = f"messages[{i}]"
        text, files = _content(m, where)
        if m.role in ("system", "developer"):
            out.append(ChatMessage("system", text))
        elif m.role == "user":
            out.append(ChatMessage("user", text, files=files))
        elif m.role == "assistant":
            calls = []
            for tc in m.tool_calls or []:
                args = _arguments(tc.function.arguments, where)
                calls.append(ToolCall(name=tc.function.name, arguments=args, id=tc.id))
                if tc.id:
                    call_names[tc.id] = tc.function.name
            out.append(ChatMessage("assistant", text, tool_calls=calls))
        else:  # tool
            name = m.name or call_names.get(m.tool_call_id or "")
            out.append(ChatMessage("tool", text, name=name, tool_call_id=m.tool_call_id))
    return out


def _tool_choice(req: ChatCompletionRequest, names: set[str]) -> str | None:
    choice = req.tool_choice
    if isinstance(choice, NamedToolChoice):
        if choice.function.name not in names:
            raise ConfigurationError(
                f"tool_choice names the function {choice.function.name!r}, which is not in tools"
            )
        return choice.function.name
    return choice


def to_turn_request(req: ChatCompletionRequest) -> TurnRequest:
    """The core's view of one request (raises :class:`ConfigurationError` for bad content)."""
    messages = _messages(req)
    tools = [
        ToolSpec(
            name=t.function.name,
            description=t.function.description or "",
            parameters=t.function.parameters or {"type": "object", "properties": {}},
        )
        for t in req.tools or []
    ]
    tool_choice = _tool_choice(req, {t.name for t in tools}) if tools else None
    json_mode = False
    fmt = req.response_format
    if fmt is not None and fmt.type != "text":
        json_mode = True
        schema = fmt.json_schema.schema_ if fmt.json_schema is not None else None
        if fmt.type == "json_schema" and schema is None:
            raise ConfigurationError("response_format json_schema needs json_schema.schema")
        messages.append(ChatMessage("system", json_prompt(schema)))
    return TurnRequest(messages, tools, tool_choice, json_mode, req.stop_list(), req.web_search)


_FENCE = re.compile(r"^\s*```[\w-]*\s*\n?(?P<body>.*?)\n?```\s*$", re.S)


def clean_json(text: str) -> str:
    """An answer asked to be one JSON object, as valid JSON where it can be made so: a code
    fence is removed, and broken JSON is repaired (``json-repair``) when it is installed."""
    m = _FENCE.match(text)
    body = m.group("body").strip() if m else text.strip()
    try:
        json.loads(body)
        return body
    except ValueError:
        pass
    try:
        from json_repair import repair_json
    except ImportError:  # pragma: no cover - json-repair comes with the serve extra
        return body
    repaired = repair_json(body)
    return repaired if isinstance(repaired, str) and repaired.strip() else body


def tool_call_dicts(calls: list[ToolCall], with_index: bool = False) -> list[dict[str, Any]]:
    """Tool calls in the OpenAI shape (arguments as a JSON string)."""
    out = []
    for i, c in enumerate(calls):
        item: dict[str, Any] = {
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)},
        }
        if with_index:
            item = {"index": i, **item}
        out.append(item)
    return out


def hfchat_field(result: TurnResult | None) -> dict[str, Any]:
    """The extra top-level ``hfchat`` field: conversation, title, sources, routed model."""
    if result is None:
        return {"conversation_id": None, "title": None, "sources": [], "model": None}
    routed = result.router.model if result.router is not None else None
    return {
        "conversation_id": result.conversation_id,
        "title": result.title,
        "sources": [dict(s) for s in result.sources],
        "model": routed or result.model or result.requested_model,
    }


def completion(
    completion_id: str,
    created: int,
    model: str,
    result: TurnResult,
    content: str,
    finish_reason: str,
) -> dict[str, Any]:
    """A whole ``chat.completion``."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if result.reasoning:
        message["reasoning_content"] = result.reasoning
    if result.tool_calls:
        message["content"] = content or None
        message["tool_calls"] = tool_call_dicts(result.tool_calls)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "hfchat": hfchat_field(result),
    }


def finish_reason(result: TurnResult, stopped: bool) -> str:
    """OpenAI's finish reason for a turn."""
    if result.tool_calls:
        return "tool_calls"
    if stopped:
        return "stop"
    if result.finish_reason == "length":
        return "length"
    return "stop"
