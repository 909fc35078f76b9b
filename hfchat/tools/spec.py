"""Tools, tool calls and ``tool_choice``: the shapes both adapters translate into.

The adapters receive tools and ``tool_choice`` in their frameworks' vocabularies (LangChain's
``"any"``, LlamaIndex's ``tool_required``, OpenAI's dicts); :func:`normalize_tool_choice`,
:func:`spec_from_openai` and :func:`parse_arguments` map them once, here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigurationError

__all__ = [
    "ToolCall",
    "ToolSpec",
    "normalize_tool_choice",
    "parse_arguments",
    "spec_from_openai",
]


def _empty_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


@dataclass(slots=True)
class ToolSpec:
    """A tool the model may call: name, description, JSON schema of its arguments."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=_empty_schema)


@dataclass(slots=True)
class ToolCall:
    """One tool call parsed from a reply: the tool's name, its arguments and a fresh id."""

    name: str
    arguments: dict[str, Any]
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:24]}")


def spec_from_openai(tool: Mapping[str, Any]) -> ToolSpec:
    """An OpenAI tool dict (``{"type": "function", "function": {...}}`` or the bare function)
    as a :class:`ToolSpec`."""
    fn = tool.get("function", tool)
    if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str) or not fn["name"]:
        raise ConfigurationError("a tool needs a non-empty string 'name'")
    params = fn.get("parameters")
    if not isinstance(params, Mapping) or not params:
        params = _empty_schema()
    return ToolSpec(fn["name"], str(fn.get("description") or ""), dict(params))


_KEYWORDS = {"auto": "auto", "none": "none", "any": "required", "required": "required"}


def normalize_tool_choice(
    choice: Any, names: Iterable[str] | None, *, required: bool = False
) -> str:
    """Any framework's ``tool_choice`` as the core's: ``"auto"``, ``"none"``, ``"required"`` or
    the name of the one tool that must be called.

    Accepted: None/False (``"auto"``, or ``"required"`` when ``required``), True, the strings
    ``"auto"``, ``"none"``, ``"any"``, ``"required"`` or a bound tool's name, and the dict forms
    ``{"type": "function", "function": {"name": ...}}`` (OpenAI), ``{"type": "tool", "name":
    ...}`` (Anthropic) and ``{"type": "auto" | "any" | "none" | "required"}``. Anything else,
    or a name that is not bound, is a :class:`~hfchat.errors.ConfigurationError` (``names``
    None: any name is accepted).
    """
    bound = None if names is None else list(names)
    if choice is None or choice is False:
        return "required" if required else "auto"
    if choice is True:
        return "required"
    if isinstance(choice, Mapping):
        kind = choice.get("type")
        fn = choice.get("function")
        if kind == "function" and isinstance(fn, Mapping):
            choice = fn.get("name")
        elif kind == "tool":
            choice = choice.get("name")
        elif kind in _KEYWORDS:
            choice = kind
        else:
            raise ConfigurationError(f"unsupported tool_choice {choice!r}")
    if not isinstance(choice, str):
        raise ConfigurationError(f"unsupported tool_choice {choice!r}")
    if choice in _KEYWORDS:
        keyword = _KEYWORDS[choice]
        return "required" if required and keyword == "auto" else keyword
    if bound is not None and choice not in bound:
        raise ConfigurationError(f"tool_choice {choice!r} is not one of the bound tools {bound}")
    return choice


def parse_arguments(value: Any) -> dict[str, Any] | None:
    """Tool-call arguments from a dict or a (possibly broken) JSON string; None if neither."""
    if isinstance(value, Mapping):
        return dict(value)
    if value is None:
        return {}
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except ValueError:
        import json_repair  # on first use: it is not needed to import hfchat

        parsed = json_repair.loads(text) if text.startswith("{") else None
    return dict(parsed) if isinstance(parsed, dict) else None
