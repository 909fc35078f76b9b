"""Status + body → typed error (protocol.md §7): one ordered rule table, one entry point.

Every failure the server reports reaches :func:`classify` at one of four stages:

``http``
    a non-success HTTP response (any route), JSON, text or SvelteKit's HTML error page;
``html``
    a success response that is an HTML page where data was expected (login wall, edge page);
``stream``
    a ``{"type": "status", "status": "error"}`` update (or an untyped error line) mid-stream;
``devalue``
    a 2024 ``__data.json`` node of ``type: "error"`` or ``"redirect"``.

:data:`RULES` is read top to bottom; the first rule whose stage, status, route and match all
fit builds the error. Each rule names the captures it was read from (``folder/stem`` of
``tests/fixtures/chat-ui/``, comma-separated), or the spec section when no capture shows it.
The error is built complete: message, status, scrubbed body excerpt, request, response and
partial output in one constructor call.

HTML never reaches a message: an HTML body (or one that looks like markup) is read with the
standard library's :mod:`html.parser` (bounded input) for its ``<title>``, ``<h1>`` and
``<span class="status">`` (SvelteKit's error page), and what is not found there is left out.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import (
    LOGIN_HINT,
    AuthenticationError,
    ConversationNotFoundError,
    HuggingChatError,
    MessageTooLongError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    RequestInfo,
    ServerError,
    StreamError,
    looks_like_markup,
)

__all__ = [
    "RULES",
    "ErrorFacts",
    "HtmlErrorPage",
    "Rule",
    "body_message",
    "classify",
    "classify_error",
    "is_login_page",
    "is_login_redirect",
    "parse_retry_after",
    "read_html_error",
    "scrub_body",
]

_LOGIN_LOCATION = re.compile(r"(/login\b|/oauth/authorize)", re.I)
_LOGIN_HTML = re.compile(rb"(sign[ -]?in|log[ -]?in|oauth)", re.I)
_SPACE = re.compile(r"\s+")
_HTML_READ_LIMIT = 64 * 1024
_MESSAGE_LIMIT = 300
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CONVERSATION_ROUTES = frozenset({"read", "send", "stop", "delete", "rename", "share", "file"})

SESSION_SOURCES = {
    "store": "the `hfchat login` store",
    "env": "HUGGINGCHAT_COOKIE",
    "argument": "the hf_chat_cookie argument",
}


# -- reading bodies ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HtmlErrorPage:
    """What an HTML error page says: ``<title>``, ``<h1>`` and SvelteKit's status span."""

    title: str | None
    heading: str | None
    status: int | None

    @property
    def message(self) -> str | None:
        """The human message (the heading, else the title)."""
        return self.heading or self.title


@functools.cache
def _error_page_parser() -> Any:
    """The HTML error-page parser class, built on first use (``html.parser`` loads lazily)."""
    from html.parser import HTMLParser

    class _ErrorPageParser(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.title: list[str] = []
            self.heading: list[str] = []
            self.status: list[str] = []
            self._in: str | None = None
            self._done: set[str] = set()

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "title" and "title" not in self._done:
                self._in = "title"
            elif tag == "h1" and "h1" not in self._done:
                self._in = "h1"
            elif tag == "span" and "status" not in self._done:
                classes = (dict(attrs).get("class") or "").split()
                if "status" in classes:
                    self._in = "status"

        def handle_endtag(self, tag: str) -> None:
            if self._in is not None and tag in ("title", "h1", "span"):
                self._done.add(self._in)
                self._in = None

        def handle_data(self, data: str) -> None:
            if self._in == "title":
                self.title.append(data)
            elif self._in == "h1":
                self.heading.append(data)
            elif self._in == "status":
                self.status.append(data)

    return _ErrorPageParser


def _squash(parts: list[str]) -> str | None:
    text = _SPACE.sub(" ", "".join(parts)).strip()
    if not text:
        return None
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "…"


def read_html_error(body: bytes | str) -> HtmlErrorPage:
    """Read an HTML error page (first 64 KiB only) for its title, heading and status."""
    text = (
        body[:_HTML_READ_LIMIT]
        if isinstance(body, str)
        else body[:_HTML_READ_LIMIT].decode("utf-8", "replace")
    )
    parser = _error_page_parser()()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # html.parser is lenient; never let a page break classification
        pass
    status_text = _squash(parser.status) or ""
    status = int(status_text) if status_text.isdigit() and len(status_text) == 3 else None
    return HtmlErrorPage(_squash(parser.title), _squash(parser.heading), status)


def body_message(body: bytes) -> str:
    """The human message of an error body: ``{"message"}``, ``{"error"}``, the text of an HTML
    page's heading or title, or the plain text. Never markup."""
    text = body[:2000].decode("utf-8", "replace").strip()
    if not text:
        return ""
    if text[0] in "{[":
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict):
            for key in ("message", "error"):
                msg = value.get(key)
                if isinstance(msg, dict):
                    msg = msg.get("message")
                if isinstance(msg, str):
                    return _plain(msg)
    if looks_like_markup(text):
        return read_html_error(body).message or ""
    return _plain(text)


def _plain(text: str) -> str:
    if looks_like_markup(text):
        text = read_html_error(text).message or ""
    text = text.strip()
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "…"


def scrub_body(body: bytes, secrets: Sequence[str]) -> bytes:
    """``body`` with every known secret (six characters or more) replaced by ``***``."""
    for s in secrets:
        if s and len(s) >= 6:
            body = body.replace(s.encode(), b"***")
    return body


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds, or an HTTP date against ``now``, a POSIX
    timestamp the caller reads from its clock; without it an HTTP date counts as 0)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if now is None:
        return 0.0
    from datetime import timezone

    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


def is_login_redirect(status: int, headers: Mapping[str, str]) -> bool:
    """A redirect to the login or OAuth page."""
    return status in _REDIRECTS and bool(_LOGIN_LOCATION.search(headers.get("location", "")))


def is_login_page(content_type: str, body: bytes) -> bool:
    """An HTML page that asks to sign in."""
    return "html" in content_type and bool(_LOGIN_HTML.search(body[:20000]))


# -- the rule table ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorFacts:
    """What the rules look at."""

    stage: str
    status: int | None
    route: str
    message: str
    low: str
    headers: Mapping[str, str]
    content_type: str
    body: bytes
    html: HtmlErrorPage | None
    now: float | None
    session_note: str = ""


Build = Callable[[ErrorFacts, dict[str, Any]], HuggingChatError]


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table: where it applies and the error it builds."""

    name: str
    capture: str
    stages: frozenset[str]
    build: Build
    status: frozenset[int] | None = None
    routes: frozenset[str] | None = None
    match: tuple[str, ...] = ()
    when: Callable[[ErrorFacts], bool] | None = None

    def applies(self, f: ErrorFacts) -> bool:
        """Does this rule fit the facts?"""
        if f.stage not in self.stages:
            return False
        if self.status is not None and f.status not in self.status:
            return False
        if self.routes is not None and f.route not in self.routes:
            return False
        if self.match and not any(m in f.low for m in self.match):
            return False
        return self.when is None or self.when(f)


def _s(*codes: int) -> frozenset[int]:
    return frozenset(codes)


_HTTP = frozenset({"http"})
_STREAM = frozenset({"stream"})
_DEVALUE = frozenset({"devalue"})
_HTML = frozenset({"html"})


def _rate_limit(f: ErrorFacts, kw: dict[str, Any]) -> HuggingChatError:
    retry_after = parse_retry_after(f.headers.get("retry-after"), f.now)
    limit: str | None = None
    message = f.message or "rate limited"
    if "too many messages" in f.low:
        # chat-ui's per-minute limit counts refused attempts too and sends no Retry-After:
        # the honest wait is a minute from the refused attempt (protocol.md §8)
        limit = "messagesPerMinute"
        retry_after = retry_after if retry_after is not None else 60.0
        message = (
            f"{message} (per-minute message limit: wait {retry_after:g} s before sending again;"
            " refused attempts count, so an earlier retry extends the block)"
        )
    elif "more than" in f.low and "messages" in f.low:
        limit = "messages"
    elif "conversations" in f.low:
        limit = "conversations"
    return RateLimitError(message, retry_after=retry_after, limit=limit, **kw)


def _too_long(f: ErrorFacts, kw: dict[str, Any]) -> HuggingChatError:
    found = re.search(r"(\d+)\s*(characters|chars|tokens)", f.low)
    limit = int(found.group(1)) if found else None
    return MessageTooLongError(f.message or "Message too long.", limit=limit, **kw)


def _auth(text: str) -> Build:
    def build(f: ErrorFacts, kw: dict[str, Any]) -> HuggingChatError:
        message = text.format(message=f.message or "login required")
        return AuthenticationError(f.session_note + message, **kw)

    return build


def _typed(cls: type[HuggingChatError], text: str) -> Build:
    def build(f: ErrorFacts, kw: dict[str, Any]) -> HuggingChatError:
        return cls(text.format(message=f.message, status=f.status), **kw)

    return build


def _welcome(f: ErrorFacts, kw: dict[str, Any]) -> HuggingChatError:
    return AuthenticationError(f.message, welcome_modal=True, **kw)


def _stream_auth(f: ErrorFacts, kw: dict[str, Any]) -> HuggingChatError:
    return AuthenticationError(f.session_note + f.message, **kw)


def _stream_rate(f: ErrorFacts, kw: dict[str, Any]) -> HuggingChatError:
    return RateLimitError(f.message, limit="upstream", **kw)


RULES: tuple[Rule, ...] = (
    # -- HTTP responses ------------------------------------------------------------------------
    Rule(
        "redirect to login",
        "protocol.md §7 (hosted HuggingChat's OAuth redirect)",
        _HTTP,
        _auth("the server redirected to its login page: " + LOGIN_HINT),
        status=_REDIRECTS,
        when=lambda f: is_login_redirect(f.status or 0, f.headers),
    ),
    Rule(
        "other redirect",
        "protocol.md §7",
        _HTTP,
        lambda f, kw: ProtocolError(
            f"unexpected redirect to {f.headers.get('location', '?')!r:.200}", **kw
        ),
        status=_REDIRECTS,
    ),
    Rule(
        "signed-in routes",
        "head/32-api-user-anonymous, v0.9.4/11-api-user-anonymous",
        _HTTP,
        _auth("not signed in: " + LOGIN_HINT),
        status=_s(401),
        routes=frozenset({"user"}),
    ),
    Rule(
        "login required",
        "protocol.md §7 (401; 2024 guest message cap)",
        _HTTP,
        _auth("{message}: " + LOGIN_HINT),
        when=lambda f: f.status == 401 or "exceeded number of messages before login" in f.low,
    ),
    Rule(
        "2024 welcome modal",
        "protocol.md §7 (2024 guests: 405 until the welcome modal is accepted)",
        _HTTP,
        _welcome,
        status=_s(405),
        match=("welcome modal",),
    ),
    Rule(
        "rate limit",
        "head/20-rate-limited-429, head/73-rate-limited-429-html, "
        "head/74-rate-limited-429-accept-json",
        _HTTP,
        _rate_limit,
        status=_s(429),
    ),
    Rule(
        "message too long",
        "head/50-post-message-too-long, head/70-post-message-too-long-html, "
        "head/71-post-message-too-long-accept-json",
        _HTTP,
        _too_long,
        status=_s(400, 413),
        match=("message too long",),
    ),
    Rule(
        "model gone",
        "protocol.md §7 (410: a retired or unlisted model)",
        _HTTP,
        _typed(ModelNotFoundError, "{message}"),
        when=lambda f: (
            f.status == 410
            or "model not available" in f.low
            or "invalid model" in f.low
            or "unlisted model" in f.low
        ),
    ),
    Rule(
        "create refuses the model",
        "head/21-create-unknown-model, v0.9.4/20-create-unknown-model",
        _HTTP,
        _typed(ModelNotFoundError, "the server refused the model ({message})"),
        status=_s(400),
        routes=frozenset({"create"}),
        match=("invalid request",),
    ),
    Rule(
        "origin check",
        "head/23-post-no-origin, head/23b-post-no-origin-accept-json, head/24-post-bad-origin, "
        "v0.9.4/21-post-no-origin",
        _HTTP,
        _typed(ProtocolError, "the server refused the request origin: {message}"),
        status=_s(403),
        match=("origin", "referer"),
    ),
    Rule(
        "another session's conversation",
        "head/41-api-v2-conversation-other-session",
        _HTTP,
        _typed(ConversationNotFoundError, "{message}"),
        status=_s(403),
        match=("access to this conversation",),
    ),
    Rule(
        "edge block page",
        "protocol.md §7 (hosted HuggingChat's edge answers 403 with an HTML page)",
        _HTTP,
        _typed(
            HuggingChatError, "blocked by the server's edge (HTTP 403 HTML page); try again later"
        ),
        status=_s(403),
        when=lambda f: "html" in f.content_type and (f.html is None or f.html.message is None),
    ),
    Rule(
        "forbidden",
        "protocol.md §7",
        _HTTP,
        lambda f, kw: HuggingChatError(f.message or "forbidden", **kw),
        status=_s(403),
    ),
    Rule(
        "conversation not found",
        "head/26-post-nonexistent-conversation, head/27-post-without-cookie, "
        "head/61-delete-conversation-again, head/64-api-v2-delete-nonexistent, "
        "head/72-post-nonexistent-conversation-html, v0.9.4/23-post-nonexistent-conversation",
        _HTTP,
        _typed(ConversationNotFoundError, "{message}"),
        status=_s(404),
        match=("conversation not found",),
    ),
    Rule(
        "malformed conversation id",
        "head/40-api-v2-conversation-malformed-id",
        _HTTP,
        _typed(ConversationNotFoundError, "{message}"),
        status=_s(400),
        match=("conversation id",),
    ),
    Rule(
        "message not found",
        "head/55-post-retry-unknown-message",
        _HTTP,
        _typed(HuggingChatError, "{message}"),
        status=_s(404),
        routes=_CONVERSATION_ROUTES,
        match=("message not found",),
    ),
    Rule(
        "404 on a conversation route",
        "head/08b-generation-stream-unknown-conversation",
        _HTTP,
        lambda f, kw: ConversationNotFoundError(f.message or "conversation not found", **kw),
        status=_s(404),
        routes=_CONVERSATION_ROUTES,
    ),
    Rule(
        "send refuses the body",
        "head/51-post-missing-data-field, v0.9.4/24-post-missing-data-field",
        _HTTP,
        _typed(ProtocolError, "the server refused the message body: {message}"),
        status=_s(400),
        routes=frozenset({"send"}),
        match=("invalid request",),
    ),
    Rule(
        "500 on a write the client built",
        "head/22-create-invalid-json, head/25-post-malformed-conversation-id, "
        "head/52-post-empty-inputs, head/53-post-data-not-json, head/54-post-bad-parent-id, "
        "head/56-post-json-body-instead-of-multipart, v0.9.4/22-post-malformed-conversation-id",
        _HTTP,
        lambda f, kw: ProtocolError(
            f"the server failed on this request ({f.message or 'An error occurred'})", **kw
        ),
        status=_s(500),
        routes=frozenset({"send", "create"}),
    ),
    Rule(
        "login page",
        "protocol.md §7",
        _HTTP | _HTML,
        _auth("the server answered with a login page: " + LOGIN_HINT),
        when=lambda f: is_login_page(f.content_type, f.body),
    ),
    Rule(
        "5xx",
        "head/38-login-no-oidc, protocol.md §7",
        _HTTP,
        lambda f, kw: ServerError(f.message or f"HTTP {f.status}", **kw),
        when=lambda f: f.status is not None and 500 <= f.status < 600,
    ),
    Rule(
        "any other status",
        "v0.9.4/27-login-post-no-oidc",
        _HTTP,
        lambda f, kw: HuggingChatError(f.message or f"HTTP {f.status}", **kw),
    ),
    # -- HTML where data was expected ------------------------------------------------------------
    Rule(
        "HTML page for data",
        "head/02b-conversation-page-html",
        _HTML,
        lambda f, kw: ProtocolError(
            "the server answered with an HTML page where data was expected"
            + (f" ({f.html.message})" if f.html and f.html.message else ""),
            **kw,
        ),
    ),
    # -- stream status updates ------------------------------------------------------------------
    Rule(
        "upstream rate limit in the stream",
        "head/13-post-limited-stream",
        _STREAM,
        _stream_rate,
        status=_s(402, 429),
    ),
    Rule(
        "auth failure in the stream",
        "protocol.md §4 (statusCode 401/403)",
        _STREAM,
        _stream_auth,
        status=_s(401, 403),
    ),
    Rule(
        "stream error",
        "head/13-post-broken-stream, v0.9.4/13-post-broken-stream",
        _STREAM,
        lambda f, kw: StreamError(f.message or "the server reported an error", **kw),
    ),
    # -- 2024 devalue nodes ---------------------------------------------------------------------
    Rule(
        "devalue redirect",
        "protocol.md §3 (2024 __data.json redirect node)",
        _DEVALUE,
        _auth("the server redirected to login: " + LOGIN_HINT),
        status=_REDIRECTS,
    ),
    Rule(
        "devalue conversation error",
        "v0.9.4/25-data-json-other-session, v0.9.4/26-data-json-nonexistent",
        _DEVALUE,
        lambda f, kw: ConversationNotFoundError(f.message or "conversation error", **kw),
        status=_s(403, 404),
    ),
    Rule(
        "devalue 5xx",
        "protocol.md §3",
        _DEVALUE,
        lambda f, kw: ServerError(f.message or "conversation error", **kw),
        when=lambda f: f.status is not None and f.status >= 500,
    ),
    Rule(
        "devalue other error",
        "protocol.md §3",
        _DEVALUE,
        lambda f, kw: HuggingChatError(f.message or "conversation error", **kw),
    ),
)


def classify(
    stage: str,
    *,
    status: int | None = None,
    route: str = "",
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    message: str | None = None,
    request: RequestInfo | None = None,
    response: Any = None,
    session: str | None = None,
    secrets: Sequence[str] = (),
    partial_text: str = "",
    partial_reasoning: str = "",
    now: float | None = None,
) -> HuggingChatError:
    """The one entry point: the typed error for a failure at ``stage`` (``http``, ``html``,
    ``stream`` or ``devalue``).

    ``message`` is given for ``stream`` and ``devalue`` (the update's or node's message); for
    ``http`` and ``html`` it is read from ``body`` (JSON, text, or an HTML page's heading).
    ``session`` names where the session cookie came from (``store``, ``env``, ``argument``) so
    that an :class:`AuthenticationError` says which session was refused. ``secrets`` are
    scrubbed from the kept body. ``now`` (a POSIX timestamp) reads ``Retry-After`` dates.
    """
    hdrs = headers or {}
    body = scrub_body(body[:4000], secrets) if body else b""
    ctype = hdrs.get("content-type", "")
    page: HtmlErrorPage | None = None
    if body and ("html" in ctype or stage == "html"):
        page = read_html_error(body)
    if message is None:
        if page is not None and "html" in ctype:
            message = page.message or ""
        else:
            message = body_message(body) if body else ""
    else:
        message = _plain(message)
    if status is None and page is not None:
        status = page.status
    where = SESSION_SOURCES.get(session or "")
    note = f"the session from {where} was refused (expired?): " if where else ""
    facts = ErrorFacts(
        stage, status, route, message, message.lower(), hdrs, ctype, body, page, now, note
    )
    kept: bytes | str | None = body or None
    if page is not None or (body and looks_like_markup(body[:2000].decode("utf-8", "replace"))):
        kept = f"(HTML page) {message}" if message else "(HTML page)"  # never markup
    kw: dict[str, Any] = {
        "status_code": status,
        "body": kept,
        "response": response,
        "request": request,
    }
    if partial_text or partial_reasoning:
        kw["partial_text"] = partial_text
        kw["partial_reasoning"] = partial_reasoning
    for rule in RULES:
        if rule.applies(facts):
            return rule.build(facts, kw)
    # the table ends with a catch-all per stage; this is for an unknown stage
    return HuggingChatError(message or "the server reported an error", **kw)


def classify_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    route: str,
    response: Any = None,
    request: RequestInfo | None = None,
    session: str | None = None,
    secrets: Sequence[str] = (),
) -> HuggingChatError:
    """The typed error for a non-success response on ``route`` (``classify("http", ...)``).

    ``route`` is one of the names used by :mod:`hfchat.protocol.routes` (``create``, ``send``,
    ``read``, ``models``, ``stop``, ``delete``, ``rename``, ``share``, ``file``, ``list``,
    ``user``, ...).
    """
    return classify(
        "http",
        status=status,
        route=route,
        headers=headers,
        body=body,
        response=response,
        request=request,
        session=session,
        secrets=secrets,
    )
