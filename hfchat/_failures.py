"""The transport's own failure signals: the curl_cffi exceptions it may raise and the ones
hfchat puts into a stream's queue (all mapped to typed errors by
:func:`hfchat._transport.mapped_error`).
"""

from __future__ import annotations

from curl_cffi import CurlError
from curl_cffi.requests import exceptions as cx

__all__ = [
    "TRANSPORT_ERRORS",
    "BadEncoding",
    "ClientClosed",
    "IdleTimeout",
    "StreamBacklogExceeded",
    "resumable",
]

TRANSPORT_ERRORS = (CurlError, cx.RequestException)


class IdleTimeout(Exception):
    """No chunk arrived within the idle timeout (mapped to StreamTimeoutError by the caller)."""


class StreamBacklogExceeded(CurlError):  # type: ignore[misc]
    """A stream received more decoded bytes than its reader consumed, beyond the backlog cap
    (raised from the stream's queue like a transport failure, mapped to a typed error)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the answer stream delivered over {limit} bytes its reader had not consumed yet "
            "(a compressed stream inflating without bound?)",
            code=23,
        )
        self.limit = limit


class ClientClosed(CurlError):  # type: ignore[misc]
    """Put into the queue of every live stream when its client is closed."""

    def __init__(self) -> None:
        super().__init__("the client was closed while this answer was streaming", code=42)


class BadEncoding(CurlError):  # type: ignore[misc]
    """A stream whose content encoding is unknown or corrupt (mapped to a typed error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=61)


def resumable(exc: BaseException) -> bool:
    """Whether a failure while reading a stream may be resumed from the replay route: not when
    the client was closed, nor when the stream was refused (backlog, encoding)."""
    return not isinstance(exc, (ClientClosed, StreamBacklogExceeded, BadEncoding))
