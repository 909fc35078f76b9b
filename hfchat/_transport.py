"""The one spot where curl_cffi's exceptions become hfchat's (like httpx's map_exceptions)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import re
import threading
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from curl_cffi import CurlError
from curl_cffi.requests import exceptions as cx
from curl_cffi.requests.streams import STREAM_END

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
    "TRANSPORT_ERRORS",
    "IdleTimeout",
    "Response",
    "ResponseInfo",
    "Timeout",
    "aclose_stream",
    "aiter_stream",
    "aread_head_body",
    "close_stream",
    "iter_stream",
    "map_exceptions",
    "mapped_error",
    "read_head_body",
    "resumable",
]

TRANSPORT_ERRORS = (CurlError, cx.RequestException)
_timeout = getattr(asyncio, "timeout", None)
_TIMEOUT_CODES = {28}
_CONNECT_CODES = {5, 6, 7, 35}  # proxy/host resolution, connect, TLS handshake: nothing sent


@dataclass(frozen=True, slots=True)
class ResponseInfo:
    """What an error keeps of a response: status, url and headers without cookies."""

    status_code: int
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Response:
    status_code: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes
    url: str

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def info(self) -> ResponseInfo:
        return ResponseInfo(self.status_code, redact_url(self.url), safe_headers(self.headers))


_SECRET_HEADERS = ("cookie", "authorization", "auth", "token", "session")
_COOKIE_PAIR = re.compile(r"(?i)\b(hf-chat|token|session|auth[a-z_-]*)=[^;,\s]+")


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers an error may keep: none that carries or echoes a credential (cookie
    and authorization headers are dropped; ``name=value`` cookie pairs and URL userinfo in any
    other value are replaced by ``***``)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if any(word in key for word in _SECRET_HEADERS):
            continue
        out[key] = redact_url(_COOKIE_PAIR.sub(r"\1=***", value))
    return out


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


class IdleTimeout(Exception):
    """No chunk arrived within the idle timeout (mapped to StreamTimeoutError by the caller)."""


# curl_cffi streams hand chunks through a queue filled by the transfer; reading that queue with
# a timeout gives a real idle timeout (curl's low-speed limit is coarse), and setting quit_now
# plus detaching the handle stops a transfer at once instead of waiting for it to end.


def iter_stream(raw: Any, idle: float) -> Iterator[bytes]:
    """Chunks of a sync streaming response; :class:`IdleTimeout` after ``idle`` s of silence."""
    q = raw.queue
    taken = getattr(raw, "hfchat_consumed", None)
    inflate = getattr(raw, "hfchat_inflate", None)
    while True:
        try:
            chunk = q.get_nowait()  # the common case under load: no timer needed
        except queue.Empty:
            try:
                chunk = q.get(timeout=idle)
            except queue.Empty:
                raise IdleTimeout from None
        if chunk is STREAM_END:
            return
        if isinstance(chunk, BaseException):
            raise chunk
        if taken is not None:
            taken(len(chunk))
        if inflate is None:
            yield chunk
        else:
            yield from _inflate(inflate, chunk)


def close_stream(raw: Any, finished: bool, release: Any) -> None:
    """Close a sync stream. A finished one frees its connection for reuse at once; an
    abandoned one is told to quit and is closed by a helper thread (its transfer may sit in
    a read until curl's own timeout), and its session is not reused."""
    if finished:
        raw.close()
        release()
        return
    if getattr(raw, "quit_now", None) is not None:
        raw.quit_now.set()

    def reap() -> None:
        with contextlib.suppress(Exception):
            raw.close()
        release(discard=True)

    threading.Thread(target=reap, name="hfchat-stream-reaper", daemon=True).start()


async def aiter_stream(raw: Any, idle: float) -> AsyncIterator[bytes]:
    """Chunks of an async streaming response; :class:`IdleTimeout` after ``idle`` s."""
    q = raw.queue
    taken = getattr(raw, "hfchat_consumed", None)
    inflate = getattr(raw, "hfchat_inflate", None)
    while True:
        try:
            chunk = q.get_nowait()  # the common case under load: no timer, no task
        except asyncio.QueueEmpty:
            try:
                if _timeout is not None:  # 3.11+: a timer on this task, no extra task
                    async with _timeout(idle):
                        chunk = await q.get()
                else:
                    chunk = await asyncio.wait_for(q.get(), idle)
            except asyncio.TimeoutError:
                raise IdleTimeout from None
        if chunk is STREAM_END:
            return
        if isinstance(chunk, BaseException):
            raise chunk
        if taken is not None:
            taken(len(chunk))
        if inflate is None:
            yield chunk
        else:
            for piece in _inflate(inflate, chunk):
                yield piece


async def aclose_stream(raw: Any, session: Any, finished: bool) -> None:
    """Close an async stream; an unfinished transfer is detached from curl at once."""
    task = getattr(raw, "astream_task", None)
    if task is None or task.done():
        return
    if not finished:
        if getattr(raw, "quit_now", None) is not None:
            raw.quit_now.set()
        with contextlib.suppress(Exception):
            session.acurl.remove_handle(raw.curl)
    await asyncio.wait({task}, timeout=5.0)


ERROR_BODY_LIMIT = 64 * 1024


def read_head_body(raw: Any, idle: float, release: Any) -> bytes:
    """The first bytes of a response that will not be streamed (an error or a wrong type);
    the rest is abandoned. Closes the stream."""
    parts: list[bytes] = []
    size = 0
    finished = False
    try:
        for chunk in iter_stream(raw, idle):
            parts.append(chunk)
            size += len(chunk)
            if size >= getattr(raw, "hfchat_error_cap", ERROR_BODY_LIMIT):
                break
        else:
            finished = True
    except (IdleTimeout, *TRANSPORT_ERRORS):
        pass
    finally:
        close_stream(raw, finished, release)
    return b"".join(parts)[: getattr(raw, "hfchat_error_cap", ERROR_BODY_LIMIT)]


async def aread_head_body(raw: Any, session: Any, idle: float) -> bytes:
    """Async :func:`read_head_body`."""
    parts: list[bytes] = []
    size = 0
    finished = False
    try:
        async for chunk in aiter_stream(raw, idle):
            parts.append(chunk)
            size += len(chunk)
            if size >= getattr(raw, "hfchat_error_cap", ERROR_BODY_LIMIT):
                break
        else:
            finished = True
    except (IdleTimeout, *TRANSPORT_ERRORS):
        pass
    finally:
        await aclose_stream(raw, session, finished)
    return b"".join(parts)[: getattr(raw, "hfchat_error_cap", ERROR_BODY_LIMIT)]


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
        self.size += len(chunk)
        if self.size > self.limit:
            self.overflow = True
            self.parts.clear()
            return _WRITE_ERROR
        self.parts.append(chunk)
        return len(chunk)

    def body(self) -> bytes:
        return b"".join(self.parts)

    def too_large(self, exc: BaseException | None = None) -> ProtocolError:
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


STREAM_ENCODINGS = "gzip, deflate"
"""What a streaming request accepts: curl passes a stream's bytes on undecoded, and hfchat
inflates them in steps of at most :data:`INFLATE_STEP` bytes, each read before the next."""
INFLATE_STEP = 64 * 1024


class BadEncoding(CurlError):  # type: ignore[misc]
    """A stream whose content encoding is unknown or corrupt (mapped to a typed error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=61)


def _inflater(raw: Any) -> Any:
    headers = getattr(raw, "headers", None)
    encoding = (headers.get("content-encoding") or "") if headers is not None else ""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(47)  # gzip or zlib header, detected
    return encoding  # not asked for: refused when read


def _inflate(inflater: Any, chunk: bytes) -> Iterator[bytes]:
    """``chunk`` inflated in steps of at most INFLATE_STEP bytes."""
    if isinstance(inflater, str):
        raise BadEncoding(
            f"the server sent the stream with an unrequested encoding {inflater!r:.40}"
        )
    try:
        out = inflater.decompress(chunk, INFLATE_STEP)
        while True:
            if out:
                yield out
            tail = inflater.unconsumed_tail
            if not tail:
                return
            out = inflater.decompress(tail, INFLATE_STEP)
    except zlib.error as exc:
        raise BadEncoding(f"the compressed stream is corrupt: {exc}") from None


def resumable(exc: BaseException) -> bool:
    """Whether a failure while reading a stream may be resumed from the replay route: not when
    the client was closed, nor when the stream was refused (backlog, encoding)."""
    return not isinstance(exc, (ClientClosed, StreamBacklogExceeded, BadEncoding))


def guard_stream(raw: Any, limit: int, error_cap: int = 64 * 1024) -> None:
    """Bound a streaming response's queue: past ``limit`` decoded bytes received and not yet
    consumed, the transfer is told to quit and the reader gets :class:`StreamBacklogExceeded`
    (curl_cffi's stream queue is unbounded, and a compressed stream inflates faster than any
    reader). Counted per chunk; reading decrements through :func:`consumed`."""
    q = getattr(raw, "queue", None)
    if q is None:
        return
    put = q.put_nowait
    # produced is written by the transfer only, taken by the reader only: no lock needed
    produced = [0, 0]  # bytes received, tripped
    taken_total = [0]
    quit_now = getattr(raw, "quit_now", None)

    def bounded_put(item: Any) -> None:
        if isinstance(item, bytes):
            if produced[1]:
                return
            produced[0] += len(item)
            if produced[0] - taken_total[0] > limit:
                produced[1] = 1
                if quit_now is not None:
                    quit_now.set()
                put(StreamBacklogExceeded(limit))
                return
        put(item)

    def taken(size: int) -> None:
        taken_total[0] += size

    q.put_nowait = bounded_put
    raw.hfchat_consumed = taken
    raw.hfchat_error_cap = error_cap
    raw.hfchat_inflate = _inflater(raw)


def consumed(raw: Any, size: int) -> None:
    """Tell a guarded stream that ``size`` bytes were taken from its queue."""
    taken = getattr(raw, "hfchat_consumed", None)
    if taken is not None:
        taken(size)
