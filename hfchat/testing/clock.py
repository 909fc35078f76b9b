"""A clock tests move by hand, for the emulator's time-based rules (the per-minute limit)."""

from __future__ import annotations

import threading

__all__ = ["ManualClock"]


class ManualClock:
    """A monotonic clock that only moves when told: ``FakeHuggingChat(clock=clock)``, then
    ``clock.advance(60)`` instead of sleeping 60 s. :meth:`sleep` advances too, so it can stand in
    for a client's sleep function. Thread-safe."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        """The current reading, in seconds."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (never backwards)."""
        if seconds < 0:
            raise ValueError("a monotonic clock does not go back")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """``time.sleep`` that returns at once, the clock moved on by ``seconds``."""
        self.advance(max(seconds, 0.0))

    async def asleep(self, seconds: float) -> None:
        """``asyncio.sleep`` likewise."""
        self.advance(max(seconds, 0.0))

    def __repr__(self) -> str:
        return f"ManualClock({self():.3f})"
