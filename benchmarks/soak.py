"""Soak: 500 concurrent conversations against the emulator for 60 seconds (loopback only).

Each worker loops: new conversation, a follow-up turn, delete. Bounded in count (workers) and
time (duration). Reports unexpected errors, turns completed, and the client's open file
descriptors and RSS sampled over the first and the last 10 seconds.

    python benchmarks/soak.py [--workers 500] [--seconds 60]

``--new-loop N`` instead runs N calls, each in a new event loop (``asyncio.run`` per call, as
scripts, notebooks and LangChain's sync-over-async paths do), through the core client and
``ChatHuggingChat.ainvoke``, and reports open fds and RSS every N/10 calls (they must stay flat).

    python benchmarks/soak.py --new-loop 1000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from _emulator import emulator_process


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def worker(client: object, stop_at: float, stats: dict[str, int], errors: list[str]) -> None:
    from hfchat import ChatMessage, HuggingChatError

    i = 0
    while time.monotonic() < stop_at:
        i += 1
        try:
            history = [ChatMessage("user", f"hello {i}")]
            first = await client.chat(history)  # type: ignore[attr-defined]
            history += [ChatMessage("assistant", first.text), ChatMessage("user", "again")]
            await client.chat(history)  # type: ignore[attr-defined]
            await client.delete_conversation(first.conversation_id)  # type: ignore[attr-defined]
            stats["turns"] += 2
        except HuggingChatError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")


async def sampler(stop_at: float, samples: list[tuple[float, int, float]]) -> None:
    t0 = time.monotonic()
    while time.monotonic() < stop_at:
        samples.append((time.monotonic() - t0, fds(), rss_mib()))
        await asyncio.sleep(1.0)


async def soak(base: str, workers: int, seconds: float) -> None:
    from hfchat import AsyncHuggingChatClient

    stats = {"turns": 0}
    errors: list[str] = []
    samples: list[tuple[float, int, float]] = []
    async with AsyncHuggingChatClient(base_url=base, model="fake/echo", max_connections=512) as c:
        await c.list_models()
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            sampler(stop_at, samples), *[worker(c, stop_at, stats, errors) for _ in range(workers)]
        )
    first = [s for s in samples if s[0] < 10]
    last = [s for s in samples if s[0] >= seconds - 10]
    print(
        f"workers {workers}, {seconds:.0f} s: {stats['turns']} turns, "
        f"{stats['turns'] / seconds:.0f} turns/s, unexpected errors: {len(errors)}"
    )
    for e in sorted(set(errors))[:5]:
        print("  error:", e)
    print("| window | open fds (median) | RSS MiB (median) |")
    print("|---|---:|---:|")
    for name, win in (("first 10 s", first), ("last 10 s", last)):
        if win:
            print(
                f"| {name} | {statistics.median(s[1] for s in win):.0f} | "
                f"{statistics.median(s[2] for s in win):.1f} |"
            )


def new_loops(base: str, calls: int) -> None:
    from hfchat import AsyncHuggingChatClient, HuggingChatError
    from langchain_hfchat import ChatHuggingChat

    client = AsyncHuggingChatClient(base_url=base, model="fake/echo", cleanup_on_close=False)
    llm = ChatHuggingChat(base_url=base, model="fake/echo")
    surfaces = {
        "AsyncHuggingChatClient.chat": lambda i: client.chat(f"loop {i}"),
        "ChatHuggingChat.ainvoke": lambda i: llm.ainvoke(f"loop {i}"),
    }
    step = max(1, calls // 10)
    for name, call in surfaces.items():
        errors = 0
        print(f"\n{name}, a new event loop per call")
        print("| calls | open fds | RSS MiB |")
        print("|---:|---:|---:|")
        for i in range(1, calls + 1):
            try:
                asyncio.run(call(i))
            except HuggingChatError:
                errors += 1
            if i == 1 or i % step == 0:
                print(f"| {i} | {fds()} | {rss_mib():.1f} |")
        print(f"errors: {errors}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--new-loop", type=int, default=0, metavar="CALLS")
    args = ap.parse_args()
    with emulator_process() as base:
        if args.new_loop:
            new_loops(base, args.new_loop)
        else:
            asyncio.run(soak(base, args.workers, args.seconds))


if __name__ == "__main__":
    main()
