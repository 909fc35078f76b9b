"""Streaming ``<think>…</think>`` splitter (2026 servers fold reasoning into the answer tokens).

Rules (protocol.md §4): a ``<think>`` at the start of the answer, after optional white space,
opens a reasoning block that ends at ``</think>``; a tag may be split across tokens, so a suffix
that could start a tag is held back until the next token decides it; a block still open at the
end of the stream is all reasoning.
"""

from __future__ import annotations

__all__ = ["CLOSE", "OPEN", "ThinkSplitter", "split_think", "strip_think"]

OPEN = "<think>"
CLOSE = "</think>"

_START, _THINK, _TEXT = 0, 1, 2


def _held_suffix(buf: str, tag: str) -> int:
    """Length of the longest suffix of ``buf`` that is a proper prefix of ``tag``."""
    for n in range(min(len(tag) - 1, len(buf)), 0, -1):
        if tag.startswith(buf[-n:]):
            return n
    return 0


class ThinkSplitter:
    """Feed tokens, get ``(reasoning, text)`` pairs back; :meth:`flush` at the end."""

    __slots__ = ("_buf", "_state")

    def __init__(self) -> None:
        self._state = _START
        self._buf = ""

    @property
    def in_text(self) -> bool:
        """True once the reasoning is over (or there was none): tokens are text from now on."""
        return self._state == _TEXT

    def feed(self, token: str) -> tuple[str, str]:
        """``(reasoning, text)`` of one token; a partial ``<think>``/``</think>`` tag at its end
        is held back until the next token decides it.
        """
        if self._state == _TEXT:
            return "", token
        buf = self._buf + token
        if self._state == _START:
            stripped = buf.lstrip()
            if not stripped or (len(stripped) < len(OPEN) and OPEN.startswith(stripped)):
                self._buf = buf
                return "", ""
            if not stripped.startswith(OPEN):
                self._state = _TEXT
                self._buf = ""
                return "", buf
            self._state = _THINK
            buf = stripped[len(OPEN) :]
        # inside a reasoning block
        end = buf.find(CLOSE)
        if end >= 0:
            self._state = _TEXT
            self._buf = ""
            return buf[:end], buf[end + len(CLOSE) :]
        hold = _held_suffix(buf, CLOSE)
        if hold:
            self._buf = buf[-hold:]
            return buf[:-hold], ""
        self._buf = ""
        return buf, ""

    def flush(self) -> tuple[str, str]:
        """End of stream: what is held back is reasoning inside a block, text otherwise."""
        buf, self._buf = self._buf, ""
        if self._state == _THINK:
            return buf, ""
        if self._state == _START and buf:
            self._state = _TEXT
        return "", buf


def split_think(text: str) -> tuple[str, str]:
    """Split a whole answer into ``(reasoning, answer)``."""
    splitter = ThinkSplitter()
    r1, t1 = splitter.feed(text)
    r2, t2 = splitter.flush()
    return r1 + r2, t1 + t2


def strip_think(text: str) -> str:
    """A title or stored text without its reasoning block, trimmed."""
    return split_think(text)[1].strip()
