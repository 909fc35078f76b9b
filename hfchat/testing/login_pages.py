"""Login pages for the emulator, shaped like chat-ui's OpenID flow against huggingface.co.

Every :class:`~hfchat.testing.FakeHuggingChat` gets these routes (paths relative to its base):

``GET /login`` (and ``POST /login``, the 2024 form action)
    302 (303 for the POST) to the sign-in page
    ``/login/oauth/authorize?client_id=…&response_type=code&redirect_uri={base}/login/callback
    &state=…``; ``?next=`` is kept for after the callback. Like chat-ui, the answer carries the
    ``hf-chat`` cookie (new or existing session).
``GET /login/oauth/authorize``
    The sign-in form, as on huggingface.co: fields ``username`` and ``password`` and a submit
    button. A browser that already holds a valid ``token`` cookie ("signed in to the hub") is
    sent straight on to the callback.
``POST /login/oauth/authorize``
    Checks the credentials (any non-empty pair by default, see :meth:`LoginPages.require`); on
    success sets the ``token`` cookie on the loopback host and redirects to
    ``{redirect_uri}?code=…&state=…``; otherwise shows the form again with an error.
``GET /login/callback?code=…&state=…``
    Binds the requesting ``hf-chat`` session to the emulator's user (its conversations follow) and
    redirects to ``{base}/`` (or ``next``). ``?error=…`` or an unknown code/state give 400.
``GET /``
    A small HTML page saying whether the session is signed in.

The sign-in routes live under ``/login`` so chat-ui's login rule (writes need a user) exempts them,
as it exempts huggingface.co's own pages in production. Tests reach the settings through
:func:`login_pages`::

    with FakeHuggingChat(require_login=True) as fake:
        login_pages(fake).require("alice", "wonderland")
"""

from __future__ import annotations

import hashlib
import html
import secrets
import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from .handlers import HandlerRequest, text_response
from .server import WireResponse

if TYPE_CHECKING:
    from .emulator import FakeHuggingChat

__all__ = ["TOKEN_COOKIE", "LoginPages", "login_pages"]

TOKEN_COOKIE = "token"
CLIENT_ID = "hfchat-emulator"
_AUTHORIZE = "/login/oauth/authorize"

_FORM = """<!doctype html>
<html><head><meta charset="utf-8"><title>Hugging Face – Log In</title></head>
<body><h1>Log in to Hugging Face</h1>{error}
<form method="post" action="{action}">
<label>Username or Email address <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Login</button>
</form></body></html>
"""
_HOME = """<!doctype html>
<html><head><meta charset="utf-8"><title>HuggingChat</title></head>
<body><h1>HuggingChat emulator</h1><p id="status">{status}</p></body></html>
"""


@dataclass
class _Pending:
    redirect_uri: str
    next: str


@dataclass
class LoginPages:
    """The sign-in settings and the in-flight OAuth state of one emulator."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    _pending: dict[str, _Pending] = field(default_factory=dict, repr=False)
    _codes: dict[str, str] = field(default_factory=dict, repr=False)  # code -> state
    _tokens: set[str] = field(default_factory=set, repr=False)  # sha256 of issued token cookies
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def require(self, username: str, password: str) -> None:
        """Accept only this pair from now on (``username`` may also be the user's email)."""
        with self._lock:
            self.username, self.password = username, password

    def accept_any(self) -> None:
        """Accept any non-empty username and password (the default)."""
        with self._lock:
            self.username = self.password = None

    def check(self, username: str, password: str, email: str | None) -> bool:
        """Whether the sign-in form's credentials are accepted (any non-empty ones until
        :meth:`require` set some).
        """
        with self._lock:
            want_user, want_password = self.username, self.password
        if not username or not password:
            return False
        if want_user is None:
            return True
        return username in (want_user, email) and secrets.compare_digest(
            password.encode(), (want_password or "").encode()
        )

    def start(self, redirect_uri: str, next_path: str) -> str:
        """Begin a sign-in that returns to ``redirect_uri`` then ``next_path``; its state token."""
        state = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[state] = _Pending(redirect_uri, next_path)
        return state

    def pending(self, state: str) -> _Pending | None:
        """The sign-in begun under ``state``, or None."""
        with self._lock:
            return self._pending.get(state)

    def issue_code(self, state: str) -> str:
        """A one-time authorization code for the sign-in ``state``."""
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = state
        return code

    def redeem(self, code: str, state: str) -> _Pending | None:
        """The sign-in a code was issued for (consumed), or None for a wrong or used code."""
        with self._lock:
            if self._codes.pop(code, None) != state:
                return None
            return self._pending.pop(state, None)

    def issue_token(self) -> str:
        """A new hub session token (only its hash is kept)."""
        token = "hf_" + secrets.token_hex(17)
        with self._lock:
            self._tokens.add(hashlib.sha256(token.encode()).hexdigest())
        return token

    def valid_token(self, token: str | None) -> bool:
        """Whether ``token`` is one :meth:`issue_token` gave out."""
        if not token:
            return False
        with self._lock:
            return hashlib.sha256(token.encode()).hexdigest() in self._tokens


_PAGES: weakref.WeakKeyDictionary[FakeHuggingChat, LoginPages] = weakref.WeakKeyDictionary()
_PAGES_LOCK = threading.Lock()


def login_pages(fake: FakeHuggingChat) -> LoginPages:
    """The login settings of ``fake`` (created with the emulator)."""
    with _PAGES_LOCK:
        pages = _PAGES.get(fake)
        if pages is None:
            pages = _PAGES[fake] = LoginPages()
        return pages


# -- responses ------------------------------------------------------------------------------------


def _redirect(location: str, status: int = 302, cookies: list[str] | None = None) -> WireResponse:
    headers = [("location", location), ("cache-control", "no-store")]
    headers += [("set-cookie", c) for c in cookies or []]
    return WireResponse(status, b"", headers, chunked=True)


def _html(status: int, page: str) -> WireResponse:
    return text_response(status, page, "text/html; charset=utf-8")


def _form(req: HandlerRequest, error: str = "") -> WireResponse:
    action = f"{req.fake.base_path}{_AUTHORIZE}?{urlencode(req.query)}"
    notice = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return _html(200, _FORM.format(action=html.escape(action, quote=True), error=notice))


def _callback_url(fake: FakeHuggingChat) -> str:
    return f"{fake.base_url}/login/callback"


def _safe_next(fake: FakeHuggingChat, value: str) -> str:
    # only paths on this server, like chat-ui's `next` check
    if value.startswith("/") and not value.startswith("//"):
        return value
    return f"{fake.base_path}/"


def _to_callback(req: HandlerRequest, state: str, cookies: list[str] | None = None) -> WireResponse:
    pages = login_pages(req.fake)
    pending = pages.pending(state)
    assert pending is not None
    code = pages.issue_code(state)
    query = urlencode({"code": code, "state": state})
    return _redirect(f"{pending.redirect_uri}?{query}", cookies=cookies)


def _bad_authorize(req: HandlerRequest) -> WireResponse | None:
    if req.query.get("client_id") != CLIENT_ID or req.query.get("response_type") != "code":
        return _html(400, "<p>Invalid OAuth request</p>")
    if req.query.get("redirect_uri") != _callback_url(req.fake):
        return _html(400, "<p>Invalid redirect_uri</p>")
    if login_pages(req.fake).pending(req.query.get("state", "")) is None:
        return _html(400, "<p>Unknown or expired state</p>")
    return None


# -- handlers -------------------------------------------------------------------------------------


async def start_login(req: HandlerRequest) -> WireResponse:
    fake = req.fake
    state = login_pages(fake).start(
        _callback_url(fake), _safe_next(fake, req.query.get("next", ""))
    )
    query = urlencode(
        {
            "client_id": CLIENT_ID,
            "response_type": "code",
            "scope": "openid profile",
            "redirect_uri": _callback_url(fake),
            "state": state,
        }
    )
    status = 303 if req.method == "POST" else 302
    return _redirect(f"{fake.base_path}{_AUTHORIZE}?{query}", status)


async def authorize_page(req: HandlerRequest) -> WireResponse:
    bad = _bad_authorize(req)
    if bad is not None:
        return bad
    if login_pages(req.fake).valid_token(req.cookies.get(TOKEN_COOKIE)):
        return _to_callback(req, req.query["state"])
    return _form(req)


async def authorize_submit(req: HandlerRequest) -> WireResponse:
    bad = _bad_authorize(req)
    if bad is not None:
        return bad
    form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    pages = login_pages(req.fake)
    email = req.fake.user.get("email")
    if not pages.check(form.get("username", ""), form.get("password", ""), email):
        return _form(req, "Invalid username or password.")
    token = pages.issue_token()
    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
    return _to_callback(req, req.query["state"], cookies=[cookie])


async def callback(req: HandlerRequest) -> WireResponse:
    if "error" in req.query:
        return text_response(400, f"Login failed: {req.query['error'][:100]}")
    pending = login_pages(req.fake).redeem(req.query.get("code", ""), req.query.get("state", ""))
    if pending is None:
        return text_response(400, "Invalid or expired login code")
    req.fake.login_session(req.session.key)
    return _redirect(pending.next)


async def home(req: HandlerRequest) -> WireResponse:
    user = req.session.user
    status = f"Signed in as {html.escape(str(user.get('username')))}" if user else "Not signed in"
    return _html(200, _HOME.format(status=status))


def install(fake: FakeHuggingChat) -> None:
    """Register the login routes on ``fake`` (every emulator built with ``extensions=True``)."""
    login_pages(fake)
    for method, pattern, handler in (
        ("GET", r"/", home),
        ("GET", r"/login", start_login),
        ("POST", r"/login", start_login),
        ("GET", _AUTHORIZE, authorize_page),
        ("POST", _AUTHORIZE, authorize_submit),
        ("GET", r"/login/callback", callback),
    ):
        fake.register_route(method, pattern, handler)
