"""Message translation, stop sequences, content blocks and tool_choice: pure unit tests."""

from __future__ import annotations

import base64

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

import hfchat
from hfchat.events import ReasoningDelta, TextDelta, Title, ToolActivity, TurnResult
from langchain_hfchat._messages import (
    StopCutter,
    event_to_chunk,
    final_chunk,
    result_to_message,
    to_core_messages,
)
from langchain_hfchat._tools import normalize_tool_choice, tool_specs

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake-image-bytes").decode()


def test_roles_text_and_tool_turns() -> None:
    history = to_core_messages(
        [
            SystemMessage("be brief"),
            HumanMessage("add 1 and 2"),
            AIMessage(
                "",
                tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1"}],
            ),
            ToolMessage("3", tool_call_id="c1"),  # no name: found through the call id
            ToolMessage("boom", tool_call_id="c1", name="add", status="error"),
            FunctionMessage("7", name="legacy"),
            ChatMessage("thanks", role="developer"),
        ]
    )
    assert [m.role for m in history] == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
        "tool",
        "system",
    ]
    assert history[2].tool_calls[0].name == "add"
    assert history[2].tool_calls[0].arguments == {"a": 1, "b": 2}
    assert history[2].tool_calls[0].id == "c1"
    assert (history[3].name, history[3].tool_call_id, history[3].content) == ("add", "c1", "3")
    assert history[4].content == "Error: boom"
    assert (history[5].name, history[5].content) == ("legacy", "7")
    assert history[6].content == "thanks"


def test_unknown_role_is_refused() -> None:
    with pytest.raises(hfchat.ConfigurationError):
        to_core_messages([ChatMessage("x", role="narrator")])


def test_image_blocks_of_every_shape_become_files() -> None:
    (msg,) = to_core_messages(
        [
            HumanMessage(
                [
                    {"type": "text", "text": "what is"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    {"type": "image", "base64": PNG, "mime_type": "image/jpeg"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/gif", "data": PNG},
                    },
                    {"type": "text", "text": "this?"},
                ]
            )
        ]
    )
    assert msg.content == "what is\nthis?"
    assert [f.mime for f in msg.files] == ["image/png", "image/jpeg", "image/gif"]
    assert all(f.data == base64.b64decode(PNG) for f in msg.files)


def test_image_url_over_http_is_a_clear_error() -> None:
    with pytest.raises(hfchat.ConfigurationError, match="not fetched"):
        to_core_messages(
            [HumanMessage([{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}])]
        )


def test_assistant_history_keeps_the_answer_only() -> None:
    (msg,) = to_core_messages(
        [
            AIMessage(
                [
                    {"type": "thinking", "thinking": "hmm", "signature": "s"},
                    {"type": "text", "text": "Hello"},
                    {"type": "tool_use", "id": "x", "name": "n", "input": {}},
                ]
            )
        ]
    )
    assert msg.content == "Hello"


def test_tool_message_with_an_image() -> None:
    (msg,) = to_core_messages(
        [
            ToolMessage(
                [{"type": "image", "base64": PNG, "mime_type": "image/png"}],
                tool_call_id="1",
                name="shot",
            )
        ]
    )
    assert msg.role == "tool"
    assert [f.mime for f in msg.files] == ["image/png"]


@pytest.mark.parametrize(
    ("pieces", "stops", "expected"),
    [
        (["Hello wor", "ld. STOP here"], ["STOP"], "Hello world. "),
        (["abc", "de", "f"], ["xyz"], "abcdef"),
        (["ab", "cX", "Yd"], ["XY"], "abc"),
        (["aX", "Z"], ["XY", "Z"], "aX"),
        (["END"], ["END"], ""),
        (["a<", "/", "b"], ["</s>"], "a</b"),
    ],
)
def test_stop_cutter_streams_exactly_the_cut_answer(
    pieces: list[str], stops: list[str], expected: str
) -> None:
    cutter = StopCutter(stops)
    streamed = "".join(cutter.feed(p) for p in pieces) + cutter.flush()
    assert streamed == expected
    assert StopCutter(stops).cut("".join(pieces))[0] == expected


def test_stop_cutter_holds_back_only_a_possible_prefix() -> None:
    cutter = StopCutter(["###"])
    assert cutter.feed("one #") == "one "
    assert cutter.feed("x") == "#x"


def test_events_become_chunks() -> None:
    text = event_to_chunk(TextDelta("hi"))
    assert isinstance(text, AIMessageChunk)
    assert text.content == "hi"
    assert text.response_metadata == {"model_provider": "huggingchat"}
    reasoning = event_to_chunk(ReasoningDelta("think"))
    assert reasoning is not None
    assert reasoning.content == ""
    assert reasoning.additional_kwargs == {"reasoning_content": "think"}
    assert event_to_chunk(Title("t")) is None
    assert event_to_chunk(ToolActivity("eta", "u1")) is None
    call = event_to_chunk(ToolActivity("call", "u1", name="search", arguments={"q": "x"}))
    assert call is not None
    assert call.additional_kwargs["tool_activity"] == [
        {"kind": "call", "id": "u1", "name": "search", "args": {"q": "x"}}
    ]


def _result(**kw: object) -> TurnResult:
    base: dict[str, object] = {
        "text": "Answer",
        "reasoning": "because",
        "conversation_id": "c" * 24,
        "requested_model": "m",
    }
    base.update(kw)
    return TurnResult(**base)  # type: ignore[arg-type]


def test_v1_blocks_of_a_whole_message() -> None:
    result = _result(
        tool_activity=[
            ToolActivity("call", "u1", name="web_search", arguments={"query": "q"}),
            ToolActivity("result", "u1", name="web_search", status="success", outputs=[{"a": 1}]),
            ToolActivity("error", "u2", message="failed"),
        ],
        tool_calls=[hfchat.ToolCall("add", {"a": 1}, id="call_1")],
    )
    msg = result_to_message(result)
    assert msg.content_blocks == [
        {"type": "reasoning", "reasoning": "because"},
        {"type": "server_tool_call", "id": "u1", "name": "web_search", "args": {"query": "q"}},
        {
            "type": "server_tool_result",
            "tool_call_id": "u1",
            "status": "success",
            "output": [{"a": 1}],
            "extras": {"name": "web_search"},
        },
        {"type": "server_tool_result", "tool_call_id": "u2", "status": "error", "output": "failed"},
        {"type": "text", "text": "Answer"},
        {"type": "tool_call", "name": "add", "args": {"a": 1}, "id": "call_1"},
    ]


def test_final_chunk_carries_tool_calls_and_metadata() -> None:
    result = _result(text="", tool_calls=[hfchat.ToolCall("add", {"a": 1}, id="call_1")])
    chunk = final_chunk(result)
    assert chunk.chunk_position == "last"
    assert chunk.tool_calls == [
        {"name": "add", "args": {"a": 1}, "id": "call_1", "type": "tool_call"}
    ]
    assert chunk.response_metadata["model_provider"] == "huggingchat"
    assert chunk.response_metadata["conversation_id"] == "c" * 24
    assert {"type": "tool_call", "name": "add", "args": {"a": 1}, "id": "call_1"} in (
        chunk.content_blocks
    )
    # while streaming, the same call reads as a chunk
    streaming = AIMessageChunk(
        content="",
        tool_call_chunks=chunk.tool_call_chunks,
        response_metadata={"model_provider": "huggingchat"},
    )
    assert [b["type"] for b in streaming.content_blocks] == ["tool_call_chunk"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        (False, "auto"),
        (True, "required"),
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        ("add", "add"),
        ({"type": "function", "function": {"name": "add"}}, "add"),
        ({"type": "tool", "name": "sub"}, "sub"),
        ({"type": "any"}, "required"),
    ],
)
def test_tool_choice_forms(choice: object, expected: str | None) -> None:
    assert normalize_tool_choice(choice, ["add", "sub"]) == expected


@pytest.mark.parametrize("choice", ["mul", {"type": "weird"}, 3])
def test_bad_tool_choice_is_refused(choice: object) -> None:
    with pytest.raises(ValueError):
        normalize_tool_choice(choice, ["add"])


def test_tool_specs_from_openai_format() -> None:
    (spec,) = (
        tool_specs(
            [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {}}}]
        )
        or []
    )
    assert (spec.name, spec.description) == ("f", "d")
    assert spec.parameters == {"type": "object", "properties": {}}
    assert tool_specs([]) is None
