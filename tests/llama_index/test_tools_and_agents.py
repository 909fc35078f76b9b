"""Prompt-emulated function calling through LlamaIndex: chat_with_tools, predict_and_call,
structured_predict, FunctionAgent and ReActAgent, against scripted emulator replies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core.agent.workflow import (
    AgentStream,
    FunctionAgent,
    ReActAgent,
    ToolCallResult,
)
from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock, ToolCallBlock
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from hfchat.testing import FakeHuggingChat
from llama_index_hfchat import HuggingChatLLM

from .helpers import creates, posts

# noise from llama-index-core / llama-index-workflows internals, not from the adapter
pytestmark = [
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20"),
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince211"),
    pytest.mark.filterwarnings("ignore:is_running called from within a step"),
    pytest.mark.filterwarnings("ignore:Skipping serialization of known unserializable key"),
]


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


TOOLS: list[Any] = [FunctionTool.from_defaults(fn=add), FunctionTool.from_defaults(fn=multiply)]


def call(tool: str, /, **arguments: Any) -> str:
    return json.dumps({"tool_calls": [{"name": tool, "arguments": arguments}]})


class Album(BaseModel):
    """A music album."""

    name: str
    artist: str
    year: int


# -- chat_with_tools -------------------------------------------------------------------------


def test_chat_with_tools(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("add", a=2, b=3))
    response = llm.chat_with_tools(TOOLS, user_msg="What is 2 + 3?")
    assert response.message.content == ""  # the JSON is not answer text
    (block,) = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    assert (block.tool_name, block.tool_kwargs) == ("add", {"a": 2, "b": 3})
    (selection,) = llm.get_tool_calls_from_response(response)
    assert (selection.tool_name, selection.tool_kwargs) == ("add", {"a": 2, "b": 3})
    assert selection.tool_id == block.tool_call_id
    # the tools reached the server in the preprompt
    preprompt = creates(fake)[0].data["preprompt"]
    assert '"name": "add"' in preprompt and '"name": "multiply"' in preprompt


async def test_achat_with_tools_required(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("multiply", a=4, b=5))
    response = await llm.achat_with_tools(TOOLS, user_msg="4 times 5?", tool_required=True)
    (selection,) = llm.get_tool_calls_from_response(response)
    assert selection.tool_name == "multiply"
    assert "You MUST call at least one tool" in creates(fake)[0].data["preprompt"]


def test_tool_choice_by_name(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("add", a=1, b=1))
    llm.chat_with_tools(TOOLS, user_msg="x", tool_choice="add")
    assert "You MUST call the tool `add`" in creates(fake)[0].data["preprompt"]


def test_plain_answer_with_tools(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script("No tool needed: hello!")
    response = llm.chat_with_tools(TOOLS, user_msg="Say hello")
    assert response.message.content == "No tool needed: hello!"
    assert llm.get_tool_calls_from_response(response, error_on_no_tool_call=False) == []
    with pytest.raises(ValueError):
        llm.get_tool_calls_from_response(response)


def test_stream_chat_with_tools_holds_the_json(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script("<think>Adding.</think>" + call("add", a=2, b=3))
    chunks = list(llm.stream_chat_with_tools(TOOLS, user_msg="2 + 3?"))
    assert "".join(c.delta or "" for c in chunks) == ""  # no tool-call JSON leaks as text
    assert any(c.additional_kwargs.get("thinking_delta") for c in chunks)
    (selection,) = llm.get_tool_calls_from_response(chunks[-1])
    assert selection.tool_kwargs == {"a": 2, "b": 3}


async def test_astream_chat_with_tools(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("add", a=2, b=3))
    stream = await llm.astream_chat_with_tools(TOOLS, user_msg="2 + 3?")
    chunks = [c async for c in stream]
    assert llm.get_tool_calls_from_response(chunks[-1])[0].tool_name == "add"


def test_tool_round_continues_the_conversation(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("add", a=2, b=3), "The sum is 5.")
    history = [ChatMessage(role="user", content="What is 2 + 3?")]
    response = llm.chat_with_tools(TOOLS, chat_history=history)
    (selection,) = llm.get_tool_calls_from_response(response)
    history += [
        response.message,
        ChatMessage(
            role="tool",
            content="5",
            additional_kwargs={"tool_call_id": selection.tool_id},
        ),
    ]
    final = llm.chat_with_tools(TOOLS, chat_history=history)
    assert final.message.content == "The sum is 5."
    assert len(creates(fake)) == 1  # the tool result went to the same conversation
    assert posts(fake)[-1].data["inputs"] == "[tool result: add]\n5"


def test_predict_and_call(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("multiply", a=6, b=7))
    output = llm.predict_and_call(TOOLS, user_msg="6 times 7?")
    assert output.response == "42"


async def test_apredict_and_call(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("add", a=40, b=2))
    output = await llm.apredict_and_call(TOOLS, user_msg="40 + 2?")
    assert output.response == "42"


# -- structured prediction -------------------------------------------------------------------

ALBUM: dict[str, Any] = {"name": "Abbey Road", "artist": "The Beatles", "year": 1969}
PROMPT = PromptTemplate("Describe the album {title}.")


def test_structured_predict(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("Album", **ALBUM))
    album = llm.structured_predict(Album, PROMPT, title="Abbey Road")
    assert album == Album(**ALBUM)
    assert posts(fake)[0].data["inputs"] == "Describe the album Abbey Road."
    assert '"name": "Album"' in creates(fake)[0].data["preprompt"]


async def test_astructured_predict_in_a_fence(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script("```json\n" + call("Album", **ALBUM) + "\n```")
    album = await llm.astructured_predict(Album, PROMPT, title="Abbey Road")
    assert album == Album(**ALBUM)


def test_stream_structured_predict_and_structured_llm(
    llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    fake.script(call("Album", **ALBUM), call("Album", **ALBUM))
    *_, last = llm.stream_structured_predict(Album, PROMPT, title="Abbey Road")
    assert last == Album(**ALBUM)
    response = llm.as_structured_llm(Album).chat([ChatMessage(role="user", content="Abbey Road")])
    assert response.raw == Album(**ALBUM)


# -- agents ----------------------------------------------------------------------------------


async def _run(agent: Any, question: str) -> tuple[str, list[ToolCallResult], str]:
    handler = agent.run(question)
    results: list[ToolCallResult] = []
    thinking: list[str] = []
    async for event in handler.stream_events():
        if isinstance(event, AgentStream) and event.thinking_delta:
            thinking.append(event.thinking_delta)
        elif isinstance(event, ToolCallResult):
            results.append(event)
    output = await handler
    return str(output), results, "".join(thinking)


async def test_function_agent(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(
        "<think>Add first.</think>" + call("add", a=2, b=3),
        "<think>Then multiply.</think>" + call("multiply", a=5, b=10),
        "(2 + 3) * 10 = 50",
    )
    agent = FunctionAgent(tools=TOOLS, llm=llm, system_prompt="You are a calculator.")
    answer, results, thinking = await _run(agent, "What is (2 + 3) * 10?")
    assert answer == "(2 + 3) * 10 = 50"
    assert [(r.tool_name, r.tool_kwargs, r.tool_output.content) for r in results] == [
        ("add", {"a": 2, "b": 3}, "5"),
        ("multiply", {"a": 5, "b": 10}, "50"),
    ]
    assert thinking.replace(" ", "") == "Addfirst.Thenmultiply."
    # one server conversation; the tool results went up as tool-result turns
    assert len(creates(fake)) == 1
    assert [p.data["inputs"] for p in posts(fake)] == [
        "What is (2 + 3) * 10?",
        "[tool result: add]\n5",
        "[tool result: multiply]\n50",
    ]


async def test_function_agent_without_streaming(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(call("add", a=1, b=2), "3")
    agent = FunctionAgent(tools=TOOLS, llm=llm, streaming=False)
    answer, results, _ = await _run(agent, "1 + 2?")
    assert answer == "3"
    assert [r.tool_output.content for r in results] == ["3"]


async def test_react_agent(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script(
        "<think>Start with the sum.</think>Thought: I need to add.\nAction: add\n"
        'Action Input: {"a": 2, "b": 3}',
        'Thought: Now multiply.\nAction: multiply\nAction Input: {"a": 5, "b": 10}',
        "<think>All done.</think>Thought: I can answer without using any more tools.\nAnswer: 50",
    )
    agent = ReActAgent(tools=TOOLS, llm=llm)
    answer, results, thinking = await _run(agent, "What is (2 + 3) * 10?")
    assert answer == "50"
    assert [(r.tool_name, r.tool_output.content) for r in results] == [
        ("add", "5"),
        ("multiply", "50"),
    ]
    assert thinking.replace(" ", "") == "Startwiththesum.Alldone."
    # the ReAct instructions (with both tools) are the preprompt; observations reach the server
    assert "add" in creates(fake)[0].data["preprompt"]
    assert "Observation: 50" in posts(fake)[-1].data["inputs"]


async def test_agent_memory_keeps_thinking_out_of_the_prompt(
    llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    fake.script("<think>secret plan</think>Hi!", "Again hi!")
    agent = FunctionAgent(tools=TOOLS, llm=llm)
    from llama_index.core.workflow import Context

    ctx = Context(agent)
    first: Any = await agent.run("hello", ctx=ctx)
    assert any(isinstance(b, ThinkingBlock) for b in first.response.blocks)
    await agent.run("hello again", ctx=ctx)
    assert all("secret plan" not in (p.data["inputs"] or "") for p in posts(fake))


# -- tolerant structured output, the corrective follow-up, the loud failure ----------------------

TOLERATED = {
    "prose": "Sure: " + json.dumps(ALBUM) + " - a classic.",
    "fenced": "```json\n" + json.dumps(ALBUM) + "\n```",
    "repaired": "{'name': 'Abbey Road', 'artist': 'The Beatles', 'year': '1969',}",
    "hermes": "<tool_call>\n"
    + json.dumps({"name": "Album", "arguments": ALBUM})
    + "\n</tool_call>",
}


def _follow_ups(fake: FakeHuggingChat) -> list[str]:
    return [
        p.data["inputs"]
        for p in posts(fake)
        if p.data["inputs"].startswith("Your last reply could not be used")
    ]


@pytest.mark.parametrize("shape", sorted(TOLERATED))
def test_structured_predict_reads_tolerated_replies(
    llm: HuggingChatLLM, fake: FakeHuggingChat, shape: str
) -> None:
    fake.script(TOLERATED[shape])
    assert llm.structured_predict(Album, PROMPT, title="Abbey Road") == Album(**ALBUM)
    assert _follow_ups(fake) == []


async def test_structured_predict_follows_up_once_in_the_same_conversation(
    llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    fake.script("It is a Beatles album from 1969.", call("Album", **ALBUM))
    album = await llm.astructured_predict(Album, PROMPT, title="Abbey Road")
    assert album == Album(**ALBUM)
    assert len(_follow_ups(fake)) == 1 and len(creates(fake)) == 1


def test_structured_predict_fails_loudly_after_the_follow_up(
    llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    from hfchat.tools import StructuredOutputError

    fake.script("No idea.", "Still no idea.", call("Album", **ALBUM))
    with pytest.raises(StructuredOutputError) as info:
        llm.structured_predict(Album, PROMPT, title="Abbey Road")
    assert isinstance(info.value, ValueError) and info.value.raw_text == "Still no idea."
    assert len(posts(fake)) == 2 and len(_follow_ups(fake)) == 1
    assert len(creates(fake)) == 1


def test_structured_llm_fails_loudly_too(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    from hfchat.tools import StructuredOutputError

    fake.script("Nope.", "Nope again.")
    with pytest.raises(StructuredOutputError):  # never a silent None
        llm.as_structured_llm(Album).chat([ChatMessage(role="user", content="Abbey Road")])
    assert len(_follow_ups(fake)) == 1


def test_structured_output_retries_can_be_turned_off(make_llm: Any, fake: FakeHuggingChat) -> None:
    fake.script("No idea.", call("Album", **ALBUM))
    from hfchat.tools import StructuredOutputError

    with pytest.raises(StructuredOutputError):
        make_llm(structured_output_retries=0).structured_predict(Album, PROMPT, title="x")
    assert len(posts(fake)) == 1
