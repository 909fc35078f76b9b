"""Property checks over the stream parser and the ``<think>`` splitter (shared by the short
CI run in ``test_fuzz.py`` and the long run in ``benchmarks/fuzz_long.py``)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from hfchat.errors import HuggingChatError
from hfchat.events import ReasoningDelta, TextDelta, TurnEnd
from hfchat.protocol.think import ThinkSplitter, split_think
from hfchat.protocol.turn import TurnAssembler

TOKENS = st.sampled_from(
    ["<think>", "</think>", "<th", "ink>", "</th", "<", ">", " ", "a", "é", "\x00", "\n", "Echo: "]
)
UPDATES = st.one_of(
    st.builds(lambda t: {"type": "stream", "token": t}, st.text(max_size=20)),
    st.builds(lambda t: {"type": "stream", "token": t}, st.lists(TOKENS, max_size=4).map("".join)),
    st.just({"type": "status", "status": "keepAlive"}),
    st.builds(lambda t: {"type": "title", "title": t}, st.text(max_size=20)),
    st.builds(
        lambda t, i: {"type": "finalAnswer", "text": t, "interrupted": i},
        st.text(max_size=30),
        st.booleans(),
    ),
    st.builds(
        lambda m: {"type": "reasoning", "subtype": "stream", "token": m}, st.text(max_size=9)
    ),
    st.just({"type": "routerMetadata", "route": "r", "model": "m", "provider": "p"}),
    st.just({"type": "status", "status": "error", "message": "boom", "statusCode": 500}),
    st.just({"type": "futureThing"}),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _deep(depth: int, opener: str) -> bytes:
    return (opener * depth).encode()


# hostile JSON: nesting far past the parser's recursion limit, numbers past any float, integers
# past Python's digit limit (ValueError), each as a whole line or as a value inside an update
HOSTILE = st.one_of(
    st.builds(_deep, st.integers(min_value=1, max_value=300_000), st.sampled_from(["[", '{"a":'])),
    st.builds(
        lambda d: b'{"type":"stream","token":"x","v":' + _deep(d, "[") + b"1" + b"]" * d + b"}",
        st.integers(min_value=1, max_value=200_000),
    ),
    st.builds(lambda n: b"1" * n, st.integers(min_value=1, max_value=100_000)),
    st.builds(
        lambda n: b'{"type":"finalAnswer","text":"t","n":' + b"7" * n + b"}",
        st.integers(min_value=1, max_value=100_000),
    ),
    st.sampled_from(
        [
            b"1e999999",
            b"-1e999999",
            b'{"type":"status","status":"error","statusCode":1e999999,"message":"m"}',
            b'{"type":"stream","token":"y","x":NaN}',
            b'{"type":"finalAnswer","text":"t","x":-Infinity}',
        ]
    ),
)


def encode(updates: list[dict[str, Any]], padding: bool) -> bytes:
    out = []
    for u in updates:
        out.append(json.dumps(u, ensure_ascii=False, separators=(",", ":")) + "\n")
        if padding and u.get("type") == "finalAnswer":
            out.append(" " * 4096)
    return "".join(out).encode()


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks, last = [], 0
    for p in points:
        chunks.append(data[last:p])
        last = p
    chunks.append(data[last:])
    return chunks


def outcome(chunks: list[bytes]) -> tuple[Any, ...]:
    """Events, normalised (adjacent deltas merged), or the error; never another exception."""
    a = TurnAssembler()
    events: list[Any] = []
    try:
        for c in chunks:
            events += a.feed(c)
        events += a.close()
    except HuggingChatError as exc:
        return ("error", type(exc).__name__, exc.partial_text, exc.partial_reasoning)
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    end = events[-1]
    assert isinstance(end, TurnEnd)
    # one rule for text: the answer is what was streamed, or a prefix of it (a clamp)
    assert streamed.startswith(end.result.text), (streamed, end.result.text)
    merged: list[Any] = []
    for ev in events:
        if isinstance(ev, (TextDelta, ReasoningDelta)):
            if merged and merged[-1][0] == type(ev).__name__:
                merged[-1] = (merged[-1][0], merged[-1][1] + ev.text)
                continue
            merged.append((type(ev).__name__, ev.text))
        elif isinstance(ev, TurnEnd):
            r = ev.result
            merged.append(("end", r.text, r.reasoning, r.title, r.finish_reason, r.sources))
        else:
            merged.append((type(ev).__name__, repr(ev)))
    return ("ok", tuple(merged))


def think_parts(tokens: list[str]) -> tuple[str, str]:
    s = ThinkSplitter()
    r, t = "", ""
    for tok in tokens:
        a, b = s.feed(tok)
        r, t = r + a, t + b
    a, b = s.flush()
    return r + a, t + b


def check_think(tokens: list[str]) -> None:
    assert think_parts(tokens) == split_think("".join(tokens))
