"""Typed events of one answer stream.

The per-token path allocates one small slotted object per update; nothing here validates.
A stream yields any number of these and ends with exactly one :class:`TurnEnd` whose
``result`` is the :class:`TurnResult` of the turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Elicitation",
    "Event",
    "FileOutput",
    "ReasoningDelta",
    "ReasoningStatus",
    "RouterInfo",
    "Source",
    "Sources",
    "TextDelta",
    "Title",
    "ToolActivity",
    "TurnEnd",
    "TurnResult",
    "WebSearchStatus",
]


@dataclass(slots=True)
class TextDelta:
    """New answer text (padding removed, reasoning split out)."""

    text: str


@dataclass(slots=True)
class ReasoningDelta:
    """New reasoning text (``reasoning`` updates or inline ``<think>`` blocks)."""

    text: str


@dataclass(slots=True)
class ReasoningStatus:
    """A reasoning progress line such as ``Done in 3s.``; never answer text."""

    status: str


@dataclass(slots=True)
class Title:
    """The conversation title (first turn only), reasoning block removed."""

    title: str


@dataclass(slots=True)
class RouterInfo:
    """Router metadata: the routed model, the route, the provider (fields merged)."""

    route: str | None
    model: str | None
    provider: str | None


Source = dict[str, str]
"""A web source: ``{"url": ..., "title": ...}``."""


@dataclass(slots=True)
class Sources:
    """Web sources found so far in this update (the final list is on :class:`TurnResult`)."""

    sources: list[Source]


@dataclass(slots=True)
class ToolActivity:
    """Server-side tool activity (MCP or 2024 tools); never a client tool call.

    ``kind`` is ``call``, ``result``, ``error``, ``eta`` or ``progress``.
    """

    kind: str
    uuid: str
    name: str | None = None
    arguments: dict[str, Any] | None = None
    status: str | None = None
    outputs: list[Any] | None = None
    message: str | None = None


@dataclass(slots=True)
class WebSearchStatus:
    """2024 web search progress (``update``, ``error``, ``finished``)."""

    subtype: str
    message: str | None = None
    args: list[Any] | None = None


@dataclass(slots=True)
class FileOutput:
    """A file the server generated; ``url`` downloads it (with the session cookie)."""

    name: str
    sha: str
    mime: str
    url: str | None = None


@dataclass(slots=True)
class Elicitation:
    """An MCP tool asks the user for input (2026)."""

    subtype: str
    payload: dict[str, Any]


@dataclass(slots=True)
class TurnResult:
    """Everything one turn produced, assembled once at the end of the stream."""

    text: str = ""
    reasoning: str = ""
    finish_reason: str = "stop"
    title: str | None = None
    sources: list[Source] = field(default_factory=list)
    router: RouterInfo | None = None
    files: list[FileOutput] = field(default_factory=list)
    tool_activity: list[ToolActivity] = field(default_factory=list)
    reasoning_status: list[str] = field(default_factory=list)
    conversation_id: str | None = None
    message_id: str | None = None
    parent_id: str | None = None
    generation_id: str | None = None
    model: str | None = None
    requested_model: str | None = None
    final_updates: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[Any] = field(default_factory=list)
    """Client tool calls parsed from the answer (:class:`hfchat.tools.ToolCall`)."""

    @property
    def interrupted(self) -> bool:
        """True when the answer was cut short (``finish_reason == "interrupted"``)."""
        return self.finish_reason == "interrupted"

    def metadata(self) -> dict[str, Any]:
        """The turn's metadata as plain data (what both adapters publish)."""
        meta: dict[str, Any] = {
            "model_name": self.model or self.requested_model,
            "finish_reason": self.finish_reason,
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "title": self.title,
            "sources": [dict(s) for s in self.sources],
            "files": [f.url for f in self.files if f.url],
        }
        if self.router is not None:
            meta["router"] = {
                "route": self.router.route,
                "model": self.router.model,
                "provider": self.router.provider,
            }
        return meta


@dataclass(slots=True)
class TurnEnd:
    """The last event of every successful stream."""

    result: TurnResult


Event = (
    TextDelta
    | ReasoningDelta
    | ReasoningStatus
    | Title
    | RouterInfo
    | Sources
    | ToolActivity
    | WebSearchStatus
    | FileOutput
    | Elicitation
    | TurnEnd
)
