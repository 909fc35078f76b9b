"""Client-side stop sequences, shared by the LangChain adapter and the gateway: the answer ends
before the first stop sequence."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["StopCutter"]


class StopCutter:
    """Cuts an answer at the first of ``stops``.

    Streaming: :meth:`feed` returns the text that is certainly before any stop sequence and
    holds back a tail that could begin one; :meth:`flush` releases that tail at the end.
    ``done`` turns true once a stop sequence was seen.
    """

    __slots__ = ("_held", "_keep", "_stops", "done")

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = [s for s in stops if s]
        self._keep = max((len(s) for s in self._stops), default=1) - 1
        self._held = ""
        self.done = False

    def __bool__(self) -> bool:
        return bool(self._stops)

    def cut(self, text: str) -> tuple[str, bool]:
        """``text`` up to the first stop sequence, and whether one was found."""
        hits = [i for i in (text.find(s) for s in self._stops) if i >= 0]
        return (text[: min(hits)], True) if hits else (text, False)

    def feed(self, text: str) -> str:
        """The part of ``text`` that can be sent now (text that may begin a stop sequence is
        held back; nothing after a stop sequence is ever returned)."""
        if self.done:
            return ""
        buf = self._held + text
        out, hit = self.cut(buf)
        if hit:
            self.done = True
            self._held = ""
            return out
        keep = 0
        for n in range(min(self._keep, len(buf)), 0, -1):
            tail = buf[-n:]
            if any(s.startswith(tail) for s in self._stops):
                keep = n
                break
        self._held = buf[len(buf) - keep :]
        return buf[: len(buf) - keep]

    def flush(self) -> str:
        """The held text at the end of the answer (none once a stop sequence was seen)."""
        held, self._held = self._held, ""
        return "" if self.done else held
