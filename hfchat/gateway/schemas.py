"""The request bodies the gateway accepts, validated once at the edge (pydantic).

Only what the gateway acts on is modelled strictly; every other top-level field of a Chat
Completions request (``temperature``, ``top_p``, ``max_tokens``, ``seed``, ``user``, ...) is
accepted and ignored, since HuggingChat chooses its own sampling.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AssistantToolCall",
    "ChatCompletionRequest",
    "ChatRequestMessage",
    "FunctionDef",
    "ImagePart",
    "ResponseFormat",
    "TextPart",
    "ToolDef",
]

MAX_MESSAGES = 2000
MAX_TOOLS = 128
MAX_STOPS = 16


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TextPart(_Model):
    """``{"type": "text", "text": ...}``."""

    type: Literal["text", "input_text"]
    text: str


class ImageURL(_Model):
    url: str
    detail: str | None = None


class ImagePart(_Model):
    """``{"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}``."""

    type: Literal["image_url"]
    image_url: ImageURL


ContentPart = Annotated[TextPart | ImagePart, Field(discriminator="type")]


class CalledFunction(_Model):
    name: str
    arguments: str = "{}"


class AssistantToolCall(_Model):
    """A tool call of an earlier assistant message."""

    id: str = ""
    type: Literal["function"] = "function"
    function: CalledFunction


class ChatRequestMessage(_Model):
    """One message of ``messages`` (``developer`` is read as ``system``)."""

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[AssistantToolCall] | None = None
    tool_call_id: str | None = None


class FunctionDef(_Model):
    """An OpenAI function tool: name, description and JSON-schema parameters."""

    name: str = Field(min_length=1, max_length=128)
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ToolDef(_Model):
    """``{"type": "function", "function": {...}}``."""

    type: Literal["function"] = "function"
    function: FunctionDef


class NamedFunction(_Model):
    name: str


class NamedToolChoice(_Model):
    type: Literal["function"] = "function"
    function: NamedFunction


class JSONSchemaFormat(_Model):
    name: str = "response"
    description: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class ResponseFormat(_Model):
    """``{"type": "text" | "json_object" | "json_schema", "json_schema": {...}}``."""

    type: Literal["text", "json_object", "json_schema"]
    json_schema: JSONSchemaFormat | None = None


class StreamOptions(_Model):
    include_usage: bool | None = None


class ChatCompletionRequest(_Model):
    """``POST /v1/chat/completions``."""

    model: str = ""
    messages: list[ChatRequestMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    stream_options: StreamOptions | None = None
    tools: list[ToolDef] | None = Field(default=None, max_length=MAX_TOOLS)
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    response_format: ResponseFormat | None = None
    stop: str | list[str] | None = None
    n: int | None = None
    web_search: bool | None = None
    """hfchat extension (``extra_body={"web_search": True}``): the server's web search."""

    @field_validator("stop")
    @classmethod
    def _stops(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and len(value) > MAX_STOPS:
            raise ValueError(f"at most {MAX_STOPS} stop sequences")
        return value

    @field_validator("n")
    @classmethod
    def _one_choice(cls, value: int | None) -> int | None:
        if value not in (None, 1):
            raise ValueError("only n=1 is supported")
        return value

    def stop_list(self) -> list[str]:
        """The ``stop`` sequences as a list (one string, several, or none)."""
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)
