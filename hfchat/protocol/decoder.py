"""Incremental NDJSON line decoder for the message-update stream (sans-I/O).

Bytes go in, in any chunking; complete lines come out. UTF-8 is only decoded per complete
line (a ``\\n`` byte never occurs inside a multi-byte sequence), so chunk edges inside a
character are harmless. The 4096 spaces chat-ui writes after ``finalAnswer`` (with no newline)
are white space around the next line. A line longer than ``max_line_bytes`` is refused
instead of growing the buffer without bound.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_LINE_BYTES", "LineDecoder", "LineTooLong"]

DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024


class LineTooLong(Exception):
    """A single update line exceeded the limit."""


class LineDecoder:
    __slots__ = ("_buf", "_max")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._buf = b""
        self._max = max_line_bytes

    @property
    def max_line_bytes(self) -> int:
        return self._max

    def feed(self, data: bytes) -> list[bytes]:
        """Complete, non-blank lines (stripped) found so far."""
        if self._buf:
            data = self._buf + data
            self._buf = b""
        lines = data.split(b"\n")
        rest = lines.pop()
        if rest:
            self._buf = self._check(rest)
        out = []
        for line in lines:
            if line and not line.isspace():
                out.append(line.strip() if line[0] == 32 or line[-1] in (13, 32) else line)
        return out

    def _check(self, rest: bytes) -> bytes:
        if len(rest) > self._max:
            stripped = rest.lstrip()
            if len(stripped) > self._max:
                raise LineTooLong(f"an update line exceeds {self._max} bytes")
            return stripped
        return rest

    def close(self) -> bytes | None:
        """End of stream: the non-blank remainder (a last line without a newline), if any."""
        rest, self._buf = self._buf.strip(), b""
        return rest or None
