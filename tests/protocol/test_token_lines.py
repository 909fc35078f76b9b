"""The stream-token fast path: a token line read without ``json.loads`` means exactly what
``json.loads`` reads from it, and every other line shape still takes the general path."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hfchat.errors import StreamProtocolError
from hfchat.events import ReasoningDelta, TextDelta
from hfchat.protocol.turn import TurnAssembler, _token_line


def js_line(token: str, pad: int = 0) -> bytes:
    """The line chat-ui writes: JSON.stringify({type, token}) with NUL padding."""
    body = json.dumps(
        {"type": "stream", "token": token + "\x00" * pad}, ensure_ascii=False, separators=(",", ":")
    )
    return body.encode() + b"\n"


def deltas(lines: bytes) -> list[tuple[type, str]]:
    a = TurnAssembler()
    return [(type(e), e.text) for e in a.feed(lines)]  # type: ignore[attr-defined]


def general(line: bytes) -> bytes:
    """The same update with a leading space: never the fast path's shape."""
    return b" " + line


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(
        st.text(st.characters(codec="utf-8", exclude_characters="<"), max_size=12),
        min_size=1,
        max_size=6,
    ),
    pad=st.integers(0, 12),
)
def test_fast_path_means_what_json_means(tokens: list[str], pad: int) -> None:
    fast = b"".join(js_line(t, pad) for t in tokens)
    slow = b"".join(general(js_line(t, pad)) for t in tokens)
    assert deltas(fast) == deltas(slow)
    text = "".join(t.replace("\x00", "") for t in tokens)
    final = json.dumps({"type": "finalAnswer", "text": text}).encode() + b"\n"
    ends = []
    for body in (fast, slow):
        a = TurnAssembler()
        events = a.feed(body + final) + a.close()
        ends.append(([(type(e), getattr(e, "text", None)) for e in events[:-1]], a.result.text))
    assert ends[0] == ends[1]
    assert ends[0][1] == text


@pytest.mark.parametrize(
    ("line", "fast"),
    [
        (b'{"type":"stream","token":"Hello \\u0000\\u0000"}', True),
        (b'{"type":"stream","token":"plain"}', True),
        (b'{"type":"stream","token":"caf\xc3\xa9"}', True),
        (b'{"type":"stream","token":"a\\u0000b"}', False),  # a NUL inside: general path
        (b'{"type":"stream","token":"say \\"hi\\""}', False),  # escapes
        (b'{"type":"stream","token":"x","extra":"y"}', False),  # another key
        (b'{"token":"x","type":"stream"}', False),  # another order
        (b'{"type": "stream", "token": "x"}', False),  # spaces
        (b'{"type":"stream","token":"tab\there"}', False),  # a raw control character
    ],
)
def test_which_lines_take_the_fast_path(line: bytes, fast: bool) -> None:
    assert (_token_line(line) is not None) is fast


def test_general_shapes_give_the_same_text() -> None:
    lines = (
        b'{"type":"stream","token":"a\\u0000b"}\n'
        b'{"type":"stream","token":"say \\"hi\\""}\n'
        b'{"token":" rev","type":"stream"}\n'
        b'{"type": "stream", "token": " spaced"}\n'
    )
    assert "".join(t for _, t in deltas(lines)) == 'absay "hi" rev spaced'


def test_invalid_utf8_in_a_fast_line_is_a_typed_error_keeping_the_text() -> None:
    a = TurnAssembler()
    assert [e.text for e in a.feed(js_line("kept"))] == ["kept"]  # type: ignore[attr-defined]
    with pytest.raises(StreamProtocolError) as info:
        a.feed(b'{"type":"stream","token":"\xff\xfe"}\n')
    assert info.value.partial_text == "kept"


def test_fast_tokens_still_go_through_the_think_splitter() -> None:
    got = deltas(js_line("<think>") + js_line("plan") + js_line("</think>") + js_line("answer"))
    assert (ReasoningDelta, "plan") in got
    assert [t for k, t in got if k is TextDelta] == ["answer"]
