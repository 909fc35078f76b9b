"""The client logic both I/O shells share, as one object: :class:`ClientCore`.

It is assembled from modules named for what they hold:

- :mod:`hfchat._session`: configuration, session cookies, request headers;
- :mod:`hfchat._checks`: typed errors for failed responses (through
  :func:`hfchat.protocol.classify.classify`), the stream start check, JSON bodies;
- :mod:`hfchat._retry`: whether and when a failed request is sent again, recovery, login;
- :mod:`hfchat._ops`: model and conversation operations (generators of requests);
- :mod:`hfchat._turn_ops`: the turn path (plan, send, refusal, message id, record).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from ._checks import ResponseChecks
from ._ops import ConversationOps, Op
from ._retry import RATE_WINDOW, RetryPolicy
from ._session import CoreSession, user_agent
from ._session import is_loopback as _is_loopback
from ._turn import Turn
from ._turn_ops import LONG_INPUT, TurnOps
from .config import DEFAULT_BASE_URL, ClientConfig, ClientOptions
from .tools import ToolSpec

__all__ = [
    "DEFAULT_BASE_URL",
    "LONG_INPUT",
    "RATE_WINDOW",
    "ActiveTurn",
    "ClientConfig",
    "ClientCore",
    "ClientOptions",
    "ConversationOps",
    "CoreSession",
    "Op",
    "ResponseChecks",
    "RetryPolicy",
    "TurnOps",
    "TurnOptions",
    "_is_loopback",
    "user_agent",
]

ActiveTurn = Turn  # the name the shells used before the turn object owned its lifecycle


class TurnOptions(TypedDict, total=False):
    """Per-call options of ``stream_chat`` and ``chat``."""

    model: str | None
    tools: Sequence[ToolSpec] | None
    tool_choice: str | None
    web_search: bool | None
    conversation_id: str | None


class ClientCore(TurnOps, RetryPolicy):
    """State and logic of one client; no sockets. Both shells hold one and only move bytes:
    they send the requests its operations yield and feed back the responses."""
