"""LangChain integration for HuggingChat: :class:`ChatHuggingChat`."""

from __future__ import annotations

from hfchat import __version__

from .chat_models import ChatHuggingChat

__all__ = ["ChatHuggingChat", "__version__"]
