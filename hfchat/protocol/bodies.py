"""Readers for non-stream response bodies: superjson, devalue, models, conversations.

Pure functions from parsed JSON to pydantic records (validation happens here, at the edge,
never on the per-token path). Unknown keys are ignored; missing optional keys are tolerated.
The records live in :mod:`hfchat.protocol.records`, imported on first use: importing this
module (and so ``import hfchat``) does not import pydantic.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from ..errors import ProtocolError

if TYPE_CHECKING:
    from .records import ConversationInfo, ConversationSummary, Message, ModelInfo

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

_RECORDS = frozenset({"ConversationInfo", "ConversationSummary", "Message", "ModelInfo"})


def __getattr__(name: str) -> Any:
    """The record classes, imported on first use (PEP 562)."""
    if name in _RECORDS:
        from . import records

        value = getattr(records, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    from pydantic import ValidationError

    from .records import ModelInfo

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
    from pydantic import ValidationError

    from .records import ConversationInfo

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
    from .records import ConversationSummary

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
