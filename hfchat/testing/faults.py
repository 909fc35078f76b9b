"""Injectable faults: what can go wrong between a client and chat-ui, on demand.

``fake.inject(name, times=1, route=None, **options)`` queues a :class:`Fault`. Each matching request
consumes one use; ``times=None`` keeps the fault until :meth:`FaultBook.clear`.

Routes (what a fault matches): ``create`` (POST /conversation), ``post`` (message send),
``read`` (conversation reads and lists), ``list`` (conversation lists only), ``models``,
``stop``, ``delete``, ``share``, ``user``, ``stream`` (GET .../stream replay) and ``any``.

Request-level faults (answer instead of the route): ``http``, ``html_login``. ``http`` with
``processed=True`` runs the route first and answers with the fault only once the route has done
its work (a refusal, status 400 or more, goes out as it is): a message send has stored its user
and assistant messages, and its generation runs on with nobody reading, like a gateway timing
out in front of a server that carries on.
Stream faults (shape the message-update stream of a send): ``stream_error``, ``cut``,
``truncated_final``, ``malformed_line``, ``huge_line``, ``stall``, ``unknown_update``,
``elicitation``, ``chunking``. Several stream faults can act on the same stream.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FAULT_NAMES",
    "FAULT_OPTIONS",
    "REQUEST_FAULTS",
    "ROUTES",
    "STREAM_FAULTS",
    "Fault",
    "FaultBook",
    "RandomChunker",
]

REQUEST_FAULTS = ("http", "html_login")
STREAM_FAULTS = (
    "stream_error",
    "cut",
    "truncated_final",
    "malformed_line",
    "huge_line",
    "stall",
    "unknown_update",
    "elicitation",
    "chunking",
)
FAULT_NAMES = REQUEST_FAULTS + STREAM_FAULTS
ROUTES = (
    "create",
    "post",
    "read",
    "list",
    "models",
    "stop",
    "delete",
    "share",
    "user",
    "stream",
    "any",
)

#: Accepted options and their defaults, per fault name.
FAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "http": {
        "status": 500,
        "body": None,
        "retry_after": None,
        "content_type": None,
        "headers": None,
        "processed": False,
    },
    "html_login": {"mode": "page"},
    "stream_error": {"status_code": 500, "after_tokens": 1, "message": None},
    "cut": {"after_tokens": 1},
    "truncated_final": {},
    "malformed_line": {"after_tokens": 1},
    "huge_line": {"size": 10 * 1024 * 1024, "after_tokens": 0},
    "stall": {"after_tokens": 1, "seconds": 30.0, "keep_alive": False},
    "unknown_update": {"every": 1},
    "elicitation": {"after_tokens": 0},
    "chunking": {"seed": 0, "min_size": 1, "max_size": 7},
}

_LOGIN_MODES = ("page", "redirect", "oauth")
_NATURAL_ROUTE = {"http": "post", "html_login": "any"}


@dataclass
class Fault:
    """One injected fault. ``options`` holds every option with its default filled in."""

    name: str
    route: str
    remaining: int | None
    options: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.options[key]


class FaultBook:
    """Thread-safe queue of injected faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self, name: str, times: int | None = 1, route: str | None = None, **options: Any
    ) -> Fault:
        """Add a fault ``name`` (see ``FAULT_OPTIONS``) for ``times`` uses (None: every time) on
        ``route`` (default: the fault's natural route); raises ``ValueError`` for an unknown
        fault or route and ``TypeError`` for an option the fault does not take.
        """
        if name not in FAULT_OPTIONS:
            raise ValueError(f"unknown fault {name!r}; expected one of {', '.join(FAULT_NAMES)}")
        route = route or _NATURAL_ROUTE.get(name, "post")
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; expected one of {', '.join(ROUTES)}")
        if times is not None and times < 1:
            raise ValueError("times must be a positive integer or None (unlimited)")
        defaults = FAULT_OPTIONS[name]
        unknown = set(options) - set(defaults)
        if unknown:
            raise TypeError(f"fault {name!r} takes no option(s) {', '.join(sorted(unknown))}")
        if name == "html_login" and options.get("mode", "page") not in _LOGIN_MODES:
            raise ValueError("html_login mode must be 'page', 'redirect' or 'oauth'")
        fault = Fault(name=name, route=route, remaining=times, options={**defaults, **options})
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """The faults that still have uses left, in order of injection."""
        with self._lock:
            return list(self._faults)

    def take(self, route: str, names: tuple[str, ...]) -> list[Fault]:
        """Consume one use of the first matching fault of each name in ``names``."""
        taken: list[Fault] = []
        with self._lock:
            for fault in list(self._faults):
                if fault.name not in names or any(t.name == fault.name for t in taken):
                    continue
                if fault.route not in ("any", route) and not (
                    fault.route == "read" and route == "list"
                ):
                    continue
                taken.append(fault)
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
        return taken


class RandomChunker:
    """Splits a byte stream into seeded random pieces of ``min_size..max_size`` bytes.

    Pieces ignore line and UTF-8 boundaries; a remainder shorter than the next piece size waits
    for the next write (so pieces also span lines) until :meth:`flush`.
    """

    def __init__(self, seed: int = 0, min_size: int = 1, max_size: int = 7) -> None:
        if min_size < 1 or max_size < min_size:
            raise ValueError("chunking needs 1 <= min_size <= max_size")
        self._rng = random.Random(seed)
        self._min = min_size
        self._max = max_size
        self._pending = b""
        self._next = self._rng.randint(min_size, max_size)

    def split(self, data: bytes) -> list[bytes]:
        """``data`` cut into pieces of seeded random sizes; a short rest waits for more data."""
        buf = self._pending + data
        out: list[bytes] = []
        pos = 0
        while len(buf) - pos >= self._next:
            out.append(buf[pos : pos + self._next])
            pos += self._next
            self._next = self._rng.randint(self._min, self._max)
        self._pending = buf[pos:]
        return out

    def flush(self) -> list[bytes]:
        """The rest held back by :meth:`split`."""
        rest, self._pending = self._pending, b""
        return [rest] if rest else []
