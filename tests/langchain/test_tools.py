"""Prompt-emulated tool calling and structured output, against scripted emulator replies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from hfchat.testing import FakeHuggingChat

from .conftest import MakeLLM, created_preprompts, sent_inputs


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def call_json(tool_name: str, **arguments: Any) -> str:
    return json.dumps({"tool_calls": [{"name": tool_name, "arguments": arguments}]})


def test_tool_call_is_parsed_with_an_id(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.script(call_json("add", a=1, b=2))
    msg = make_llm().bind_tools([add, get_weather], tool_choice="add").invoke("1 + 2?")
    assert isinstance(msg, AIMessage)
    assert msg.content == ""
    (call,) = msg.tool_calls
    assert (call["name"], call["args"], call["type"]) == ("add", {"a": 1, "b": 2}, "tool_call")
    assert call["id"] and call["id"].startswith("call_")
    (preprompt,) = created_preprompts(fake)
    assert '"name": "add"' in preprompt and '"name": "get_weather"' in preprompt
    assert "You MUST call the tool `add`" in preprompt


@pytest.mark.parametrize(
    "reply",
    [
        "```json\n" + json.dumps({"name": "add", "arguments": {"a": 5, "b": 6}}) + "\n```",
        json.dumps({"name": "add", "arguments": {"a": 5, "b": 6}}),
    ],
)
async def test_fenced_and_bare_calls_while_streaming(
    fake: FakeHuggingChat, make_llm: MakeLLM, reply: str
) -> None:
    fake.script(reply)
    chunks = [c async for c in make_llm().bind_tools([add]).astream("5 + 6?")]
    assert all(not c.text for c in chunks)  # the JSON never streams out as text
    last = chunks[-1]
    assert isinstance(last, AIMessageChunk) and last.chunk_position == "last"
    assert [t["name"] for t in last.tool_call_chunks] == ["add"]
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert [(t["name"], t["args"]) for t in full.tool_calls] == [("add", {"a": 5, "b": 6})]


def test_several_calls_in_one_reply(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.script(
        json.dumps(
            {
                "tool_calls": [
                    {"name": "add", "arguments": {"a": 1, "b": 2}},
                    {"name": "get_weather", "arguments": {"city": "Oslo"}},
                ]
            }
        )
    )
    msg = make_llm().bind_tools([add, get_weather], tool_choice="any").invoke("both")
    assert [c["name"] for c in msg.tool_calls] == ["add", "get_weather"]
    assert len({c["id"] for c in msg.tool_calls}) == 2
    assert "You MUST call at least one tool" in created_preprompts(fake)[0]


def test_plain_answers_stay_content(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.script("No tool needed, it is 3.", "{not a tool call}")
    bound = make_llm().bind_tools([add])
    chunks = list(bound.stream("hi"))
    assert "".join(c.text for c in chunks) == "No tool needed, it is 3."
    assert chunks[-1].tool_calls == []
    msg = bound.invoke("hi")  # looks like JSON, is not a call: released as text
    assert msg.content == "{not a tool call}" and msg.tool_calls == []


def test_tool_choice_none_offers_no_tools(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.script(call_json("add", a=1, b=2))
    msg = make_llm().bind_tools([add], tool_choice="none").invoke("1 + 2?")
    assert msg.tool_calls == []
    assert "# Tools" not in created_preprompts(fake)[0]


def test_unknown_tool_names_are_not_calls(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.script(call_json("rm_rf", path="/"))
    msg = make_llm().bind_tools([add]).invoke("x")
    assert msg.tool_calls == []


async def test_tool_results_go_back_into_the_same_conversation(
    fake: FakeHuggingChat, make_llm: MakeLLM
) -> None:
    fake.script(call_json("add", a=1, b=2), "The sum is 3.")
    bound = make_llm().bind_tools([add])
    history: list[Any] = [HumanMessage("What is 1 + 2?")]
    first = await bound.ainvoke(history)
    history += [first, await add.ainvoke(first.tool_calls[0])]
    assert isinstance(history[-1], ToolMessage)
    final = await bound.ainvoke(history)
    assert final.content == "The sum is 3."
    assert sent_inputs(fake) == ["What is 1 + 2?", "[tool result: add]\n3"]
    assert final.response_metadata["conversation_id"] == first.response_metadata["conversation_id"]
    assert len(fake.conversations) == 1


class Person(BaseModel):
    """A person."""

    name: str = Field(description="the name")
    age: int


class PersonDict(TypedDict):
    """A person."""

    name: str
    age: int


PERSON_SCHEMA = Person.model_json_schema()
SCHEMAS: list[Any] = [Person, PersonDict, PERSON_SCHEMA]


@pytest.mark.parametrize("schema", SCHEMAS, ids=["pydantic", "typeddict", "json_schema"])
@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
def test_structured_output(
    fake: FakeHuggingChat, make_llm: MakeLLM, schema: Any, method: str
) -> None:
    data = {"name": "Ada", "age": 36}
    tool_name = convert_to_openai_tool(schema)["function"]["name"]
    reply = call_json(tool_name, **data) if method == "function_calling" else json.dumps(data)
    fake.script(reply, reply)
    structured = make_llm().with_structured_output(schema, method=method)  # type: ignore[arg-type]
    result = structured.invoke("Ada is 36")
    streamed = list(structured.stream("Ada is 36"))
    expected: Any = Person(**data) if schema is Person else data
    assert result == expected
    assert streamed[-1] == expected
    preprompt = created_preprompts(fake)[0]
    if method == "function_calling":
        assert f"You MUST call the tool `{tool_name}`" in preprompt
    elif method == "json_schema":
        assert "It must validate against this JSON schema" in preprompt and '"age"' in preprompt
    else:
        assert "Reply with exactly one JSON object" in preprompt and '"age"' not in preprompt


def test_structured_output_include_raw(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.script(call_json("Person", name="Ada", age=36), call_json("Person", name="Ada"))
    structured = make_llm().with_structured_output(Person, include_raw=True)
    ok = structured.invoke("Ada")
    assert isinstance(ok["raw"], AIMessage)
    assert ok["parsed"] == Person(name="Ada", age=36)
    assert ok["parsing_error"] is None
    bad = structured.invoke("Ada")
    assert bad["parsed"] is None
    assert isinstance(bad["parsing_error"], OutputParserException)


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
async def test_invalid_structured_output_is_an_output_parser_exception(
    fake: FakeHuggingChat, make_llm: MakeLLM, method: str
) -> None:
    reply = call_json("Person", name="Ada") if method == "function_calling" else '{"name": 1}'
    fake.script(reply)
    structured = make_llm().with_structured_output(Person, method=method)  # type: ignore[arg-type]
    with pytest.raises(OutputParserException):
        await structured.ainvoke("Ada")


def test_structured_output_rejects_unknown_arguments(make_llm: MakeLLM) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        make_llm().with_structured_output(Person, tools=[])
    with pytest.raises(ValueError, match="unknown method"):
        make_llm().with_structured_output(Person, method="xml")  # type: ignore[arg-type]


def test_invalid_pydantic_v1_output_is_an_output_parser_exception(
    fake: FakeHuggingChat, make_llm: MakeLLM
) -> None:
    from pydantic.v1 import BaseModel as BaseModelV1

    class Point(BaseModelV1):
        x: int

    fake.script(call_json("Point", x="not a number"))
    with pytest.raises(OutputParserException):
        make_llm().with_structured_output(Point).invoke("a point")


# -- tolerant structured output, the corrective follow-up, the loud failure ----------------------

ADA = {"name": "Ada", "age": 36}
TOLERATED = {
    "prose": 'Sure! Here is the person: {"name": "Ada", "age": 36}. Anything else?',
    "fenced": 'Here you go:\n```json\n{"name": "Ada", "age": 36}\n```',
    "repaired": "{'name': 'Ada', 'age': '36',}",
}


@pytest.mark.parametrize("shape", sorted(TOLERATED))
@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
def test_structured_output_reads_prose_fenced_and_repaired_replies(
    fake: FakeHuggingChat, make_llm: MakeLLM, shape: str, method: str
) -> None:
    fake.script(TOLERATED[shape])
    structured = make_llm().with_structured_output(Person, method=method)  # type: ignore[arg-type]
    assert structured.invoke("Ada is 36") == Person(**ADA)
    assert len(sent_inputs(fake)) == 1  # no follow-up was needed


def test_structured_output_reads_a_family_shaped_call(
    fake: FakeHuggingChat, make_llm: MakeLLM
) -> None:
    fake.script(
        '<tool_call>\n{"name": "PersonDict", "arguments": {"name": "Ada", "age": "36"}}\n'
        "</tool_call>"
    )
    assert make_llm().with_structured_output(PersonDict).invoke("Ada") == ADA


def _follow_ups(fake: FakeHuggingChat) -> list[str]:
    return [i for i in sent_inputs(fake) if i.startswith("Your last reply could not be used")]


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
async def test_one_corrective_follow_up_in_the_same_conversation_fixes_the_reply(
    fake: FakeHuggingChat, make_llm: MakeLLM, method: str
) -> None:
    fake.script("I think Ada is thirty-six.", json.dumps(ADA))
    structured = make_llm().with_structured_output(Person, method=method)  # type: ignore[arg-type]
    assert await structured.ainvoke("Ada is 36") == Person(**ADA)
    assert len(_follow_ups(fake)) == 1
    assert len(fake.conversations) == 1  # the follow-up continued the same conversation


@pytest.mark.parametrize("include_raw", [False, True])
def test_structured_output_fails_loudly_after_the_follow_up(
    fake: FakeHuggingChat, make_llm: MakeLLM, include_raw: bool
) -> None:
    fake.script("I would rather not say.", "Still prose, sorry.", json.dumps(ADA))
    structured = make_llm().with_structured_output(Person, include_raw=include_raw)
    if include_raw:
        result = structured.invoke("Who is Ada?")
        assert result["parsed"] is None
        assert isinstance(result["parsing_error"], OutputParserException)
        assert result["raw"].content == "Still prose, sorry."
    else:
        with pytest.raises(OutputParserException, match="not valid structured output"):
            structured.invoke("Who is Ada?")
    posts = sent_inputs(fake)
    assert len(posts) == 2 and len(_follow_ups(fake)) == 1  # exactly one follow-up, then stop
    assert "Person" in posts[1]
    assert len(fake.conversations) == 1


def test_structured_output_retries_can_be_turned_off(
    fake: FakeHuggingChat, make_llm: MakeLLM
) -> None:
    fake.script("prose only", json.dumps(ADA))
    structured = make_llm(structured_output_retries=0).with_structured_output(
        Person, method="json_mode"
    )
    with pytest.raises(OutputParserException):
        structured.invoke("Ada")
    assert len(sent_inputs(fake)) == 1
