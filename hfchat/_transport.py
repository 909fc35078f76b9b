"""The one spot where curl_cffi's exceptions become hfchat's (like httpx's map_exceptions)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from curl_cffi import CurlError
from curl_cffi.requests import exceptions as cx
from curl_cffi.requests.streams import STREAM_END

from .errors import HuggingChatError, StreamError, StreamTimeoutError, TimeoutError, TransportError

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
]

TRANSPORT_ERRORS = (CurlError, cx.RequestException)
_timeout = getattr(asyncio, "timeout", None)
_TIMEOUT_CODES = {28}
_CONNECT_CODES = {5, 6, 7, 35}  # proxy/host resolution, connect, TLS handshake: nothing sent


@dataclass(frozen=True, slots=True)
class Timeout:
    """Explicit timeouts, in seconds.

    ``connect``: establishing the connection. ``read``: a whole non-streamed response, and the
    longest silence between two pieces of an answer stream (keepAlive lines count as activity).
    """

    connect: float = 10.0
    read: float = 120.0

    @classmethod
    def of(cls, value: float | tuple[float, float] | Timeout | None) -> Timeout:
        if value is None:
            return cls()
        if isinstance(value, Timeout):
            return value
        if isinstance(value, tuple):
            return cls(float(value[0]), float(value[1]))
        return cls(min(float(value), 10.0), float(value))


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
        return ResponseInfo(self.status_code, self.url, dict(self.headers))


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
        raise mapped_error(exc, partial) from None


def mapped_error(
    exc: BaseException, partial: Callable[[], tuple[str, str]] | None = None
) -> HuggingChatError:
    """The hfchat error for a curl_cffi failure.

    ``partial`` (given once the answer stream began) returns the text and reasoning streamed so
    far: the error is then a :class:`StreamError` (or :class:`StreamTimeoutError`) carrying
    them. It is called only on failure, so the per-chunk cost stays nil.
    """
    text = str(exc).split(" See https://")[0][:200]
    timeout = _is_timeout(exc)
    if partial is not None:
        kind: type[HuggingChatError] = StreamTimeoutError if timeout else StreamError
        msg = (
            "no update from the server within the idle timeout"
            if timeout
            else f"the connection broke mid-stream: {text}"
        )
        done_text, done_reasoning = partial()
        return kind(msg, partial_text=done_text, partial_reasoning=done_reasoning)
    err: TransportError = (
        TimeoutError(f"timed out: {text}")
        if timeout
        else TransportError(f"connection failed: {text}")
    )
    err.nothing_sent = getattr(exc, "code", None) in _CONNECT_CODES or (
        timeout and "onnect" in text
    )
    return err


class IdleTimeout(Exception):
    """No chunk arrived within the idle timeout (mapped to StreamTimeoutError by the caller)."""


# curl_cffi streams hand chunks through a queue filled by the transfer; reading that queue with
# a timeout gives a real idle timeout (curl's low-speed limit is coarse), and setting quit_now
# plus detaching the handle stops a transfer at once instead of waiting for it to end.


def iter_stream(raw: Any, idle: float) -> Iterator[bytes]:
    """Chunks of a sync streaming response; :class:`IdleTimeout` after ``idle`` s of silence."""
    q = raw.queue
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
        yield chunk


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
        yield chunk


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
            if size >= ERROR_BODY_LIMIT:
                break
        else:
            finished = True
    except (IdleTimeout, *TRANSPORT_ERRORS):
        pass
    finally:
        close_stream(raw, finished, release)
    return b"".join(parts)[:ERROR_BODY_LIMIT]


async def aread_head_body(raw: Any, session: Any, idle: float) -> bytes:
    """Async :func:`read_head_body`."""
    parts: list[bytes] = []
    size = 0
    finished = False
    try:
        async for chunk in aiter_stream(raw, idle):
            parts.append(chunk)
            size += len(chunk)
            if size >= ERROR_BODY_LIMIT:
                break
        else:
            finished = True
    except (IdleTimeout, *TRANSPORT_ERRORS):
        pass
    finally:
        await aclose_stream(raw, session, finished)
    return b"".join(parts)[:ERROR_BODY_LIMIT]
