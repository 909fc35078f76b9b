"""TurnAssembler's explicit states: one TurnEnd, typed errors after the end, replay inside
``feed``, the first finalAnswer wins, bounded reading after the final answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hfchat.errors import StreamError, StreamProtocolError
from hfchat.events import Event, TextDelta, TurnEnd
from hfchat.protocol.turn import MAX_UPDATES_AFTER_FINAL, TurnAssembler, TurnState

from ..core.captures import ROOT


def line(update: dict[str, Any]) -> bytes:
    return json.dumps(update).encode() + b"\n"


def tok(t: str) -> bytes:
    return line({"type": "stream", "token": t})


def final(text: str) -> bytes:
    return line({"type": "finalAnswer", "text": text, "interrupted": False})


FINISHED = line({"type": "status", "status": "finished"})
KEEPALIVE = line({"type": "status", "status": "keepAlive"})


def text_of(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def test_states_and_exactly_one_turn_end() -> None:
    a = TurnAssembler()
    assert a.state is TurnState.STREAMING and not a.final_seen and not a.wants_close
    events = a.feed(tok("Hi"))
    events += a.feed(final("Hi there"))
    assert a.state is TurnState.FINAL_SEEN and a.final_seen and not a.wants_close
    events += a.feed(FINISHED)
    assert a.wants_close
    events += a.close()
    assert a.state is TurnState.DONE and a.done
    assert [type(e) for e in events].count(TurnEnd) == 1
    with pytest.raises(StreamError, match="after the turn ended"):
        a.close()
    with pytest.raises(StreamError, match="after the turn ended") as info:
        a.feed(tok("more"))
    assert info.value.partial_text == "Hi there"


def test_failed_turn_refuses_more_input() -> None:
    a = TurnAssembler()
    a.feed(tok("Hel"))
    with pytest.raises(StreamError):
        a.feed(line({"type": "status", "status": "error", "message": "boom"}))
    assert a.state is TurnState.FAILED
    for call in (lambda: a.feed(tok("x")), a.close, a.start_replay):
        with pytest.raises(StreamError, match="failed") as info:
            call()
        assert info.value.partial_text == "Hel"


def test_close_without_final_fails_once() -> None:
    a = TurnAssembler()
    a.feed(tok("Hel"))
    with pytest.raises(StreamError, match="before the final answer"):
        a.close()
    assert a.state is TurnState.FAILED


def test_first_final_answer_wins_and_deltas_agree_with_the_text() -> None:
    a = TurnAssembler()
    events = a.feed(final("First answer"))
    events += a.feed(final("Second, different answer"))
    events += a.feed(tok(" late token"))
    events += a.close()
    result = events[-1].result  # type: ignore[union-attr]
    assert result.text == "First answer" == text_of(events)
    assert [u["type"] for u in result.final_updates] == ["finalAnswer"]


def test_second_final_extending_the_first_changes_nothing() -> None:
    a = TurnAssembler()
    events = a.feed(tok("abc") + final("abc") + final("abcdef"))
    events += a.close()
    assert text_of(events) == "abc" == events[-1].result.text  # type: ignore[union-attr]


def test_final_contradicting_the_stream_keeps_the_streamed_text() -> None:
    a = TurnAssembler()
    events = a.feed(tok("Hello") + final("Goodbye"))
    events += a.close()
    assert text_of(events) == "Hello" == events[-1].result.text  # type: ignore[union-attr]


def test_after_final_reading_stops_at_finished() -> None:
    a = TurnAssembler()
    a.feed(final("ok"))
    events = a.feed(line({"type": "title", "title": "T"}) + FINISHED)
    assert a.wants_close and any(getattr(e, "title", None) == "T" for e in events)
    assert a.feed(line({"type": "title", "title": "Later"})) == []  # past the end marker
    result = a.close()[-1].result  # type: ignore[union-attr]
    assert result.title == "T"


def test_updates_after_final_are_bounded() -> None:
    a = TurnAssembler()
    a.feed(final("ok"))
    a.feed(KEEPALIVE * 100_001)
    assert a.wants_close
    a.feed(line({"type": "title", "title": "ignored"}))
    result = a.close()[-1].result  # type: ignore[union-attr]
    assert len(result.final_updates) <= MAX_UPDATES_AFTER_FINAL + 1
    assert all(u.get("status") != "keepAlive" for u in result.final_updates)
    assert result.title is None


def test_finished_before_final_does_not_end_the_turn() -> None:
    a = TurnAssembler()
    a.feed(FINISHED)
    assert not a.wants_close
    a.feed(final("late"))
    assert a.close()[-1].result.text == "late"  # type: ignore[union-attr]


def _replay() -> bytes:
    return next((ROOT / "head").glob("07-*.sse")).read_bytes()


def test_replay_is_a_state_of_feed() -> None:
    live = next((ROOT / "head").glob("04-*.ndjson")).read_bytes().split(b"\n")
    a = TurnAssembler(conversation_id="c" * 24)
    events = a.feed(b"\n".join(live[:3]) + b"\n" + live[3][:5])
    a.start_replay()
    assert a.state is TurnState.REPLAYING
    for i in range(0, len(_replay()), 11):
        events += a.feed(_replay()[i : i + 11])
    assert a.wants_close  # the replay's end event after its final answer
    events += a.close()
    r = events[-1].result  # type: ignore[union-attr]
    assert text_of(events) == r.text == "Echo: Hello there, how are you today?"


def test_feed_replay_is_a_thin_alias() -> None:
    a = TurnAssembler()
    with pytest.raises(StreamError):
        a.feed_replay(b"data: {}\n\n")
    b = TurnAssembler()
    b.start_replay()
    events = b.feed_replay(_replay())
    events += b.close()
    assert text_of(events) == "Echo: Hello there, how are you today?"


def test_deep_json_line_is_typed_and_keeps_partial_text() -> None:
    a = TurnAssembler()
    a.feed(tok("Hello"))
    with pytest.raises(StreamProtocolError, match="nested too deep") as info:
        a.feed(b"[" * 200_000 + b"\n")
    assert info.value.partial_text == "Hello"
    b = TurnAssembler()
    b.feed(tok("Hi"))
    b.start_replay()
    with pytest.raises(StreamProtocolError) as info:
        b.feed(b"event: update\ndata: " + b'{"a":' * 200_000 + b"\n\n")
    assert info.value.partial_text == "Hi"


@pytest.mark.parametrize(
    "value", [b"1" * 100_000, b'{"type":"stream","token":"x","n":' + b"9" * 5000 + b"}"]
)
def test_huge_numbers_are_typed(value: bytes) -> None:
    a = TurnAssembler()
    a.feed(tok("Hello"))
    with pytest.raises(StreamProtocolError) as info:
        a.feed(value + b"\n")
    assert info.value.partial_text == "Hello"


def test_infinite_numbers_are_read_as_values() -> None:
    a = TurnAssembler()
    events = a.feed(b'{"type":"stream","token":"a","x":1e999999}\n' + final("a"))
    events += a.close()
    assert text_of(events) == "a"


def test_final_answer_after_an_open_think_completes_the_text() -> None:
    # found by the fuzz property: the streamed text must end equal to the final answer's text
    a = TurnAssembler()
    events = a.feed(tok("<think>") + final("0"))
    events += a.close()
    assert text_of(events) == "0" == events[-1].result.text  # type: ignore[union-attr]


def test_every_stream_error_carries_the_send_request() -> None:
    from hfchat.errors import HuggingChatError, RequestInfo

    info = RequestInfo("POST", "send", "http://127.0.0.1:1/conversation/x")
    bad_lines = [
        line({"type": "status", "status": "error", "message": "m", "statusCode": 429}),
        line({"message": "no type"}),
        b"not json\n",
        b"[1]\n",
    ]
    for bad in bad_lines:
        a = TurnAssembler(request=info)
        a.feed(tok("x"))
        with pytest.raises(HuggingChatError) as caught:
            a.feed(bad)
        assert caught.value.request == info and caught.value.partial_text == "x"
    a = TurnAssembler(request=info)
    with pytest.raises(StreamError) as caught:
        a.close()
    assert caught.value.request == info
