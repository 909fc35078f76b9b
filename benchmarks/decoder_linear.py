"""Time per MiB of the stream line decoders at doubling line sizes (linear means flat).

    python benchmarks/decoder_linear.py

One line of N MiB (JSON-ish bytes, then ``\\n``) is fed in 16 KiB chunks to the NDJSON
decoder and to the SSE decoder (as one ``data:`` line); the figure printed is milliseconds per
MiB, which stays flat when the work is linear in the bytes received (it doubled per doubling
when each chunk re-joined the whole buffer).
"""

from __future__ import annotations

import time

from hfchat.protocol.decoder import LineDecoder
from hfchat.protocol.sse import SSEDecoder

CHUNK = 16 * 1024
MIB = 1024 * 1024


def feed_all(feed: object, data: bytes) -> float:
    start = time.perf_counter()
    f = feed  # bound method
    for i in range(0, len(data), CHUNK):
        f(data[i : i + CHUNK])  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    print(f"{'MiB':>5} {'ndjson ms/MiB':>14} {'sse ms/MiB':>11} {'scanned/bytes':>14}")
    for mib in (1, 2, 4, 8, 16):
        payload = b'{"type":"stream","token":"' + b"x" * (mib * MIB - 40) + b'"}'
        nd = LineDecoder(max_line_bytes=32 * MIB)
        t_nd = feed_all(nd.feed, payload + b"\n")
        sse = SSEDecoder(max_line_bytes=32 * MIB)
        t_sse = feed_all(sse.feed, b"event: update\ndata: " + payload + b"\n\n")
        ratio = nd.scanned / (len(payload) + 1)
        print(f"{mib:>5} {t_nd * 1000 / mib:>14.2f} {t_sse * 1000 / mib:>11.2f} {ratio:>14.2f}")


if __name__ == "__main__":
    main()
