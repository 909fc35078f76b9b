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


async def run(base: str, streams: int, via: str) -> list[tuple[str, float, int]]:
    """Wall times: one stream, then a cold burst (new connections), then a warm burst."""
    from hfchat import AsyncHuggingChatClient

    rows: list[tuple[str, float, int]] = []
    if via == "langchain":
        from langchain_hfchat import ChatHuggingChat

        llm = ChatHuggingChat(base_url=base, model="fake/slow")
        await llm.ainvoke("warm up")
        for label in ("cold", "warm"):
            t0 = time.perf_counter()
            outs = await asyncio.gather(*[llm.ainvoke(f"q{i}") for i in range(streams)])
            ok = sum(1 for o in outs if o.content)
            rows.append(
                (f"{streams} ChatHuggingChat.ainvoke ({label})", time.perf_counter() - t0, ok)
            )
        return rows
    async with AsyncHuggingChatClient(base_url=base, model="fake/slow") as client:
        await one(client, -1)  # detection, first connection
        t0 = time.perf_counter()
        await one(client, -2)
        rows.append(("1 core astream", time.perf_counter() - t0, 1))
        for label in ("cold", "warm"):
            t0 = time.perf_counter()
            counts = await asyncio.gather(*[one(client, i) for i in range(streams)])
            ok = sum(1 for c in counts if c)
            rows.append((f"{streams} core astream ({label})", time.perf_counter() - t0, ok))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--tokens", type=int, default=50)
    ap.add_argument("--delay", type=float, default=0.01)
    args = ap.parse_args()
    with emulator_process(slow_tokens=args.tokens, slow_delay=args.delay) as base:
        rows = asyncio.run(run(base, args.streams, "core"))
        rows += asyncio.run(run(base, args.streams, "langchain"))
    single = rows[0][1]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| run | wall s | ratio to one | completed |")
    print("|---|---:|---:|---:|")
    for label, wall, ok in rows:
        print(f"| {label} | {wall:.3f} | {wall / single:.2f} | {ok} |")
    print(f"\npeak client RSS: {peak_mb:.0f} MiB; target ratio ≤ 1.5")
    print("cold: the burst opens its connections; warm: a second burst on the same client")


if __name__ == "__main__":
    main()
