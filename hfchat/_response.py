"""A response as the core sees it (status, headers, cookies, body, URL) and what an error
keeps of one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .config import redact_url

__all__ = ["Response", "ResponseInfo", "safe_headers"]


@dataclass(frozen=True, slots=True)
class ResponseInfo:
    """What an error keeps of a response: status, url and headers without cookies."""

    status_code: int
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Response:
    status_code: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes
    url: str

    @property
    def content_type(self) -> str:
        """The ``content-type`` header, or ``""``."""
        return self.headers.get("content-type", "")

    def info(self) -> ResponseInfo:
        """What an error keeps of this response (URL and headers without credentials)."""
        return ResponseInfo(self.status_code, redact_url(self.url), safe_headers(self.headers))


_SECRET_HEADERS = ("cookie", "authorization", "auth", "token", "session")
_COOKIE_PAIR = re.compile(r"(?i)\b(hf-chat|token|session|auth[a-z_-]*)=[^;,\s]+")


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers an error may keep: none that carries or echoes a credential (cookie
    and authorization headers are dropped; ``name=value`` cookie pairs and URL userinfo in any
    other value are replaced by ``***``)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if any(word in key for word in _SECRET_HEADERS):
            continue
        out[key] = redact_url(_COOKIE_PAIR.sub(r"\1=***", value))
    return out
