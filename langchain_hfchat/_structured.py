"""``with_structured_output`` for :class:`ChatHuggingChat`: tolerant parsing, one corrective
follow-up in the same conversation, then a loud :class:`OutputParserException`.

The reply is read by the core (:mod:`hfchat.tools`): a tool call in any shape the extractor
knows (``function_calling``), or a JSON value bare, fenced, inside prose or almost JSON (all
methods). A reply that still does not fit is answered with a correction turn (the same messages,
the bad reply, then a user message), which the core maps onto the same server conversation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.utils.pydantic import is_basemodel_subclass

from hfchat.tools import StructuredOutputError, correction_prompt, parse_json_answer

__all__ = ["StructuredReader", "structured_runnable"]


def _validate(schema: Any, value: Any) -> Any:
    """``value`` as ``schema`` (a pydantic v2 / v1 class), or the dict itself."""
    if not (isinstance(schema, type) and is_basemodel_subclass(schema)):
        return value
    if hasattr(schema, "model_validate"):
        return schema.model_validate(value)
    return schema.parse_obj(value)  # type: ignore[attr-defined]  # pydantic v1


@dataclass(slots=True)
class StructuredReader:
    """Reads one reply as the structured output: the forced tool's call (``tool_name``) or a
    JSON value fitting ``json_schema``; the fields are what ``method`` asked for."""

    schema: Any
    json_schema: dict[str, Any] | None
    tool_name: str | None
    key_only: bool = False  # a dict schema under function_calling: the arguments dict

    def read(self, message: BaseMessage) -> Any:
        """The parsed output, or :class:`OutputParserException`."""
        text = message.text if isinstance(message.content, (str, list)) else str(message.content)
        calls = getattr(message, "tool_calls", None) or []
        try:
            if self.tool_name is not None:
                for call in calls:
                    if call["name"] == self.tool_name:
                        return _validate(self.schema, call["args"])
                # the model answered the JSON itself instead of calling the tool
                value = parse_json_answer(text, self.json_schema)
                if isinstance(value, dict) and set(value) == {"tool_calls"}:
                    raise StructuredOutputError("the reply calls no tool of that name")
                return _validate(self.schema, value)
            return _validate(self.schema, parse_json_answer(text, self.json_schema))
        except (StructuredOutputError, ValueError, TypeError) as exc:  # ValidationError: ValueError
            raise OutputParserException(
                f"the reply is not valid structured output: {exc}",
                llm_output=text
                or json.dumps([dict(c) for c in calls], ensure_ascii=False, default=str),
            ) from exc


def _messages(model: Any, value: LanguageModelInput) -> list[BaseMessage]:
    return list(model._convert_input(value).to_messages())


def _correction(
    messages: list[BaseMessage], raw: BaseMessage, exc: Exception, tool: str | None
) -> list[BaseMessage]:
    problem = str(exc).removeprefix("the reply is not valid structured output: ")
    return [*messages, raw, HumanMessage(correction_prompt(problem, tool_name=tool))]


def structured_runnable(
    model: Any,
    llm: Runnable[LanguageModelInput, BaseMessage],
    reader: StructuredReader,
    *,
    include_raw: bool,
    retries: Callable[[], int],
) -> Runnable[LanguageModelInput, Any]:
    """The runnable of ``with_structured_output``: ``llm`` (the bound model), read by
    ``reader``, corrected ``retries()`` times, then raise (or report, with ``include_raw``)."""

    def finish(raw: BaseMessage, parsed: Any, error: Exception | None) -> Any:
        if include_raw:
            return {"raw": raw, "parsed": parsed, "parsing_error": error}
        if error is not None:
            raise error
        return parsed

    def run(value: LanguageModelInput, config: RunnableConfig | None = None) -> Any:
        messages = _messages(model, value)
        raw = llm.invoke(messages, config)
        for attempt in range(max(0, retries()) + 1):
            try:
                return finish(raw, reader.read(raw), None)
            except OutputParserException as exc:
                if attempt >= max(0, retries()):
                    return finish(raw, None, exc)
                messages = _correction(messages, raw, exc, reader.tool_name)
                raw = llm.invoke(messages, config)
        raise AssertionError("unreachable")  # pragma: no cover

    async def arun(value: LanguageModelInput, config: RunnableConfig | None = None) -> Any:
        messages = _messages(model, value)
        raw = await llm.ainvoke(messages, config)
        for attempt in range(max(0, retries()) + 1):
            try:
                return finish(raw, reader.read(raw), None)
            except OutputParserException as exc:
                if attempt >= max(0, retries()):
                    return finish(raw, None, exc)
                messages = _correction(messages, raw, exc, reader.tool_name)
                raw = await llm.ainvoke(messages, config)
        raise AssertionError("unreachable")  # pragma: no cover

    return RunnableLambda(run, afunc=arun, name="structured_output")
