"""Load a recorded chat-ui response (headers file + body file) from tests/fixtures/chat-ui."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "chat-ui"


@dataclass
class Capture:
    name: str
    request: str
    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes


def load(folder: str, prefix: str) -> Capture:
    matches = sorted((ROOT / folder).glob(f"{prefix}*.headers.txt"))
    assert matches, f"no capture {folder}/{prefix}"
    head = matches[0]
    stem = head.name[: -len(".headers.txt")]
    bodies = [p for p in (ROOT / folder).glob(f"{stem}.*") if not p.name.endswith(".headers.txt")]
    lines = head.read_text(encoding="utf-8").splitlines()
    request = lines[0].removeprefix("# request: ")
    status = int(lines[1].split()[1])
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for line in lines[2:]:
        if ":" not in line:
            continue
        k, v = line.split(":", 1)
        if k.lower() == "set-cookie":
            cookies.append(v.strip())
        else:
            headers[k.lower()] = v.strip()
    return Capture(
        stem, request, status, headers, cookies, bodies[0].read_bytes() if bodies else b""
    )


def all_streams() -> list[Path]:
    return sorted(ROOT.glob("*/*.ndjson"))
