"""Non-streamed requests with a bounded body: curl's write callback refuses what passes the
cap.
"""

from __future__ import annotations

from typing import Any

from ._failures import TRANSPORT_ERRORS
from ._transport import mapped_error
from .errors import (
    ProtocolError,
)

__all__ = ["BodySink", "afetch", "body_too_large", "fetch"]

# -- bounded reading --------------------------------------------------------------------------
# A body is counted as curl hands it over, i.e. after content decoding: a small compressed
# body that inflates past the cap is stopped by curl itself (the write callback refuses the
# chunk), so memory stays bounded by the cap whatever the encoding.

_WRITE_ERROR = 0xFFFFFFFF  # CURL_WRITEFUNC_ERROR: curl aborts the transfer


class BodySink:
    """Collects a non-streamed body up to ``limit`` decoded bytes (curl's write callback)."""

    __slots__ = ("limit", "overflow", "parts", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.overflow = False

    def write(self, chunk: bytes) -> int:
        """curl's write callback: keep ``chunk``, or refuse it (curl aborts) past the limit."""
        self.size += len(chunk)
        if self.size > self.limit:
            self.overflow = True
            self.parts.clear()
            return _WRITE_ERROR
        self.parts.append(chunk)
        return len(chunk)

    def body(self) -> bytes:
        """The body collected."""
        return b"".join(self.parts)

    def too_large(self, exc: BaseException | None = None) -> ProtocolError:
        """The error for a body past the limit."""
        return body_too_large(self.limit)


def body_too_large(limit: int) -> ProtocolError:
    """The error for a response body (decoded) beyond ``limit`` bytes."""
    return ProtocolError(
        f"the response body exceeds {limit} bytes once decoded; refused (a compressed body "
        "that inflates without bound, or a server answering far more than any route returns)"
    )


def fetch(session: Any, kwargs: dict[str, Any], limit: int) -> tuple[Any, bytes]:
    """Send a non-streamed request on a sync session; the response and its body (at most
    ``limit`` decoded bytes, else :class:`ProtocolError`). curl_cffi errors are mapped."""
    sink = BodySink(limit)
    try:
        raw = session.request(**kwargs, content_callback=sink.write)
    except TRANSPORT_ERRORS as exc:
        if sink.overflow:
            raise sink.too_large() from exc
        raise mapped_error(exc) from exc
    return raw, sink.body()


async def afetch(session: Any, kwargs: dict[str, Any], limit: int) -> tuple[Any, bytes]:
    """Async :func:`fetch`."""
    sink = BodySink(limit)
    try:
        raw = await session.request(**kwargs, content_callback=sink.write)
    except TRANSPORT_ERRORS as exc:
        if sink.overflow:
            raise sink.too_large() from exc
        raise mapped_error(exc) from exc
    return raw, sink.body()
