"""The prompts of prompt-emulated tool calling and JSON output, and how past calls are shown.

HuggingChat has no client-side function calling, so the tool schemas and a reply protocol go
into the system prompt (:func:`tool_prompt`), and the reply is parsed back by the tolerant
extractor (:mod:`hfchat.tools.extract`). Tool results go back into the conversation as readable
text (:func:`render_tool_result`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .spec import ToolCall, ToolSpec

__all__ = [
    "json_prompt",
    "parse_json_prompt",
    "parse_tool_prompt",
    "render_tool_calls",
    "render_tool_result",
    "tool_prompt",
]

_TOOLS_LEAD = "You can call these tools (JSON schema of each tool's arguments):\n"
_FORCED = "You MUST call the tool `{}` in your next reply."
_REQUIRED = "You MUST call at least one tool in your next reply."
_AUTO = "Call a tool only when it helps; otherwise answer in plain text."
_EXAMPLE_VALUES = {"integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}}


def _example_arguments(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return {}
    required = schema.get("required")
    keys = [k for k in props if not isinstance(required, list) or k in required] or list(props)
    out: dict[str, Any] = {}
    for key in keys[:3]:
        sub = props[key] if isinstance(props[key], dict) else {}
        enum = sub.get("enum")
        kind = sub.get("type")
        fallback = _EXAMPLE_VALUES.get(kind, "...") if isinstance(kind, str) else "..."
        out[key] = enum[0] if isinstance(enum, list) and enum else fallback
    return out


def tool_prompt(tools: list[ToolSpec], tool_choice: str | None = "auto") -> str:
    """The system-prompt section that offers ``tools`` under ``tool_choice``.

    ``tool_choice``: ``"auto"`` (default), ``"required"``/``"any"`` (must call one), ``"none"``
    (no tools: empty), or a tool name (must call that one). One compact schema list, one example
    call, and the rule last, where models weigh it most.
    """
    if not tools or tool_choice == "none":
        return ""
    specs = [
        {"name": t.name, "description": t.description, "parameters": t.parameters} for t in tools
    ]
    names = {t.name for t in tools}
    if tool_choice in ("any", "required"):
        rule = _REQUIRED
    elif tool_choice in names:
        rule = _FORCED.format(tool_choice)
    else:
        rule = _AUTO
    shown = next((t for t in tools if t.name == tool_choice), tools[0])
    example = {
        "tool_calls": [{"name": shown.name, "arguments": _example_arguments(shown.parameters)}]
    }
    return (
        "# Tools\n"
        f"{_TOOLS_LEAD}"
        f"{json.dumps(specs, ensure_ascii=False)}\n"
        "To call tools, reply with only one JSON object like this (list several calls if "
        "needed):\n"
        f"{json.dumps(example, ensure_ascii=False)}\n"
        "Results come back as `[tool result: <name>]` messages; answer the user in plain text.\n"
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
    lead = _TOOLS_LEAD
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


def render_tool_calls(calls: list[ToolCall]) -> str:
    """An assistant tool-call turn as the model was told to write it."""
    return json.dumps(
        {"tool_calls": [{"name": c.name, "arguments": c.arguments} for c in calls]},
        ensure_ascii=False,
    )


def render_tool_result(name: str | None, content: str, call_id: str | None = None) -> str:
    """A tool result as the model sees it (the label :func:`tool_prompt` announces)."""
    label = f"[tool result: {name}]" if name else "[tool result]"
    return f"{label}\n{content}"
