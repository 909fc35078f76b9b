"""Tool prompt and tool-call extraction: the previous version against the current one.

Prints, for a representative tool set:

* the tool prompt's length before and after (characters);
* per emulator family (``fake/tools-*``, plus the requested-JSON ``fake/tools``): whether the
  reply the family writes for the prompt is parsed into the expected call, by the previous
  parser and by the current extractor (the family models read the prompt the client sends, so
  this runs each family on both prompts);
* the same over the test corpus (positive shapes parsed, negative shapes left as text);
* the per-token cost of the streaming buffer on a long prose answer and on a held call.

Run: ``python benchmarks/tool_prompt.py``. The previous prompt and parser are kept below as the
baseline (they are what the package shipped before the tolerant extractor).
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hfchat.testing.models import tools_text
from hfchat.testing.tool_models import TOOL_FAMILIES, family_text
from hfchat.tools import ToolCallBuffer, ToolSpec, extract_tool_calls, tool_prompt
from tests.tools.corpus import NEGATIVE, POSITIVE
from tests.tools.corpus import TOOLS as CORPUS_TOOLS

# -- the baseline: the previous prompt and parser -------------------------------------------------


def old_tool_prompt(tools: list[ToolSpec], tool_choice: str | None = "auto") -> str:
    specs = [
        {"name": t.name, "description": t.description, "parameters": t.parameters} for t in tools
    ]
    names = {t.name for t in tools}
    if tool_choice in ("any", "required"):
        rule = "You MUST call at least one tool in your next reply."
    elif tool_choice in names:
        rule = f"You MUST call the tool `{tool_choice}` in your next reply."
    else:
        rule = "Call a tool only when it helps; otherwise answer normally in plain text."
    return (
        "# Tools\n"
        "You can call these tools (JSON schema of each tool's arguments):\n"
        f"{json.dumps(specs, ensure_ascii=False, indent=1)}\n\n"
        "To call tools, reply with exactly one JSON object and nothing else:\n"
        '{"tool_calls": [{"name": "<tool name>", "arguments": {<arguments>}}]}\n'
        "You may list several calls. The results will come back in a message starting with "
        "`[tool result`. When you answer the user, reply in plain text without JSON.\n"
        f"{rule}"
    )


_OLD_FENCE = re.compile(r"^```(?:json|JSON)?\s*\n?(?P<body>.*?)\n?```\s*$", re.S)


def old_parse(text: str, names: set[str]) -> list[tuple[str, dict[str, Any]]]:
    m = _OLD_FENCE.match(text.strip())
    body = m.group("body").strip() if m else text.strip()
    if not body.startswith(("{", "[")):
        return []
    try:
        value = json.loads(body)
    except ValueError:
        try:
            value, _ = json.JSONDecoder().raw_decode(body)
        except ValueError:
            return []
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        items = value["tool_calls"]
    elif isinstance(value, dict) and "name" in value and ("arguments" in value or "args" in value):
        items = [value]
    elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        items = value
    else:
        return []
    calls = []
    for item in items:
        fn = item["function"] if isinstance(item.get("function"), dict) else item
        args = fn.get("arguments", fn.get("args", fn.get("parameters", {})))
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except ValueError:
                return []
        if not isinstance(fn.get("name"), str) or not isinstance(args, dict):
            return []
        if fn["name"] not in names:
            return []
        calls.append((fn["name"], args))
    return calls


class OldBuffer:
    """The previous streaming guard (re-joins what it holds on every token)."""

    def __init__(self) -> None:
        self.held: list[str] = []
        self.mode = 0

    def feed(self, text: str) -> str:
        if self.mode == 2:
            return text
        self.held.append(text)
        joined = "".join(self.held).lstrip()
        if not joined:
            return ""
        if joined[0] in "{[" or (joined.startswith("`") and "```".startswith(joined[:3])):
            self.mode = 1
            return ""
        self.mode = 2
        out = "".join(self.held)
        self.held = []
        return out


# -- the figures ----------------------------------------------------------------------------------

TOOLS = [
    ToolSpec(
        "get_weather",
        "The current weather in a city.",
        {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["city"],
        },
    ),
    ToolSpec(
        "add",
        "Add two integers.",
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    ),
    ToolSpec(
        "search",
        "Search the web.",
        {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    ),
]
QUESTION = "What is the weather in 'Paris'?"


def prompt_lengths() -> None:
    print("tool prompt length (characters), 3 tools")
    for choice in ("auto", "required", "get_weather"):
        old, new = old_tool_prompt(TOOLS, choice), tool_prompt(TOOLS, choice)
        print(f"  tool_choice={choice!r:14} before {len(old):5}  after {len(new):5}")


def families() -> None:
    print("family replies parsed into the expected call (previous parser | current extractor)")
    names = {t.name for t in TOOLS}
    models = ["fake/tools", *sorted(TOOL_FAMILIES)]
    totals = [0, 0]
    for model in models:
        row = []
        for prompt in (old_tool_prompt(TOOLS), tool_prompt(TOOLS)):
            reply = tools_text(prompt, QUESTION)
            decided = json.loads(reply)["tool_calls"]  # what fake/tools decided to call
            expected = [(c["name"], c["arguments"]) for c in decided]
            if model != "fake/tools":
                reply = family_text(model, reply)
            calls, _ = extract_tool_calls(reply, TOOLS)
            old_ok = old_parse(reply, names) == expected
            new_ok = [(c.name, c.arguments) for c in calls] == expected
            row.append(f"{'yes' if old_ok else 'no ':3} | {'yes' if new_ok else 'no ':3}")
        totals[0] += row[1].startswith("yes")
        totals[1] += row[1].endswith("yes")
        note = "  (prose by design: no call)" if model == "fake/tools-chatty" else ""
        print(f"  {model:22} previous prompt: {row[0]}   current prompt: {row[1]}{note}")
    print(
        f"  parsed on the current prompt: previous {totals[0]}/{len(models)}, "
        f"current {totals[1]}/{len(models)}"
    )


def corpus() -> None:
    names = {t.name for t in CORPUS_TOOLS}
    old_pos = sum(old_parse(c.reply, names) == c.calls for c in POSITIVE)
    new_pos = sum(
        [(x.name, x.arguments) for x in extract_tool_calls(c.reply, CORPUS_TOOLS)[0]] == c.calls
        for c in POSITIVE
    )
    old_neg = sum(old_parse(c.reply, names) == [] for c in NEGATIVE)
    new_neg = sum(extract_tool_calls(c.reply, CORPUS_TOOLS)[0] == [] for c in NEGATIVE)
    print(
        f"corpus: calls found in {len(POSITIVE)} call shapes: previous {old_pos}, current {new_pos}"
    )
    print(
        f"corpus: no false call in {len(NEGATIVE)} non-call replies: previous {old_neg}, "
        f"current {new_neg}"
    )


def per_token() -> None:
    prose = ["word "] * 20000
    call = (
        ['{"tool_calls": [{"name": "search", "arguments": {"query": "'] + ["x "] * 20000 + ['"}}]}']
    )
    print("streaming buffer, microseconds per token (best of 5)")
    for label, tokens in (("long prose answer", prose), ("long held call", call)):
        for name, make in (("previous", OldBuffer), ("current", lambda: ToolCallBuffer(TOOLS))):
            best = float("inf")
            for _ in range(5):
                buffer = make()
                start = time.perf_counter()
                for t in tokens:
                    buffer.feed(t)
                best = min(best, time.perf_counter() - start)
            print(f"  {label:18} {name:8} {best / len(tokens) * 1e6:8.3f}")


if __name__ == "__main__":
    prompt_lengths()
    families()
    corpus()
    per_token()
