"""The emulator's own costs: start, stop under stalled streams, server CPU per token, 100
concurrent streams against one. The timings the emulator's tests leave out live here.

The client side is a bare socket reader (no HTTP client), so the process CPU of the token run is
the server's.

    python benchmarks/emulator.py [--tokens 20000] [--runs 7] [--streams 100]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time

from hfchat.testing import FakeHuggingChat


def _send_raw(fake: FakeHuggingChat, cookie: str, cid: str, root: str) -> int:
    """POST one message over a bare socket (``Connection: close``); read to EOF."""
    boundary = "benchmark-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'
        + json.dumps({"inputs": "go", "id": root})
        + f"\r\n--{boundary}--\r\n"
    ).encode()
    head = (
        f"POST /conversation/{cid} HTTP/1.1\r\nHost: {fake.host}\r\nOrigin: {fake.origin}\r\n"
        f"Cookie: hf-chat={cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    received = 0
    with socket.create_connection((fake.host, fake.port), timeout=30) as sock:
        sock.sendall(head + body)
        while data := sock.recv(1 << 16):
            received += len(data)
    return received


def _conversation(fake: FakeHuggingChat, model: str) -> tuple[str, str, str]:
    """A conversation of ``model`` created over a bare socket: (cookie, id, root message id)."""
    body = json.dumps({"model": model}).encode()
    head = (
        f"POST /conversation HTTP/1.1\r\nHost: {fake.host}\r\nContent-Type: application/json\r\n"
        f"Accept: */*\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((fake.host, fake.port), timeout=30) as sock:
        sock.sendall(head + body)
        raw = b""
        while data := sock.recv(1 << 16):
            raw += data
    headers, _, payload = raw.partition(b"\r\n\r\n")
    cookie = headers.split(b"hf-chat=")[1].split(b";")[0].decode()
    if b"transfer-encoding: chunked" in headers.lower():
        payload = payload.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
    created = json.loads(payload)
    root = json.loads(created["conversation"])["json"]["rootMessageId"]
    return cookie, created["conversationId"], root


def token_cost(tokens: int, runs: int) -> tuple[float, float]:
    """Median server CPU µs per token and median wall s of one ``fake/fast`` answer."""
    with FakeHuggingChat(fast_tokens=tokens) as fake:
        cookie, cid, root = _conversation(fake, "fake/fast")
        cpus, walls = [], []
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            _send_raw(fake, cookie, cid, root)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return statistics.median(cpus) / tokens * 1e6, statistics.median(walls)


def start_stop(runs: int) -> tuple[float, float]:
    """Median start time, and median stop time with one stream stalled for 30 s."""
    starts, stops = [], []
    for _ in range(runs):
        began = time.perf_counter()
        fake = FakeHuggingChat().start()
        starts.append(time.perf_counter() - began)
        cookie, cid, root = _conversation(fake, "fake/echo")
        fake.inject("stall", after_tokens=0, seconds=30)
        reader = threading.Thread(
            target=lambda: _send_raw(fake, cookie, cid, root),  # noqa: B023
            daemon=True,
        )
        reader.start()
        time.sleep(0.2)
        began = time.perf_counter()
        fake.stop()
        stops.append(time.perf_counter() - began)
        reader.join(5)
    return statistics.median(starts), statistics.median(stops)


def _streams(fake: FakeHuggingChat, count: int) -> float:
    """Wall time of ``count`` sends at once, one thread each (the server sees them together)."""
    conversations = [_conversation(fake, "fake/slow") for _ in range(count)]
    threads = [threading.Thread(target=_send_raw, args=(fake, *c)) for c in conversations]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return time.perf_counter() - began


def concurrency(streams: int, runs: int) -> tuple[float, float]:
    """Median wall of one ``fake/slow`` stream (20 tokens 10 ms apart) and of ``streams``."""
    ones, manys = [], []
    with FakeHuggingChat(slow_tokens=20, slow_delay=0.01) as fake:
        for _ in range(runs):  # interleaved, so the machine's drift cancels
            ones.append(_streams(fake, 1))
            manys.append(_streams(fake, streams))
    return statistics.median(ones), statistics.median(manys)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--streams", type=int, default=100)
    args = ap.parse_args()
    per_token, wall = token_cost(args.tokens, args.runs)
    start, stop = start_stop(max(args.runs // 2, 1))
    one, many = concurrency(args.streams, max(args.runs // 2, 1))
    print("| measure | value |")
    print("|---|---:|")
    label = f"server CPU per token ({args.tokens} tokens, median of {args.runs})"
    print(f"| {label} | {per_token:.2f} µs |")
    print(f"| wall of one {args.tokens}-token answer | {wall:.3f} s |")
    print(f"| start (bound, serving) | {start * 1000:.1f} ms |")
    print(f"| stop with a stalled stream | {stop * 1000:.1f} ms |")
    print(f"| 1 slow stream | {one:.3f} s |")
    print(f"| {args.streams} slow streams at once | {many:.3f} s ({many / one:.2f}x one) |")


if __name__ == "__main__":
    main()
