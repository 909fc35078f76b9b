"""The gateway (``hfchat serve``) against the core client it wraps, side by side in one run.

The emulator and the gateway each run in their own process; the benchmark process drives both
the core ``AsyncHuggingChatClient`` (straight to the emulator) and plain SSE readers of the
gateway (bare asyncio connections, the cheapest reader), interleaved round by round.

(a) Concurrency: wall(200 concurrent streams) / wall(1 stream) of the slow model (50 tokens,
    10 ms apart), for the core client and through the gateway; median over ``--trials``.
    Target: gateway ratio <= 1.25 x the core's ratio.
(b) CPU per streamed token: one answer of ``--tokens`` tokens of the fast model. Core: the CPU
    time of the benchmark process while the core client streams it. Gateway: the CPU time of the
    gateway process (all its threads, from /proc) while it serves it as SSE. Median of
    ``--runs``. Target: gateway <= 1.2 x core.

    python benchmarks/gateway.py [--streams 200] [--trials 7] [--tokens 20000] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _emulator import emulator_process

SLOW = "fake/slow"
FAST = "fake/fast"


@contextlib.contextmanager
def gateway_process(base: str) -> Iterator[tuple[str, int]]:
    """``hfchat serve --port 0`` in front of ``base``; yields (its /v1 URL, its pid)."""
    env = {**os.environ, "HUGGINGCHAT_BASE_URL": base, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hfchat.cli", "serve", "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=None,  # warnings and errors of the gateway show in the benchmark's output
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    out = proc.stdout
    threading.Thread(target=lambda: [lines.put(x) for x in out], daemon=True).start()
    try:
        line = lines.get(timeout=30)
        url = line.split()[-1]
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def process_cpu_ns(pid: int) -> int:
    """CPU time of every thread of ``pid`` (ns, from /proc/<pid>/task/*/schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += int((task / "schedstat").read_text().split()[0])
    return total


# -- the two clients ---------------------------------------------------------------------------
async def core_stream(client: Any, model: str, n: int) -> int:
    from hfchat import TextDelta

    got = 0
    async for ev in client.stream_chat(f"stream {n}", model=model):
        if type(ev) is TextDelta:
            got += 1
    return got


class _SSEReader(asyncio.Protocol):
    """The cheapest streamed-completion reader: counts content deltas as bytes arrive (no task
    wake-up per chunk) and resolves ``done`` at the end of the chunked response."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future[bool] | None = None
        self.got = 0
        self.tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.got += data.count(b'"content":"')
        self.tail = (self.tail + data)[-400:]
        if self.tail.endswith(b"\r\n0\r\n\r\n") and self.done and not self.done.done():
            self.done.set_result(True)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(False)


_POOL: list[_SSEReader] = []


async def gateway_stream(url: str, model: str, n: int) -> int:
    """Read one streamed completion with :class:`_SSEReader` over a kept-alive connection (as
    HTTP clients do), so that the figures are the gateway's; the number of content deltas."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    body = json.dumps(
        {"model": model, "stream": True, "messages": [{"role": "user", "content": f"s {n}"}]}
    ).encode()
    head = (
        f"POST {parts.path}/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    if _POOL:
        reader = _POOL.pop()
    else:
        _, reader = await loop.create_connection(_SSEReader, host, port)
    reader.done = loop.create_future()
    reader.got, reader.tail = 0, b""
    assert reader.transport is not None
    reader.transport.write(head + body)
    complete = await asyncio.wait_for(reader.done, 120)
    if complete:
        _POOL.append(reader)
    else:
        reader.transport.close()
    if b"data: [DONE]" not in reader.tail:
        raise RuntimeError(f"a gateway stream did not end with [DONE]: {reader.tail!r}")
    return reader.got


FAILURES: list[str] = []


async def timed(coro_factory: Any, count: int) -> tuple[float, int]:
    """Wall time of ``count`` concurrent streams and how many completed; failures are kept in
    ``FAILURES`` and reported (on this loaded 2-core machine a connection to the emulator
    occasionally fails, on either path)."""
    t0 = time.perf_counter()
    results = await asyncio.gather(*[coro_factory(i) for i in range(count)], return_exceptions=True)
    wall = time.perf_counter() - t0
    for r in results:
        if isinstance(r, BaseException):
            FAILURES.append(f"{type(r).__name__}: {str(r)[-200:]}")
    return wall, sum(1 for r in results if isinstance(r, int) and r)


# -- (a) concurrency ---------------------------------------------------------------------------
async def concurrency(base: str, url: str, streams: int, trials: int) -> dict[str, list[float]]:
    from hfchat import AsyncHuggingChatClient

    _POOL.clear()  # connections belong to one event loop
    rows: dict[str, list[float]] = {"core": [], "gateway": [], "core_w1": [], "gateway_w1": []}
    async with AsyncHuggingChatClient(base_url=base, model=SLOW) as client:
        # warm both paths (detection, connections on every side)
        await timed(lambda i: core_stream(client, SLOW, i), streams)
        await timed(lambda i: gateway_stream(url, SLOW, i), streams)
        for _ in range(trials):
            for via in ("core", "gateway"):
                if via == "core":

                    def factory(i: int) -> Any:
                        return core_stream(client, SLOW, i)
                else:

                    def factory(i: int) -> Any:
                        return gateway_stream(url, SLOW, i)

                w1, _ = await timed(factory, 1)
                wn, ok = await timed(factory, streams)
                if ok < streams:
                    print(f"{via}: {streams - ok} of {streams} streams failed", file=sys.stderr)
                rows[via].append(wn / w1)
                rows[f"{via}_w1"].append(w1)
    return rows


# -- (b) CPU per token -------------------------------------------------------------------------
async def cpu_per_token(base: str, url: str, pid: int, tokens: int, runs: int) -> dict[str, Any]:
    from hfchat import AsyncHuggingChatClient

    _POOL.clear()  # connections belong to one event loop
    core: list[float] = []
    gw: list[float] = []
    deltas: list[int] = []
    async with AsyncHuggingChatClient(base_url=base, model=FAST) as client:
        await core_stream(client, FAST, -1)
        await gateway_stream(url, FAST, -1)
        for i in range(runs):
            c0 = time.process_time()
            got = await core_stream(client, FAST, i)
            core.append((time.process_time() - c0) / tokens * 1e6)
            if got != tokens:
                raise RuntimeError(f"core streamed {got} of {tokens} tokens")
            g0 = process_cpu_ns(pid)
            deltas.append(await gateway_stream(url, FAST, i))
            gw.append((process_cpu_ns(pid) - g0) / 1e3 / tokens)
    return {"core": core, "gateway": gw, "deltas": deltas}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--trials", type=int, default=7)
    ap.add_argument("--slow-tokens", type=int, default=50)
    ap.add_argument("--delay", type=float, default=0.01)
    ap.add_argument("--tokens", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with (
        emulator_process(
            slow_tokens=args.slow_tokens, slow_delay=args.delay, fast_tokens=args.tokens
        ) as base,
        gateway_process(base) as (url, pid),
    ):
        conc = asyncio.run(concurrency(base, url, args.streams, args.trials))
        cpu = asyncio.run(cpu_per_token(base, url, pid, args.tokens, args.runs))

    med = statistics.median
    core_ratio, gw_ratio = med(conc["core"]), med(conc["gateway"])
    print(
        f"(a) {args.streams} concurrent streams of {SLOW} ({args.slow_tokens} tokens, "
        f"{args.delay * 1000:g} ms apart), median of {args.trials} interleaved trials"
    )
    print("| client | wall(1) s | wall(N)/wall(1) per trial | median ratio |")
    print("|---|---:|---|---:|")
    for via, ratio in (("core AsyncHuggingChatClient", core_ratio), ("gateway (SSE)", gw_ratio)):
        key = "core" if via.startswith("core") else "gateway"
        trials = ", ".join(f"{r:.2f}" for r in conc[key])
        print(f"| {via} | {med(conc[key + '_w1']):.3f} | {trials} | {ratio:.2f} |")
    paired = [g / c for g, c in zip(conc["gateway"], conc["core"], strict=True)]
    print(
        f"gateway ratio / core ratio: {gw_ratio / core_ratio:.2f} (target <= 1.25); "
        f"paired by trial: median {med(paired):.2f} ({', '.join(f'{x:.2f}' for x in paired)})\n"
    )

    core_cpu, gw_cpu = med(cpu["core"]), med(cpu["gateway"])
    print(
        f"(b) CPU per streamed token, one {args.tokens}-token answer of {FAST}, "
        f"median of {args.runs}"
    )
    print("| process | CPU µs/token per run | median |")
    print("|---|---|---:|")
    print(f"| core client | {', '.join(f'{x:.2f}' for x in cpu['core'])} | {core_cpu:.2f} |")
    print(f"| gateway | {', '.join(f'{x:.2f}' for x in cpu['gateway'])} | {gw_cpu:.2f} |")
    if FAILURES:
        print(f"\nfailed streams: {len(FAILURES)}; first: {FAILURES[0]}")
    paired_cpu = [g / c for g, c in zip(cpu["gateway"], cpu["core"], strict=True)]
    print(
        f"gateway / core: {gw_cpu / core_cpu:.2f} (target <= 1.2); paired by run: median "
        f"{med(paired_cpu):.2f}; SSE content chunks per answer: {med(cpu['deltas']):.0f}"
    )


if __name__ == "__main__":
    main()
