"""The wall-clock figures the tests used to bound and now leave out (tests assert behaviour:
an error's type and message, an order, a count; the durations are printed here).

- idle timeout: a stream stalls after one token; how long until ``StreamTimeoutError``
  (``timeout=(2, 1.5)``: the read/idle limit is 1.5 s), sync and async;
- concurrency: one slow turn, then 20 at once on one async client (sequential would be ~20x);
- first chunk: LangChain's ``stream`` of the slow model, first content chunk against the end;
- construction: ``ChatHuggingChat(...)`` (langchain-tests' ``test_init_time``, which the suite
  runs untimed), and ``HuggingChatClient(...)``;
- login (``--login``, needs Chromium): a rejected password and a 2 s login timeout, each until
  its ``AuthenticationError``.

    python benchmarks/timings.py [--runs 3] [--login]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

from hfchat import AsyncHuggingChatClient, HuggingChatClient
from hfchat.errors import AuthenticationError, StreamTimeoutError
from hfchat.testing import FakeHuggingChat


def _median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def idle_timeout(fake: FakeHuggingChat, mode: str) -> float:
    """Seconds from the turn's start to the idle timeout's error."""
    fake.inject("stall", after_tokens=1, seconds=30)
    opts = dict(base_url=fake.base_url, model="fake/echo", timeout=(2, 1.5))
    start = time.perf_counter()
    try:
        if mode == "sync":
            with HuggingChatClient(**opts) as c:  # type: ignore[arg-type]
                c.chat("one two three")
        else:

            async def run() -> None:
                async with AsyncHuggingChatClient(**opts) as c:  # type: ignore[arg-type]
                    await c.chat("one two three")

            asyncio.run(run())
    except StreamTimeoutError:
        return time.perf_counter() - start
    finally:
        fake.clear_faults()
    raise SystemExit("the stalled stream did not time out")


def concurrency(fake: FakeHuggingChat) -> tuple[float, float]:
    """Seconds for one slow turn and for 20 at once (one async client)."""

    async def run() -> tuple[float, float]:
        async with AsyncHuggingChatClient(base_url=fake.base_url, model="fake/slow") as c:
            await c.chat("warm")
            t0 = time.perf_counter()
            await c.chat("one")
            one = time.perf_counter() - t0
            t0 = time.perf_counter()
            await asyncio.gather(*[c.chat(f"q{i}") for i in range(20)])
            return one, time.perf_counter() - t0

    return asyncio.run(run())


def first_chunk(fake: FakeHuggingChat) -> tuple[float, float]:
    """Seconds to LangChain's first content chunk and to the stream's end (fake/slow)."""
    from langchain_hfchat import ChatHuggingChat

    model = ChatHuggingChat(base_url=fake.base_url, model="fake/slow")
    start = time.perf_counter()
    first = None
    for chunk in model.stream("Count slowly"):
        if first is None and chunk.content:
            first = time.perf_counter() - start
    total = time.perf_counter() - start
    assert first is not None
    return first, total


def login_failures(fake: FakeHuggingChat) -> tuple[float, float]:
    """Seconds until a rejected password and a 2 s login timeout are reported."""
    from hfchat.login import login
    from hfchat.testing import login_pages

    login_pages(fake).require("user@example.com", "right password")
    figures = []
    for kwargs in (
        dict(timeout=25, email="user@example.com", password="wrong pw"),
        dict(timeout=2),
    ):
        start = time.perf_counter()
        try:
            login(fake.base_url, headless=True, **kwargs)  # type: ignore[arg-type]
        except AuthenticationError:
            figures.append(time.perf_counter() - start)
        else:
            raise SystemExit("the login did not fail")
    return figures[0], figures[1]


def construction(count: int = 1000) -> tuple[float, float]:
    """Microseconds per ``ChatHuggingChat(...)`` and per ``HuggingChatClient(...)`` (no I/O)."""
    from langchain_hfchat import ChatHuggingChat

    opts = dict(model="fake/echo", base_url="http://127.0.0.1:9")
    start = time.perf_counter()
    for _ in range(count):
        ChatHuggingChat(**opts)  # type: ignore[arg-type]
    chat_model = (time.perf_counter() - start) / count * 1e6
    start = time.perf_counter()
    for _ in range(count):
        HuggingChatClient(**opts).close()  # type: ignore[arg-type]
    client = (time.perf_counter() - start) / count * 1e6
    return chat_model, client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="median of this many runs")
    parser.add_argument("--login", action="store_true", help="also time the browser login")
    args = parser.parse_args()
    with FakeHuggingChat() as fake:
        print("| figure | median s |")
        print("|---|---:|")
        for mode in ("sync", "async"):
            secs = _median(args.runs, lambda m=mode: idle_timeout(fake, m))  # type: ignore[misc]
            print(f"| idle timeout 1.5 s, {mode}: stall to StreamTimeoutError | {secs:.2f} |")
        pairs = [concurrency(fake) for _ in range(args.runs)]
        one = statistics.median(p[0] for p in pairs)
        many = statistics.median(p[1] for p in pairs)
        print(f"| one slow turn | {one:.2f} |")
        print(f"| 20 slow turns at once ({many / one:.1f}x one) | {many:.2f} |")
        pairs = [first_chunk(fake) for _ in range(args.runs)]
        first = statistics.median(p[0] for p in pairs)
        total = statistics.median(p[1] for p in pairs)
        print(f"| LangChain stream: first chunk ({first / total:.0%} of the end) | {first:.2f} |")
        print(f"| LangChain stream: end | {total:.2f} |")
        model_us, client_us = construction()
        print(f"| ChatHuggingChat(...) construction (µs) | {model_us:.0f} |")
        print(f"| HuggingChatClient(...) construction (µs) | {client_us:.0f} |")
        if args.login:
            rejected, timed_out = login_failures(fake)
            print(f"| login: rejected password reported | {rejected:.2f} |")
            print(f"| login: timeout=2 reported | {timed_out:.2f} |")


if __name__ == "__main__":
    main()
