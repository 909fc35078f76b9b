"""Prompt-emulated tool calling, shared by both adapters.

HuggingChat has no client-side function calling, so the tool schemas and a reply protocol go
into the system prompt, and the reply is parsed back:

* the model answers a tool call with exactly one JSON object
  ``{"tool_calls": [{"name": ..., "arguments": {...}}]}`` (a fenced ```json block around it is
  accepted, and so is a bare ``{"name": ..., "arguments": {...}}``);
* anything else is an ordinary answer.

Tool results go back into the conversation as readable text (:func:`render_tool_result`).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ToolCall",
    "ToolCallBuffer",
    "ToolSpec",
    "json_prompt",
    "parse_json_prompt",
    "parse_tool_calls",
    "parse_tool_prompt",
    "render_tool_calls",
    "render_tool_result",
    "tool_prompt",
]


@dataclass(slots=True)
class ToolSpec:
    """A tool the model may call: name, description, JSON schema of its arguments."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})


@dataclass(slots=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:24]}")


def tool_prompt(tools: list[ToolSpec], tool_choice: str | None = "auto") -> str:
    """The system-prompt section that offers ``tools`` under ``tool_choice``.

    ``tool_choice``: ``"auto"`` (default), ``"any"``/``"required"`` (must call one),
    ``"none"`` (must not call), or a tool name (must call that one).
    """
    if not tools or tool_choice == "none":
        return ""
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


_JSON_RULE = "Reply with exactly one JSON object and nothing else (no prose, no code fence)."
_JSON_SCHEMA_LEAD = " It must validate against this JSON schema:\n"


def json_prompt(schema: dict[str, Any] | None = None) -> str:
    """The system-prompt text that asks for one JSON object (validating ``schema`` if given)."""
    if schema is None:
        return _JSON_RULE
    return _JSON_RULE + _JSON_SCHEMA_LEAD + json.dumps(schema, ensure_ascii=False, indent=1)


def parse_json_prompt(system_prompt: str) -> tuple[bool, dict[str, Any] | None]:
    """Whether a system prompt holds :func:`json_prompt`'s request, and its schema."""
    at = system_prompt.find(_JSON_RULE)
    if at < 0:
        return False, None
    rest = system_prompt[at + len(_JSON_RULE) :]
    if not rest.startswith(_JSON_SCHEMA_LEAD):
        return True, None
    try:
        schema, _ = json.JSONDecoder().raw_decode(rest[len(_JSON_SCHEMA_LEAD) :])
    except ValueError:
        return True, None
    return True, schema if isinstance(schema, dict) else None


def parse_tool_prompt(system_prompt: str) -> tuple[list[ToolSpec], str | None]:
    """The tools a :func:`tool_prompt` section offers, and the forced tool name if any."""
    lead = "You can call these tools (JSON schema of each tool's arguments):\n"
    at = system_prompt.find(lead)
    if at < 0:
        return [], None
    try:
        specs, _ = json.JSONDecoder().raw_decode(system_prompt[at + len(lead) :])
    except ValueError:
        return [], None
    tools = [
        ToolSpec(s["name"], s.get("description", ""), s.get("parameters") or {})
        for s in specs
        if isinstance(s, dict) and isinstance(s.get("name"), str)
    ]
    forced = re.search(r"You MUST call the tool `([^`]+)`", system_prompt)
    if forced:
        return tools, forced.group(1)
    if "You MUST call at least one tool" in system_prompt:
        return tools, "required"
    return tools, None


_FENCE = re.compile(r"^```(?:json|JSON)?\s*\n?(?P<body>.*?)\n?```\s*$", re.S)


def _strip_fence(text: str) -> str:
    m = _FENCE.match(text.strip())
    return m.group("body").strip() if m else text.strip()


def _calls_from(value: Any, names: set[str] | None) -> list[ToolCall] | None:
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        items = value["tool_calls"]
    elif isinstance(value, dict) and "name" in value and ("arguments" in value or "args" in value):
        items = [value]
    elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        items = value
    else:
        return None
    calls: list[ToolCall] = []
    for item in items:
        if not isinstance(item, dict):
            return None
        fn: dict[str, Any] = item["function"] if isinstance(item.get("function"), dict) else item
        name = fn.get("name")
        args = fn.get("arguments", fn.get("args", fn.get("parameters", {})))
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except ValueError:
                return None
        if not isinstance(name, str) or not isinstance(args, dict):
            return None
        if names is not None and name not in names:
            return None
        calls.append(ToolCall(name=name, arguments=args))
    return calls or None


def parse_tool_calls(text: str, names: set[str] | None = None) -> list[ToolCall] | None:
    """Tool calls if ``text`` is a tool-call reply (names restricted to ``names``), else None."""
    body = _strip_fence(text)
    if not body.startswith(("{", "[")):
        return None
    try:
        value = json.loads(body)
    except ValueError:
        # a JSON object followed by chatter: take the first complete object
        try:
            value, _ = json.JSONDecoder().raw_decode(body)
        except ValueError:
            return None
    return _calls_from(value, names)


class ToolCallBuffer:
    """Streaming guard: text that may be a tool call is held until the turn ends.

    Feed answer deltas; what is certainly not a tool call comes back at once. A reply that
    starts (after white space) with ``{``, ``[`` or a code fence is held whole, then parsed by
    :meth:`finish`.
    """

    __slots__ = ("_held", "_mode", "_names")

    def __init__(self, names: set[str] | None = None) -> None:
        self._held: list[str] = []
        self._mode = 0  # 0 deciding, 1 holding, 2 passing through
        self._names = names

    def feed(self, text: str) -> str:
        if self._mode == 2:
            return text
        self._held.append(text)
        joined = "".join(self._held).lstrip()
        if not joined:
            return ""
        if joined[0] in "{[" or (joined.startswith("`") and "```".startswith(joined[:3])):
            self._mode = 1
            return ""
        self._mode = 2
        out = "".join(self._held)
        self._held = []
        return out

    def finish(self, final_text: str) -> tuple[list[ToolCall], str]:
        """The tool calls of the turn and the text to keep as content."""
        if self._mode == 2:
            return [], final_text
        calls = parse_tool_calls(final_text, self._names)
        if calls:
            return calls, ""
        return [], final_text

    @property
    def held_text(self) -> str:
        return "".join(self._held) if self._mode != 2 else ""


def render_tool_calls(calls: list[ToolCall]) -> str:
    """An assistant tool-call turn as the model was told to write it."""
    return json.dumps(
        {"tool_calls": [{"name": c.name, "arguments": c.arguments} for c in calls]},
        ensure_ascii=False,
    )


def render_tool_result(name: str | None, content: str, call_id: str | None = None) -> str:
    label = f"[tool result: {name}]" if name else "[tool result]"
    return f"{label}\n{content}"
