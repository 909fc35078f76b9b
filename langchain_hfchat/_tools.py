"""Tools and structured output for :class:`ChatHuggingChat`.

HuggingChat has no client-side function calling; the core emulates it through the prompt
(:mod:`hfchat.tools`). This module only translates LangChain's tool shapes and ``tool_choice``
values into the core's, and builds the ``with_structured_output`` chains.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Literal

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from langchain_core.outputs import Generation
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from hfchat.tools import ToolSpec, json_prompt

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
    specs = []
    for tool in tools:
        fn = tool.get("function", tool)
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        specs.append(ToolSpec(fn["name"], fn.get("description") or "", params))
    return specs


def normalize_tool_choice(choice: Any, names: Sequence[str]) -> str | None:
    """LangChain / OpenAI / Anthropic ``tool_choice`` values as the core's string form.

    ``"auto"``, ``"none"``, ``"any"`` (also ``"required"``, ``True``), a tool name, or the dict
    forms ``{"type": "function", "function": {"name": ...}}``, ``{"type": "tool", "name": ...}``
    and ``{"type": "auto" | "any" | "none"}``.
    """
    if choice is None or choice is False:
        return None
    if choice is True:
        return "any"
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind == "function" and isinstance(choice.get("function"), dict):
            choice = choice["function"].get("name")
        elif kind == "tool":
            choice = choice.get("name")
        elif kind in ("auto", "any", "none", "required"):
            choice = kind
        else:
            raise ValueError(f"unsupported tool_choice {choice!r}")
    if not isinstance(choice, str):
        raise ValueError(f"unsupported tool_choice {choice!r}")
    if choice == "required":
        return "any"
    if choice in ("auto", "any", "none"):
        return choice
    if choice not in names:
        raise ValueError(f"tool_choice {choice!r} is not one of the bound tools {list(names)}")
    return choice


class _ToolsParser(PydanticToolsParser):
    """:class:`PydanticToolsParser` whose validation failures are ``OutputParserException``s
    (as with every other LangChain output parser), so callers can catch one type."""

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        try:
            return super().parse_result(result, partial=partial)
        except OutputParserException:
            raise
        except ValueError as exc:  # pydantic (v2 or v1) ValidationError
            calls = getattr(getattr(result[0], "message", None), "tool_calls", None)
            raise OutputParserException(
                f"the tool call does not validate against the schema: {exc}",
                llm_output=json.dumps(calls, ensure_ascii=False, default=str),
            ) from exc


def structured_chain(
    model: Any,
    schema: dict[str, Any] | type,
    *,
    method: StructuredMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
    """The ``with_structured_output`` runnable (model binding | parser)."""
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    ls_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    llm: Runnable[LanguageModelInput, BaseMessage]
    parser: Runnable[Any, Any]
    if method == "function_calling":
        name = convert_to_openai_tool(schema)["function"]["name"]
        llm = model.bind_tools([schema], tool_choice=name, ls_structured_output_format=ls_format)
        if is_pydantic:
            parser = _ToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
        else:
            parser = JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
    elif method in ("json_mode", "json_schema"):
        response_format: dict[str, Any] = {"type": "json_object"}
        if method == "json_schema":
            response_format = {"type": "json_schema", "schema": convert_to_json_schema(schema)}
        llm = model.bind(response_format=response_format, ls_structured_output_format=ls_format)
        parser = (
            PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
            if is_pydantic
            else JsonOutputParser()
        )
    else:
        raise ValueError(
            f"unknown method {method!r}: use 'function_calling', 'json_schema' or 'json_mode'"
        )
    if not include_raw:
        return llm | parser
    parser_assign = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    parser_none = RunnablePassthrough.assign(parsed=lambda _: None)
    with_fallback = parser_assign.with_fallbacks([parser_none], exception_key="parsing_error")
    return RunnableMap(raw=llm) | with_fallback


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
