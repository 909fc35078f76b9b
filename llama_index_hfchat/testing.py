"""Offline helpers for testing LlamaIndex pipelines against the emulator
(:class:`hfchat.testing.FakeHuggingChat`)."""

from __future__ import annotations

import hashlib
import math
import re

from llama_index.core.base.embeddings.base import BaseEmbedding

__all__ = ["HashEmbedding"]

_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedding(BaseEmbedding):
    """Bag-of-words feature hashing: deterministic, offline, good enough to rank a few
    documents in a RAG test (no model is downloaded)."""

    dim: int = 512

    @classmethod
    def class_name(cls) -> str:
        """The name LlamaIndex serializes this embedding under."""
        return "HashEmbedding"

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in _WORD.findall(text.lower()):
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
