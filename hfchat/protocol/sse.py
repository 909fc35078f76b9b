"""Incremental Server-Sent Events decoder (sans-I/O) for the 2026 replay route
``GET /conversation/{cid}/stream?fromSeq=N`` (capture head/07): ``event: update`` carries one
message update as ``data``, ``event: end`` carries ``{"status": ...}``; ``:`` lines are
heartbeats."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEDecoder", "SSEEvent"]


@dataclass(slots=True)
class SSEEvent:
    event: str
    data: str
    id: str | None = None


class SSEDecoder:
    __slots__ = ("_buf", "_data", "_event", "_id")

    def __init__(self) -> None:
        self._buf = b""
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        self._buf += chunk
        *lines, self._buf = self._buf.split(b"\n")
        out: list[SSEEvent] = []
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8", "replace")
            if not line:
                if self._data or self._event:
                    out.append(SSEEvent(self._event or "message", "\n".join(self._data), self._id))
                self._event, self._data = "", []
                continue
            if line.startswith(":"):
                continue  # heartbeat / comment
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                self._data.append(value)
            elif name == "event":
                self._event = value
            elif name == "id":
                self._id = value
        return out
