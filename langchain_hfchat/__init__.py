"""LangChain integration for HuggingChat: :class:`ChatHuggingChat` and the web-search tool
:class:`HuggingChatSearch`."""

from __future__ import annotations

from hfchat import __version__

from .chat_models import ChatHuggingChat
from .search import HuggingChatSearch

__all__ = ["ChatHuggingChat", "HuggingChatSearch", "__version__"]
