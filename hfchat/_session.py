"""A client's state without sockets: its configuration, session cookies and the headers of
every request (the base class of :class:`~hfchat._core.ClientCore`).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import uuid
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import __version__
from .auth import COOKIE_NAME, CookieSource, SessionCookies, resolve_cookies
from .config import ClientConfig
from .conversations import (
    ConversationIndex,
)
from .errors import (
    InsecureTransportError,
)
from .protocol.routes import Request

if TYPE_CHECKING:
    from .protocol.records import ModelInfo

__all__ = ["CoreSession", "is_loopback", "user_agent"]

log = logging.getLogger("hfchat")


def is_loopback(host: str) -> bool:
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class CoreSession:
    """Configuration, cookies and request headers of one client; no sockets."""

    def __init__(self, *, hf_chat_cookie: CookieSource = None, **options: Any) -> None:
        """``options``: the :class:`~hfchat.config.ClientOptions` (validated into
        :attr:`config`, a :class:`~hfchat.config.ClientConfig`, before any I/O)."""
        self.config = ClientConfig.from_options(**options)
        cfg = self.config
        self.login_attempted = False
        self.welcome_accepted = False
        self.origin = cfg.origin
        host = urlsplit(cfg.base_url).hostname or ""
        self._secure = cfg.base_url.startswith("https://") or is_loopback(host)
        cookies, source = resolve_cookies(hf_chat_cookie, cfg.base_url)
        if source == "anonymous":
            # chat-ui keys a session on whatever secret the cookie holds and mints one only
            # for a request without it; minting it here means concurrent first requests share
            # one anonymous session instead of racing for the server's set-cookie.
            cookies = {COOKIE_NAME: str(uuid.uuid4())}
        self.cookies = SessionCookies(cookies, source)
        self.index = ConversationIndex(cfg.conversation_cache_size)
        self.lock = threading.RLock()
        # learned from the server, cached per client
        self.generation: str | None = None  # "2026" or "2024"
        self.v2_reads: bool | None = None
        self.models: list[ModelInfo] | None = None
        # with cleanup_on_close every created conversation is kept until deleted; otherwise
        # only the newest ids are (nothing needs them all, and a long-lived client must not grow)
        self.created: deque[str] = deque(
            maxlen=None if cfg.cleanup_on_close else cfg.limits.max_tracked_conversations
        )
        self.message_limit: int | None = None  # learned from a "Message too long." refusal
        self.user_agent_headers = {"accept-language": "en-US,en;q=0.9"}

    def secrets(self) -> list[str]:
        """Every credential this client knows (cookie values, proxy and base-URL passwords):
        what is scrubbed from error bodies, headers and messages."""
        out = self.cookies.secrets()
        cfg = self.config
        if cfg.basic_auth is not None:
            out.extend(s for s in cfg.basic_auth if s)
        if cfg.proxy:
            parts = urlsplit(cfg.proxy)
            out.extend(s for s in (parts.password, parts.username) if s)
        return out

    def __repr__(self) -> str:
        return (
            f"ClientCore(base_url={self.config.base_url!r}, model={self.config.model!r}, "
            f"session={self.cookies.source!r})"
        )

    # -- requests and responses ---------------------------------------------------------------
    def url(self, req: Request) -> str:
        """The full URL of ``req`` on the configured base URL."""
        return self.config.base_url + req.path

    def headers(self, req: Request) -> dict[str, str]:
        """The headers of ``req``: defaults, ``Origin`` on writes, the session cookie; raises
        :class:`~hfchat.errors.InsecureTransportError` before a credential would go over plain
        http to a host that is not loopback (unless ``allow_insecure_http``).
        """
        headers = dict(self.user_agent_headers)
        headers.update(req.headers)
        headers.setdefault("accept", "application/json")
        if req.method not in ("GET", "HEAD", "OPTIONS"):
            headers["origin"] = self.origin
        if self.config.basic_auth is not None and not (
            self._secure or self.config.allow_insecure_http
        ):
            raise InsecureTransportError(
                "refusing to send the base URL's credentials over plain http to a host that is "
                "not loopback; use https or pass allow_insecure_http=True"
            )
        cookie = self.cookies.header()
        if cookie:
            if (
                not self._secure
                and not self.config.allow_insecure_http
                and (self.cookies.source != "anonymous")
            ):
                raise InsecureTransportError(
                    "refusing to send the session cookie over plain http to a host that is "
                    "not loopback; use https or pass allow_insecure_http=True"
                )
            headers["cookie"] = cookie
        return headers

    def absorb_cookies(self, set_cookies: list[str]) -> None:
        """Take the cookies a response set (under the client's lock)."""
        if set_cookies:
            with self.lock:
                self.cookies.absorb(set_cookies)

    def adopt_login(self, cookies: Mapping[str, str]) -> None:
        """Use the cookies a fresh browser login captured."""
        with self.lock:
            self.cookies = SessionCookies(cookies, "store")


def user_agent() -> str:
    return f"hfchat/{__version__}"
