"""Helpers of the LlamaIndex adapter tests."""

from __future__ import annotations

import hashlib
import math
import re

from llama_index.core.base.embeddings.base import BaseEmbedding

from hfchat.testing import FakeHuggingChat, RecordedRequest


class HashEmbedding(BaseEmbedding):
    """Bag-of-words feature hashing: deterministic, offline, good enough to rank a handful of
    short documents by shared words."""

    dim: int = 256

    @classmethod
    def class_name(cls) -> str:
        return "HashEmbedding"

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            if len(word) < 3:
                continue
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
            vec[h % self.dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)


def posts(fake: FakeHuggingChat) -> list[RecordedRequest]:
    """The message sends the emulator received, oldest first."""
    return [r for r in fake.requests if r.route == "post"]


def creates(fake: FakeHuggingChat) -> list[RecordedRequest]:
    """The conversation creations the emulator received, oldest first."""
    return [r for r in fake.requests if r.route == "create"]
