"""Request bodies and cookies as chat-ui reads them: ``multipart/form-data`` parts (the send
route's ``data`` and ``files``) and the ``Cookie`` header."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Part", "parse_cookies", "parse_multipart"]


@dataclass
class Part:
    """One ``multipart/form-data`` part."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


_PARAM = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def _params(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, raw in _PARAM.findall(value):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        out[key.lower()] = raw
    return out


def parse_multipart(body: bytes, content_type: str) -> list[Part] | None:
    """Split a ``multipart/form-data`` body; ``None`` when it is not valid multipart."""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    boundary = _params(content_type).get("boundary")
    if not boundary:
        return None
    delimiter = b"--" + boundary.encode("latin-1")
    sections = body.split(delimiter)
    if len(sections) < 3:
        return None
    parts: list[Part] = []
    for section in sections[1:-1]:
        if section.startswith(b"\r\n"):
            section = section[2:]
        head, sep, data = section.partition(b"\r\n\r\n")
        if not sep:
            return None
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip().lower()] = value.strip()
        disposition = _params(headers.get("content-disposition", ""))
        field_name = disposition.get("name")
        if field_name is None:
            return None
        parts.append(
            Part(field_name, disposition.get("filename"), headers.get("content-type"), data)
        )
    return parts


def parse_cookies(header: str) -> dict[str, str]:
    """The cookies of a ``Cookie`` header (the first value of a repeated name wins)."""
    cookies: dict[str, str] = {}
    for item in header.split(";"):
        name, eq, value = item.strip().partition("=")
        if eq and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies
