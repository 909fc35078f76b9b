"""Reading curl_cffi's streaming responses: chunks with an idle limit (sync and async), the
bounded backlog, stepwise inflation, the head of a response that is not streamed, and
closing a finished or abandoned stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import zlib
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any

from curl_cffi.requests.streams import STREAM_END

from ._failures import TRANSPORT_ERRORS, BadEncoding, IdleTimeout, StreamBacklogExceeded

__all__ = [
    "ERROR_BODY_LIMIT",
    "INFLATE_STEP",
    "STREAM_ENCODINGS",
    "aclose_stream",
    "aiter_stream",
    "aread_head_body",
    "close_stream",
    "consumed",
    "guard_stream",
    "iter_stream",
    "read_head_body",
]

# curl_cffi streams hand chunks through a queue filled by the transfer; reading that queue with
# a timeout gives a real idle timeout (curl's low-speed limit is coarse), and setting quit_now
# plus detaching the handle stops a transfer at once instead of waiting for it to end.


def iter_stream(raw: Any, idle: float) -> Iterator[bytes]:
    """Chunks of a sync streaming response; :class:`IdleTimeout` after ``idle`` s of silence."""
    q = raw.queue
    # the queue's deque: the transfer thread appends, this reader alone pops, so a chunk that
    # is already there is taken without the queue's lock and condition (deque operations are
    # atomic); only an empty queue waits, on the queue itself
    ready = getattr(q, "queue", None)
    if type(ready) is not deque:
        ready = None
    taken = getattr(raw, "hfchat_taken", None)
    inflate = getattr(raw, "hfchat_inflate", None)
    while True:
        if ready:
            chunk = ready.popleft()
        else:
            try:
                chunk = q.get(timeout=idle)
            except queue.Empty:
                raise IdleTimeout from None
        if chunk is STREAM_END:
            return
        if isinstance(chunk, BaseException):
            raise chunk
        if taken is not None:
            taken[0] += len(chunk)
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


class _Watchdog:
    """The idle limit of one async stream: a single timer, armed at the first wait and re-armed
    only when it fires early, instead of a new timeout context per wait. It cancels the reading
    task once a wait has lasted ``idle`` seconds; :meth:`expired` tells that cancel apart from
    one that came from outside (as :func:`asyncio.timeout` does)."""

    __slots__ = ("_cancelling", "_fired", "_handle", "_idle", "_loop", "_since", "_task")

    def __init__(self, idle: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._idle = idle
        self._handle: asyncio.TimerHandle | None = None
        self._task: Any = None  # an asyncio.Task (cancelling/uncancel: 3.11+)
        self._since = 0.0
        self._cancelling = 0
        self._fired = False

    def start(self) -> None:
        """A wait for a chunk begins (on the current task)."""
        task: Any = asyncio.current_task()
        self._task = task
        self._cancelling = task.cancelling() if task is not None else 0
        self._since = self._loop.time()
        if self._handle is None:
            self._handle = self._loop.call_at(self._since + self._idle, self._check)

    def stop(self) -> None:
        """The wait is over (a chunk came, or it raised)."""
        self._task = None

    def expired(self) -> bool:
        """Whether the CancelledError just caught is this watchdog's own (then it is consumed)."""
        if not self._fired:
            return False
        self._fired = False
        task = self._task
        return task is not None and task.uncancel() <= self._cancelling

    def close(self) -> None:
        """The stream is done: drop the timer."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._task = None

    def _check(self) -> None:
        self._handle = None
        task = self._task
        if task is None:  # not waiting: armed again by the next wait
            return
        deadline = self._since + self._idle
        if self._loop.time() < deadline:  # the wait began after the timer was armed
            self._handle = self._loop.call_at(deadline, self._check)
            return
        self._fired = True
        task.cancel()


async def _wait_chunk(q: Any, idle: float) -> Any:
    """One chunk within ``idle`` seconds (Python 3.10, without Task.uncancel)."""
    try:
        return await asyncio.wait_for(q.get(), idle)
    except asyncio.TimeoutError:
        raise IdleTimeout from None


_HAS_UNCANCEL = hasattr(asyncio.Task, "uncancel")


async def aiter_stream(raw: Any, idle: float) -> AsyncIterator[bytes]:
    """Chunks of an async streaming response; :class:`IdleTimeout` after ``idle`` s."""
    q = raw.queue
    taken = getattr(raw, "hfchat_taken", None)
    inflate = getattr(raw, "hfchat_inflate", None)
    watchdog = _Watchdog(idle) if _HAS_UNCANCEL else None
    try:
        while True:
            if not q.empty():  # the common case under load: no wait
                chunk = q.get_nowait()
            elif watchdog is None:
                chunk = await _wait_chunk(q, idle)
            else:
                watchdog.start()
                try:
                    chunk = await q.get()
                except asyncio.CancelledError:
                    if watchdog.expired():
                        raise IdleTimeout from None
                    raise
                finally:
                    watchdog.stop()
            if chunk is STREAM_END:
                return
            if isinstance(chunk, BaseException):
                raise chunk
            if taken is not None:
                taken[0] += len(chunk)
            if inflate is None:
                yield chunk
            else:
                for piece in _inflate(inflate, chunk):
                    yield piece
    finally:
        if watchdog is not None:
            watchdog.close()


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


STREAM_ENCODINGS = "gzip, deflate"
"""What a streaming request accepts: curl passes a stream's bytes on undecoded, and hfchat
inflates them in steps of at most :data:`INFLATE_STEP` bytes, each read before the next."""
INFLATE_STEP = 64 * 1024


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

    q.put_nowait = bounded_put
    raw.hfchat_taken = taken_total  # the reader adds what it takes
    raw.hfchat_error_cap = error_cap
    raw.hfchat_inflate = _inflater(raw)


def consumed(raw: Any, size: int) -> None:
    """Tell a guarded stream that ``size`` bytes were taken from its queue."""
    taken = getattr(raw, "hfchat_taken", None)
    if taken is not None:
        taken[0] += size
