"""200 concurrent ``astream`` calls of the slow model vs one; peak memory.

The emulator runs in its own process. Target: 200 streams finish within 1.5x the wall time of one.

    python benchmarks/concurrency.py [--streams 200] [--tokens 50] [--delay 0.01]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

from _emulator import emulator_process


async def one(client: object, n: int) -> int:
    from hfchat import TextDelta

    got = 0
    async for ev in client.stream_chat(f"stream {n}"):  # type: ignore[attr-defined]
        if type(ev) is TextDelta:
            got += 1
    return got


async def run(base: str, streams: int, via: str) -> tuple[float, int]:
    from hfchat import AsyncHuggingChatClient

    if via == "langchain":
        from langchain_hfchat import ChatHuggingChat

        llm = ChatHuggingChat(base_url=base, model="fake/slow")
        await llm.ainvoke("warm up")
        t0 = time.perf_counter()
        outs = await asyncio.gather(*[llm.ainvoke(f"q{i}") for i in range(streams)])
        return time.perf_counter() - t0, sum(1 for o in outs if o.content)
    async with AsyncHuggingChatClient(base_url=base, model="fake/slow") as client:
        await one(client, -1)  # warm up: detection, connection
        t0 = time.perf_counter()
        counts = await asyncio.gather(*[one(client, i) for i in range(streams)])
        return time.perf_counter() - t0, sum(1 for c in counts if c)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--tokens", type=int, default=50)
    ap.add_argument("--delay", type=float, default=0.01)
    args = ap.parse_args()
    with emulator_process(slow_tokens=args.tokens, slow_delay=args.delay) as base:
        single, _ = asyncio.run(run(base, 1, "core"))
        many, ok = asyncio.run(run(base, args.streams, "core"))
        lc_many, lc_ok = asyncio.run(run(base, args.streams, "langchain"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| streams | wall s | ratio to one | completed |")
    print("|---:|---:|---:|---:|")
    print(f"| 1 | {single:.3f} | 1.00 | 1 |")
    print(f"| {args.streams} (core astream) | {many:.3f} | {many / single:.2f} | {ok} |")
    lc_ratio = lc_many / single
    label = f"{args.streams} (ChatHuggingChat.ainvoke)"
    print(f"| {label} | {lc_many:.3f} | {lc_ratio:.2f} | {lc_ok} |")
    print(f"\npeak client RSS: {peak_mb:.0f} MiB; target ratio ≤ 1.5")


if __name__ == "__main__":
    main()
