"""The curl_cffi sessions the clients hold: every body read with a cap, every stream's backlog
bounded, the header wait bounded by the client's timeout, and live streams told when their
client closes. Also the per-event-loop bookkeeping of the async client's sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import threading
import weakref
from collections.abc import AsyncGenerator
from typing import Any

from curl_cffi import requests as curl
from curl_cffi.const import CurlOpt

from ._failures import ClientClosed
from ._fetch import afetch, fetch
from ._streams import close_stream, guard_stream
from .config import ClientConfig
from .errors import TimeoutError

__all__ = ["AsyncSession", "LoopSessions", "Session", "session_options"]

_timeout = getattr(asyncio, "timeout", None)
_streaming: contextvars.ContextVar[bool] = contextvars.ContextVar("hfchat_streaming", default=False)


def session_options(config: ClientConfig) -> dict[str, Any]:
    """Keyword arguments of a curl_cffi session for ``config``."""
    kw: dict[str, Any] = {"impersonate": config.impersonate}
    if config.proxy:
        kw["proxy"] = config.proxy
    return kw


def _notify_closed(streams: weakref.WeakSet[Any]) -> None:
    for raw in list(streams):
        quit_now = getattr(raw, "quit_now", None)
        if quit_now is not None:
            quit_now.set()
        with contextlib.suppress(Exception):
            raw.queue.put_nowait(ClientClosed())
    streams.clear()


class Session(curl.Session):  # type: ignore[type-arg]
    """A sync curl_cffi session with hfchat's bounds (see the module doc)."""

    def __init__(self, config: ClientConfig, **kwargs: Any) -> None:
        timeout = config.timeout
        self.hfchat_header_wait = timeout.connect + timeout.read
        self.hfchat_tainted = False  # a request was abandoned mid-flight: do not reuse
        backstop = math.ceil(2 * self.hfchat_header_wait) + 1
        options = {CurlOpt.LOW_SPEED_LIMIT: 1, CurlOpt.LOW_SPEED_TIME: backstop}
        super().__init__(curl_options=options, **kwargs)
        self.hfchat_limits = config.limits
        self.hfchat_streams: weakref.WeakSet[Any] = weakref.WeakSet()

    def request(self, method: Any, url: str, **kwargs: Any) -> Any:  # type: ignore[override]
        """curl_cffi's ``request``; ``max_body_bytes`` caps a non-streamed body (decoded)."""
        limits = self.hfchat_limits
        cap = kwargs.pop("max_body_bytes", None) or limits.max_body_bytes
        if not kwargs.get("stream"):
            raw, body = fetch(
                _Fetcher(super().request), {"method": method, "url": url, **kwargs}, cap
            )
            raw.content = body
            return raw
        raw = self._stream_request(method, url, kwargs)
        guard_stream(raw, limits.max_stream_backlog_bytes, limits.max_error_body_bytes)
        self.hfchat_streams.add(raw)
        return raw

    def _stream_request(self, method: Any, url: str, kwargs: dict[str, Any]) -> Any:
        """curl_cffi waits for a stream's headers without a bound of its own (its low-speed
        limit ends a silent server only after several times the timeout): the request runs in
        a helper thread and the caller waits ``connect + read`` at most. An abandoned request
        is closed by that thread when curl's backstop ends it; its session is not reused."""
        request = super().request
        box: dict[str, Any] = {}
        lock = threading.Lock()
        done = threading.Event()

        def work() -> None:
            # a stream is inflated by hfchat in bounded steps, not by curl (see guard_stream)
            self.curl.setopt(CurlOpt.HTTP_CONTENT_DECODING, 0)
            try:
                raw = request(method, url, **kwargs)
            except BaseException as exc:
                box["exc"] = exc
                raw = None
            with lock:
                box["raw"] = raw
                abandoned = box.get("abandoned", False)
                done.set()
            if abandoned and raw is not None:
                close_stream(raw, False, lambda discard=False: None)

        threading.Thread(target=work, name="hfchat-stream-headers", daemon=True).start()
        wait = self.hfchat_header_wait
        done.wait(wait)
        with lock:
            if not done.is_set():
                box["abandoned"] = True
                self.hfchat_tainted = True
                raise TimeoutError(f"no response headers within {wait:g} s")
        if "exc" in box:
            raise box["exc"]
        return box["raw"]

    def notify_closed(self) -> None:
        """Stop every live stream of this session with :class:`ClientClosed`."""
        _notify_closed(self.hfchat_streams)


class _Fetcher:
    """Adapts a bound ``request`` to :func:`fetch`'s ``session.request`` call."""

    __slots__ = ("request",)

    def __init__(self, request: Any) -> None:
        self.request = request


class AsyncSession(curl.AsyncSession):  # type: ignore[type-arg]
    """An async curl_cffi session with hfchat's bounds; the header wait of a stream is bounded
    by ``connect + read`` by a timer of its own (curl's low-speed limit is only a backstop)."""

    def __init__(self, config: ClientConfig, **kwargs: Any) -> None:
        timeout = config.timeout
        self.hfchat_header_wait = timeout.connect + timeout.read
        backstop = math.ceil(2 * self.hfchat_header_wait) + 1
        options = {CurlOpt.LOW_SPEED_LIMIT: 1, CurlOpt.LOW_SPEED_TIME: backstop}
        super().__init__(max_clients=config.max_connections, curl_options=options, **kwargs)
        self.hfchat_limits = config.limits
        self.hfchat_streams: weakref.WeakSet[Any] = weakref.WeakSet()
        self._hfchat_curls: dict[asyncio.Task[Any], Any] = {}

    async def pop_curl(self) -> Any:
        """A curl handle for the next request, remembered per task (so a stream whose headers
        do not come in time is detached from curl) and set to decode content except for
        streams (hfchat inflates those in bounded steps).
        """
        handle = await super().pop_curl()
        task = asyncio.current_task()
        if task is not None:
            self._hfchat_curls[task] = handle
        # set_curl_options follows without an await: the flag is this request's
        handle.setopt(CurlOpt.HTTP_CONTENT_DECODING, 0 if _streaming.get() else 1)
        return handle

    async def request(self, method: Any, url: str, **kwargs: Any) -> Any:  # type: ignore[override]
        """curl_cffi's ``request``; ``max_body_bytes`` caps a non-streamed body (decoded)."""
        limits = self.hfchat_limits
        cap = kwargs.pop("max_body_bytes", None) or limits.max_body_bytes
        if not kwargs.get("stream"):
            raw, body = await afetch(
                _Fetcher(super().request), {"method": method, "url": url, **kwargs}, cap
            )
            raw.content = body
            return raw
        task = asyncio.current_task()
        wait = self.hfchat_header_wait
        token = _streaming.set(True)
        try:
            if _timeout is not None:  # 3.11+: the request runs in this task (see pop_curl)
                async with _timeout(wait):
                    raw = await super().request(method, url, **kwargs)
            else:  # pragma: no cover - 3.10
                raw = await asyncio.wait_for(super().request(method, url, **kwargs), wait)
        except asyncio.TimeoutError:
            handle = self._hfchat_curls.get(task) if task is not None else None
            if handle is not None:
                with contextlib.suppress(Exception):
                    self.acurl.remove_handle(handle)
            raise TimeoutError(f"no response headers within {wait:g} s") from None
        finally:
            _streaming.reset(token)
            if task is not None:
                self._hfchat_curls.pop(task, None)
        guard_stream(raw, limits.max_stream_backlog_bytes, limits.max_error_body_bytes)
        self.hfchat_streams.add(raw)
        return raw

    def notify_closed(self) -> None:
        """Stop every live stream of this session with :class:`ClientClosed`."""
        _notify_closed(self.hfchat_streams)


class LoopSessions:
    """The async client's sessions, one per event loop.

    A session belongs to the loop it was made on. It is closed on that loop when the loop
    shuts down (``asyncio.run`` finalizes async generators before closing its loop: a small
    guard generator started on the loop closes the session then), and at the latest when a
    session for another loop replaces it (its handles are then freed without the dead loop).
    So ``asyncio.run(client.chat(...))`` in a loop holds one session, not one per call.
    """

    def __init__(self) -> None:
        self.session: AsyncSession | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._guard: AsyncGenerator[None, None] | None = None
        self._starter: asyncio.Task[None] | None = None

    def get(self, make: Any) -> AsyncSession:
        """The session of the running event loop, made with ``make`` (a session of another,
        or closed, loop is discarded first).
        """
        loop = asyncio.get_running_loop()
        if self.session is not None and self.loop is loop and not self.session._closed:
            return self.session
        self.discard()
        session: AsyncSession = make()
        self.session, self.loop = session, loop
        self._guard = self._close_at_shutdown(session)
        self._starter = loop.create_task(_start(self._guard))
        return session

    async def _close_at_shutdown(self, session: AsyncSession) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            if self.session is session:
                self.session = None
                self.loop = None
            with contextlib.suppress(Exception):
                await session.close()

    def discard(self) -> None:
        """Free the current session without awaiting (its loop may be closed)."""
        session, loop = self.session, self.loop
        self.session = self.loop = None
        self._guard = None
        if session is None or session._closed:
            return
        if loop is not None and not loop.is_closed() and loop.is_running():
            loop.create_task(session.close())
            return
        _close_dead(session)

    async def aclose(self) -> None:
        """Close the session; one made on another event loop is discarded without awaiting it."""
        session, loop = self.session, self.loop
        if session is not None:
            session.notify_closed()
        if loop is not asyncio.get_running_loop():
            self.discard()  # made on another loop: freed without it
            return
        self.session = self.loop = None
        guard, self._guard = self._guard, None
        if session is not None:
            await session.close()
        if guard is not None:
            with contextlib.suppress(Exception):
                await guard.aclose()


async def _start(guard: AsyncGenerator[None, None]) -> None:
    with contextlib.suppress(StopAsyncIteration):
        await guard.__anext__()


def _close_dead(session: AsyncSession) -> None:
    """Free an async session whose loop is gone: its curl handles and multi handle."""
    from curl_cffi._wrapper import lib

    session._closed = True
    acurl = getattr(session, "_acurl", None)
    if acurl is not None and getattr(acurl, "_curlm", None) is not None:
        with contextlib.suppress(Exception):
            for handle in list(acurl._curl2future):
                if handle._curl is not None:
                    lib.curl_multi_remove_handle(acurl._curlm, handle._curl)
            lib.curl_multi_cleanup(acurl._curlm)
        acurl._curlm = None
        with contextlib.suppress(Exception):
            acurl._timeout_checker.cancel()
    while True:
        try:
            handle = session.pool.get_nowait()
        except asyncio.QueueEmpty:
            break
        if handle is not None:
            with contextlib.suppress(Exception):
                handle.close()
