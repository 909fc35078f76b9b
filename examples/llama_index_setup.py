"""Shared set-up of the LlamaIndex examples (not an example itself).

* :func:`example_llm`: a :class:`HuggingChatLLM` for the real HuggingChat when
  ``HUGGINGCHAT_COOKIE`` is set, else for the hfchat emulator started in-process, with the
  example's replies scripted (the emulator's models cannot read documents or call tools, so the
  examples tell it what to answer). It prints which one it uses.
* :class:`HashEmbedding`: a tiny offline embedding (feature hashing of words) so that the RAG
  examples download nothing. It is a stand-in: use a real LlamaIndex embedding model in practice.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from llama_index_hfchat import HuggingChatLLM

DATA_DIR = Path(__file__).resolve().parent / "data"


def example_llm(stack: contextlib.ExitStack, *scripted_replies: str) -> HuggingChatLLM:
    """The LLM of an example; closed (and its conversations deleted) when ``stack`` closes."""
    if os.environ.get("HUGGINGCHAT_COOKIE"):
        print("Using HuggingChat (HUGGINGCHAT_COOKIE is set)\n")
        llm = HuggingChatLLM(model=os.environ.get("HUGGINGCHAT_MODEL"), cleanup_on_close=True)
    else:
        from hfchat.testing import FakeHuggingChat

        fake = stack.enter_context(FakeHuggingChat())
        fake.script(*scripted_replies)
        print(f"Using the embedded HuggingChat emulator at {fake.base_url} (scripted replies)\n")
        llm = HuggingChatLLM(base_url=fake.base_url, model="fake/echo")
    stack.callback(llm.close)
    return llm


class HashEmbedding(BaseEmbedding):
    """Bag-of-words feature hashing: deterministic, offline, enough for a few documents."""

    dim: int = 512

    @classmethod
    def class_name(cls) -> str:
        return "HashEmbedding"

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            if len(word) > 2:
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                vec[int.from_bytes(digest, "big") % self.dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)
