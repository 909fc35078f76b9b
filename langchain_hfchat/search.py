"""``HuggingChatSearch``: HuggingChat's web search as a LangChain tool, for agents on any LLM.

The tool asks HuggingChat one question with web search turned on and returns the answer
followed by its numbered sources; the sources themselves (``[{"url", "title"}]``), the
conversation id and the model are the tool's artifact (``ToolMessage.artifact`` when an agent
calls it with a tool call). By default each search's conversation is deleted afterwards, so
searches do not pile up on the account (``keep_conversations=True`` keeps them).
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from hfchat.adapter_support import SEARCH_DESCRIPTION, search_answer
from hfchat.events import TurnResult

from .chat_models import ChatHuggingChat

__all__ = ["HuggingChatSearch", "HuggingChatSearchInput"]


class HuggingChatSearchInput(BaseModel):
    """What the agent passes to :class:`HuggingChatSearch`."""

    query: str = Field(description="the question to search the web for, in plain words")


class HuggingChatSearch(BaseTool):
    """Search the web through HuggingChat (a LangChain ``BaseTool``).

    Setup: a logged-in HuggingChat session (``hfchat login`` or ``HUGGINGCHAT_COOKIE``), used
    through ``llm`` (a :class:`ChatHuggingChat`; default ``ChatHuggingChat()`` with the usual
    precedence for cookie and base URL). ``model`` picks the model that searches (default: the
    llm's model).

    Example::

        from langchain_hfchat import HuggingChatSearch

        search = HuggingChatSearch()
        print(search.invoke("What is the latest Python release?"))
    """

    name: str = "huggingchat_web_search"
    description: str = SEARCH_DESCRIPTION
    args_schema: type[BaseModel] = HuggingChatSearchInput
    response_format: str = "content_and_artifact"  # type: ignore[assignment]
    llm: ChatHuggingChat = Field(default_factory=ChatHuggingChat)
    """The model whose client (session, base URL) runs the searches."""
    model: str | None = None
    """Model that searches; None: the llm's model."""
    keep_conversations: bool = False
    """Keep each search's conversation on the account (default: delete it afterwards)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def _options(self) -> dict[str, Any]:
        return {"web_search": True, "model": self.model or self.llm.model_name}

    def _output(self, result: TurnResult) -> tuple[str, dict[str, Any]]:
        sources = [dict(s) for s in result.sources]
        artifact = {
            "sources": sources,
            "conversation_id": result.conversation_id,
            "model_name": result.model or result.requested_model,
        }
        return search_answer(result.text, sources), artifact

    def _run(
        self, query: str, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[str, dict[str, Any]]:
        client = self.llm.client
        result = client.chat(query, **self._options())
        if not self.keep_conversations and result.conversation_id:
            client.delete_conversation(result.conversation_id)
        return self._output(result)

    async def _arun(
        self, query: str, run_manager: AsyncCallbackManagerForToolRun | None = None
    ) -> tuple[str, dict[str, Any]]:
        client = self.llm.async_client
        result = await client.chat(query, **self._options())
        if not self.keep_conversations and result.conversation_id:
            await client.delete_conversation(result.conversation_id)
        return self._output(result)
