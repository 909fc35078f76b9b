"""Every exception hfchat raises, in one tree.

::

    HuggingChatError                 base; .status_code, .body (short excerpt), .response,
                                     .partial_text / .partial_reasoning (set when a stream
                                     had already produced output)
    ├── AuthenticationError          not logged in, session expired or dropped, login page served
    ├── RateLimitError               429 (or 402 upstream credits); .retry_after, .limit
    ├── ModelNotFoundError           unknown, unlisted or retired model
    ├── ConversationNotFoundError    unknown id, malformed id, another session's conversation
    ├── StreamError                  the answer stream broke; .partial_text, .partial_reasoning
    │   ├── StreamProtocolError      an unreadable line mid-stream (also a ProtocolError)
    │   └── StreamTimeoutError       no update within the idle timeout (also a TimeoutError)
    ├── ProtocolError                the server said something this client cannot read
    ├── TransportError               connection-level failure (DNS, refused, TLS, reset)
    │   └── TimeoutError             connect timeout, or no update within the idle timeout
    ├── InsecureTransportError       a session cookie would travel over plain http
    └── ConfigurationError           bad arguments (cookie file, base URL, unsupported input)

Each error carries the HTTP status (when there was one) and at most 300 characters of the
response body; credentials are never part of an error: bodies are scrubbed of the session cookie
values the client knows before they are stored.

Transport failures from ``curl_cffi`` are mapped into this tree at one spot,
:func:`hfchat._transport.map_exceptions`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConversationNotFoundError",
    "HuggingChatError",
    "InsecureTransportError",
    "MessageTooLongError",
    "ModelNotFoundError",
    "ProtocolError",
    "RateLimitError",
    "StreamError",
    "StreamProtocolError",
    "StreamTimeoutError",
    "TimeoutError",
    "TransportError",
]

_EXCERPT = 300


def excerpt(body: bytes | str | None, limit: int = _EXCERPT) -> str | None:
    """A short, printable excerpt of a response body."""
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body[: limit * 4].decode("utf-8", "replace")
    body = body.strip()
    return body if len(body) <= limit else body[:limit] + "…"


class HuggingChatError(Exception):
    """Base class of every hfchat error.

    ``status_code`` is the HTTP status when the error came from a response, ``body`` a short
    excerpt of that response, ``response`` the :class:`hfchat.ResponseInfo` (status, headers
    without cookies, url) when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: bytes | str | None = None,
        response: Any = None,
        partial_text: str = "",
        partial_reasoning: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = excerpt(body)
        self.response = response
        self.partial_text = partial_text
        self.partial_reasoning = partial_reasoning

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.append(f"(HTTP {self.status_code})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[HuggingChatError], message: str, state: dict[str, Any]) -> Any:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


LOGIN_HINT = (
    "log in with `hfchat login`, or pass a logged-in `hf-chat` cookie "
    "(argument hf_chat_cookie or env HUGGINGCHAT_COOKIE)"
)


class AuthenticationError(HuggingChatError):
    """The server wants a logged-in session (or the session was lost).

    ``welcome_modal`` marks a 2024 server's 405 "accept the welcome modal first" (the clients
    accept it once on their own and retry).
    """

    welcome_modal: bool = False


class RateLimitError(HuggingChatError):
    """Too many requests. ``retry_after`` in seconds when known; ``limit`` names the limit."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        limit: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.limit = limit


class MessageTooLongError(HuggingChatError):
    """The server refused a message as too long (chat-ui's ``messageLength``) and no attachment
    could carry it. ``limit`` is the server's limit in characters when known."""

    def __init__(self, message: str, *, limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class ModelNotFoundError(HuggingChatError):
    """The model is unknown to the server, unlisted, or retired."""


class ConversationNotFoundError(HuggingChatError):
    """The conversation does not exist, is malformed, or belongs to another session."""


class StreamError(HuggingChatError):
    """The answer stream failed. What was already streamed is kept in ``partial_text``."""


class ProtocolError(HuggingChatError):
    """The server answered in a shape this client does not understand (or refused a request
    that the client built wrongly)."""


class StreamProtocolError(StreamError, ProtocolError):
    """A line of the answer stream could not be read; the partial answer is kept."""


class TransportError(HuggingChatError):
    """The connection failed (DNS, refused, reset, TLS, proxy).

    ``nothing_sent`` is true when the request never reached the server (safe to retry).
    """

    nothing_sent: bool = False


class TimeoutError(TransportError):
    """Connecting took too long, or the stream went idle for longer than the idle timeout."""


class StreamTimeoutError(StreamError, TimeoutError):
    """The stream went idle for longer than the idle timeout; the partial answer is kept."""


class InsecureTransportError(HuggingChatError):
    """A session cookie would be sent over plain http to a host that is not loopback."""


class ConfigurationError(HuggingChatError, ValueError):
    """An argument cannot be used (bad cookie file, base URL, unsupported content)."""
