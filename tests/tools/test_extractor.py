"""The core extractor on the reply corpus: whole replies, every chunking of a stream, and the
helpers both adapters share (tool_choice, specs, schema coercion, structured JSON)."""

from __future__ import annotations

import random

import pytest

from hfchat.errors import ConfigurationError
from hfchat.tools import (
    StructuredOutputError,
    ToolCallBuffer,
    ToolSpec,
    check_arguments,
    extract_tool_calls,
    normalize_tool_choice,
    parse_json_answer,
    parse_tool_prompt,
    spec_from_openai,
    tool_prompt,
)

from .corpus import ADD_SCHEMA, CASES, MARKUP, NEGATIVE, POSITIVE, TOOLS, Case


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30 and len(POSITIVE) >= 20 and len(NEGATIVE) >= 8
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_whole_reply(case: Case) -> None:
    calls, content = extract_tool_calls(case.reply, TOOLS)
    assert [(c.name, c.arguments) for c in calls] == case.calls
    assert content == case.expected_content
    assert len({c.id for c in calls}) == len(calls)


def _stream(case: Case, sizes: list[int]) -> tuple[str, list[tuple[str, dict[str, object]]], str]:
    buffer = ToolCallBuffer(TOOLS)
    shown, i, k = [], 0, 0
    while i < len(case.reply):
        size = sizes[k % len(sizes)]
        shown.append(buffer.feed(case.reply[i : i + size]))
        i, k = i + size, k + 1
    calls, content = buffer.finish(case.reply)
    streamed = "".join(shown) + buffer.held_text
    return streamed, [(c.name, c.arguments) for c in calls], content


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_chunking_streams_the_content_and_finds_the_same_calls(case: Case) -> None:
    rng = random.Random(case.id)
    chunkings = [[1], [2], [3], [len(case.reply) or 1], [rng.randint(1, 9) for _ in range(50)]]
    for sizes in chunkings:
        streamed, calls, content = _stream(case, sizes)
        assert calls == case.calls, sizes
        assert content == case.expected_content, sizes
        assert streamed == content, sizes  # what streamed is exactly the content
        if case.calls:
            assert not any(m in streamed for m in MARKUP)


def test_prose_streams_at_once_and_held_text_is_released_when_decided() -> None:
    buffer = ToolCallBuffer(TOOLS)
    assert buffer.feed("Hello") == "Hello"
    assert buffer.feed(" there, see [the") == " there, see [the"  # no tool starts with "the"
    assert buffer.feed(" or [get") == " or"  # "[get" may start get_weather(...)
    assert buffer.held_text == " [get"
    assert buffer.feed(" docs](x) ok") == " [get docs](x) ok"  # not a call: released
    assert buffer.feed(" {") == ""
    assert buffer.feed('"a": 1} done') == ' {"a": 1} done'  # decided at the closing brace
    whole = 'Hello there, see [the or [get docs](x) ok {"a": 1} done'
    assert buffer.finish(whole) == ([], whole)


def test_a_long_prose_answer_is_never_held() -> None:
    buffer = ToolCallBuffer(TOOLS)
    token = "word, more words. "
    shown = []
    for _ in range(2000):
        shown.append(buffer.feed(token))
        assert buffer.held_text == " "  # only the trailing space waits for what follows
    assert "".join(shown) == (token * 2000).rstrip()


def test_forced_tool_admits_no_other_call() -> None:
    reply = '{"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]}'
    assert extract_tool_calls(reply, TOOLS, forced="get_weather") == ([], reply)
    calls, _ = extract_tool_calls(reply, TOOLS, forced="add")
    assert [c.name for c in calls] == ["add"]
    calls, _ = extract_tool_calls(reply, TOOLS, forced="required")
    assert [c.name for c in calls] == ["add"]


def test_pythonic_calls_are_never_evaluated(tmp_path: object) -> None:
    reply = "[get_weather(city=__import__('os').getcwd())]"
    assert extract_tool_calls(reply, TOOLS) == ([], reply)


def test_schema_coercion_is_safe() -> None:
    assert check_arguments({"a": "2", "b": 3.0}, ADD_SCHEMA) == {"a": 2, "b": 3}
    assert check_arguments({"a": "2.5", "b": 1}, ADD_SCHEMA) is None  # not an integer
    assert check_arguments({"a": "two", "b": 1}, ADD_SCHEMA) is None
    assert check_arguments({"a": 1}, ADD_SCHEMA) is None  # missing required
    schema = {
        "type": "object",
        "properties": {
            "flag": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "kind": {"$ref": "#/$defs/Kind"},
        },
        "$defs": {"Kind": {"type": "string", "enum": ["x", "y"]}},
    }
    assert check_arguments(
        {"flag": "true", "tags": '["a", "b"]', "n": "4", "kind": "y"}, schema
    ) == {"flag": True, "tags": ["a", "b"], "n": 4, "kind": "y"}
    assert check_arguments({"kind": "z"}, schema) is None


@pytest.mark.parametrize(
    ("choice", "required", "expected"),
    [
        (None, False, "auto"),
        (None, True, "required"),
        ("auto", True, "required"),
        (True, False, "required"),
        ("any", False, "required"),
        ("required", False, "required"),
        ("none", False, "none"),
        ("add", False, "add"),
        ({"type": "function", "function": {"name": "add"}}, False, "add"),
        ({"type": "tool", "name": "add"}, False, "add"),
        ({"type": "any"}, False, "required"),
    ],
)
def test_tool_choice_vocabularies_meet_in_the_core(
    choice: object, required: bool, expected: str
) -> None:
    assert normalize_tool_choice(choice, ["add"], required=required) == expected


@pytest.mark.parametrize("choice", ["mul", {"type": "weird"}, 3])
def test_bad_tool_choice_is_a_configuration_error(choice: object) -> None:
    with pytest.raises(ConfigurationError):
        normalize_tool_choice(choice, ["add"])


def test_openai_tool_dicts_become_specs() -> None:
    spec = spec_from_openai({"type": "function", "function": {"name": "f", "parameters": None}})
    assert spec == ToolSpec("f", "", {"type": "object", "properties": {}})
    with pytest.raises(ConfigurationError):
        spec_from_openai({"type": "function", "function": {"description": "no name"}})


def test_tool_prompt_ends_with_the_rule_and_shows_a_call_that_parses() -> None:
    prompt = tool_prompt(TOOLS, "get_weather")
    assert prompt.endswith("You MUST call the tool `get_weather` in your next reply.")
    example = prompt.splitlines()[-3]
    calls, _ = extract_tool_calls(example, TOOLS)
    assert [c.name for c in calls] == ["get_weather"]
    assert parse_tool_prompt(prompt) == (TOOLS, "get_weather")
    assert tool_prompt(TOOLS, "required").endswith(
        "You MUST call at least one tool in your next reply."
    )


@pytest.mark.parametrize(
    "answer",
    [
        'Here it is: {"a": 1, "b": 2} - enjoy!',
        'Sure.\n```json\n{"a": 1, "b": 2}\n```',
        "{'a': 1, 'b': 2,}",
        '{"a": "1", "b": 2}',
    ],
    ids=["prose", "fenced", "repaired", "coerced"],
)
def test_structured_json_is_read_tolerantly(answer: str) -> None:
    assert parse_json_answer(answer, ADD_SCHEMA) == {"a": 1, "b": 2}


def test_structured_json_that_cannot_fit_is_a_typed_error() -> None:
    with pytest.raises(StructuredOutputError) as info:
        parse_json_answer("I'd rather not say.", ADD_SCHEMA)
    assert isinstance(info.value, ValueError) and info.value.raw_text == "I'd rather not say."
    with pytest.raises(StructuredOutputError, match="does not match"):
        parse_json_answer('{"a": 1}', ADD_SCHEMA)


def test_a_long_look_ahead_is_taken_for_prose() -> None:
    buffer = ToolCallBuffer(TOOLS)
    text = "[" + " " * 200 + "get"  # "get" could still begin get_weather(...)
    assert buffer.feed(text) == text  # but not after that much white space: not held


def test_a_fence_without_an_info_line_is_decided_alike_in_any_chunking() -> None:
    call = '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}'
    reply = f"```{call}```{call}"  # the first fence never ends its info line: ordinary code
    whole = extract_tool_calls(reply, TOOLS)
    assert [c.name for c in whole[0]] == ["get_weather"]
    streamed, calls, content = _stream(Case("x", reply, []), [1])
    assert calls == [(c.name, c.arguments) for c in whole[0]] and content == whole[1]
    assert streamed == content == f"```{call}```"


def test_white_space_after_a_call_is_the_same_in_any_chunking() -> None:
    call = '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}'
    reply = f"Checking.{call}\n\nDone."
    whole = extract_tool_calls(reply, TOOLS)
    assert whole[1] == "Checking.\n\nDone."
    for size in (1, 2, len(reply)):
        streamed, calls, content = _stream(Case("x", reply, []), [size])
        assert calls == [("get_weather", {"city": "Paris"})]
        assert streamed == content == whole[1]


def test_a_final_text_that_differs_from_the_stream_never_repeats_what_was_shown() -> None:
    buffer = ToolCallBuffer(TOOLS)
    assert buffer.feed("Hello world ") == "Hello world"
    assert buffer.finish("Hello world") == ([], "Hello world")  # the server trimmed it
    assert buffer.held_text == ""
    longer = ToolCallBuffer(TOOLS)
    assert longer.feed("Hello ") == "Hello"
    assert longer.finish("Hello there") == ([], "Hello there")
    assert longer.held_text == " there"  # only what extends the shown content
    rewritten = ToolCallBuffer(TOOLS)
    rewritten.feed("Hi ")
    assert rewritten.finish("Hello") == ([], "Hello")
    assert rewritten.held_text == ""  # what was shown cannot be taken back
