"""Incremental line decoding for the answer streams (sans-I/O), linear in the bytes received.

:class:`LineBuffer` turns bytes, in any chunking, into complete ``\\n``-terminated lines. Like
h11's receive buffer it keeps the unfinished line in one growing ``bytearray`` and searches only
the bytes that just arrived, so an 8 MiB line fed in 16 KiB chunks costs one pass over its bytes
(joining the whole buffer per chunk, as before, was quadratic). ``scanned`` counts the bytes
searched (the work done), for tests and benchmarks.

:class:`LineDecoder` is the NDJSON reader of the message-update stream on top of it: UTF-8 is
only decoded per complete line (a ``\\n`` byte never occurs inside a multi-byte sequence), so
chunk edges inside a character are harmless. The 4096 spaces chat-ui writes after
``finalAnswer`` (with no newline) are white space around the next line. A line longer than
``max_line_bytes`` is refused with :class:`LineTooLong` instead of growing the buffer without
bound.
"""

from __future__ import annotations

from ..errors import ProtocolError

__all__ = ["DEFAULT_MAX_LINE_BYTES", "LineBuffer", "LineDecoder", "LineTooLong", "clean_line"]

DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024
_WHITESPACE = frozenset(b" \t\r\n\x0b\x0c")


class LineTooLong(ProtocolError):
    """A single line of a stream exceeded the limit."""


class LineBuffer:
    """Complete lines out of bytes in any chunking; the unfinished line is kept, capped."""

    __slots__ = ("_buf", "_max", "scanned")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_line_bytes
        self.scanned = 0

    @property
    def max_line_bytes(self) -> int:
        """The longest line accepted, in bytes."""
        return self._max

    @property
    def pending(self) -> int:
        """Bytes held of the unfinished line."""
        return len(self._buf)

    def split(self, data: bytes) -> list[bytes]:
        """The lines ``data`` completes (without their ``\\n``; blank ones included)."""
        self.scanned += len(data)
        buf = self._buf
        if buf:
            idx = data.find(b"\n")
            if idx < 0:
                buf += data
                if len(buf) > self._max:
                    self._over()
                return []
            buf += data[:idx]
            if len(buf) > self._max:
                self._over()
            first = bytes(buf)
            buf.clear()
            lines = data[idx + 1 :].split(b"\n")
            rest = lines.pop()
            lines.insert(0, first)
        else:
            lines = data.split(b"\n")
            rest = lines.pop()
            if len(data) > self._max and any(len(x) > self._max for x in lines):
                raise LineTooLong(f"a stream line exceeds {self._max} bytes")
        if rest:
            buf += rest
            if len(buf) > self._max:
                self._over()
        return lines

    def _over(self) -> None:
        buf = self._buf
        if buf[0] in _WHITESPACE:  # padding before a line does not count against the cap
            del buf[: len(buf) - len(buf.lstrip())]
        if len(buf) > self._max:
            buf.clear()
            raise LineTooLong(f"a stream line exceeds {self._max} bytes")

    def close(self) -> bytes:
        """End of stream: the unfinished remainder (possibly empty)."""
        rest = bytes(self._buf)
        self._buf.clear()
        return rest


def clean_line(line: bytes) -> bytes:
    """One NDJSON line stripped of white space (empty when blank)."""
    if line and (line[0] in _WHITESPACE or line[-1] in _WHITESPACE):
        return line.strip()
    return line


class LineDecoder:
    """NDJSON lines of the message-update stream: complete, non-blank, stripped."""

    __slots__ = ("_lines",)

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._lines = LineBuffer(max_line_bytes)

    @property
    def max_line_bytes(self) -> int:
        """The longest line accepted, in bytes."""
        return self._lines.max_line_bytes

    @property
    def scanned(self) -> int:
        """Bytes searched for line ends so far (the work done)."""
        return self._lines.scanned

    def feed(self, data: bytes) -> list[bytes]:
        """Complete, non-blank lines (stripped) found so far."""
        out = []
        for line in self._lines.split(data):
            line = clean_line(line)
            if line:
                out.append(line)
        return out

    def close(self) -> bytes | None:
        """End of stream: the non-blank remainder (a last line without a newline), if any."""
        rest = self._lines.close().strip()
        return rest or None
