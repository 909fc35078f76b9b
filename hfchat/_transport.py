"""The one spot where curl_cffi's exceptions become hfchat's (like httpx's map_exceptions),
for a request and for a stream's iteration alike.

The transport's pieces live in modules named for them and are re-exported here:
:mod:`hfchat._response` (the response types), :mod:`hfchat._failures` (the failure signals),
:mod:`hfchat._streams` (stream readers), :mod:`hfchat._fetch` (bounded non-streamed bodies).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from curl_cffi.requests import exceptions as cx

from ._failures import (
    TRANSPORT_ERRORS,
    BadEncoding,
    ClientClosed,
    IdleTimeout,
    StreamBacklogExceeded,
    resumable,
)
from ._response import Response, ResponseInfo, safe_headers
from ._streams import (
    ERROR_BODY_LIMIT,
    INFLATE_STEP,
    STREAM_ENCODINGS,
    aclose_stream,
    aiter_stream,
    aread_head_body,
    close_stream,
    consumed,
    guard_stream,
    iter_stream,
    read_head_body,
)
from .config import Timeout, redact_url
from .errors import (
    ClientClosedError,
    HuggingChatError,
    ProtocolError,
    StreamError,
    StreamProtocolError,
    StreamTimeoutError,
    TimeoutError,
    TransportError,
)

__all__ = [
    "ERROR_BODY_LIMIT",
    "INFLATE_STEP",
    "STREAM_ENCODINGS",
    "TRANSPORT_ERRORS",
    "BadEncoding",
    "ClientClosed",
    "IdleTimeout",
    "Response",
    "ResponseInfo",
    "StreamBacklogExceeded",
    "Timeout",
    "aclose_stream",
    "aiter_stream",
    "aread_head_body",
    "close_stream",
    "consumed",
    "guard_stream",
    "iter_stream",
    "map_exceptions",
    "mapped_error",
    "read_head_body",
    "resumable",
    "safe_headers",
]

_TIMEOUT_CODES = {28}
_CONNECT_CODES = {5, 6, 7, 35}  # proxy/host resolution, connect, TLS handshake: nothing sent


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, cx.Timeout):
        return True
    code = getattr(exc, "code", None)
    return code in _TIMEOUT_CODES


@contextlib.contextmanager
def map_exceptions(partial: Callable[[], tuple[str, str]] | None = None) -> Iterator[None]:
    """Translate curl_cffi errors raised inside the block (see :func:`mapped_error`)."""
    try:
        yield
    except HuggingChatError:
        raise
    except TRANSPORT_ERRORS as exc:
        raise mapped_error(exc, partial) from exc


def mapped_error(
    exc: BaseException, partial: Callable[[], tuple[str, str]] | None = None
) -> HuggingChatError:
    """The hfchat error for a curl_cffi failure.

    ``partial`` (given once the answer stream began) returns the text and reasoning streamed so
    far: the error is then a :class:`StreamError` (or :class:`StreamTimeoutError`) carrying
    them. It is called only on failure, so the per-chunk cost stays nil.
    """
    text = redact_url(str(exc).split(" See https://")[0])[:200]
    done_text, done_reasoning = partial() if partial is not None else ("", "")
    if isinstance(exc, ClientClosed):
        return ClientClosedError(
            "the client was closed while the answer was streaming",
            partial_text=done_text,
            partial_reasoning=done_reasoning,
        )
    if isinstance(exc, (StreamBacklogExceeded, BadEncoding)):
        return (StreamProtocolError if partial is not None else ProtocolError)(
            str(exc), partial_text=done_text, partial_reasoning=done_reasoning
        )
    timeout = _is_timeout(exc)
    if partial is not None:
        kind: type[HuggingChatError] = StreamTimeoutError if timeout else StreamError
        msg = (
            "no update from the server within the idle timeout"
            if timeout
            else f"the connection broke mid-stream: {text}"
        )
        return kind(msg, partial_text=done_text, partial_reasoning=done_reasoning)
    nothing_sent = getattr(exc, "code", None) in _CONNECT_CODES or (timeout and "onnect" in text)
    if timeout:
        return TimeoutError(f"timed out: {text}", nothing_sent=nothing_sent)
    return TransportError(f"connection failed: {text}", nothing_sent=nothing_sent)
