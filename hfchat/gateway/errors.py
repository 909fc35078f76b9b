"""OpenAI error objects: ``{"error": {"message", "type", "code"}}`` with the matching status.

Every failure the gateway answers goes through :func:`error_body` or :func:`from_exception`:
messages are stripped of markup and of every secret the gateway knows (API key, session
cookie values), so a body never carries HTML or a credential.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import errors as hf

__all__ = ["GatewayError", "error_body", "from_exception", "sanitize"]

_TAG = re.compile(r"<[^<>]{0,200}>")
_MAX_MESSAGE = 500


def sanitize(message: str, secrets: Iterable[str] = ()) -> str:
    """A message with no markup and no known secret, at most 500 characters."""
    for s in secrets:
        if s and len(s) >= 4:
            message = message.replace(s, "***")
    message = _TAG.sub("", message).replace("<", "‹").replace(">", "›")
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[:_MAX_MESSAGE] + "…"


@dataclass
class GatewayError(Exception):
    """An error answer: HTTP status, OpenAI ``type`` and ``code``, message, extra headers."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def body(self, secrets: Iterable[str] = ()) -> dict[str, Any]:
        """The OpenAI error object, with ``secrets`` scrubbed from the message."""
        return error_body(self.message, self.type, self.code, self.param, secrets)


def error_body(
    message: str,
    type: str,
    code: str | None = None,
    param: str | None = None,
    secrets: Iterable[str] = (),
) -> dict[str, Any]:
    """The OpenAI error object."""
    return {
        "error": {
            "message": sanitize(message, secrets),
            "type": type,
            "param": param,
            "code": code,
        }
    }


def from_exception(exc: hf.HuggingChatError) -> GatewayError:
    """The answer for an hfchat error (the upstream failed, or the request cannot be sent)."""
    text = exc.message or type(exc).__name__
    if isinstance(exc, hf.RateLimitError):
        headers = {}
        if exc.retry_after is not None and math.isfinite(exc.retry_after):
            headers["retry-after"] = str(max(0, math.ceil(exc.retry_after)))
        return GatewayError(
            429, f"HuggingChat rate limit: {text}", "rate_limit_error", "rate_limit_exceeded",
            headers=headers,
        )  # fmt: skip
    if isinstance(exc, hf.ModelNotFoundError):
        return GatewayError(404, text, "invalid_request_error", "model_not_found", "model")
    if isinstance(exc, hf.ConfigurationError):
        return GatewayError(400, text, "invalid_request_error", "invalid_request")
    if isinstance(exc, hf.AuthenticationError):
        # the gateway's own HuggingChat session was refused: not the caller's key (401)
        return GatewayError(
            403, f"HuggingChat refused the gateway's session: {text}", "upstream_error",
            "upstream_authentication",
        )  # fmt: skip
    if isinstance(exc, hf.TimeoutError):
        return GatewayError(504, f"HuggingChat timed out: {text}", "upstream_error", "timeout")
    if isinstance(exc, hf.TransportError):
        return GatewayError(
            502, f"HuggingChat is unreachable: {text}", "upstream_error", "upstream_unavailable"
        )
    if isinstance(exc, hf.StreamError):
        return GatewayError(
            502, f"the HuggingChat answer stream failed: {text}", "upstream_error", "stream_error"
        )
    if isinstance(exc, hf.ProtocolError):
        return GatewayError(
            502, f"HuggingChat answered unexpectedly: {text}", "upstream_error", "protocol_error"
        )
    status = f" (HTTP {exc.status_code})" if exc.status_code else ""
    return GatewayError(
        502, f"HuggingChat failed{status}: {text}", "upstream_error", "upstream_error"
    )
