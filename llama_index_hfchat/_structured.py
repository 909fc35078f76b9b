"""``structured_predict`` (and ``as_structured_llm``) for :class:`HuggingChatLLM`.

The output class is offered as a forced tool; the reply is read tolerantly by the core (a call in
any shape the extractor knows, or the JSON itself, bare, fenced, in prose or almost JSON). A reply
that still does not fit gets ``structured_output_retries`` corrective follow-ups in the same
conversation (the same messages, the bad reply, a user correction), then
:class:`hfchat.tools.StructuredOutputError` (a ``ValueError``) is raised: never a silent None.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.program.function_program import get_function_tool
from pydantic import BaseModel, ValidationError

from hfchat.tools import StructuredOutputError, ToolSpec, correction_prompt, parse_json_answer

from ._tools import to_tool_specs, tool_selections

__all__ = ["StructuredCall"]

Model = TypeVar("Model", bound=BaseModel)


class StructuredCall:
    """One structured prediction of ``output_cls`` over ``messages``."""

    __slots__ = ("messages", "output_cls", "retries", "spec")

    def __init__(
        self, output_cls: type[BaseModel], messages: Sequence[ChatMessage], retries: int
    ) -> None:
        self.output_cls = output_cls
        self.messages = list(messages)
        self.retries = max(0, retries)
        self.spec: ToolSpec = to_tool_specs([get_function_tool(output_cls)])[0]

    def chat_kwargs(self, llm_kwargs: dict[str, Any] | None) -> dict[str, Any]:
        return {**(llm_kwargs or {}), "tools": [self.spec], "tool_choice": self.spec.name}

    def read(self, response: ChatResponse) -> BaseModel:
        """The output object of one reply, or :class:`StructuredOutputError`."""
        text = response.message.content or ""
        try:
            for selection in tool_selections(response):
                if selection.tool_name == self.spec.name:
                    return self.output_cls.model_validate(selection.tool_kwargs)
            value = parse_json_answer(text, self.spec.parameters)
            if isinstance(value, dict) and set(value) == {"tool_calls"}:
                raise StructuredOutputError("the reply calls no tool of that name", raw_text=text)
            return self.output_cls.model_validate(value)
        except ValidationError as exc:
            raise StructuredOutputError(
                f"the reply does not validate as {self.output_cls.__name__}: {exc}", raw_text=text
            ) from exc

    def follow_up(self, response: ChatResponse, exc: StructuredOutputError) -> None:
        self.messages += [
            response.message,
            ChatMessage(
                role=MessageRole.USER,
                content=correction_prompt(str(exc), tool_name=self.spec.name),
            ),
        ]

    def run(
        self, chat: Callable[..., ChatResponse], llm_kwargs: dict[str, Any] | None
    ) -> BaseModel:
        kwargs = self.chat_kwargs(llm_kwargs)
        for attempt in range(self.retries + 1):
            response = chat(self.messages, **kwargs)
            try:
                return self.read(response)
            except StructuredOutputError as exc:
                if attempt >= self.retries:
                    raise
                self.follow_up(response, exc)
        raise AssertionError("unreachable")  # pragma: no cover

    async def arun(
        self, chat: Callable[..., Awaitable[ChatResponse]], llm_kwargs: dict[str, Any] | None
    ) -> BaseModel:
        kwargs = self.chat_kwargs(llm_kwargs)
        for attempt in range(self.retries + 1):
            response = await chat(self.messages, **kwargs)
            try:
                return self.read(response)
            except StructuredOutputError as exc:
                if attempt >= self.retries:
                    raise
                self.follow_up(response, exc)
        raise AssertionError("unreachable")  # pragma: no cover
