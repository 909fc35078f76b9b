"""Server-sent events of a streamed completion: ``data: <chunk JSON>\\n\\n``, then
``data: [DONE]\\n\\n``.

The per-delta path writes a precomputed chunk prefix and suffix around the JSON of the delta
(one ``json.dumps`` of a one-key dict per batch of tokens); the first and last chunks are built
as whole dicts.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C escaper json.dumps uses
from typing import Any

__all__ = ["DONE", "ChunkWriter", "event"]

DONE = b"data: [DONE]\n\n"
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def event(payload: dict[str, Any]) -> bytes:
    """One SSE event holding ``payload`` as JSON."""
    return b"data: " + _dumps(payload).encode() + b"\n\n"


class ChunkWriter:
    """Serialises the chunks of one streamed completion."""

    __slots__ = ("_base", "_prefix", "_suffix")

    def __init__(self, completion_id: str, created: int, model: str) -> None:
        self._base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": None,
        }
        head = _dumps(self._base)[:-1]  # without the closing brace
        self._prefix = ("data: " + head + ',"choices":[{"index":0,"delta":').encode()
        self._suffix = b',"logprobs":null,"finish_reason":null}]}\n\n'

    def delta(self, content: str | None = None, reasoning: str | None = None) -> bytes:
        """A chunk carrying answer text and/or reasoning text."""
        if content and not reasoning:  # the common case, without building a dict
            return b"".join(
                (
                    self._prefix,
                    b'{"content":',
                    encode_basestring(content).encode(),
                    b"}",
                    self._suffix,
                )
            )
        d: dict[str, str] = {}
        if content:
            d["content"] = content
        if reasoning:
            d["reasoning_content"] = reasoning
        return self._prefix + _dumps(d).encode() + self._suffix

    def chunk(
        self,
        delta: dict[str, Any],
        finish_reason: str | None = None,
        **extra: Any,
    ) -> bytes:
        """A chunk with any delta, a finish reason, and extra top-level fields."""
        payload = dict(self._base)
        payload["choices"] = [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        ]
        payload.update(extra)
        return event(payload)
