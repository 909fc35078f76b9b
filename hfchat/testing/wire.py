"""Byte-level encoders the emulator writes with, matching what chat-ui puts on the wire.

- :func:`update_line`: one message update as ``JSON.stringify(update) + "\\n"`` (compact, non-ASCII
  kept, control characters such as NUL escaped as ``\\u0000``).
- :func:`pad_token`: right-pad a stream token with NUL to 16 UTF-16 code units.
- :func:`superjson`: the ``{"json": ..., "meta": ...}`` envelope of the 2026 ``/api/v2`` routes.
- :func:`devalue`: SvelteKit's flat ``devalue`` array used by 2024 ``__data.json`` nodes.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

__all__ = [
    "UNDEFINED",
    "DevaluePromise",
    "ObjectId",
    "devalue",
    "http_date",
    "iso",
    "js_json",
    "new_object_id",
    "now",
    "pad_token",
    "superjson",
    "update_line",
    "utf16_len",
    "utf16_prefix",
]

SPACES_4096 = b" " * 4096


class _Undefined:
    """JavaScript ``undefined``: ``null`` in JSON, tagged ``["undefined"]`` by superjson."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()


class ObjectId:
    """A MongoDB ObjectId value. Compared by identity, like a JS object (superjson refs)."""

    __slots__ = ("hex",)

    def __init__(self, hex_value: str) -> None:
        self.hex = hex_value

    def __repr__(self) -> str:
        return f"ObjectId({self.hex!r})"


class DevaluePromise:
    """SvelteKit's streamed-promise placeholder, serialised by devalue as ``["Promise", id]``."""

    __slots__ = ("id",)

    def __init__(self, promise_id: int) -> None:
        self.id = promise_id


_oid_counter = int.from_bytes(os.urandom(3), "big")
_oid_process = os.urandom(5).hex()


def new_object_id() -> str:
    """A fresh 24-hex-digit ObjectId (timestamp, process bytes, counter)."""
    global _oid_counter
    _oid_counter = (_oid_counter + 1) % 0xFFFFFF
    return f"{int(time.time()):08x}{_oid_process}{_oid_counter:06x}"


def now() -> datetime:
    """Current UTC time, truncated to milliseconds like a JS ``Date``."""
    t = datetime.now(timezone.utc)
    return t.replace(microsecond=t.microsecond - t.microsecond % 1000)


def iso(value: datetime) -> str:
    """``Date.prototype.toISOString()``: ``2026-11-24T07:06:49.086Z``."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def http_date(offset: timedelta | None = None) -> str:
    """An IMF-fixdate (``Tue, 24 Nov 2026 07:06:49 GMT``), optionally shifted."""
    value = datetime.now(timezone.utc) + (offset or timedelta())
    return format_datetime(value, usegmt=True)


def js_json(value: Any) -> str:
    """``JSON.stringify(value)``: compact, non-ASCII kept, control characters escaped."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def update_line(update: dict[str, Any]) -> bytes:
    """One NDJSON message-update line."""
    return (js_json(update) + "\n").encode("utf-8", "replace")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (JavaScript ``string.length``)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_prefix(text: str, units: int) -> str:
    """The first ``units`` UTF-16 code units of ``text`` (``string.slice(0, units)``)."""
    if text.isascii():
        return text[: max(units, 0)]
    raw = text.encode("utf-16-le", "surrogatepass")[: max(units, 0) * 2]
    return raw.decode("utf-16-le", "ignore")


def pad_token(token: str) -> str:
    """``token.padEnd(16, "\\0")``: tokens of 16 code units or more are unchanged."""
    missing = 16 - utf16_len(token)
    return token + "\0" * missing if missing > 0 else token


# --- superjson ---------------------------------------------------------------------------------


def _escape_path_key(key: str) -> str:
    return key.replace("\\", "\\\\").replace(".", "\\.")


def superjson(value: Any) -> dict[str, Any]:
    """Serialise like ``superjson.serialize``: dates, ``undefined`` and ObjectIds are annotated."""
    annotations: dict[str, Any] = {}
    first_seen: dict[int, str] = {}
    equalities: dict[str, list[str]] = {}

    def walk(item: Any, path: str) -> Any:
        if item is UNDEFINED:
            annotations[path] = ["undefined"]
            return None
        if isinstance(item, datetime):
            annotations[path] = ["Date"]
            return iso(item)
        if isinstance(item, ObjectId):
            annotations[path] = [["custom", "ObjectId"]]
            if id(item) in first_seen:
                equalities.setdefault(first_seen[id(item)], []).append(path)
            else:
                first_seen[id(item)] = path
            return item.hex
        if isinstance(item, dict):
            prefix = f"{path}." if path else ""
            return {k: walk(v, prefix + _escape_path_key(k)) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            prefix = f"{path}." if path else ""
            return [walk(v, f"{prefix}{i}") for i, v in enumerate(item)]
        return item

    result: dict[str, Any] = {"json": walk(value, "")}
    if annotations or equalities:
        meta: dict[str, Any] = {}
        if annotations:
            meta["values"] = annotations
        if equalities:
            meta["referentialEqualities"] = equalities
        meta["v"] = 1
        result["meta"] = meta
    return result


# --- devalue -----------------------------------------------------------------------------------

_DEVALUE_ESCAPES = {
    '"': '\\"',
    "<": "\\u003C",
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _devalue_string(text: str) -> str:
    out = []
    for ch in text:
        rep = _DEVALUE_ESCAPES.get(ch)
        if rep is None and ch < " ":
            rep = f"\\u{ord(ch):04x}"
        out.append(rep if rep is not None else ch)
    return '"' + "".join(out) + '"'


def devalue(value: Any) -> str:
    """``devalue.stringify(value)``: a flat JSON array where values are indexes into it.

    Equal primitives share one slot; containers and dates get their own slot per object.
    """
    slots: list[str] = []
    primitive_index: dict[tuple[str, Any], int] = {}
    object_index: dict[int, int] = {}

    def flatten(item: Any) -> int:
        if item is UNDEFINED:
            return -1
        if isinstance(item, float) and item != item:
            return -3
        is_container = isinstance(item, (dict, list, tuple, DevaluePromise))
        if is_container:
            if id(item) in object_index:
                return object_index[id(item)]
        elif not isinstance(item, datetime):  # every Date gets its own slot
            key = (type(item).__name__, item)
            if key in primitive_index:
                return primitive_index[key]
        index = len(slots)
        slots.append("")
        if is_container:
            object_index[id(item)] = index
        elif not isinstance(item, datetime):
            primitive_index[(type(item).__name__, item)] = index
        if isinstance(item, dict):
            body = ",".join(f"{_devalue_string(k)}:{flatten(v)}" for k, v in item.items())
            text = "{" + body + "}"
        elif isinstance(item, (list, tuple)):
            text = "[" + ",".join(str(flatten(v)) for v in item) + "]"
        elif isinstance(item, datetime):
            text = f'["Date","{iso(item)}"]'
        elif isinstance(item, DevaluePromise):
            text = f'["Promise",{item.id}]'
        elif isinstance(item, str):
            text = _devalue_string(item)
        elif item is None or isinstance(item, (bool, int, float)):
            text = js_json(item)
        else:
            raise TypeError(f"devalue cannot serialise {type(item).__name__}")
        slots[index] = text
        return index

    flatten(value)
    return "[" + ",".join(slots) + "]"
