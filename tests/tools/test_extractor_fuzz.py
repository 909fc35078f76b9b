"""Property tests of the extractor: any reply, any chunking, no exception; streaming agrees with
the whole-reply result; a reply without calls comes back whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hfchat.tools import ToolCallBuffer, extract_tool_calls

from .corpus import CASES, TOOLS

PIECES = [
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "`",
    "```",
    "```json\n",
    "\n",
    " ",
    '"',
    "'",
    "\\",
    ":",
    ",",
    ";",
    "get_weather",
    "add",
    "city",
    "Paris",
    '"city"',
    '"name"',
    '"arguments"',
    '"tool_calls"',
    "<tool_call>",
    "</tool_call>",
    "<function=",
    "<parameter=",
    "</parameter>",
    "</function>",
    "<arg_key>",
    "</arg_key>",
    "<arg_value>",
    "</arg_value>",
    "[TOOL_CALLS]",
    "[ARGS]",
    "<|python_tag|>",
    "<|eom_id|>",
    "=",
    "1",
    "2",
    "None",
    "True",
    "text ",
    "a=1",
    *[c.reply for c in CASES[::5]],
]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(PIECES), max_size=30),
    cuts=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=8),
)
def test_any_reply_in_any_chunking(parts: list[str], cuts: list[int]) -> None:
    text = "".join(parts)
    calls, content = extract_tool_calls(text, TOOLS)
    if not calls:
        assert content == text
    buffer = ToolCallBuffer(TOOLS)
    shown, i, k = [], 0, 0
    while i < len(text):
        size = cuts[k % len(cuts)]
        shown.append(buffer.feed(text[i : i + size]))
        i, k = i + size, k + 1
    streamed_calls, streamed_content = buffer.finish(text)
    assert [(c.name, c.arguments) for c in streamed_calls] == [(c.name, c.arguments) for c in calls]
    assert streamed_content == content
    assert "".join(shown) + buffer.held_text == content
