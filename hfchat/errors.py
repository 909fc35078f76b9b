"""Every exception hfchat raises, in one tree.

::

    HuggingChatError                 base; .status_code, .body (short excerpt), .response,
    │                                .request, .partial_text / .partial_reasoning (set when a
    │                                stream had already produced output), .retryable,
    │                                .may_retry_send
    ├── AuthenticationError          not logged in, session expired or dropped, login page served;
    │                                .welcome_modal (2024's "accept the welcome modal" 405)
    ├── RateLimitError               429 (or 402 upstream credits); .retry_after, .limit
    ├── MessageTooLongError          the server's message length limit; .limit (int | None)
    ├── ModelNotFoundError           unknown, unlisted or retired model
    ├── ConversationNotFoundError    unknown id, malformed id, another session's conversation
    ├── ServerError                  a 5xx the server gave no better reason for
    ├── StreamError                  the answer stream broke; .partial_text, .partial_reasoning
    │   ├── StreamProtocolError      an unreadable line mid-stream (also a ProtocolError)
    │   └── StreamTimeoutError       no update within the idle timeout (also a TimeoutError)
    ├── ProtocolError                the server said something this client cannot read (or
    │                                refused a request this client built wrongly)
    ├── TransportError               connection-level failure (DNS, refused, TLS, reset);
    │   │                            .nothing_sent
    │   └── TimeoutError             connect timeout, or no update within the idle timeout;
    │                                also the builtin ``TimeoutError`` (``except TimeoutError``
    │                                catches it with or without this import)
    ├── InsecureTransportError       a session cookie would travel over plain http
    ├── ClientClosedError            the client was closed (before or during the call)
    └── ConfigurationError           bad arguments (cookie file, base URL, unsupported input);
                                     also a ``ValueError``

Every error is built complete: all its facts are constructor keywords, nothing is set on it
afterwards. Each carries the HTTP status (when there was one), at most 300 characters of the
response body, the :class:`RequestInfo` of the request it answers (method, route, URL without
credentials) and the response (status, URL, headers without cookies). Credentials are never
part of an error: bodies and header values are scrubbed of the session cookie values the
client knows, and ``cookie``/``set-cookie``/``authorization`` headers are dropped. No message,
``str()`` or ``repr()`` holds markup: an HTML error page is read for its title and status.

Retrying is decided by class, never by exact type:

* ``retryable`` (class attribute): the failure is transient; an idempotent request (GET) may be
  sent again after a pause. True for :class:`RateLimitError`, :class:`ServerError` and
  :class:`TransportError` (not for :class:`StreamError`: an answer that began is resumed or
  reported, never re-requested).
* ``may_retry_send``: the server cannot have acted on the request, so even a non-idempotent one
  (the send route) may be sent again: a 429 refusal (chat-ui refuses before storing anything), or
  a connection failure before the request was sent (``TransportError(nothing_sent=True)``).

Where an error is classified: :func:`hfchat.protocol.classify.classify` (one ordered rule table
for HTTP responses, stream status updates, 2024 devalue error nodes and HTML pages). Transport
failures from ``curl_cffi`` are mapped into this tree at one spot,
:func:`hfchat._transport.map_exceptions`.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "ConversationNotFoundError",
    "HuggingChatError",
    "InsecureTransportError",
    "MessageTooLongError",
    "ModelNotFoundError",
    "ProtocolError",
    "RateLimitError",
    "RequestInfo",
    "ServerError",
    "StreamError",
    "StreamProtocolError",
    "StreamTimeoutError",
    "TimeoutError",
    "TransportError",
    "scrub_headers",
]

_EXCERPT = 300
SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})


def excerpt(body: bytes | str | None, limit: int = _EXCERPT) -> str | None:
    """A short, printable excerpt of a response body."""
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body[: limit * 4].decode("utf-8", "replace")
    body = body.strip()
    return body if len(body) <= limit else body[:limit] + "…"


_MARKUP = re.compile(
    r"<(!doctype|/?(html|head|body|title|h[1-6]|div|span|p|script|style|br))[\s/>]", re.I
)
_SPACE = re.compile(r"\s+")
_MARKUP_READ_LIMIT = 64 * 1024


def looks_like_markup(text: str) -> bool:
    """True when ``text`` holds HTML tags (never to be shown as a message)."""
    return "<" in text and bool(_MARKUP.search(text[:_MARKUP_READ_LIMIT]))


def without_markup(text: str) -> str:
    """``text`` with any HTML reduced to its visible words (a last line of defence: the
    classifier already reads HTML error pages for their title)."""
    if not looks_like_markup(text):
        return text
    from html.parser import HTMLParser

    words: list[str] = []
    skip = {"script", "style", "head"}

    class _Text(HTMLParser):
        depth = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in skip:
                self.depth += 1

        def handle_endtag(self, tag: str) -> None:
            if tag in skip and self.depth:
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if not self.depth:
                words.append(data)

    parser = _Text(convert_charrefs=True)
    try:
        parser.feed(text[:_MARKUP_READ_LIMIT])
        parser.close()
    except Exception:  # html.parser is lenient; never let a message break an error
        words = []
    clean = _SPACE.sub(" ", " ".join(words)).strip().replace("<", "‹")
    clean = clean if len(clean) <= _EXCERPT else clean[:_EXCERPT] + "…"
    return clean or "(an HTML page)"


def strip_userinfo(url: str) -> str:
    """``url`` without ``user:password@`` (credentials never travel in an error)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def scrub_headers(headers: Mapping[str, str], secrets: Sequence[str] = ()) -> dict[str, str]:
    """Response headers fit to keep in an error: cookie and authorization headers dropped,
    known secret values replaced by ``***`` in the others."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            continue
        for s in secrets:
            if s and len(s) >= 6 and s in value:
                value = value.replace(s, "***")
        out[name] = value
    return out


def _scrubbed_response(response: Any) -> Any:
    """The response with its secret headers dropped (defence in depth; values are scrubbed of
    known secrets where the error is classified)."""
    headers = getattr(response, "headers", None)
    if not isinstance(headers, Mapping) or not any(
        str(k).lower() in SECRET_HEADERS for k in headers
    ):
        return response
    clean = scrub_headers(headers)
    if dataclasses.is_dataclass(response) and not isinstance(response, type):
        return dataclasses.replace(response, headers=clean)
    return response


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """The request an error answers: method, route name (see :mod:`hfchat.protocol.routes`) and
    URL without credentials."""

    method: str
    route: str
    url: str

    @classmethod
    def of(cls, method: str, route: str, url: str) -> RequestInfo:
        """Build one, stripping any ``user:password@`` from ``url``."""
        return cls(method, route, strip_userinfo(url))


class HuggingChatError(Exception):
    """Base class of every hfchat error.

    ``status_code`` is the HTTP status when the error came from a response, ``body`` a short
    excerpt of that response, ``response`` the :class:`hfchat.ResponseInfo` (status, headers
    without cookies, url) when there was one, ``request`` the :class:`RequestInfo` it answers.
    """

    retryable: ClassVar[bool] = False
    """Transient: an idempotent request may be sent again after a pause."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: bytes | str | None = None,
        response: Any = None,
        request: RequestInfo | None = None,
        partial_text: str = "",
        partial_reasoning: str = "",
    ) -> None:
        if "<" in message:
            message = without_markup(message)
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = excerpt(body)
        self.response = _scrubbed_response(response) if response is not None else None
        self.request = request
        self.partial_text = partial_text
        self.partial_reasoning = partial_reasoning

    @property
    def may_retry_send(self) -> bool:
        """The server cannot have acted on the request: even the send route may be retried."""
        return False

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

    def __init__(self, message: str, *, welcome_modal: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.welcome_modal = welcome_modal


class RateLimitError(HuggingChatError):
    """Too many requests. ``retry_after`` in seconds when known; ``limit`` names the limit.

    chat-ui refuses before it stores anything, so the request may be sent again
    (``may_retry_send``), after the wait.
    """

    retryable: ClassVar[bool] = True

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

    @property
    def may_retry_send(self) -> bool:
        """A 429 is refused before anything is stored."""
        return True


class MessageTooLongError(HuggingChatError):
    """The message is longer than the server accepts (chat-ui's ``messageLength``).

    ``limit`` is the limit in characters when the server said it (chat-ui does not), else None.
    The refusal happens before anything is stored.
    """

    def __init__(self, message: str, *, limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class ModelNotFoundError(HuggingChatError):
    """The model is unknown to the server, unlisted, or retired."""


class ConversationNotFoundError(HuggingChatError):
    """The conversation does not exist, is malformed, or belongs to another session."""


class ServerError(HuggingChatError):
    """The server failed (HTTP 5xx) without a more specific reason; transient as far as the
    client can tell (``retryable``), but it may have acted on the request."""

    retryable: ClassVar[bool] = True


class StreamError(HuggingChatError):
    """The answer stream failed. What was already streamed is kept in ``partial_text``."""

    retryable: ClassVar[bool] = False


class ProtocolError(HuggingChatError):
    """The server answered in a shape this client does not understand (or refused a request
    that the client built wrongly)."""


class StreamProtocolError(StreamError, ProtocolError):
    """A line of the answer stream could not be read; the partial answer is kept."""


class TransportError(HuggingChatError):
    """The connection failed (DNS, refused, reset, TLS, proxy).

    ``nothing_sent`` is true when the request never reached the server (safe to retry, even on
    the send route).
    """

    retryable: ClassVar[bool] = True

    def __init__(self, message: str, *, nothing_sent: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.nothing_sent = nothing_sent

    @property
    def may_retry_send(self) -> bool:
        """True when the request never reached the server."""
        return self.nothing_sent


class TimeoutError(TransportError, builtins.TimeoutError):
    """Connecting took too long, or the stream went idle for longer than the idle timeout.

    Also a builtin :class:`TimeoutError`, so ``except TimeoutError`` catches it whichever of the
    two names is in scope.
    """


class StreamTimeoutError(StreamError, TimeoutError):
    """The stream went idle for longer than the idle timeout; the partial answer is kept."""


class InsecureTransportError(HuggingChatError):
    """A session cookie would be sent over plain http to a host that is not loopback."""


class ClientClosedError(HuggingChatError):
    """The client was closed: it sends nothing more, and a stream it was reading stops with
    this error (keeping ``partial_text``)."""


class ConfigurationError(HuggingChatError, ValueError):
    """An argument cannot be used (bad cookie file, base URL, unsupported content)."""
