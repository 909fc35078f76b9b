"""LlamaIndex adapter of hfchat: :class:`HuggingChatLLM`, HuggingChat as a LlamaIndex LLM."""

from __future__ import annotations

from .base import HuggingChatLLM

__all__ = ["HuggingChatLLM"]
