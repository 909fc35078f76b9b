"""Response shapes of stored conversations, one function per capture family.

- :func:`conversation_v2`: ``/api/v2/conversations/{cid}`` and the create response (head/01, 03, 05,
  11, 16); values still hold ``datetime``/``UNDEFINED`` for :func:`~.wire.superjson`.
- :func:`conversation_flat`: ``/api/conversation/{cid}`` (head/42, v0.9.4/08).
- :func:`conversation_data_json`: 2024 ``__data.json`` devalue page (v0.9.4/04, 15).
- :func:`list_item`, :func:`list_item_v2`: conversation lists (head/30, 31, v0.9.4/09).
"""

from __future__ import annotations

from typing import Any

from .state import Conversation, Message
from .wire import UNDEFINED, DevaluePromise, ObjectId, devalue, iso, js_json

__all__ = [
    "conversation_data_json",
    "conversation_flat",
    "conversation_v2",
    "data_json_error",
    "layout_data_json",
    "list_item",
    "list_item_legacy",
    "list_item_v2",
    "persisted_updates",
]


def persisted_updates(message: Message) -> list[dict[str, Any]]:
    """A message's stored updates as the server returns them (token lengths expanded)."""
    return [
        {"type": "stream", "token": "", "len": u} if isinstance(u, int) else dict(u)
        for u in message.updates
    ]


def _tree_fields(m: Message) -> dict[str, Any]:
    """A stored message's fields in chat-ui's key order (system messages differ)."""
    if m.from_ == "system":
        return {
            "id": m.id,
            "from": m.from_,
            "content": m.content,
            "createdAt": m.created_at,
            "updatedAt": m.updated_at,
            "children": list(m.children),
            "ancestors": list(m.ancestors),
        }
    data: dict[str, Any] = {"from": m.from_, "content": m.content}
    if m.from_ == "user":
        data["files"] = [dict(f) for f in m.files or []]
    data.update(
        createdAt=m.created_at,
        updatedAt=m.updated_at,
        ancestors=list(m.ancestors),
        id=m.id,
        children=list(m.children),
    )
    return data


def _message_v2(m: Message) -> dict[str, Any]:
    data = _tree_fields(m)
    if m.from_ == "system":
        if m.has_updates:
            data["updates"] = persisted_updates(m)
        return data
    if m.generation_id is not None:
        data["generationId"] = m.generation_id
    data["updates"] = persisted_updates(m)
    for key, value in (
        ("interrupted", m.interrupted),
        ("reasoning", m.reasoning),
        ("routerMetadata", m.router_metadata),
        ("materializedSeq", m.materialized_seq),
    ):
        if value is not None:
            data[key] = value
    return data


def conversation_v2(conv: Conversation, shared: bool = False) -> dict[str, Any]:
    """A conversation as ``GET /api/v2/conversations/<id>`` returns it (2026)."""
    return {
        "messages": [_message_v2(m) for m in conv.messages],
        "title": conv.title,
        "model": conv.model,
        "preprompt": conv.preprompt,
        "rootMessageId": conv.root_id,
        "id": conv.share_id if shared and conv.share_id else conv.id,
        "updatedAt": conv.updated_at,
        "modelId": conv.model,
        "shared": shared,
        "deployedSpaces": UNDEFINED,
    }


def conversation_flat(conv: Conversation, legacy: bool, model_tools: bool) -> dict[str, Any]:
    """A conversation as the 2024 ``GET /api/conversation/<id>`` returns it."""
    messages = []
    for m in conv.messages:
        item: dict[str, Any] = {
            "content": m.content,
            "from": m.from_,
            "id": m.id,
            "createdAt": iso(m.created_at),
            "updatedAt": iso(m.updated_at),
        }
        if m.from_ == "user":
            item["files"] = [dict(f) for f in m.files or []]
        if not legacy or m.from_ == "assistant":
            item["updates"] = persisted_updates(m)
        if m.reasoning is not None:
            item["reasoning"] = m.reasoning
        messages.append(item)
    data: dict[str, Any] = {
        "id": conv.id,
        "title": conv.title,
        "updatedAt": iso(conv.updated_at),
        "modelId": conv.model,
    }
    if legacy:
        data["assistantId"] = None
    data["messages"] = messages
    if legacy:
        data["modelTools"] = model_tools
    return data


def _message_devalue(m: Message) -> dict[str, Any]:
    data = _tree_fields(m)
    if m.from_ == "assistant":
        data["updates"] = persisted_updates(m)
        data["interrupted"] = bool(m.interrupted)
        if m.reasoning is not None:
            data["reasoning"] = m.reasoning
    return data


def _page_node(conv: Conversation, base_url: str) -> str:
    page = {
        "messages": [_message_devalue(m) for m in conv.messages],
        "title": conv.title,
        "model": conv.model,
        "preprompt": conv.preprompt,
        "rootMessageId": conv.root_id,
        "assistant": None,
        "shared": False,
    }
    uses = {"dependencies": [f"{base_url}/conversation/conversation"], "params": ["id"]}
    return '{"type":"data","data":' + devalue(page) + ',"uses":' + js_json(uses) + "}"


def conversation_data_json(conv: Conversation, base_url: str) -> str:
    """``__data.json?x-sveltekit-invalidated=01``: one line, layout node skipped."""
    return '{"type":"data","nodes":[{"type":"skip"},' + _page_node(conv, base_url) + "]}"


def layout_data_json(
    conv: Conversation | None, convs: list[Conversation], models: list[str], base_url: str
) -> str:
    """``__data.json?x-sveltekit-invalidated=11``: layout and page nodes plus streamed chunks
    (``text/sveltekit-data``, v0.9.4/02)."""
    layout = {
        "nConversations": len(convs),
        "conversations": DevaluePromise(1),
        "settings": {
            "searchEnabled": True,
            "ethicsModalAccepted": False,
            "ethicsModalAcceptedAt": None,
            "activeModel": models[0] if models else "",
            "hideEmojiOnSidebar": False,
            "shareConversationsWithModelAuthors": True,
            "customPrompts": {},
            "assistants": [],
            "tools": [],
            "disableStream": False,
            "directPaste": False,
        },
        "models": [{"id": m, "name": m, "displayName": m} for m in models],
        "oldModels": [],
        "tools": [],
        "communityToolCount": 0,
        "assistants": DevaluePromise(2),
        "user": UNDEFINED,
        "assistant": None,
        "enableAssistants": False,
        "enableAssistantsRAG": False,
        "enableCommunityTools": False,
        "loginRequired": False,
        "loginEnabled": False,
        "guestMode": False,
    }
    uses = '"uses":{"dependencies":["conversation:list"]}'
    layout_node = '{"type":"data","data":' + devalue(layout) + "," + uses + "}"
    page = _page_node(conv, base_url) if conv is not None else "null"
    items = [list_item_devalue(c) for c in convs]
    return (
        '{"type":"data","nodes":[' + layout_node + "," + page + "]}\n"
        '{"type":"chunk","id":1,"data":' + devalue(items) + "}\n"
        '{"type":"chunk","id":2,"data":' + devalue([]) + "}\n"
    )


def list_item_devalue(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "title": conv.title,
        "model": conv.model,
        "updatedAt": conv.updated_at,
        "assistantId": UNDEFINED,
        "avatarUrl": UNDEFINED,
    }


def data_json_error(status: int, message: str) -> str:
    """A SvelteKit ``__data.json`` error node (2024 servers) with ``status`` and ``message``."""
    node = {"type": "error", "error": {"message": message}, "status": status}
    return '{"type":"data","nodes":[{"type":"skip"},' + js_json(node) + "]}\n"


def list_item(conv: Conversation) -> dict[str, Any]:
    """A conversation list entry of the 2026 ``/api/conversations`` (plain JSON)."""
    return {
        "_id": conv.id,
        "id": conv.id,
        "title": conv.title,
        "updatedAt": iso(conv.updated_at),
        "model": conv.model,
        "modelId": conv.model,
    }


def list_item_v2(conv: Conversation) -> dict[str, Any]:
    """A conversation list entry of the 2026 v2 route (superjson types)."""
    oid = ObjectId(conv.id)
    return {
        "_id": oid,
        "id": oid,
        "title": conv.title,
        "updatedAt": conv.updated_at,
        "model": conv.model,
        "modelId": conv.model,
    }


def list_item_legacy(conv: Conversation, model_tools: bool) -> dict[str, Any]:
    """A conversation list entry of the 2024 ``/api/conversations``."""
    return {
        "id": conv.id,
        "title": conv.title,
        "updatedAt": iso(conv.updated_at),
        "modelId": conv.model,
        "assistantId": None,
        "modelTools": model_tools,
    }
