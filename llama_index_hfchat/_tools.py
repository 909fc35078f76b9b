"""LlamaIndex tools in, :class:`~llama_index.core.llms.llm.ToolSelection` out.

Tool calling is emulated through the prompt by the core (:mod:`hfchat.tools`); this module only
translates: ``BaseTool`` → :class:`hfchat.ToolSpec`, LlamaIndex's ``tool_required`` /
``tool_choice`` → the core's ``tool_choice`` (normalised by the core), and ``ToolCallBlock``s
back → ``ToolSelection``s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatResponse, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection

from hfchat.tools import ToolSpec, normalize_tool_choice, parse_arguments, spec_from_openai

from ._messages import tool_call_from_openai

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["resolve_tool_choice", "to_tool_specs", "tool_selections"]


def _spec(tool: Any) -> ToolSpec:
    if isinstance(tool, ToolSpec):
        return tool
    if isinstance(tool, dict):  # an OpenAI tool dict
        return spec_from_openai(tool)
    meta = tool.metadata
    return ToolSpec(meta.get_name(), meta.description or "", meta.get_parameters_dict())


def to_tool_specs(tools: Sequence[BaseTool | ToolSpec | dict[str, Any]] | None) -> list[ToolSpec]:
    """The core's tool specs for LlamaIndex tools (``BaseTool``, OpenAI tool dicts or specs)."""
    return [_spec(t) for t in tools or ()]


def resolve_tool_choice(
    tool_choice: Any = None, tool_required: bool = False, names: Sequence[str] | None = None
) -> str:
    """``"auto"``, ``"required"``, ``"none"`` or a tool name, from LlamaIndex's arguments
    (:func:`hfchat.tools.normalize_tool_choice`; ``names``: the bound tools, when known).

    ``tool_choice`` may be one of those strings, ``"any"``, or an OpenAI-style
    ``{"type": "function", "function": {"name": ...}}``.
    """
    return normalize_tool_choice(tool_choice, names, required=tool_required)


def tool_selections(response: ChatResponse) -> list[ToolSelection]:
    """The tool calls of a response (``ToolCallBlock``s, else OpenAI-shaped additional_kwargs)."""
    blocks = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    if blocks:
        return [
            ToolSelection(
                tool_id=b.tool_call_id or b.tool_name,
                tool_name=b.tool_name,
                tool_kwargs=parse_arguments(b.tool_kwargs) or {},
            )
            for b in blocks
        ]
    raw = response.message.additional_kwargs.get("tool_calls") or []
    calls = [c for c in (tool_call_from_openai(i) for i in raw) if c is not None]
    return [ToolSelection(tool_id=c.id, tool_name=c.name, tool_kwargs=c.arguments) for c in calls]
