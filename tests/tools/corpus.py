"""Reply shapes real models write when offered tools, with what the extractor must make of them.

Each case: an id, the reply, the expected calls ``[(name, arguments)]`` and the expected content
(the prose that stays; the reply itself, whole, when it holds no call). The bound tools are
:data:`TOOLS` (``get_weather`` and ``add``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hfchat.tools import ToolSpec

WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["c", "f"]},
    },
    "required": ["city"],
}
ADD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
}
TOOLS = [
    ToolSpec("get_weather", "The weather in a city.", WEATHER_SCHEMA),
    ToolSpec("add", "Add two integers.", ADD_SCHEMA),
]
PARIS = ("get_weather", {"city": "Paris"})
ADD = ("add", {"a": 1, "b": 2})


@dataclass(frozen=True)
class Case:
    id: str
    reply: str
    calls: list[tuple[str, dict[str, Any]]]
    content: str | None = None  # None: "" for calls, the reply itself for no calls

    @property
    def expected_content(self) -> str:
        if self.content is not None:
            return self.content
        return "" if self.calls else self.reply


def _tc(*calls: tuple[str, dict[str, Any]]) -> str:
    return json.dumps({"tool_calls": [{"name": n, "arguments": a} for n, a in calls]})


POSITIVE = [
    Case("requested-json", _tc(PARIS), [PARIS]),
    Case("requested-json-prose-before", "Let me check.\n" + _tc(PARIS), [PARIS], "Let me check."),
    Case("requested-json-prose-after", _tc(PARIS) + "\nOne moment.", [PARIS], "One moment."),
    Case(
        "fenced-json-prose-around",
        "Sure.\n\n```json\n" + _tc(PARIS) + "\n```\n\nI'll report back.",
        [PARIS],
        "Sure.\n\nI'll report back.",
    ),
    Case("fenced-no-language", "```\n" + _tc(PARIS) + "\n```", [PARIS]),
    Case("two-calls", _tc(PARIS, ADD), [PARIS, ADD]),
    Case(
        "openai-nesting-string-arguments",
        json.dumps(
            {
                "tool_calls": [
                    {"type": "function", "function": {"name": "add", "arguments": '{"a":1,"b":2}'}}
                ]
            }
        ),
        [ADD],
    ),
    Case("bare-name-arguments", json.dumps({"name": "add", "arguments": {"a": 1, "b": 2}}), [ADD]),
    Case(
        "hermes",
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
        [PARIS],
    ),
    Case(
        "hermes-two-blocks",
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "add", "arguments": {"a": 1, "b": 2}}\n</tool_call>',
        [PARIS, ADD],
    ),
    Case(
        "hermes-after-prose",
        'I will look it up.\n<tool_call>\n{"name": "get_weather", "arguments": '
        '{"city": "Paris"}}\n</tool_call>',
        [PARIS],
        "I will look it up.",
    ),
    Case(
        "mistral-list",
        '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}}]',
        [PARIS],
    ),
    Case("mistral-args", '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}', [PARIS]),
    Case(
        "llama-python-tag",
        '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}<|eom_id|>',
        [PARIS],
    ),
    Case(
        "llama-python-tag-two",
        '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}; '
        '{"name": "add", "parameters": {"a": 1, "b": 2}}',
        [PARIS, ADD],
    ),
    Case(
        "llama-bare-parameters", '{"name": "get_weather", "parameters": {"city": "Paris"}}', [PARIS]
    ),
    Case(
        "qwen-coder",
        "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
        "</function>\n</tool_call>",
        [PARIS],
    ),
    Case(
        "qwen-coder-integers",
        "<tool_call>\n<function=add>\n<parameter=a>\n1\n</parameter>\n<parameter=b>\n2\n"
        "</parameter>\n</function>\n</tool_call>",
        [ADD],
    ),
    Case(
        "glm",
        "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n"
        "</tool_call>",
        [PARIS],
    ),
    Case(
        "glm-integers",
        "<tool_call>add<arg_key>a</arg_key><arg_value>1</arg_value><arg_key>b</arg_key>"
        "<arg_value>2</arg_value></tool_call>",
        [ADD],
    ),
    Case("pythonic", '[get_weather(city="Paris")]', [PARIS]),
    Case("pythonic-two", "[get_weather(city='Paris'), add(a=1, b=2)]", [PARIS, ADD]),
    Case("pythonic-fenced", '```python\n[get_weather(city="Paris")]\n```', [PARIS]),
    Case(
        "almost-json-trailing-commas",
        '{"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2,},},],}',
        [ADD],
    ),
    Case(
        "almost-json-single-quotes",
        "{'tool_calls': [{'name': 'get_weather', 'arguments': {'city': 'Paris'}}]}",
        [PARIS],
    ),
    Case(
        "almost-json-python-literals",
        '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris", "unit": None}}]}',
        [PARIS],
    ),
    Case(
        "almost-json-raw-newline",
        '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris\nFrance"}}]}',
        [("get_weather", {"city": "Paris\nFrance"})],
    ),
    Case("string-numbers-coerced", _tc(("add", {"a": "1", "b": 2.0})), [ADD]),
    Case(
        "unclosed-json-at-the-end",
        'Checking. {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}',
        [PARIS],
        "Checking.",
    ),
]

NEGATIVE = [
    Case("plain-answer", "It is sunny in Paris today.", []),
    Case(
        "json-example-in-answer",
        'A person record looks like {"name": "Ada", "age": 36}, as in the docs.',
        [],
    ),
    Case("fenced-json-example", '```json\n{"name": "Ada", "age": 36}\n```', []),
    Case("tool-named-in-prose", "I could use get_weather(city) or add for that.", []),
    Case("unbound-tool-json", _tc(("rm_rf", {"path": "/"})), []),
    Case(
        "unbound-tool-hermes",
        '<tool_call>\n{"name": "rm_rf", "arguments": {"path": "/"}}\n</tool_call>',
        [],
    ),
    Case("unbound-pythonic", '[rm_rf(path="/")]', []),
    Case(
        "links-code-and-html",
        "See [the docs](https://example.com), use `add(1, 2)` and <b>bold</b> text.",
        [],
    ),
    Case("python-code-fence", 'Example:\n```python\nprint({"a": 1})\n```\nDone.', []),
    Case("missing-required-argument", _tc(("add", {"a": 1})), []),
    Case("not-a-call-braces", "{not a tool call}", []),
    Case("json-list-of-numbers", "The primes: [2, 3, 5, 7].", []),
    Case("tag-mentioned-in-prose", "Models write <tool_call> tags to call tools.", []),
    Case(
        "tool-spec-echoed", json.dumps({"name": "add", "description": "Add", "parameters": {}}), []
    ),
]

CASES = POSITIVE + NEGATIVE
MARKUP = ("<tool_call>", "</tool_call>", "[TOOL_CALLS]", "<|python_tag|>", "<function=", "```")
