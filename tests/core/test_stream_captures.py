"""The stream parser over every recorded answer stream, in any chunking."""

from __future__ import annotations

import random

import pytest

from hfchat.errors import HuggingChatError, RateLimitError, StreamError
from hfchat.events import (
    Event,
    ReasoningDelta,
    RouterInfo,
    TextDelta,
    Title,
    ToolActivity,
    TurnEnd,
    TurnResult,
    WebSearchStatus,
)
from hfchat.protocol.turn import TurnAssembler

from .captures import ROOT, all_streams

STREAMS = all_streams()


def run(chunks: list[bytes]) -> tuple[list[Event], TurnResult]:
    a = TurnAssembler(base_url="http://x/chat", conversation_id="c" * 24, requested_model="m")
    events: list[Event] = []
    for c in chunks:
        events += a.feed(c)
    events += a.close()
    end = events[-1]
    assert isinstance(end, TurnEnd)
    return events, end.result


def chunked(data: bytes, seed: int, most: int = 7) -> list[bytes]:
    rnd = random.Random(seed)
    out, i = [], 0
    while i < len(data):
        n = rnd.randint(1, most)
        out.append(data[i : i + n])
        i += n
    return out


def text_of(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def reasoning_of(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, ReasoningDelta))


def test_every_stream_capture_is_covered() -> None:
    names = {p.parent.name + "/" + p.name for p in STREAMS}
    assert len(names) == 17, names


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_any_chunking_gives_the_same_outcome(path, seed) -> None:  # type: ignore[no-untyped-def]
    data = path.read_bytes()

    def outcome(chunks: list[bytes]) -> tuple[object, ...]:
        try:
            events, result = run(chunks)
        except HuggingChatError as exc:
            return (type(exc), str(exc), exc.partial_text)
        return (text_of(events), reasoning_of(events), result.text, result.reasoning, result.title)

    whole = outcome([data])
    assert outcome(chunked(data, seed)) == whole
    assert outcome([bytes([b]) for b in data[:3000]] + [data[3000:]]) == whole


def head(name: str) -> bytes:
    return next((ROOT / "head").glob(name + "*.ndjson")).read_bytes()


def old(name: str) -> bytes:
    return next((ROOT / "v0.9.4").glob(name + "*.ndjson")).read_bytes()


def test_2026_normal_stream() -> None:
    events, r = run(chunked(head("04"), 5))
    assert text_of(events) == "Echo: Hello there, how are you today?"
    assert "\x00" not in text_of(events)
    assert r.text == "Echo: Hello there, how are you today?"
    assert r.title == 'Fake title for: User message: "Hello there,'
    assert r.finish_reason == "stop"
    assert r.router is not None and r.router.provider == "fake-provider"
    assert r.router.model is None and r.model == "m"  # empty routed model -> the requested one
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("Title") > kinds.index("TextDelta")  # read to EOF past finalAnswer
    assert kinds[-1] == "TurnEnd"
    assert {"finalAnswer", "title", "routerMetadata"} <= {u["type"] for u in r.final_updates}


def test_2026_inline_reasoning_is_split_out_of_text_and_title() -> None:
    events, r = run([head("13-post-reasoner")])
    assert reasoning_of(events) == "Thinking about it. Step one. Step two. "
    assert text_of(events) == "Echo: Think about this"
    assert r.reasoning == "Thinking about it. Step one. Step two. "
    assert r.text == "Echo: Think about this"
    assert r.title == 'Fake title for: User message: "Think about'
    assert not any("<think>" in e.text for e in events if isinstance(e, TextDelta))
    assert not any("think>" in e.title for e in events if isinstance(e, Title))


def test_2026_stopped_stream_clamps_final_text() -> None:
    events, r = run([head("18")])
    assert r.finish_reason == "interrupted" and r.interrupted
    assert r.text == "Echo: word0 word1 word2 word3 word4 word"
    assert text_of(events).startswith(r.text)  # what was streamed is kept as deltas
    assert any(isinstance(e, RouterInfo) for e in events)


@pytest.mark.parametrize(
    ("data", "kind", "status"),
    [
        (lambda: head("13-post-broken"), StreamError, 500),
        (lambda: head("13-post-limited"), RateLimitError, 429),
        (lambda: old("13-post-broken"), StreamError, None),
    ],
)
def test_upstream_errors_are_typed(data, kind, status) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(kind) as info:
        run([data()])
    assert info.value.status_code == status
    assert "fake" in str(info.value)


def test_2024_stream_title_first_and_no_trailing_newline() -> None:
    data = old("03")
    assert data.endswith(b" " * 4096) and not data.endswith(b"\n")
    events, r = run(chunked(data, 9))
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("Title") < kinds.index("TextDelta")
    assert r.title == "Hello there old server"
    assert r.text == "Echo: Hello there old server"


def test_2024_web_search_updates_are_status_not_text() -> None:
    events, r = run([old("05")])
    ws = [e for e in events if isinstance(e, WebSearchStatus)]
    assert [w.subtype for w in ws] == ["update", "error", "finished"]
    assert ws[1].args == ["fetch failed"]
    assert r.text == "Echo: Search the web for chat-ui"
    assert r.sources == []


def test_2024_calculator_tool_is_server_activity() -> None:
    events, r = run([old("06")])
    acts = [e for e in events if isinstance(e, ToolActivity)]
    assert [(a.kind, a.name) for a in acts] == [("call", "calculator"), ("result", "calculator")]
    assert acts[0].arguments == {"equation": "2+2"}
    assert acts[1].outputs == [{"calculator": "2+2 = 4"}]
    assert r.tool_calls == []  # never a client tool call
    assert r.text.startswith("The calculator says:")


def test_2024_continue_final_text_is_the_new_text_only() -> None:
    _, r = run([old("07")])
    assert r.text == "Echo: Please calc 2+2"


def test_final_text_longer_than_streamed_emits_the_missing_suffix() -> None:
    data = (
        b'{"type":"stream","token":"Hel\\u0000"}\n'
        b'{"type":"finalAnswer","text":"Hello world","interrupted":false}\n'
    )
    events, r = run([data])
    assert text_of(events) == "Hello world"
    assert r.text == "Hello world"


@pytest.mark.parametrize("cut_after", [0, 1, 3, 6])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_cut_stream_resumed_from_the_recorded_replay(cut_after: int, seed: int) -> None:
    """head/04 cut after some lines, then continued from head/07 (the SSE replay of the same
    generation, tokens merged): every piece of text arrives exactly once."""
    live = head("04").split(b"\n")
    replay = next((ROOT / "head").glob("07-*.sse")).read_bytes()
    a = TurnAssembler(conversation_id="c" * 24, requested_model="m")
    events: list[Event] = []
    events += a.feed(b"\n".join(live[: cut_after + 1]) + b"\n" + live[cut_after + 1][:7])
    a.start_replay()
    for chunk in chunked(replay, seed):
        events += a.feed_replay(chunk)
    events += a.close()
    r = events[-1].result  # type: ignore[union-attr]
    assert text_of(events) == r.text == "Echo: Hello there, how are you today?"
    assert [type(e).__name__ for e in events].count("Title") == 1
    assert r.title and r.router is not None


def test_sse_decoder_fields_comments_and_split_lines() -> None:
    from hfchat.protocol.sse import SSEDecoder

    d = SSEDecoder()
    assert d.feed(b": heartbeat\n\nid: 3\nevent: upd") == []
    events = d.feed(b'ate\ndata: {"a":\r\ndata: 1}\n\nevent: end\ndata: {}\n\n')
    assert [(e.event, e.data, e.id) for e in events] == [
        ("update", '{"a":\n1}', "3"),
        ("end", "{}", "3"),
    ]
