"""Incremental Server-Sent Events decoder (sans-I/O) for the 2026 replay route
``GET /conversation/{cid}/stream?fromSeq=N`` (capture head/07): ``event: update`` carries one
message update as ``data``, ``event: end`` carries ``{"status": ...}``; ``:`` lines are
heartbeats.

Lines come from the same linear :class:`~hfchat.protocol.decoder.LineBuffer` as the NDJSON
stream, with the same cap: a line, or the data of one event, longer than ``max_line_bytes``
raises :class:`~hfchat.protocol.decoder.LineTooLong` (a ``ProtocolError``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .decoder import DEFAULT_MAX_LINE_BYTES, LineBuffer, LineTooLong

__all__ = ["SSEDecoder", "SSEEvent"]


@dataclass(slots=True)
class SSEEvent:
    """One dispatched event."""

    event: str
    data: str
    id: str | None = None


class SSEDecoder:
    """Bytes in any chunking → :class:`SSEEvent` list."""

    __slots__ = ("_data", "_event", "_id", "_lines", "_size")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._lines = LineBuffer(max_line_bytes)
        self._event = ""
        self._data: list[str] = []
        self._size = 0
        self._id: str | None = None

    @property
    def scanned(self) -> int:
        """Bytes searched for line ends so far (the work done)."""
        return self._lines.scanned

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """The events ``chunk`` completes."""
        out: list[SSEEvent] = []
        for raw in self._lines.split(chunk):
            line = raw.rstrip(b"\r").decode("utf-8", "replace")
            if not line:
                if self._data or self._event:
                    out.append(SSEEvent(self._event or "message", "\n".join(self._data), self._id))
                self._event, self._data, self._size = "", [], 0
                continue
            if line.startswith(":"):
                continue  # heartbeat / comment
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                self._size += len(raw)
                if self._size > self._lines.max_line_bytes:
                    self._data, self._size = [], 0
                    raise LineTooLong(f"an event's data exceeds {self._lines.max_line_bytes} bytes")
                self._data.append(value)
            elif name == "event":
                self._event = value
            elif name == "id":
                self._id = value
        return out
