"""One generation on its way: the core's event stream pumped by a task, read in batches.

The pump task reads ``AsyncHuggingChatClient.stream_chat`` and appends events to a list; the
reader wakes once per batch (everything that arrived while it was writing), so a burst of
tokens from one network read becomes one SSE write.

Stopping (the HTTP client went away, or the gateway shuts down) closes the core's stream
generator at its next event, which makes the core send the server's stop-generating request;
a pump that stays silent for longer than ``grace`` seconds after that is cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from ..events import Event, TextDelta

__all__ = ["Generation", "GenerationStopped", "Item", "Registry"]

Item = str | Event
"""One pumped item: answer text as a plain ``str`` (the :class:`TextDelta` is dropped at once, so
a large batch holds no objects for the garbage collector to scan), any other event as it is."""


class GenerationStopped(Exception):
    """The generation was stopped before its end (gateway shutdown)."""


class Generation:
    """Pumps one turn's events; call :meth:`take` to read them batch by batch."""

    __slots__ = ("_error", "_finished", "_items", "_stop", "_task", "_waiter", "registry")

    def __init__(self, stream: AsyncIterator[Event], registry: Registry | None = None) -> None:
        self._items: list[Item] = []
        self._waiter: asyncio.Future[None] | None = None  # the reader, waiting for events
        self._finished = False
        self._stop = False
        self._error: BaseException | None = None
        self.registry = registry
        self._task = asyncio.get_running_loop().create_task(self._pump(stream))
        if registry is not None:
            registry.add(self)

    async def _pump(self, stream: AsyncIterator[Event]) -> None:
        append = self._items.append  # the reader drains this very list
        try:
            async for ev in stream:
                append(ev.text if type(ev) is TextDelta else ev)
                if self._waiter is not None:
                    self._wake()
                if self._stop:
                    break
        except asyncio.CancelledError:
            self._error = GenerationStopped("the generation was stopped")
        except Exception as exc:
            self._error = exc
        finally:
            try:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()  # at a yield: the core stops the server's generation
            except BaseException:  # closing is best effort
                pass
            if self._stop and self._error is None:
                self._error = GenerationStopped("the generation was stopped")
            self._finished = True
            self._wake()
            if self.registry is not None:
                self.registry.discard(self)

    async def take(self) -> list[Item] | None:
        """The next batch (answer text as ``str``, other events as they are), waiting for it;
        None after the last one, or the stream's error."""
        items = self._items
        if not items and not self._finished:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        if items:
            batch = items[:]
            items.clear()
            return batch
        if self._error is not None:
            raise self._error
        return None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def request_stop(self, grace: float = 5.0) -> None:
        """Stop the generation at its next event (the core then stops the server's generation
        too); cancel the pump if no event comes within ``grace`` seconds. Never blocks."""
        if self._stop or self._task.done():
            return
        self._stop = True
        asyncio.get_running_loop().call_later(grace, self._cancel)

    def _cancel(self) -> None:
        if not self._task.done():
            self._task.cancel()

    async def wait(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the pump to end."""
        if not self._task.done():
            await asyncio.wait({self._task}, timeout=timeout)

    @property
    def finished(self) -> bool:
        """The generation ended (its stream was read to the end, or it was stopped)."""
        return self._finished


class Registry:
    """The generations in flight, so that shutdown can stop them all."""

    def __init__(self) -> None:
        self._live: set[Generation] = set()

    def add(self, gen: Generation) -> None:
        """Track a generation that is streaming (stopped on shutdown)."""
        self._live.add(gen)

    def discard(self, gen: Generation) -> None:
        """Forget a generation that ended."""
        self._live.discard(gen)

    def __len__(self) -> int:
        return len(self._live)

    async def stop_all(self, grace: float = 5.0) -> None:
        """Stop every generation in flight (each stops the server's generation too)."""
        live = list(self._live)
        for g in live:
            g.request_stop(grace)
        for g in live:
            await g.wait(grace + 1.0)
