"""Prompt-emulated tool calling and structured output, shared by both adapters.

HuggingChat gives clients no function calling: the tools are described in the system prompt
(:func:`tool_prompt`) and the reply is parsed back by one tolerant extractor
(:class:`ToolCallBuffer` while streaming, :func:`extract_tool_calls` for a whole reply). It reads
the requested ``{"tool_calls": [...]}`` JSON and the shapes models were trained on (Hermes/Qwen
``<tool_call>``, Mistral ``[TOOL_CALLS]``, Llama 3 ``<|python_tag|>``, Qwen3-Coder, GLM,
pythonic lists), also when almost JSON, restricted to the bound tools and checked against their
schemas. :mod:`hfchat.tools.structured` does the same for JSON answers (structured output).
"""

from __future__ import annotations

from .extract import ToolCallBuffer, extract_tool_calls, parse_tool_calls
from .prompt import (
    json_prompt,
    parse_json_prompt,
    parse_tool_prompt,
    render_tool_calls,
    render_tool_result,
    tool_prompt,
)
from .schema import check_arguments
from .spec import ToolCall, ToolSpec, normalize_tool_choice, parse_arguments, spec_from_openai
from .structured import StructuredOutputError, correction_prompt, parse_json_answer

__all__ = [
    "StructuredOutputError",
    "ToolCall",
    "ToolCallBuffer",
    "ToolSpec",
    "check_arguments",
    "correction_prompt",
    "extract_tool_calls",
    "json_prompt",
    "normalize_tool_choice",
    "parse_arguments",
    "parse_json_answer",
    "parse_json_prompt",
    "parse_tool_calls",
    "parse_tool_prompt",
    "render_tool_calls",
    "render_tool_result",
    "spec_from_openai",
    "tool_prompt",
]
