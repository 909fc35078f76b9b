"""The line decoders: linear work (bytes scanned, not time), caps, any chunking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hfchat.errors import ProtocolError, StreamProtocolError
from hfchat.protocol.decoder import LineBuffer, LineDecoder, LineTooLong
from hfchat.protocol.sse import SSEDecoder
from hfchat.protocol.turn import TurnAssembler

from ..core.fuzzing import split_at

CHUNK = 16 * 1024
MIB = 1024 * 1024


def chunks(data: bytes, size: int = CHUNK) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_an_8_mib_line_in_16_kib_chunks_is_scanned_once() -> None:
    line = b'{"type":"stream","token":"' + b"x" * (8 * MIB - 64) + b'"}\n'
    d = LineDecoder(max_line_bytes=9 * MIB)
    got: list[bytes] = []
    for c in chunks(line):
        got += d.feed(c)
    assert got == [line[:-1]]
    # each byte is searched for a line end once: re-joining the buffer per chunk scanned
    # ~len(line) * chunks / 2 bytes (quadratic)
    assert d.scanned == len(line)


def test_work_is_linear_at_doubling_sizes() -> None:
    for mib in (1, 2, 4):
        size = mib * MIB
        sse = SSEDecoder(max_line_bytes=8 * MIB)
        events = []
        for c in chunks(b"event: update\ndata: " + b"y" * size + b"\n\n"):
            events += sse.feed(c)
        assert len(events) == 1 and len(events[0].data) == size
        assert sse.scanned == size + len(b"event: update\ndata: \n\n")


def test_padding_before_a_line_does_not_count_against_the_cap() -> None:
    d = LineDecoder(max_line_bytes=100)
    assert d.feed(b" " * 4096) == []  # chat-ui's padding after finalAnswer
    assert d.feed(b'{"a": 1}\n') == [b'{"a": 1}']


def test_line_cap_is_typed_in_both_decoders() -> None:
    d = LineDecoder(max_line_bytes=100)
    with pytest.raises(LineTooLong):
        for c in chunks(b"z" * 1000, 7):
            d.feed(c)
    assert issubclass(LineTooLong, ProtocolError)
    sse = SSEDecoder(max_line_bytes=100)
    with pytest.raises(LineTooLong):
        sse.feed(b"data: " + b"z" * 200)
    # many short data lines of one event are capped too
    sse = SSEDecoder(max_line_bytes=100)
    with pytest.raises(LineTooLong):
        for _ in range(50):
            sse.feed(b"data: 0123456789\n")


def test_replay_line_cap_keeps_partial_text() -> None:
    a = TurnAssembler(max_line_bytes=1000)
    a.feed(b'{"type":"stream","token":"Hello"}\n')
    a.start_replay()
    with pytest.raises(StreamProtocolError) as info:
        a.feed(b"event: update\ndata: " + b"x" * 5000)
    assert info.value.partial_text == "Hello"


def test_line_buffer_keeps_blank_lines_and_remainder() -> None:
    b = LineBuffer(50)
    assert b.split(b"a\n\nb") == [b"a", b""]
    assert b.pending == 1
    assert b.split(b"c\n") == [b"bc"]
    assert b.close() == b""


LINES = st.lists(
    st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")),
    max_size=12,
)
CUTS = st.lists(st.integers(min_value=0, max_value=400), max_size=12)


@settings(max_examples=200, deadline=None)
@given(lines=LINES, cuts=CUTS, tail=st.booleans())
def test_line_decoder_is_chunking_independent(
    lines: list[bytes], cuts: list[int], tail: bool
) -> None:
    data = b"\n".join(lines) + (b"" if tail else b"\n")

    def run(parts: list[bytes]) -> tuple[list[bytes], bytes | None, int]:
        d = LineDecoder(max_line_bytes=1000)
        out: list[bytes] = []
        for p in parts:
            out += d.feed(p)
        return out, d.close(), d.scanned

    assert run(split_at(data, cuts)) == run([data])


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.sampled_from(["update", "end", ""]), st.text(max_size=20)), max_size=8
    ),
    cuts=CUTS,
    crlf=st.booleans(),
)
def test_sse_decoder_is_chunking_independent(
    events: list[tuple[str, str]], cuts: list[int], crlf: bool
) -> None:
    nl = "\r\n" if crlf else "\n"
    text = ""
    for name, data in events:
        if name:
            text += f"event: {name}{nl}"
        for part in data.replace("\r", "").split("\n"):
            text += f"data: {part}{nl}"
        text += nl + f": heartbeat{nl}"
    data = text.encode()

    def run(parts: list[bytes]) -> list[tuple[str, str]]:
        d = SSEDecoder(max_line_bytes=1000)
        out = []
        for p in parts:
            out += [(e.event, e.data) for e in d.feed(p)]
        return out

    whole = run([data])
    assert run(split_at(data, cuts)) == whole
    assert [d for _, d in whole] == [d.replace("\r", "") for _, d in events]


def test_hostile_devalue_data_is_typed() -> None:
    import json

    from hfchat.protocol.bodies import decode_devalue

    for data in ([json.loads("[" * 900 + "]" * 900)], [[5]], [{"a": "x"}]):
        with pytest.raises(ProtocolError):
            decode_devalue(data)


def test_a_complete_line_in_one_huge_chunk_is_capped_too() -> None:
    d = LineDecoder(max_line_bytes=100)
    with pytest.raises(LineTooLong):
        d.feed(b"x" * 500 + b"\nok\n")
    assert LineDecoder(max_line_bytes=100).feed(b"a\n" * 200) == [b"a"] * 200
