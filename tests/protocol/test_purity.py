"""The protocol layer is pure: no clock, randomness or UUIDs inside; the caller passes them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hfchat.protocol
from hfchat.errors import ConfigurationError
from hfchat.protocol import routes
from hfchat.protocol.classify import parse_retry_after

PROTOCOL = Path(hfchat.protocol.__file__).parent
FORBIDDEN_MODULES = {"uuid", "random", "secrets", "time"}
FORBIDDEN_CALLS = {"urandom", "now", "utcnow", "today", "uuid4", "time", "monotonic"}


@pytest.mark.parametrize("path", sorted(PROTOCOL.glob("*.py")), ids=lambda p: p.name)
def test_no_clock_or_randomness_in_protocol(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN_MODULES
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in FORBIDDEN_MODULES
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in FORBIDDEN_CALLS, (path.name, node.lineno)


def _send(**kw: object) -> routes.Request:
    args: dict[str, object] = {
        "parent_id": "p",
        "inputs": "hi",
        "generation": "2026",
        "generation_id": "gen-1",
        "boundary": "bnd",
    }
    args.update(kw)
    req, _ = routes.send_message("a" * 24, **args)  # type: ignore[arg-type]
    return req


def test_send_message_is_deterministic_in_its_inputs() -> None:
    assert _send().body == _send().body
    assert _send().headers["content-type"] == "multipart/form-data; boundary=bnd"
    assert b"--bnd\r\n" in (_send().body or b"") and b'"generationId": "gen-1"' in (
        _send().body or b""
    )
    with pytest.raises(ConfigurationError):
        _send(generation_id=None)
    with pytest.raises(ConfigurationError):
        _send(boundary="bad boundary\r\n")


def test_retry_after_dates_use_the_callers_clock() -> None:
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(date, now=1445412470.0) == 10.0
    assert parse_retry_after(date, now=1445412490.0) == 0.0
    assert parse_retry_after(date) == 0.0
