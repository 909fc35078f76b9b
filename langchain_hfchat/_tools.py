"""Tools and structured output for :class:`ChatHuggingChat`.

HuggingChat has no client-side function calling; the core emulates it through the prompt
(:mod:`hfchat.tools`), which also parses the replies and normalises ``tool_choice``. This module
only translates LangChain's tool shapes into the core's and builds the ``with_structured_output``
runnables (:mod:`langchain_hfchat._structured`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from hfchat.tools import ToolSpec, json_prompt, spec_from_openai
from hfchat.tools import normalize_tool_choice as core_tool_choice

from ._structured import StructuredReader, structured_runnable

__all__ = [
    "StructuredMethod",
    "format_tools",
    "normalize_tool_choice",
    "response_format_instruction",
    "structured_chain",
    "tool_specs",
]

StructuredMethod = Literal["function_calling", "json_schema", "json_mode"]
ToolLike = dict[str, Any] | type | Callable[..., Any] | BaseTool


def format_tools(tools: Sequence[ToolLike]) -> list[dict[str, Any]]:
    """Tools in the OpenAI function format (what ``bind_tools`` stores in the binding)."""
    return [convert_to_openai_tool(t) for t in tools]


def tool_specs(tools: Sequence[dict[str, Any]] | None) -> list[ToolSpec] | None:
    """OpenAI-format tools as the core's :class:`~hfchat.tools.ToolSpec` list."""
    if not tools:
        return None
    return [spec_from_openai(tool) for tool in tools]


def normalize_tool_choice(choice: Any, names: Sequence[str]) -> str | None:
    """LangChain / OpenAI / Anthropic ``tool_choice`` values in the core's form
    (:func:`hfchat.tools.normalize_tool_choice`): ``"auto"``, ``"none"``, ``"required"`` or a
    tool name; None when no choice was given."""
    if choice is None:
        return None
    return core_tool_choice(choice, names)


def structured_chain(
    model: Any,
    schema: dict[str, Any] | type,
    *,
    method: StructuredMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
    """The ``with_structured_output`` runnable: the bound model, read tolerantly, with
    ``model.structured_output_retries`` corrective follow-ups before a parse error."""
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    ls_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    llm: Runnable[LanguageModelInput, BaseMessage]
    if method == "function_calling":
        tool = convert_to_openai_tool(schema)["function"]
        name = tool["name"]
        llm = model.bind_tools([schema], tool_choice=name, ls_structured_output_format=ls_format)
        reader = StructuredReader(schema if is_pydantic else None, tool.get("parameters"), name)
    elif method in ("json_mode", "json_schema"):
        response_format: dict[str, Any] = {"type": "json_object"}
        json_schema: dict[str, Any] | None = None
        if method == "json_schema" or is_pydantic:
            json_schema = convert_to_json_schema(schema)
        if method == "json_schema":
            response_format = {"type": "json_schema", "schema": json_schema}
        llm = model.bind(response_format=response_format, ls_structured_output_format=ls_format)
        reader = StructuredReader(schema if is_pydantic else None, json_schema, None)
    else:
        raise ValueError(
            f"unknown method {method!r}: use 'function_calling', 'json_schema' or 'json_mode'"
        )
    return structured_runnable(
        model,
        llm,
        reader,
        include_raw=include_raw,
        retries=lambda: int(getattr(model, "structured_output_retries", 1)),
    )


def response_format_instruction(response_format: Any) -> str | None:
    """The JSON instruction for a ``response_format`` call argument, if any."""
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return json_prompt(None)
    if kind == "json_schema":
        schema = response_format.get("schema")
        if schema is None and isinstance(response_format.get("json_schema"), dict):
            schema = response_format["json_schema"].get("schema")  # OpenAI's nesting
        return json_prompt(schema if isinstance(schema, dict) else None)
    return None
