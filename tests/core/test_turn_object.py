"""The turn object without any I/O: recorded server bytes in, events and next requests out."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfchat import TextDelta, TurnEnd
from hfchat._core import ClientCore
from hfchat._turn import Turn
from hfchat.conversations import TurnPlan
from hfchat.errors import StreamError, StreamTimeoutError
from hfchat.protocol import routes
from hfchat.protocol.turn import TurnAssembler

CAPTURE = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "chat-ui"
    / "head"
    / "04-post-message-stream.ndjson"
)
CID = "6b053789ce6476dd4f79b7f4"


def make_turn(deadline: float | None = None) -> Turn:
    core = ClientCore(base_url="http://127.0.0.1:9")  # no I/O in a constructor
    core.generation = "2026"
    plan = TurnPlan("fake/echo", "", "Hello there, how are you today?", [], CID, "root-id")
    req, gid = routes.send_message(
        CID,
        parent_id="root-id",
        inputs=plan.inputs,
        generation="2026",
        generation_id="4f1c2a9e-0000-4000-8000-000000000001",
        boundary="----hfchat-test",
    )
    assembler = TurnAssembler(conversation_id=CID, generation_id=gid, parent_id="root-id")
    return Turn(plan, req, assembler, core, deadline=deadline)


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_bytes_in_events_out_in_any_chunking(size: int) -> None:
    turn = make_turn()
    data = CAPTURE.read_bytes()
    events = []
    for i in range(0, len(data), size):
        events += turn.feed(data[i : i + size])
    turn.end_of_stream()
    events += turn.finish("assistant-id")
    end = events[-1]
    assert isinstance(end, TurnEnd) and end.result.message_id == "assistant-id"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == end.result.text
    assert end.result.text == "Echo: Hello there, how are you today?"
    assert turn.stop_request() is None  # a finished turn has nothing to stop
    assert turn.node is not None and turn.node.message_id == "assistant-id"


def test_a_cut_returns_the_resume_request_once_then_the_error() -> None:
    turn = make_turn()
    data = CAPTURE.read_bytes()
    turn.feed(data[: len(data) // 3])
    resume = turn.cut(OSError("connection reset"))
    assert resume.method == "GET" and resume.route == "stream"
    assert turn.result is None and "generationId=" in resume.path
    turn.resumed()
    with pytest.raises(StreamError) as info:
        turn.cut(OSError("reset again"))
    assert info.value.partial_text == turn.partial()[0]


def test_an_unfinished_turn_asks_to_stop_its_generation() -> None:
    turn = make_turn()
    data = CAPTURE.read_bytes()
    turn.feed(data[:400])
    stop = turn.stop_request()
    assert stop is not None and stop.route == "stop" and stop.path.endswith("/stop-generating")


def test_idle_before_the_final_answer_is_a_timeout_after_it_the_end() -> None:
    turn = make_turn()
    with pytest.raises(StreamTimeoutError):
        turn.idle()
    turn.feed(CAPTURE.read_bytes().split(b'{"type":"title"')[0])
    assert turn.final_seen
    turn.idle()
    assert not turn.reading
    assert isinstance(turn.finish()[-1], TurnEnd)


def test_past_the_deadline_feeding_raises_with_the_partial_answer() -> None:
    turn = make_turn(deadline=0.0)  # long past
    with pytest.raises(StreamTimeoutError) as info:
        turn.feed(b'{"type":"stream","token":"x"}\n')
    assert "turn_timeout" in str(info.value)
