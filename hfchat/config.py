"""The client configuration: one frozen, validated object per client, the single source of
every option's meaning and default.

:class:`ClientConfig` groups :class:`Timeout`, :class:`Retry` and :class:`Limits`; both clients
build it from their keyword options (:class:`ClientOptions`) before any I/O, and the framework
adapters pass theirs through. Invalid values (negative, zero where it makes no sense, wrong
types) raise :class:`~hfchat.errors.ConfigurationError` at construction.

Credentials that may sit in a configuration (a proxy password, a base URL's ``user:password@``)
never appear in a repr: :func:`redact_url` replaces them.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict
from urllib.parse import urlsplit, urlunsplit

from .auth import CookieSource
from .errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "ClientConfig",
    "ClientOptions",
    "Limits",
    "Retry",
    "Timeout",
    "TimeoutLike",
    "redact_url",
]

DEFAULT_BASE_URL = "https://huggingface.co/chat"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


def redact_url(text: str) -> str:
    """``text`` with the userinfo of every URL in it replaced by ``***``
    (``http://user:pw@host`` → ``http://***@host``)."""
    return _USERINFO.sub(r"\1***@", text)


def _number(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite positive number (or zero when allowed), else ConfigurationError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"{name} must be a number of seconds, got {type(value).__name__}")
    number = float(value)
    if math.isnan(number) or math.isinf(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigurationError(f"{name} must be finite and {bound}, got {value!r}")
    return number


def _count(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ConfigurationError(f"{name} must be >= {minimum}, got {value}")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False, got {type(value).__name__}")
    return value


_KEEP: Any = object()  # an option not given (None is a value for ``turn_timeout``)


@dataclass(frozen=True, slots=True)
class Timeout:
    """Explicit timeouts, in seconds.

    ``connect``: establishing the connection. ``read``: waiting for a response's headers, a
    whole non-streamed response, and the longest silence between two pieces of an answer
    stream (keepAlive lines count as activity). ``total``: the overall deadline of one chat
    turn, from sending the message to the final event (None: no overall deadline); it bounds
    a stream that keepAlive lines would otherwise hold open for ever.
    """

    connect: float = 10.0
    read: float = 120.0
    total: float | None = 600.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "connect", _number("timeout.connect", self.connect))
        object.__setattr__(self, "read", _number("timeout.read", self.read))
        if self.total is not None:
            object.__setattr__(self, "total", _number("timeout.total", self.total))

    @classmethod
    def of(cls, value: TimeoutLike) -> Timeout:
        """A :class:`Timeout` from what the clients accept: None (the defaults), seconds (the
        read timeout; connect is the smaller of it and 10 s), ``(connect, read)`` or a
        :class:`Timeout`."""
        if value is None:
            return cls()
        if isinstance(value, Timeout):
            return value
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ConfigurationError("timeout must be seconds or a (connect, read) pair")
            return cls(value[0], value[1])
        read = _number("timeout", value)
        return cls(min(read, 10.0), read)


TimeoutLike = float | tuple[float, float] | Timeout | None


@dataclass(frozen=True, slots=True)
class Retry:
    """When and how long to wait before sending a failed request again.

    Only failures before any output are retried (429, 502-504 on reads, connection failures
    before the request was sent); see :meth:`hfchat._core.ClientCore.retry_delay`.
    """

    max_retries: int = 2
    """Retries after the first attempt (0: never retry)."""
    max_retry_wait: float = 30.0
    """The longest ``Retry-After`` honoured; a 429 asking for longer is raised at once."""
    backoff: float = 0.5
    """The first backoff in seconds; it doubles per attempt (with jitter), up to ``backoff_max``."""
    backoff_max: float = 8.0
    """The longest backoff between two attempts, in seconds."""

    def __post_init__(self) -> None:
        _count("max_retries", self.max_retries, minimum=0)
        object.__setattr__(
            self, "max_retry_wait", _number("max_retry_wait", self.max_retry_wait, allow_zero=True)
        )
        object.__setattr__(self, "backoff", _number("retry backoff", self.backoff, allow_zero=True))
        object.__setattr__(
            self, "backoff_max", _number("retry backoff_max", self.backoff_max, allow_zero=True)
        )


MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one client holds and reads."""

    max_connections: int = 256
    """Concurrent connections of an async client (curl handles)."""
    conversation_cache_size: int = 512
    """Conversations whose message ids the client remembers (to post only new turns)."""
    max_body_bytes: int = 8 * MiB
    """The largest decoded body of a non-streamed response (JSON routes, files); larger is a
    :class:`~hfchat.errors.ProtocolError`."""
    max_file_bytes: int = 100 * MiB
    """The largest decoded body of a file download (``download_file``)."""
    max_error_body_bytes: int = 64 * 1024
    """How much of an error response (or a wrong content type) is read."""
    max_line_bytes: int = 8 * MiB
    """The longest line of an answer stream."""
    max_stream_backlog_bytes: int = 32 * MiB
    """Decoded stream bytes received but not yet consumed; beyond it the stream is stopped
    (a compressed stream cannot inflate without bound ahead of its reader)."""
    max_tracked_conversations: int = 1024
    """Ids of created conversations kept when ``cleanup_on_close`` is off (the oldest are
    dropped); with ``cleanup_on_close`` every created conversation is tracked until deleted."""

    def __post_init__(self) -> None:
        for name in (
            "max_connections",
            "conversation_cache_size",
            "max_body_bytes",
            "max_file_bytes",
            "max_error_body_bytes",
            "max_line_bytes",
            "max_stream_backlog_bytes",
            "max_tracked_conversations",
        ):
            _count(name, getattr(self, name), minimum=1)


class ClientOptions(TypedDict, total=False):
    """Keyword options of both clients (each documented on :class:`ClientConfig`); they build
    a :class:`ClientConfig`, or ``config=`` gives one whole."""

    config: ClientConfig
    base_url: str | None
    hf_chat_cookie: CookieSource
    """The session cookie (see :mod:`hfchat.auth`); not part of the configuration."""
    model: str | None
    timeout: TimeoutLike
    max_retries: int
    max_retry_wait: float
    retry: Retry
    limits: Limits
    proxy: str | None
    web_search: bool
    impersonate: str
    allow_insecure_http: bool
    max_connections: int
    conversation_cache_size: int
    cleanup_on_close: bool
    resolve_message_ids: bool
    auto_login: bool
    login_options: Mapping[str, Any] | None
    turn_timeout: float | None
    """The overall deadline of one turn in seconds (``Timeout.total``; None: none)."""


def _base_url(value: Any) -> tuple[str, tuple[str, str] | None]:
    """The base URL without userinfo, and the userinfo as ``(user, password)``."""
    if not isinstance(value, str):
        raise ConfigurationError(f"base_url must be a string, got {type(value).__name__}")
    base = value.strip()
    try:
        parts = urlsplit(base)
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"base_url is not a valid URL: {redact_url(base)!r:.80}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL, got {redact_url(base)!r:.80}")
    if parts.query or parts.fragment or base.endswith(("?", "#")):
        raise ConfigurationError(
            "base_url must not carry a ?query or #fragment (request paths are appended to it)"
        )
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in base):
        raise ConfigurationError("base_url must not contain spaces or control characters")
    auth = None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        from urllib.parse import unquote

        auth = (unquote(parts.username or ""), unquote(parts.password or ""))
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return clean, auth


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a client is configured with, validated once (see :mod:`hfchat.config`).

    Build it with :meth:`from_options` (what the clients do with their keyword options) or
    directly; :meth:`replace` returns a changed copy.
    """

    base_url: str = DEFAULT_BASE_URL
    """chat-ui base URL without credentials, query or fragment (env ``HUGGINGCHAT_BASE_URL``).
    Credentials written in it (``https://user:pw@host/chat``) are kept in :attr:`basic_auth`
    and sent as HTTP Basic authentication, never shown."""
    model: str | None = None
    """Model id; None: the first model the server lists."""
    timeout: Timeout = field(default_factory=Timeout)
    """Connect, read (also the idle limit within a stream) and per-turn timeouts."""
    retry: Retry = field(default_factory=Retry)
    """Retry policy for failures before any output."""
    limits: Limits = field(default_factory=Limits)
    """Connection, cache and read bounds."""
    proxy: str | None = field(default=None, repr=False)
    """Proxy URL (env ``HUGGINGCHAT_PROXY``); may carry a password, never shown."""
    web_search: bool = False
    """Turn the server's web search on for every turn (per call overridable)."""
    impersonate: str = "chrome"
    """curl_cffi browser impersonation target."""
    allow_insecure_http: bool = False
    """Allow sending a session cookie over plain http to a host that is not loopback."""
    cleanup_on_close: bool = False
    """Delete the conversations this client created when it is closed."""
    resolve_message_ids: bool = False
    """Read the conversation after each turn so that ``TurnResult.message_id`` is set."""
    auto_login: bool = False
    """Run the browser login once when a request fails with an authentication error."""
    login_options: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """Options passed to :func:`hfchat.login.login` by ``auto_login``."""
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)
    """HTTP Basic credentials taken from the base URL's userinfo (never shown)."""

    def __post_init__(self) -> None:
        base, auth = _base_url(self.base_url)
        object.__setattr__(self, "base_url", base)
        if auth is not None:
            if self.basic_auth is not None and self.basic_auth != auth:
                raise ConfigurationError("base_url credentials conflict with basic_auth")
            object.__setattr__(self, "basic_auth", auth)
        if self.model is not None and (not isinstance(self.model, str) or not self.model.strip()):
            raise ConfigurationError("model must be a non-empty string or None")
        for name, kind in (("timeout", Timeout), ("retry", Retry), ("limits", Limits)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigurationError(f"{name} must be a {kind.__name__}")
        if self.proxy is not None:
            if not isinstance(self.proxy, str):
                raise ConfigurationError("proxy must be a URL string")
            if any(ord(c) < 0x20 or ord(c) == 0x7F for c in self.proxy):
                raise ConfigurationError("proxy must not contain control characters")
            if not self.proxy.strip():
                object.__setattr__(self, "proxy", None)
        if not isinstance(self.impersonate, str) or not self.impersonate:
            raise ConfigurationError("impersonate must be a non-empty string")
        for name in (
            "web_search",
            "allow_insecure_http",
            "cleanup_on_close",
            "resolve_message_ids",
            "auto_login",
        ):
            _flag(name, getattr(self, name))
        if not isinstance(self.login_options, Mapping):
            raise ConfigurationError("login_options must be a mapping")
        object.__setattr__(self, "login_options", dict(self.login_options))

    def __repr__(self) -> str:
        shown = [
            f"base_url={self.base_url!r}",
            f"model={self.model!r}",
            f"timeout={self.timeout!r}",
            f"retry={self.retry!r}",
            f"limits={self.limits!r}",
            f"proxy={redact_url(self.proxy)!r}" if self.proxy else "proxy=None",
            f"web_search={self.web_search!r}",
            f"impersonate={self.impersonate!r}",
            f"allow_insecure_http={self.allow_insecure_http!r}",
            f"cleanup_on_close={self.cleanup_on_close!r}",
            f"resolve_message_ids={self.resolve_message_ids!r}",
            f"auto_login={self.auto_login!r}",
            f"login_options=[{', '.join(sorted(self.login_options))}]",
            f"basic_auth={'***' if self.basic_auth else None}",
        ]
        return f"ClientConfig({', '.join(shown)})"

    # flat views of the grouped options (the names the keyword options use)
    @property
    def max_retries(self) -> int:
        """Shortcut for ``retry.max_retries`` (see :class:`Retry`)."""
        return self.retry.max_retries

    @property
    def max_retry_wait(self) -> float:
        """Shortcut for ``retry.max_retry_wait``: the longest ``Retry-After`` waited out."""
        return self.retry.max_retry_wait

    @property
    def max_connections(self) -> int:
        """Shortcut for ``limits.max_connections`` (see :class:`Limits`)."""
        return self.limits.max_connections

    @property
    def conversation_cache_size(self) -> int:
        """Shortcut for ``limits.conversation_cache_size`` (see :class:`Limits`)."""
        return self.limits.conversation_cache_size

    @property
    def turn_timeout(self) -> float | None:
        """The overall deadline of one turn (``timeout.total``)."""
        return self.timeout.total

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of the base URL (no credentials): the ``Origin`` header."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def replace(self, **changes: Any) -> ClientConfig:
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)

    @classmethod
    def from_options(
        cls,
        *,
        config: ClientConfig | None = None,
        base_url: str | None = None,
        timeout: TimeoutLike = None,
        retry: Retry | None = None,
        limits: Limits | None = None,
        max_retries: int | None = None,
        max_retry_wait: float | None = None,
        max_connections: int | None = None,
        conversation_cache_size: int | None = None,
        proxy: str | None = None,
        login_options: Mapping[str, Any] | None = None,
        turn_timeout: Any = _KEEP,
        **flat: Any,
    ) -> ClientConfig:
        """The configuration from the clients' keyword options (:class:`ClientOptions` without
        ``hf_chat_cookie``), reading ``HUGGINGCHAT_BASE_URL`` and ``HUGGINGCHAT_PROXY`` for the
        options not given. With ``config``, the other options change that configuration."""
        unknown = set(flat) - _FLAT
        if unknown:
            raise ConfigurationError(f"unknown client option(s): {', '.join(sorted(unknown))}")
        base = config if config is not None else None
        retry = retry or (base.retry if base else Retry())
        if max_retries is not None or max_retry_wait is not None:
            retry = replace(
                retry,
                max_retries=retry.max_retries if max_retries is None else max_retries,
                max_retry_wait=retry.max_retry_wait if max_retry_wait is None else max_retry_wait,
            )
        limits = limits or (base.limits if base else Limits())
        if max_connections is not None or conversation_cache_size is not None:
            limits = replace(
                limits,
                max_connections=limits.max_connections
                if max_connections is None
                else max_connections,
                conversation_cache_size=limits.conversation_cache_size
                if conversation_cache_size is None
                else conversation_cache_size,
            )
        values: dict[str, Any] = dict(flat)
        values["retry"] = retry
        values["limits"] = limits
        if timeout is not None or base is None:
            values["timeout"] = Timeout.of(timeout)
        if turn_timeout is not _KEEP:
            if turn_timeout is not None and (
                isinstance(turn_timeout, bool) or not isinstance(turn_timeout, (int, float))
            ):
                raise ConfigurationError(
                    "turn_timeout must be a positive number of seconds or None"
                )
            current = values.get("timeout") or (base.timeout if base else Timeout())
            try:
                values["timeout"] = replace(current, total=turn_timeout)
            except ConfigurationError:
                raise ConfigurationError(
                    "turn_timeout must be a positive number of seconds or None"
                ) from None
        if login_options is not None:
            values["login_options"] = login_options
        if base is not None:
            if base_url is not None:
                values["base_url"] = base_url
            if proxy is not None:
                values["proxy"] = proxy
            return replace(base, **values)
        values["base_url"] = base_url or os.environ.get("HUGGINGCHAT_BASE_URL") or DEFAULT_BASE_URL
        values["proxy"] = proxy or os.environ.get("HUGGINGCHAT_PROXY") or None
        return cls(**values)


_FLAT = {
    "model",
    "web_search",
    "impersonate",
    "allow_insecure_http",
    "cleanup_on_close",
    "resolve_message_ids",
    "auto_login",
    "basic_auth",
}
