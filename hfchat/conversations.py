"""Stateless framework histories mapped onto server conversations.

A framework call hands over the whole message list. :class:`ConversationIndex` decides what
to send:

* **new history** → create a conversation with the system text as ``preprompt`` and send the
  turns folded into the first ``inputs`` (format below);
* **a history that extends one this client sent** (same system text, model and prefix, the
  assistant turns equal to what the server answered) → post only the new turn(s) under the
  server's node, so the server keeps the real context;
* **a diverging history** → branch from the deepest node that still matches.

The index is an LRU of prefix fingerprints, bounded by ``max_entries``.

Folded format (only when earlier turns must travel inside one message)::

    [user]
    first question

    [assistant]
    first answer

    [tool result: get_weather]
    {"temp": 21}

    [user]
    the new question
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .errors import ConfigurationError
from .protocol.routes import FileUpload
from .tools import ToolCall, render_tool_calls, render_tool_result

__all__ = [
    "ChatMessage",
    "ConversationIndex",
    "NodeRef",
    "TurnPlan",
    "carry_as_attachment",
    "check_turn_input",
    "fold_turns",
    "input_length",
]

_ROLES = ("system", "user", "assistant", "tool")

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(slots=True)
class ChatMessage:
    """One framework message in the core's plain form."""

    role: Role
    content: str = ""
    files: list[FileUpload] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    name: str | None = None
    tool_call_id: str | None = None

    def render(self) -> str:
        """The text the server sees for this message."""
        if self.role == "tool":
            return render_tool_result(self.name, self.content, self.tool_call_id)
        if self.role == "assistant" and self.tool_calls:
            calls = render_tool_calls(self.tool_calls)
            return f"{self.content.strip()}\n{calls}".strip()
        return self.content

    def fingerprint(self) -> str:
        """A stable digest of role, text, files and tool calls: how the conversation index
        recognises a message it sent before.
        """
        files = [
            (f.name, f.mime, hashlib.sha256(f.data).hexdigest() if f.data else f.sha256)
            for f in self.files
        ]
        calls = [(c.name, json.dumps(c.arguments, sort_keys=True)) for c in self.tool_calls]
        return json.dumps(
            [self.role, self.content.strip(), files, calls, self.name], ensure_ascii=False
        )


def fold_turns(turns: list[ChatMessage]) -> str:
    """Turns as one readable message; a single user turn is sent as it is."""
    if len(turns) == 1 and turns[0].role == "user":
        return turns[0].content
    blocks = []
    for m in turns:
        if m.role == "tool":
            blocks.append(m.render())
        else:
            blocks.append(f"[{m.role}]\n{m.render()}")
    return "\n\n".join(blocks)


def _check_text(value: Any, what: str) -> None:
    if not isinstance(value, str):
        raise ConfigurationError(f"{what} must be a str, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigurationError(
            f"{what} holds a character that cannot be sent (a lone surrogate at {exc.start})"
        ) from None


def check_turn_input(messages: Any) -> list[ChatMessage]:
    """The messages of one turn, checked before any request: typed errors for what the
    server could not take (so nothing is created on the account for a call that fails)."""
    if isinstance(messages, str):
        messages = [ChatMessage("user", messages)]
    if not isinstance(messages, Sequence) or isinstance(messages, (bytes, bytearray)):
        raise ConfigurationError(
            f"messages must be a str or a list of ChatMessage, got {type(messages).__name__}"
        )
    msgs = list(messages)
    if not msgs:
        raise ConfigurationError("no messages to send")
    for i, m in enumerate(msgs):
        if not isinstance(m, ChatMessage):
            raise ConfigurationError(f"message {i} must be a ChatMessage, got {type(m).__name__}")
        if m.role not in _ROLES:
            raise ConfigurationError(f"message {i} has an unknown role {m.role!r:.40}")
        _check_text(m.content, f"the content of message {i}")
        if m.name is not None:
            _check_text(m.name, f"the name of message {i}")
    turns = [m for m in msgs if m.role != "system"]
    if turns and turns[-1].role == "user" and not turns[-1].content.strip():
        raise ConfigurationError("the last user message has no text (the server refuses it)")
    return msgs


def input_length(text: str) -> int:
    """The length chat-ui's ``messageLength`` measures (JavaScript string length)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def carry_as_attachment(text: str) -> tuple[str, list[FileUpload]]:
    """A long turn as chat-ui's web client sends a long paste: the text in a ``text/plain``
    file (the model reads it before the message) and a short message saying what it is. A
    folded history keeps its readable format inside the file."""
    folded = text.startswith(("[user]\n", "[assistant]\n", "[tool")) or "\n\n[user]\n" in text
    if folded:
        name = "conversation.txt"
        inputs = (
            f"The attached file {name} holds our conversation so far, one [role] block per "
            "message. Answer its last message as if it had been sent here."
        )
    else:
        name = "message.txt"
        inputs = (
            f"The attached file {name} holds my message (too long to type here). "
            "Answer it as if it had been sent here."
        )
    return inputs, [FileUpload(name, "text/plain", text.encode("utf-8"))]


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A server node that ends a known history: the assistant message of a turn."""

    conversation_id: str
    message_id: str | None
    parent_id: str | None
    generation_id: str | None
    text: str | None = None  # the answer, to recognise the message where reads lack ancestry


@dataclass(frozen=True, slots=True)
class TurnPlan:
    """What to send for one framework call (immutable: resolving returns a new plan)."""

    model: str
    system_prompt: str
    inputs: str
    files: list[FileUpload]
    conversation_id: str | None = None  # None: create one
    parent_id: str | None = None  # None: the root (new) or resolve ``pending``
    pending: NodeRef | None = None  # a known node whose message id must be read first
    history_key: str = ""
    created: bool = False


def _chain(key: str, message: ChatMessage) -> str:
    return hashlib.sha256((key + "\x1e" + message.fingerprint()).encode()).hexdigest()


class ConversationIndex:
    """Bounded LRU from history-prefix fingerprints to server nodes."""

    def __init__(self, max_entries: int = 512) -> None:
        self._nodes: OrderedDict[str, NodeRef] = OrderedDict()
        self._max = max_entries

    def __len__(self) -> int:
        return len(self._nodes)

    @staticmethod
    def _root_key(model: str, system_prompt: str) -> str:
        return hashlib.sha256(f"{model}\x1f{system_prompt.strip()}".encode()).hexdigest()

    def plan(self, messages: list[ChatMessage], model: str, extra_system: str = "") -> TurnPlan:
        """The :class:`TurnPlan` for ``messages``: continue the deepest known server node that
        this history extends (only the new turns are sent), else start a new conversation with
        the system prompt (``extra_system`` appended). Raises
        :class:`~hfchat.errors.ConfigurationError` without a user message or when the last
        message is the assistant's.
        """
        systems = [m.content for m in messages if m.role == "system" and m.content.strip()]
        if extra_system:
            systems.append(extra_system)
        system_prompt = "\n\n".join(systems)
        turns = [m for m in messages if m.role != "system"]
        if not turns:
            raise ConfigurationError("there is no user message to send")
        if turns[-1].role == "assistant":
            raise ConfigurationError(
                "the last message is the assistant's; HuggingChat answers user or tool messages"
            )
        key = self._root_key(model, system_prompt)
        keys = []
        for m in turns:
            key = _chain(key, m)
            keys.append(key)
        # the deepest known node that the history extends
        for i in range(len(turns) - 2, -1, -1):
            if turns[i].role != "assistant":
                continue
            node = self._nodes.get(keys[i])
            if node is None:
                continue
            self._nodes.move_to_end(keys[i])
            tail = turns[i + 1 :]
            return TurnPlan(
                model=model,
                system_prompt=system_prompt,
                inputs=fold_turns(tail),
                files=[f for m in tail for f in m.files],
                conversation_id=node.conversation_id,
                parent_id=node.message_id,
                pending=node if node.message_id is None else None,
                history_key=keys[-1],
            )
        return TurnPlan(
            model=model,
            system_prompt=system_prompt,
            inputs=fold_turns(turns),
            files=[f for m in turns for f in m.files],
            history_key=keys[-1],
        )

    def record(self, plan: TurnPlan, answer: ChatMessage, node: NodeRef) -> None:
        """Remember that ``plan``'s history followed by ``answer`` ends at ``node``."""
        key = _chain(plan.history_key, answer)
        self._nodes[key] = node
        self._nodes.move_to_end(key)
        while len(self._nodes) > self._max:
            self._nodes.popitem(last=False)

    def resolve(self, pending: NodeRef, message_id: str) -> NodeRef:
        """A pending node's message id became known: the resolved node, which replaces it
        in every entry that held it."""
        resolved = replace(pending, message_id=message_id)
        for key, node in self._nodes.items():
            if node == pending:
                self._nodes[key] = resolved
        return resolved

    def forget_conversation(self, conversation_id: str) -> None:
        """Drop every known node of ``conversation_id`` (after it was deleted or lost)."""
        for key in [k for k, n in self._nodes.items() if n.conversation_id == conversation_id]:
            del self._nodes[key]
