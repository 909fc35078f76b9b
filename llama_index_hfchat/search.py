"""``HuggingChatSearch``: HuggingChat's web search as a LlamaIndex tool, for agents on any LLM.

A :class:`~llama_index.core.tools.FunctionTool` (sync and async) that asks HuggingChat one
question with web search on and returns the answer followed by its numbered sources; the
``ToolOutput.raw_output`` is ``{"answer", "sources", "conversation_id", "model_name"}``. Each
search's conversation is deleted afterwards unless ``keep_conversations=True``.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import TextBlock
from llama_index.core.tools import FunctionTool, ToolMetadata, ToolOutput
from pydantic import BaseModel, Field

from hfchat.adapter_support import SEARCH_DESCRIPTION, search_answer
from hfchat.events import TurnResult

from .base import HuggingChatLLM

__all__ = ["HuggingChatSearch"]

NAME = "huggingchat_web_search"


class _SearchInput(BaseModel):
    query: str = Field(description="the question to search the web for, in plain words")


class HuggingChatSearch(FunctionTool):
    """Search the web through HuggingChat (a LlamaIndex tool for ``FunctionAgent``,
    ``ReActAgent`` and friends).

    ``llm``: a :class:`HuggingChatLLM` whose session and base URL run the searches (default
    ``HuggingChatLLM()``: cookie and base URL by the usual precedence); ``model``: the model
    that searches (default the llm's).

    Example::

        from llama_index_hfchat.search import HuggingChatSearch

        tool = HuggingChatSearch()
        print(tool("What is the latest Python release?").content)
    """

    def __init__(
        self,
        llm: HuggingChatLLM | None = None,
        *,
        model: str | None = None,
        keep_conversations: bool = False,
        name: str = NAME,
        description: str = SEARCH_DESCRIPTION,
    ) -> None:
        self.llm = llm if llm is not None else HuggingChatLLM()
        self.model = model
        self.keep_conversations = keep_conversations
        super().__init__(
            fn=self._search,
            async_fn=self._asearch,
            metadata=ToolMetadata(name=name, description=description, fn_schema=_SearchInput),
        )

    def _options(self) -> dict[str, Any]:
        return {"web_search": True, "model": self.model or self.llm.model}

    @staticmethod
    def _output(result: TurnResult) -> dict[str, Any]:
        sources = [dict(s) for s in result.sources]
        return {
            "answer": search_answer(result.text, sources),
            "sources": sources,
            "conversation_id": result.conversation_id,
            "model_name": result.model or result.requested_model,
        }

    def _search(self, query: str) -> dict[str, Any]:
        client = self.llm.client
        result = client.chat(query, **self._options())
        if not self.keep_conversations and result.conversation_id:
            client.delete_conversation(result.conversation_id)
        return self._output(result)

    async def _asearch(self, query: str) -> dict[str, Any]:
        client = self.llm.async_client
        result = await client.chat(query, **self._options())
        if not self.keep_conversations and result.conversation_id:
            await client.delete_conversation(result.conversation_id)
        return self._output(result)

    def call(self, *args: Any, **kwargs: Any) -> ToolOutput:
        """Run a search; ``content`` is the answer with its sources."""
        return self._text(super().call(*args, **kwargs))

    async def acall(self, *args: Any, **kwargs: Any) -> ToolOutput:
        """Async :meth:`call`."""
        return self._text(await super().acall(*args, **kwargs))

    @staticmethod
    def _text(output: ToolOutput) -> ToolOutput:
        raw = output.raw_output
        if isinstance(raw, dict) and "answer" in raw:
            output.blocks = [TextBlock(text=str(raw["answer"]))]
        return output
