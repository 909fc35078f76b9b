"""Text-token chunks built without per-token validation equal the chunks built the normal way."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from hfchat.events import ReasoningDelta, TextDelta, TurnEnd, TurnResult
from langchain_hfchat import _messages
from langchain_hfchat._messages import (
    PROVIDER,
    StopCutter,
    _TextGenerations,
    event_to_generation,
    text_generation,
)

TEXTS = ["tok ", "x", "héllo wörld ✓", "\n\n", "a" * 5000, " <think>", "{'json': 1}"]


def _normal(text: str) -> ChatGenerationChunk:
    message = AIMessageChunk(content=text, response_metadata={"model_provider": PROVIDER})
    return ChatGenerationChunk(message=message)


def test_the_fast_path_is_active_here() -> None:
    assert _TextGenerations().enabled


@pytest.mark.parametrize("text", TEXTS)
def test_fast_chunk_equals_validated_chunk(text: str) -> None:
    fast, slow = text_generation(text), _normal(text)
    assert type(fast) is type(slow) and type(fast.message) is type(slow.message)
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    assert fast.message.model_dump() == slow.message.model_dump()
    assert list(fast.message.__dict__) == list(slow.message.__dict__)
    assert fast.message.__dict__ == slow.message.__dict__
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.message.model_fields_set == slow.message.model_fields_set
    assert fast.message.__pydantic_extra__ == slow.message.__pydantic_extra__
    assert fast.__pydantic_extra__ == slow.__pydantic_extra__
    assert fast.text == slow.text == text and type(fast.text) is type(slow.text)
    assert fast.model_dump_json() == slow.model_dump_json()
    assert pickle.loads(pickle.dumps(fast)) == slow


def test_fast_chunks_share_no_mutable_state() -> None:
    a, b = text_generation("a"), text_generation("b")
    a.message.additional_kwargs["k"] = 1
    a.message.response_metadata["model_name"] = "m"
    a.message.tool_call_chunks.append({"name": "f", "args": "", "id": "1", "index": 0})
    a.message.id = "run-1"
    assert b.message.additional_kwargs == {}
    assert b.message.response_metadata == {"model_provider": PROVIDER}
    assert b.message.tool_call_chunks == [] and b.message.id is None
    assert text_generation("c") == _normal("c")


def test_fast_chunks_add_up_like_validated_ones() -> None:
    fast = text_generation("Hel") + text_generation("lo")
    slow = _normal("Hel") + _normal("lo")
    assert fast == slow and fast.text == "Hello"
    assert (fast.message + text_generation("!").message) == (slow.message + _normal("!").message)


def test_event_to_generation_matches_each_event_kind() -> None:
    assert event_to_generation(TextDelta("hi")) == _normal("hi")
    assert event_to_generation(TextDelta("")) is None
    reasoning = event_to_generation(ReasoningDelta("think"))
    assert reasoning is not None
    assert reasoning.message.additional_kwargs == {"reasoning_content": "think"}
    last = event_to_generation(TurnEnd(TurnResult(text="hi")))
    assert last is not None and last.message.chunk_position == "last"
    cutter = StopCutter(["STOP"])
    assert event_to_generation(TextDelta("ab ST"), cutter) == _normal("ab ")
    assert event_to_generation(TextDelta("OP more"), cutter) is None


def _stream_dumps(llm: Any, output_version: str | None) -> list[dict[str, Any]]:
    kwargs = {} if output_version is None else {"output_version": output_version}
    model = llm(**kwargs)
    out = []
    for chunk in model.stream("Why?"):
        dump = chunk.model_dump()
        dump.pop("id")  # the run id differs per call, and so do the server's ids
        for key in ("conversation_id", "message_id"):
            dump["response_metadata"].pop(key, None)
        out.append(dump)
    return out


@pytest.mark.parametrize("output_version", [None, "v1"])
def test_stream_is_the_same_with_and_without_the_fast_path(
    make_llm: Any, monkeypatch: pytest.MonkeyPatch, output_version: str | None
) -> None:
    def llm(**kwargs: Any) -> Any:
        return make_llm(model="fake/reasoner", **kwargs)

    fast = _stream_dumps(llm, output_version)
    slow_factory = _TextGenerations()
    slow_factory.enabled = False
    monkeypatch.setattr(_messages, "_TEXT", [slow_factory])
    slow = _stream_dumps(llm, output_version)
    assert len(fast) > 3 and any(d["content"] for d in fast)
    assert fast == slow
