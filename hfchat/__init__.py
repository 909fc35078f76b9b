"""hfchat: a HuggingChat (huggingface/chat-ui) client, and the core of its framework adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from ._transport import ResponseInfo
from .client import AsyncHuggingChatClient, HuggingChatClient, client_pair
from .config import ClientConfig, Limits, Retry, Timeout
from .conversations import ChatMessage
from .errors import (
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    ConversationNotFoundError,
    HuggingChatError,
    InsecureTransportError,
    MessageTooLongError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    RequestInfo,
    ServerError,
    StreamError,
    StreamProtocolError,
    StreamTimeoutError,
    TimeoutError,
    TransportError,
)
from .events import (
    Elicitation,
    Event,
    FileOutput,
    ReasoningDelta,
    ReasoningStatus,
    RouterInfo,
    Sources,
    TextDelta,
    Title,
    ToolActivity,
    TurnEnd,
    TurnResult,
    WebSearchStatus,
)
from .protocol.routes import FileUpload
from .tools import ToolCall, ToolSpec

if TYPE_CHECKING:
    from .protocol.records import ConversationInfo, ConversationSummary, Message, ModelInfo

__all__ = [
    "AsyncHuggingChatClient",
    "AuthenticationError",
    "ChatMessage",
    "ClientClosedError",
    "ClientConfig",
    "ConfigurationError",
    "ConversationInfo",
    "ConversationNotFoundError",
    "ConversationSummary",
    "Elicitation",
    "Event",
    "FileOutput",
    "FileUpload",
    "HuggingChatClient",
    "HuggingChatError",
    "InsecureTransportError",
    "Limits",
    "Message",
    "MessageTooLongError",
    "ModelInfo",
    "ModelNotFoundError",
    "ProtocolError",
    "RateLimitError",
    "ReasoningDelta",
    "ReasoningStatus",
    "RequestInfo",
    "ResponseInfo",
    "Retry",
    "RouterInfo",
    "ServerError",
    "Sources",
    "StreamError",
    "StreamProtocolError",
    "StreamTimeoutError",
    "TextDelta",
    "Timeout",
    "TimeoutError",
    "Title",
    "ToolActivity",
    "ToolCall",
    "ToolSpec",
    "TransportError",
    "TurnEnd",
    "TurnResult",
    "WebSearchStatus",
    "__version__",
    "client_pair",
]


_LAZY = frozenset({"ConversationInfo", "ConversationSummary", "Message", "ModelInfo"})


def __getattr__(name: str) -> Any:
    """The pydantic records, imported on first use so that ``import hfchat`` stays light."""
    if name in _LAZY:
        from .protocol import records

        value = getattr(records, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
