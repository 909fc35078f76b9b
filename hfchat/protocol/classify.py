"""Status + body → typed error (protocol.md §7), written once for every route."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..errors import (
    LOGIN_HINT,
    AuthenticationError,
    ConversationNotFoundError,
    HuggingChatError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
)

__all__ = [
    "body_message",
    "classify_error",
    "is_login_page",
    "is_login_redirect",
    "parse_retry_after",
]

_LOGIN_LOCATION = re.compile(r"(/login\b|/oauth/authorize)", re.I)
_LOGIN_HTML = re.compile(rb"(sign[ -]?in|log[ -]?in|oauth)", re.I)


def body_message(body: bytes) -> str:
    """The human message of an error body: ``{"message"}``, ``{"error"}`` or the text."""
    text = body[:2000].decode("utf-8", "replace").strip()
    try:
        value = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(value, dict):
        for key in ("message", "error"):
            msg = value.get(key)
            if isinstance(msg, str):
                return msg
            if isinstance(msg, dict) and isinstance(msg.get("message"), str):
                return msg["message"]
    return text[:300]


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def is_login_redirect(status: int, headers: Mapping[str, str]) -> bool:
    return status in (301, 302, 303, 307, 308) and bool(
        _LOGIN_LOCATION.search(headers.get("location", ""))
    )


def is_login_page(content_type: str, body: bytes) -> bool:
    return "html" in content_type and bool(_LOGIN_HTML.search(body[:20000]))


def classify_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    route: str,
    response: Any = None,
) -> HuggingChatError:
    """The typed error for a non-success response on ``route``.

    ``route`` is one of the names used by :mod:`hfchat.protocol.routes` (``create``, ``send``,
    ``read``, ``models``, ``stop``, ``delete``, ``rename``, ``share``, ``file``, ``list``,
    ``user``, ...).
    """
    ctype = headers.get("content-type", "")
    message = body_message(body) if body else ""
    low = message.lower()
    kw: dict[str, Any] = {"status_code": status, "body": body, "response": response}

    if status in (301, 302, 303, 307, 308):
        if is_login_redirect(status, headers):
            return AuthenticationError(
                f"the server redirected to its login page: {LOGIN_HINT}", **kw
            )
        return ProtocolError(f"unexpected redirect to {headers.get('location', '?')!r}", **kw)
    if status == 401 or "exceeded number of messages before login" in low:
        if route == "user":
            return AuthenticationError(f"not signed in: {LOGIN_HINT}", **kw)
        return AuthenticationError(f"{message or 'login required'}: {LOGIN_HINT}", **kw)
    if status == 405 and "welcome modal" in low:
        err = AuthenticationError(message, **kw)
        err.welcome_modal = True  # the client accepts it once and retries
        return err
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        limit: str | None = None
        if "too many messages" in low:
            limit = "messagesPerMinute"
            retry_after = retry_after if retry_after is not None else 60.0
        elif "more than" in low and "messages" in low:
            limit = "messages"
        elif "conversations" in low:
            limit = "conversations"
        return RateLimitError(message or "rate limited", retry_after=retry_after, limit=limit, **kw)
    if (
        status == 410
        or "model not available" in low
        or "invalid model" in low
        or ("unlisted model" in low)
    ):
        return ModelNotFoundError(message or "model not available", **kw)
    if status == 400 and route == "create" and "invalid request" in low:
        return ModelNotFoundError(f"the server refused the model ({message})", **kw)
    if status == 403:
        if "origin" in low or "referer" in low:
            return ProtocolError(f"the server refused the request origin: {message}", **kw)
        if "access to this conversation" in low:
            return ConversationNotFoundError(message, **kw)
        if "html" in ctype:
            return HuggingChatError(
                "blocked by the server's edge (HTTP 403 HTML page); try again later", **kw
            )
        return HuggingChatError(message or "forbidden", **kw)
    if status == 404 and "conversation not found" in low:
        return ConversationNotFoundError(message, **kw)
    if status == 400 and "conversation id" in low:
        return ConversationNotFoundError(message, **kw)
    if status == 404 and route in ("read", "send", "stop", "delete", "rename", "share", "file"):
        if "message not found" in low:
            return HuggingChatError(message, **kw)
        return ConversationNotFoundError(message or "conversation not found", **kw)
    if status == 400 and route == "send" and "invalid request" in low:
        return ProtocolError(f"the server refused the message body: {message}", **kw)
    if status == 500 and route in ("send", "create"):
        return ProtocolError(
            f"the server failed on this request ({message or 'An error occurred'})", **kw
        )
    if "html" in ctype and is_login_page(ctype, body):
        return AuthenticationError(f"the server answered with a login page: {LOGIN_HINT}", **kw)
    return HuggingChatError(message or f"HTTP {status}", **kw)
