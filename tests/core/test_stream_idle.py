"""The async stream reader's idle limit: one watchdog per stream instead of a timer per wait.
Silence of ``idle`` seconds is an IdleTimeout; chunks that keep coming are never cut; a
cancellation or an outer timeout from the caller stays what it is."""

from __future__ import annotations

import asyncio
import sys

import pytest
from curl_cffi.requests.streams import STREAM_END

from hfchat._failures import IdleTimeout
from hfchat._streams import aiter_stream

IDLE = 0.05


class _Raw:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[object] = asyncio.Queue()


async def _read(raw: _Raw, idle: float = IDLE) -> list[bytes]:
    return [chunk async for chunk in aiter_stream(raw, idle)]


async def test_silence_is_an_idle_timeout() -> None:
    raw = _Raw()
    raw.queue.put_nowait(b"a")
    with pytest.raises(IdleTimeout):
        await asyncio.wait_for(_read(raw), 5.0)


async def test_the_task_is_not_left_cancelling_after_an_idle_timeout() -> None:
    raw = _Raw()
    with pytest.raises(IdleTimeout):
        await _read(raw)
    if sys.version_info >= (3, 11):
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0)  # the task still runs: no cancel left pending


async def test_chunks_that_keep_coming_are_never_cut() -> None:
    raw = _Raw()

    async def feed() -> None:
        for i in range(12):  # 12 gaps of idle/2: three times the idle limit in all
            await asyncio.sleep(IDLE / 2)
            raw.queue.put_nowait(b"%d" % i)
        raw.queue.put_nowait(STREAM_END)

    feeder = asyncio.ensure_future(feed())
    got = await asyncio.wait_for(_read(raw, IDLE * 4), 5.0)
    await feeder
    assert got == [b"%d" % i for i in range(12)]


async def test_a_wait_is_timed_from_its_own_start() -> None:
    # the watchdog armed at the first wait fires during a later, shorter wait: it re-arms
    raw = _Raw()

    async def feed() -> None:
        await asyncio.sleep(IDLE * 0.8)
        raw.queue.put_nowait(b"x")
        await asyncio.sleep(IDLE * 0.8)
        raw.queue.put_nowait(STREAM_END)

    feeder = asyncio.ensure_future(feed())
    got = await asyncio.wait_for(_read(raw, IDLE * 2), 5.0)
    await feeder
    assert got == [b"x"]


async def test_a_cancellation_from_outside_propagates() -> None:
    raw = _Raw()
    reader = asyncio.ensure_future(_read(raw, 60.0))
    await asyncio.sleep(IDLE)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert reader.cancelled()


async def test_an_outer_timeout_stays_a_timeout() -> None:
    raw = _Raw()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(_read(raw, 60.0), IDLE)


async def test_a_stream_read_after_a_timeout_times_out_again() -> None:
    raw = _Raw()
    for _ in range(3):
        with pytest.raises(IdleTimeout):
            await _read(raw)


async def test_an_abandoned_reader_leaves_no_timer_behind() -> None:
    raw = _Raw()
    raw.queue.put_nowait(b"a")
    stream = aiter_stream(raw, IDLE)
    reader = stream.__aiter__()
    assert await reader.__anext__() == b"a"
    waiting = asyncio.ensure_future(reader.__anext__())
    await asyncio.sleep(0)  # the watchdog is armed
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await stream.aclose()  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    pending = [h for h in getattr(loop, "_scheduled", []) if not h.cancelled()]
    assert not any("_check" in repr(h) for h in pending)
