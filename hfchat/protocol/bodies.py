"""Readers for non-stream response bodies: superjson, devalue, models, conversations.

Pure functions from parsed JSON to pydantic records (validation happens here, at the edge,
never on the per-token path). Unknown keys are ignored; missing optional keys are tolerated.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ProtocolError

__all__ = [
    "ConversationInfo",
    "ConversationSummary",
    "Message",
    "ModelInfo",
    "decode_devalue",
    "parse_conversation",
    "parse_conversation_list",
    "parse_create",
    "parse_models",
    "unwrap_superjson",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=False)


class ModelInfo(_Record):
    """A model as the server lists it."""

    id: str
    name: str | None = None
    display_name: str | None = Field(default=None, alias="displayName")
    description: str | None = None
    preprompt: str | None = None
    multimodal: bool = False
    multimodal_accepted_mimetypes: list[str] | None = Field(
        default=None, alias="multimodalAcceptedMimetypes"
    )
    is_router: bool | None = Field(default=None, alias="isRouter")
    supports_tools: bool | None = Field(default=None, alias="supportsTools")
    supports_reasoning: bool | None = Field(default=None, alias="supportsReasoning")
    unlisted: bool = False

    def accepts_mime(self, mime: str) -> bool:
        if not self.multimodal:
            return False
        accepted = self.multimodal_accepted_mimetypes or ["image/*"]
        major = mime.split("/", 1)[0]
        return any(a in ("*/*", mime, f"{major}/*") for a in accepted)


class Message(_Record):
    """One node of a conversation tree."""

    id: str
    role: str = Field(alias="from")
    content: str = ""
    ancestors: list[str] = Field(default_factory=list)
    children: list[str] = Field(default_factory=list)
    files: list[dict[str, Any]] = Field(default_factory=list)
    interrupted: bool | None = None
    reasoning: str | None = None
    generation_id: str | None = Field(default=None, alias="generationId")
    router_metadata: dict[str, Any] | None = Field(default=None, alias="routerMetadata")


class ConversationInfo(_Record):
    """A conversation with its message tree (messages in insertion order)."""

    id: str
    title: str | None = None
    model: str | None = None
    preprompt: str | None = None
    root_message_id: str | None = Field(default=None, alias="rootMessageId")
    messages: list[Message] = Field(default_factory=list)

    @property
    def last_message_id(self) -> str | None:
        return self.messages[-1].id if self.messages else self.root_message_id

    @property
    def root_id(self) -> str | None:
        if self.root_message_id:
            return self.root_message_id
        return self.messages[0].id if self.messages else None

    def message(self, message_id: str) -> Message | None:
        for m in self.messages:
            if m.id == message_id:
                return m
        return None


class ConversationSummary(_Record):
    id: str
    title: str | None = None
    model: str | None = None
    updated_at: str | None = Field(default=None, alias="updatedAt")


def _protocol(what: str, body: Any) -> ProtocolError:
    if isinstance(body, (str, bytes)):
        text: str | bytes = body[:300]
    else:
        try:
            text = json.dumps(body, default=str)[:300]
        except (ValueError, RecursionError):  # too deep to print: say what it was
            text = f"({type(body).__name__}, nested too deep to show)"
    return ProtocolError(f"unexpected {what} body from the server", body=text)


def unwrap_superjson(value: Any) -> Any:
    """The ``json`` of a superjson envelope (``meta`` only tags types; dates stay strings)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _protocol("superjson", value) from None
    if not isinstance(value, dict) or "json" not in value:
        raise _protocol("superjson", value)
    return value["json"]


_SENTINELS: dict[int, Any] = {
    -1: None,
    -2: None,
    -3: math.nan,
    -4: math.inf,
    -5: -math.inf,
    -6: -0.0,
}


def decode_devalue(data: list[Any]) -> Any:
    """Decode SvelteKit's devalue flat array (``data[0]`` is the root)."""
    cache: dict[int, Any] = {}

    def hydrate(index: int) -> Any:
        if index < 0:
            return _SENTINELS.get(index)
        if index in cache:
            return cache[index]
        value = data[index]
        if isinstance(value, list):
            if value and isinstance(value[0], str):
                tag = value[0]
                if tag in ("Date", "BigInt", "RegExp", "URL"):
                    cache[index] = value[1]
                elif tag in ("Set",):
                    cache[index] = [hydrate(i) for i in value[1:]]
                elif tag == "Map":
                    pairs = zip(value[1::2], value[2::2], strict=False)
                    cache[index] = {hydrate(k): hydrate(v) for k, v in pairs}
                elif tag in ("Object", "null"):
                    pairs = zip(value[1::2], value[2::2], strict=False)
                    cache[index] = {k: hydrate(v) for k, v in pairs}
                else:
                    cache[index] = (
                        hydrate(value[1]) if len(value) > 1 and isinstance(value[1], int) else None
                    )
                return cache[index]
            out: list[Any] = []
            cache[index] = out
            out.extend(hydrate(i) for i in value)
            return out
        if isinstance(value, dict):
            obj: dict[str, Any] = {}
            cache[index] = obj
            for k, v in value.items():
                obj[k] = hydrate(v)
            return obj
        cache[index] = value
        return value

    if not data:
        return None
    try:
        return hydrate(0)
    except (RecursionError, IndexError, TypeError, KeyError, ValueError) as exc:
        raise ProtocolError(
            f"unreadable devalue data ({type(exc).__name__}, {len(data)} entries)"
        ) from None


def parse_models(body: Any) -> list[ModelInfo]:
    """Models from ``/api/v2/models`` (superjson) or ``/api/models`` (plain array)."""
    items = body["json"] if isinstance(body, dict) and "json" in body else body
    if not isinstance(items, list):
        raise _protocol("models", body)
    out: list[ModelInfo] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id") or item.get("name"), str):
            item = dict(item)
            item.setdefault("id", item.get("name"))
            try:
                out.append(ModelInfo.model_validate(item))
            except ValidationError as exc:
                raise _protocol("model", item) from exc
    return out


def parse_create(body: Any) -> tuple[str, ConversationInfo | None]:
    """``POST /conversation``: the id, and the embedded conversation on 2026 servers."""
    if not isinstance(body, dict) or not isinstance(body.get("conversationId"), str):
        raise _protocol("create-conversation", body)
    cid = body["conversationId"]
    embedded = body.get("conversation")
    conv = None
    if embedded is not None:
        conv = parse_conversation(unwrap_superjson(embedded), cid)
    return cid, conv


def parse_conversation(value: Any, conversation_id: str | None = None) -> ConversationInfo:
    """A conversation record from the v2 tree, the flat api or a decoded devalue node."""
    if not isinstance(value, dict) or not isinstance(value.get("messages"), list):
        raise _protocol("conversation", value)
    data = dict(value)
    data.setdefault("id", conversation_id or data.get("_id") or "")
    if isinstance(data.get("model"), dict):
        data["model"] = data["model"].get("id")
    if not data.get("model"):
        data["model"] = data.get("modelId")
    try:
        return ConversationInfo.model_validate(data)
    except ValidationError as exc:
        raise _protocol("conversation", value) from exc


def parse_conversation_list(body: Any) -> tuple[list[ConversationSummary], bool | None]:
    """``/api/conversations`` (array) or ``/api/v2/conversations`` (superjson, ``hasMore``)."""
    has_more: bool | None = None
    items = body
    if isinstance(body, dict) and "json" in body:
        inner = body["json"]
        if isinstance(inner, dict):
            items = inner.get("conversations")
            has_more = bool(inner.get("hasMore"))
        else:
            items = inner
    if not isinstance(items, list):
        raise _protocol("conversation list", body)
    out = []
    for item in items:
        if isinstance(item, dict):
            item = dict(item)
            item["id"] = item.get("id") or item.get("_id")
            if isinstance(item["id"], str):
                if not item.get("model"):
                    item["model"] = item.get("modelId")
                out.append(ConversationSummary.model_validate(item))
    return out, has_more
