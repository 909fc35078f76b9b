"""LlamaIndex adapter of hfchat: :class:`HuggingChatLLM`, HuggingChat as a LlamaIndex LLM, and
:class:`HuggingChatSearch`, its web search as a tool."""

from __future__ import annotations

from .base import HuggingChatLLM
from .search import HuggingChatSearch

__all__ = ["HuggingChatLLM", "HuggingChatSearch"]
