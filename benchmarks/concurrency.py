"""200 concurrent streams against one, for the raw floor, the core and ``ChatHuggingChat``.

The emulator runs in its own process and streams the slow model (50 tokens, 10 ms apart). Each
trial measures, for every client in turn (interleaved, so the machine's drift hits all alike),
the wall time of one stream and of 200 concurrent streams on a warm client, and the slow-down
``wall(200) / wall(1)``. What counts is each client's slow-down divided by the raw floor's slow-down
in the same trial (on 2 cores the emulator shares the CPU, so the raw floor slows down too):
target ≤ 1.10, median over the trials. Every stream starts a new conversation (create + send).
A second table gives the CPU the N-stream burst took in the client process and in the emulator
process (Linux), to show where the slow-down comes from on a machine whose cores both share.

    python benchmarks/concurrency.py [--streams 200] [--trials 5] [--tokens 50] [--pin]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from _emulator import PIDS, emulator_process, pin_apart, process_cpu
from stream_cost import _Floor, _send_args

MODEL = "fake/slow"
Factory = Callable[[str], Awaitable[tuple[Callable[[int], Awaitable[int]], Callable[[], Any]]]]


async def raw_client(base: str) -> tuple[Callable[[int], Awaitable[int]], Callable[[], Any]]:
    """The floor: one curl_cffi AsyncSession, create + send, split lines, json.loads."""
    from curl_cffi import requests as curl

    session = curl.AsyncSession(impersonate="chrome", max_clients=512)

    async def one(i: int) -> int:
        created = await session.post(
            f"{base}/conversation", json={"model": MODEL}, discard_cookies=True
        )
        resp = await session.post(**_send_args(base, created))
        floor = _Floor()
        async for chunk in resp.aiter_content():
            floor.feed(chunk)
        await resp.aclose()
        return floor.tokens

    return one, session.close


async def core_client(base: str) -> tuple[Callable[[int], Awaitable[int]], Callable[[], Any]]:
    from hfchat import AsyncHuggingChatClient, TextDelta

    client = AsyncHuggingChatClient(base_url=base, model=MODEL)

    async def one(i: int) -> int:
        got = 0
        async for ev in client.stream_chat(f"stream {i}"):
            if type(ev) is TextDelta:
                got += 1
        return got

    return one, client.aclose


async def core_client_no_id_read(
    base: str,
) -> tuple[Callable[[int], Awaitable[int]], Callable[[], Any]]:
    """The core without the message-id read beside each stream (to show what that read costs)."""
    from hfchat import AsyncHuggingChatClient, TextDelta

    client = AsyncHuggingChatClient(base_url=base, model=MODEL)
    client._core.find_message_request = lambda turn: None  # type: ignore[method-assign]

    async def one(i: int) -> int:
        got = 0
        async for ev in client.stream_chat(f"stream {i}"):
            if type(ev) is TextDelta:
                got += 1
        return got

    return one, client.aclose


def _lc_floor(tokens: Callable[[str], AsyncIterator[str]]) -> Callable[[int], Awaitable[int]]:
    """One call of a LangChain floor: a ``BaseChatModel`` whose ``_astream`` yields one
    ``ChatGenerationChunk(message=AIMessageChunk(content=token))`` per token of
    ``tokens(prompt)``, read through ``astream``."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk

    class FloorChatModel(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "floor"

        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

        async def _astream(self, messages: Any, *args: Any, **kwargs: Any) -> Any:
            async for token in tokens(str(messages[-1].content)):
                yield ChatGenerationChunk(message=AIMessageChunk(content=token))

    llm = FloorChatModel()

    async def one(i: int) -> int:
        return sum([1 async for _ in llm.astream(f"q{i}")])

    return one


async def lc_floor_client(
    base: str,
) -> tuple[Callable[[int], Awaitable[int]], Callable[[], Any]]:
    """LangChain's own floor over the raw one: the raw floor's stream (create + send, split
    lines, json.loads) through a LangChain floor. What any LangChain adapter pays on top of its
    transport."""
    import json

    from curl_cffi import requests as curl

    session = curl.AsyncSession(impersonate="chrome", max_clients=512)

    async def tokens(prompt: str) -> AsyncIterator[str]:
        created = await session.post(
            f"{base}/conversation", json={"model": MODEL}, discard_cookies=True
        )
        resp = await session.post(**_send_args(base, created))
        buf = b""
        async for chunk in resp.aiter_content():
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if line.strip():
                    u = json.loads(line)
                    if u.get("type") == "stream":
                        yield u["token"].replace("\x00", "")
        await resp.aclose()

    return _lc_floor(tokens), session.close


async def lc_core_floor_client(
    base: str,
) -> tuple[Callable[[int], Awaitable[int]], Callable[[], Any]]:
    """LangChain's floor over the core: the smallest adapter, one chunk per ``TextDelta`` of
    the core's ``stream_chat``. ``ChatHuggingChat`` against it is what the adapter itself adds
    (metadata, the final chunk, stop sequences, message conversion)."""
    from hfchat import AsyncHuggingChatClient, TextDelta

    client = AsyncHuggingChatClient(base_url=base, model=MODEL)

    async def tokens(prompt: str) -> AsyncIterator[str]:
        async for ev in client.stream_chat(prompt):
            if type(ev) is TextDelta:
                yield ev.text

    return _lc_floor(tokens), client.aclose


async def lc_client(base: str) -> tuple[Callable[[int], Awaitable[int]], Callable[[], Any]]:
    from langchain_hfchat import ChatHuggingChat

    llm = ChatHuggingChat(base_url=base, model=MODEL)

    async def one(i: int) -> int:
        return sum([1 async for _ in llm.astream(f"q{i}")])

    async def close() -> None:
        return None

    return one, close


CLIENTS: dict[str, Factory] = {
    "raw floor (AsyncSession)": raw_client,
    "core astream": core_client,
    "core astream, no message-id read": core_client_no_id_read,
    "LangChain floor over the raw floor": lc_floor_client,
    "LangChain floor over the core": lc_core_floor_client,
    "ChatHuggingChat.astream": lc_client,
}
#: what each client is compared with besides the raw floor: the floor of the layer below it
OWN_FLOOR = {
    "core astream": "raw floor (AsyncSession)",
    "LangChain floor over the raw floor": "raw floor (AsyncSession)",
    "LangChain floor over the core": "core astream",
    "ChatHuggingChat.astream": "LangChain floor over the core",
}


Result = tuple[float, float, int, float, float]


async def trial(base: str, streams: int) -> dict[str, Result]:
    """One trial: per client, wall(1), wall(streams), the streams that completed, and the
    client's and the emulator's CPU seconds for the burst."""
    out: dict[str, Result] = {}
    server = PIDS.get(base)
    for name, factory in CLIENTS.items():
        one, close = await factory(base)
        try:
            await one(-1)  # warm: detection, first connection
            await asyncio.gather(*[one(-2 - i) for i in range(streams)])  # warm the pool
            t0 = time.perf_counter()
            await one(-1000)
            single = time.perf_counter() - t0
            s0 = process_cpu(server) if server else None
            c0, t0 = time.process_time(), time.perf_counter()
            counts = await asyncio.gather(*[one(i) for i in range(streams)])
            many = time.perf_counter() - t0
            client_cpu = time.process_time() - c0
            s1 = process_cpu(server) if server else None
            server_cpu = s1 - s0 if s0 is not None and s1 is not None else float("nan")
            out[name] = (single, many, sum(1 for c in counts if c), client_cpu, server_cpu)
        finally:
            res = close()
            if asyncio.iscoroutine(res):
                await res
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=50)
    ap.add_argument("--delay", type=float, default=0.01)
    ap.add_argument(
        "--pin",
        action="store_true",
        help="client on one CPU, emulator on the other (the server's work off the client's CPU)",
    )
    args = ap.parse_args()
    pinned = pin_apart() if args.pin else "client and emulator share the CPUs"
    trials: list[dict[str, Result]] = []
    with emulator_process(slow_tokens=args.tokens, slow_delay=args.delay) as base:
        for _ in range(args.trials):
            trials.append(asyncio.run(trial(base, args.streams)))
    raw = "raw floor (AsyncSession)"
    print(
        f"\n{args.streams} concurrent streams vs one, {args.trials} interleaved trials; {pinned}\n"
    )
    print(
        "| client | wall(1) s | wall(N) s | slow-down N/1 | ÷ raw slow-down "
        "| ÷ the floor below it | completed |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")

    def rel(name: str, floor: str) -> str:
        q = [(t[name][1] / t[name][0]) / (t[floor][1] / t[floor][0]) for t in trials]
        return f"{statistics.median(q):.2f} ({min(q):.2f}–{max(q):.2f})"

    for name in CLIENTS:
        single = statistics.median(t[name][0] for t in trials)
        many = statistics.median(t[name][1] for t in trials)
        slow = statistics.median(t[name][1] / t[name][0] for t in trials)
        own = rel(name, OWN_FLOOR[name]) if name in OWN_FLOOR else "—"
        done = min(t[name][2] for t in trials)
        print(
            f"| {name} | {single:.3f} | {many:.3f} | {slow:.2f} | {rel(name, raw)} "
            f"| {own} | {done} |"
        )
    print(f"\nCPU seconds of the {args.streams}-stream burst (median over the trials)\n")
    print("| client | client process | emulator process | both |")
    print("|---|---:|---:|---:|")
    for name in CLIENTS:
        cc = statistics.median(t[name][3] for t in trials)
        sc = statistics.median(t[name][4] for t in trials)
        both = statistics.median(t[name][3] + t[name][4] for t in trials)
        print(f"| {name} | {cc:.3f} | {sc:.3f} | {both:.3f} |")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\npeak client RSS: {peak_mb:.0f} MiB; targets (medians): the core ÷ raw slow-down ≤ 1.10;"
        " an adapter ÷ its framework's floor over the core ≤ 1.10 (as the per-token target)"
    )


if __name__ == "__main__":
    main()
