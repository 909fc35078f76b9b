"""The records the body readers build: models, conversations, messages (pydantic, validated).

Imported on first use (by :mod:`hfchat.protocol.bodies` and the lazy names of :mod:`hfchat`),
so that ``import hfchat`` does not pay for pydantic and the schema builds.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ConversationInfo", "ConversationSummary", "Message", "ModelInfo"]


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
        """Whether the model takes files of this MIME type (``image/*`` patterns allowed)."""
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
        """The id of the newest message (the root when there is none yet)."""
        return self.messages[-1].id if self.messages else self.root_message_id

    @property
    def root_id(self) -> str | None:
        """The id of the conversation's root message (where a first turn is posted)."""
        if self.root_message_id:
            return self.root_message_id
        return self.messages[0].id if self.messages else None

    def message(self, message_id: str) -> Message | None:
        """The message with this id, or None."""
        for m in self.messages:
            if m.id == message_id:
                return m
        return None


class ConversationSummary(_Record):
    """One entry of the conversation list."""

    id: str
    title: str | None = None
    model: str | None = None
    updated_at: str | None = Field(default=None, alias="updatedAt")
