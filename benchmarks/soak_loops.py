"""Soak with a new event loop per call: ``asyncio.run(client.chat(...))`` in a loop, as scripts,
notebooks, workers and LangChain's sync-over-async paths do (loopback emulator only).

Bounded in count (``--calls``). Prints the client's open file descriptors and RSS every
``--every`` calls, for the core client and (with ``--langchain``) ``ChatHuggingChat.ainvoke``;
flat figures mean no session, handle or socket is left behind by a finished event loop.

    python benchmarks/soak_loops.py [--calls 1000] [--every 100] [--langchain]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable, Coroutine
from typing import Any

from _emulator import emulator_process


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def soak(
    name: str, call: Callable[[int], Coroutine[Any, Any, Any]], calls: int, every: int
) -> None:
    asyncio.run(call(-1))  # warm up: imports, first session
    start_fds, start_rss = fds(), rss_mib()
    t0 = time.monotonic()
    print(f"{name}: {calls} calls, one event loop each")
    print(f"{'calls':>7} {'fds':>5} {'Δfds':>5} {'RSS MiB':>8} {'ΔRSS':>6}")
    for i in range(1, calls + 1):
        asyncio.run(call(i))
        if i % every == 0 or i == calls:
            f, r = fds(), rss_mib()
            print(f"{i:>7} {f:>5} {f - start_fds:>+5} {r:>8.1f} {r - start_rss:>+6.1f}")
    print(f"{name}: {calls / (time.monotonic() - t0):.0f} calls/s\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--langchain", action="store_true", help="also ChatHuggingChat.ainvoke")
    args = parser.parse_args()
    with emulator_process() as base:
        from hfchat import AsyncHuggingChatClient

        client = AsyncHuggingChatClient(base_url=base, model="fake/echo")

        async def core_call(i: int) -> Any:
            result = await client.chat(f"hello {i}")
            if result.conversation_id:
                await client.delete_conversation(result.conversation_id)
            return result

        soak("AsyncHuggingChatClient.chat", core_call, args.calls, args.every)
        if args.langchain:
            from langchain_hfchat import ChatHuggingChat

            llm = ChatHuggingChat(base_url=base, model="fake/echo")

            async def lc_call(i: int) -> Any:
                return await llm.ainvoke(f"hello {i}")

            soak("ChatHuggingChat.ainvoke", lc_call, args.calls, args.every)


if __name__ == "__main__":
    main()
