"""In-memory chat-ui data: sessions, users, conversations with message trees, generations.

Everything here is plain data guarded by :attr:`Store.lock` (a re-entrant lock): the event-loop
thread mutates it while tests read snapshots from other threads.
"""

from __future__ import annotations

import asyncio
import secrets
import string
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .wire import iso, new_object_id, now

__all__ = [
    "Conversation",
    "Generation",
    "Message",
    "Session",
    "Store",
    "StoredFile",
    "TreeError",
]

NEW_CHAT = "New Chat"


class TreeError(Exception):
    """An invalid tree operation; ``status``/``message`` say how the server answers."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or "")
        self.status = status
        self.message = message


@dataclass
class Session:
    key: str  # the hf-chat cookie value
    user: dict[str, Any] | None = None

    @property
    def owner(self) -> str:
        """Who owns this session's conversations: the user once logged in, else the session."""
        return f"user:{self.user['id']}" if self.user else f"session:{self.key}"


@dataclass
class StoredFile:
    sha: str
    mime: str
    name: str
    data: bytes


@dataclass
class Message:
    id: str
    from_: str
    content: str
    created_at: datetime
    updated_at: datetime
    ancestors: list[str]
    children: list[str] = field(default_factory=list)
    files: list[dict[str, str]] | None = None
    # persisted updates; on 2026 an ``int`` stands for ``{"type":"stream","token":"","len":n}``
    updates: list[dict[str, Any] | int] = field(default_factory=list)
    has_updates: bool = False
    interrupted: bool | None = None
    generation_id: str | None = None
    router_metadata: dict[str, Any] | None = None
    materialized_seq: int | None = None
    reasoning: str | None = None

    def snapshot(self) -> dict[str, Any]:
        """The message as plain data (what :attr:`FakeHuggingChat.conversations` shows)."""
        data: dict[str, Any] = {
            "id": self.id,
            "from": self.from_,
            "content": self.content,
            "ancestors": list(self.ancestors),
            "children": list(self.children),
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }
        if self.files is not None:
            data["files"] = [dict(f) for f in self.files]
        for key, value in (
            ("interrupted", self.interrupted),
            ("generationId", self.generation_id),
            ("routerMetadata", self.router_metadata),
            ("reasoning", self.reasoning),
        ):
            if value is not None:
                data[key] = value
        return data


@dataclass
class Generation:
    """One assistant generation: its replay log (seq = index + 1) and stop signal."""

    id: str
    conversation_id: str
    message_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    status: str = "running"  # running | completed | error | interrupted
    stop_requested: bool = False
    seen_content_length: int | None = None
    stop_signal: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event | None = None

    def request_stop(self, seen_content_length: int | None = None) -> None:
        """Ask the running stream to finish as interrupted (call on the event-loop thread)."""
        self.stop_requested = True
        if seen_content_length is not None:
            self.seen_content_length = seen_content_length
        self.stop_signal.set()

    @property
    def done(self) -> bool:
        """True once the generation ended (completed, failed or interrupted)."""
        return self.status != "running"

    def notify(self) -> None:
        """Wake replay readers (call on the event-loop thread)."""
        if self._changed is not None:
            event, self._changed = self._changed, None
            event.set()

    def changed(self) -> asyncio.Event:
        """An event set at the next change (replay readers wait on it)."""
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed


@dataclass
class Conversation:
    id: str
    owner: str
    model: str
    preprompt: str
    root_id: str
    created_at: datetime
    updated_at: datetime
    title: str = NEW_CHAT
    titled: bool = False
    messages: list[Message] = field(default_factory=list)
    by_id: dict[str, Message] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    generations: list[Generation] = field(default_factory=list)
    share_id: str | None = None

    def add(self, message: Message) -> Message:
        """Add ``message`` and link it under its parent; returns it."""
        self.messages.append(message)
        self.by_id[message.id] = message
        if message.ancestors:
            parent = self.by_id[message.ancestors[-1]]
            parent.children.append(message.id)
            parent.has_updates = True
        return message

    def add_child(self, parent_id: str, from_: str, content: str, **extra: Any) -> Message:
        """A new message under ``parent_id`` (``TreeError(500)`` when there is no such
        message), added and returned.
        """
        parent = self.by_id.get(parent_id)
        if parent is None:
            raise TreeError(500)
        stamp = extra.pop("created_at", None) or now()
        message = Message(
            id=str(uuid.uuid4()),
            from_=from_,
            content=content,
            created_at=stamp,
            updated_at=stamp,
            ancestors=[*parent.ancestors, parent.id],
            has_updates=True,
            **extra,
        )
        return self.add(message)

    def snapshot(self) -> dict[str, Any]:
        """The conversation as plain data (see :attr:`FakeHuggingChat.conversations`)."""
        return {
            "id": self.id,
            "title": self.title,
            "model": self.model,
            "preprompt": self.preprompt,
            "rootMessageId": self.root_id,
            "owner": self.owner,
            "shareId": self.share_id,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "messages": [m.snapshot() for m in self.messages],
        }


def _share_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(7))


class Store:
    """All server-side data of one emulator."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.sessions: dict[str, Session] = {}
        self.conversations: dict[str, Conversation] = {}
        self.shares: dict[str, Conversation] = {}
        self.user: dict[str, Any] = {
            "id": new_object_id(),
            "username": "emulator-user",
            "name": "Emulator User",
            "email": "emulator-user@example.com",
            "avatarUrl": "https://huggingface.co/avatars/emulator-user.svg",
            "hfUserId": new_object_id(),
        }

    # sessions ---------------------------------------------------------------------------------

    def session(self, key: str | None) -> tuple[Session, bool]:
        """The session for a cookie value; a missing cookie gives a fresh anonymous session."""
        with self.lock:
            if key:
                found = self.sessions.get(key)
                if found is None:
                    found = self.sessions[key] = Session(key=key)
                return found, False
            fresh = Session(key=str(uuid.uuid4()))
            self.sessions[fresh.key] = fresh
            return fresh, True

    def login(self, key: str) -> Session:
        """Log the session ``key`` in as the store's user; its anonymous conversations move
        to the user. Returns the session.
        """
        with self.lock:
            session, _ = self.session(key)
            previous = session.owner
            session.user = dict(self.user)
            for conv in self.conversations.values():
                if conv.owner == previous:
                    conv.owner = session.owner
            return session

    def logout(self, key: str) -> None:
        """End the session ``key``."""
        with self.lock:
            self.sessions.pop(key, None)

    # conversations ----------------------------------------------------------------------------

    def create(self, owner: str, model: str, preprompt: str) -> Conversation:
        """A new conversation of ``owner`` with ``model`` and system prompt ``preprompt``."""
        stamp = now()
        root = Message(
            id=str(uuid.uuid4()),
            from_="system",
            content=preprompt,
            created_at=stamp,
            updated_at=stamp,
            ancestors=[],
        )
        conv = Conversation(
            id=new_object_id(),
            owner=owner,
            model=model,
            preprompt=preprompt,
            root_id=root.id,
            created_at=stamp,
            updated_at=stamp,
        )
        conv.add(root)
        with self.lock:
            self.conversations[conv.id] = conv
        return conv

    def owned(self, owner: str) -> list[Conversation]:
        """The conversations of ``owner``, most recently updated first."""
        with self.lock:
            convs = [c for c in self.conversations.values() if c.owner == owner]
        return sorted(convs, key=lambda c: c.updated_at, reverse=True)

    def delete(self, cid: str) -> None:
        """Delete the conversation ``cid`` (and its share) if it exists."""
        with self.lock:
            conv = self.conversations.pop(cid, None)
            if conv is not None and conv.share_id:
                self.shares.pop(conv.share_id, None)

    def share(self, conv: Conversation) -> str:
        """The share id of ``conv``, made on first use."""
        with self.lock:
            if conv.share_id is None:
                conv.share_id = _share_id()
                self.shares[conv.share_id] = conv
            return conv.share_id
