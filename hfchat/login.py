"""Browser login (``hfchat login``) and logout (``hfchat logout``).

:func:`alogin` (the native, async one) and :func:`login` start Chrome or Chromium through
`nodriver <https://github.com/ultrafunkamsterdam/nodriver>`_ (``pip install -e ".[browser]"`` from a
checkout; ``pip install "hfchat[browser]"`` once published)
with a fresh temporary profile, open ``{base_url}/login`` and let the user sign in there (password,
SSO and 2FA all stay in the browser). They wait until the browser holds the ``hf-chat`` cookie of
a *logged-in* session for the base URL's host (plus the huggingface.co ``token`` cookie the session
is coupled to, when there is one), confirmed by asking the server who the session belongs to; then
they close the browser and save both cookies in the credential store (:mod:`hfchat.store`), where
clients and adapters pick them up when no cookie is passed and ``HUGGINGCHAT_COOKIE`` is unset.

Unattended mode: with ``email`` and ``password`` (or the environment variables ``HF_EMAIL`` and
``HF_PASSWORD``) the sign-in form (fields ``username`` and ``password``, as on huggingface.co) is
filled and submitted. If the form comes back after that, the credentials were refused and
:class:`~hfchat.errors.AuthenticationError` is raised at once. Pages the form filler does not know
(consent, 2FA, SSO) still need a person, so use a visible browser for those.

Whatever happens (success, timeout, an error, Ctrl-C, task cancellation) the browser's whole
process group is ended and its temporary profile deleted. While the browser is driven, the
``websockets`` and ``nodriver`` loggers are held at WARNING, because their DEBUG output carries
raw DevTools traffic (cookies, the typed password).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar
from urllib.parse import urlsplit

from . import store
from .auth import COOKIE_NAME, TOKEN_COOKIE
from .browser import BrowserProcess, display_available, find_browser
from .errors import (
    AuthenticationError,
    ConfigurationError,
    HuggingChatError,
    InsecureTransportError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "EMAIL_ENV",
    "PASSWORD_ENV",
    "alogin",
    "login",
    "login_cli",
    "logout",
    "logout_cli",
]

log = logging.getLogger("hfchat.login")

EMAIL_ENV = "HF_EMAIL"
PASSWORD_ENV = "HF_PASSWORD"
DEFAULT_TIMEOUT = 300.0

_POLL = 0.25  # seconds between two looks at the browser
_REPROBE = 3.0  # ask the server again at least this often while a session cookie exists
_STEP = 10.0  # upper bound for one DevTools call
_STALL = 5.0  # a submitted form still showing after this long is submitted again
_MAX_RESUBMITS = 2
_QUIET_LOGGERS = ("websockets", "websockets.client", "nodriver")
_T = TypeVar("_T")
_LOST = "lost the connection to the browser before the sign-in finished"

# -- small helpers --------------------------------------------------------------------------------


def _base_url(base_url: str | None) -> str:
    from ._core import DEFAULT_BASE_URL

    base = (base_url or os.environ.get("HUGGINGCHAT_BASE_URL") or DEFAULT_BASE_URL).strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL, got {base!r:.80}")
    return base.rstrip("/")


def _credentials(email: str | None, password: str | None) -> tuple[str, str] | None:
    email = email if email is not None else os.environ.get(EMAIL_ENV) or None
    password = password if password is not None else os.environ.get(PASSWORD_ENV) or None
    if email and password:
        return email, password
    if email or password:
        raise ConfigurationError(
            f"unattended login needs both an email and a password ({EMAIL_ENV} and "
            f"{PASSWORD_ENV}, or email= and password=); only one was given"
        )
    return None


def _import_nodriver() -> Any:
    try:
        import nodriver
    except ImportError:
        raise ConfigurationError(
            'browser login needs nodriver: pip install -e ".[browser]" in a checkout of hfchat '
            "(or pip install nodriver)"
        ) from None
    return nodriver


def _username(user: dict[str, Any] | None) -> str:
    if not user:
        return "?"
    return str(user.get("username") or user.get("name") or user.get("email") or "?")


_quiet_depth = 0
_quiet_saved: dict[str, int] = {}
_quiet_lock = threading.Lock()


@contextlib.contextmanager
def _quiet_protocol_logs() -> Iterator[None]:
    """Hold the DevTools transport loggers at WARNING (their DEBUG lines carry raw frames)."""
    global _quiet_depth
    with _quiet_lock:
        if _quiet_depth == 0:
            for name in _QUIET_LOGGERS:
                logger = logging.getLogger(name)
                _quiet_saved[name] = logger.level
                logger.setLevel(max(logger.level, logging.WARNING))
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                for name, level in _quiet_saved.items():
                    logging.getLogger(name).setLevel(level)
                _quiet_saved.clear()


# -- cookies --------------------------------------------------------------------------------------


def _domain_matches(domain: str, host: str) -> bool:
    domain, host = domain.lower(), host.lower()
    if domain.startswith("."):
        bare = domain[1:]
        return host == bare or host.endswith(domain)
    return host == domain


def _path_matches(cookie_path: str, path: str) -> bool:
    cookie_path = cookie_path or "/"
    return (
        cookie_path == "/" or path == cookie_path or path.startswith(cookie_path.rstrip("/") + "/")
    )


def pick_session_cookies(cookies: Iterable[Any], base_url: str) -> dict[str, str]:
    """The ``hf-chat`` and ``token`` cookies a browser would send to ``{base_url}/``: matching
    domain and path, the most specific path winning. ``cookies`` are DevTools cookie objects
    (``name``, ``value``, ``domain``, ``path``)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    path = (parts.path.rstrip("/") or "") + "/"
    best: dict[str, tuple[int, str]] = {}
    for cookie in cookies:
        name, value = getattr(cookie, "name", None), getattr(cookie, "value", None)
        if name not in (COOKIE_NAME, TOKEN_COOKIE) or not value:
            continue
        cpath = getattr(cookie, "path", "") or "/"
        if not _domain_matches(getattr(cookie, "domain", "") or "", host):
            continue
        if not _path_matches(cpath, path):
            continue
        if name not in best or len(cpath) > best[name][0]:
            best[name] = (len(cpath), value)
    return {name: value for name, (_, value) in best.items()}


async def _probe_user(base: str, cookies: dict[str, str]) -> dict[str, Any] | None:
    """Who the session belongs to, or ``None`` while it is anonymous (or unreachable)."""
    from .client import AsyncHuggingChatClient

    try:
        async with AsyncHuggingChatClient(
            base_url=base, hf_chat_cookie=dict(cookies), max_retries=0, timeout=_STEP
        ) as client:
            return await client.whoami()
    except (InsecureTransportError, ConfigurationError):
        raise
    except HuggingChatError as exc:
        log.debug("the session is not logged in yet (%s)", type(exc).__name__)
        return None


# -- the page -------------------------------------------------------------------------------------

_PAGE_STATE_JS = """(() => {
  const u = document.querySelector('input[name="username"]');
  const p = document.querySelector('input[name="password"]');
  const state = !u || !p ? 'none' : (window.__hfchatSubmitted ? 'submitted' : 'form');
  return state + '|' + location.href;
})()"""

_FOCUS_JS = """(() => {
  const e = document.querySelector('input[name="%s"]');
  if (!e) return 'missing';
  e.focus();
  e.select();
  return 'ok';
})()"""

_SUBMIT_JS = """(() => {
  const p = document.querySelector('input[name="password"]');
  const form = p && p.form;
  if (!form) return 'missing';
  window.__hfchatSubmitted = true;
  const button = form.querySelector(
    'button[type="submit"], input[type="submit"], button:not([type])');
  if (button) { button.click(); }
  else if (form.requestSubmit) { form.requestSubmit(); }
  else { form.submit(); }
  return 'ok';
})()"""


async def _bounded(awaitable: Coroutine[Any, Any, _T], seconds: float) -> _T:
    """``await`` with a time limit (``TimeoutError`` when it runs out).

    On Python 3.11+ this is ``asyncio.timeout``: unlike ``asyncio.wait_for`` there, it never
    swallows a cancellation that arrives just as the awaited call finishes (which would keep the
    login polling after a Ctrl-C).
    """
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)  # pragma: no cover - Python 3.10


async def _step(awaitable: Coroutine[Any, Any, _T]) -> _T:
    return await _bounded(awaitable, _STEP)


async def _evaluate(tab: Any, expression: str) -> str:
    """A page expression that yields a string; ``""`` while the page is between documents."""
    try:
        result = await _step(tab.evaluate(expression, return_by_value=True))
    except ConnectionError:
        raise AuthenticationError(_LOST) from None
    except Exception as exc:  # ProtocolException mid-navigation, a slow page
        log.debug("page not ready (%s)", type(exc).__name__)
        return ""
    return result if isinstance(result, str) else ""


@dataclass
class _Watch:
    """What the poll loop remembers between two looks."""

    base: str
    credentials: tuple[str, str] | None = field(repr=False)
    submitted_at: float | None = None
    resubmits: int = 0
    last_key: tuple[str, ...] = field(default=(), repr=False)  # holds cookie values
    last_probe: float = float("-inf")
    last_page: tuple[str, str] = ("", "")

    def due(self, key: tuple[str, ...], now: float) -> bool:
        if key != self.last_key or now - self.last_probe >= _REPROBE:
            self.last_key, self.last_probe = key, now
            return True
        return False

    def note_page(self, state: str, href: str) -> None:
        page = (state, urlsplit(href).path)  # never the query: it carries OAuth codes
        if page != self.last_page:
            self.last_page = page
            log.debug("page %s: %s", page[1] or "?", state or "loading")

    async def fill_form(self, nodriver: Any, tab: Any, state: str, now: float) -> None:
        if self.credentials is None:
            return
        if state == "submitted" and self._stalled(now):
            # the submit did not navigate (clicked while the page was still settling): again
            log.debug("the sign-in form did not submit; trying again")
            self.submitted_at = None
            self.resubmits += 1
            state = "form"
        if state != "form":
            return
        if self.submitted_at is not None:
            raise AuthenticationError(
                "the sign-in form came back after the credentials were submitted: the email "
                f"or password was not accepted (check {EMAIL_ENV} and {PASSWORD_ENV})"
            )
        email, password = self.credentials
        for field_name, text in (("username", email), ("password", password)):
            if await _evaluate(tab, _FOCUS_JS % field_name) != "ok":
                return
            await _step(tab.send(nodriver.cdp.input_.insert_text(text)))
        if await _evaluate(tab, _SUBMIT_JS) == "ok":
            self.submitted_at = now
            log.debug("submitted the sign-in form")

    def _stalled(self, now: float) -> bool:
        return (
            self.submitted_at is not None
            and now - self.submitted_at > _STALL
            and self.resubmits < _MAX_RESUBMITS
        )


async def _read_cookies(nodriver: Any, browser: Any, base: str) -> dict[str, str]:
    try:
        raw = await _step(browser.send(nodriver.cdp.storage.get_cookies()))
    except ConnectionError:
        raise AuthenticationError(_LOST) from None
    except Exception as exc:
        log.debug("cookies not readable yet (%s)", type(exc).__name__)
        return {}
    return pick_session_cookies(raw, base)


async def _wait_for_session(
    nodriver: Any, browser: Any, tab: Any, proc: BrowserProcess, watch: _Watch
) -> tuple[dict[str, str], dict[str, Any]]:
    loop = asyncio.get_running_loop()
    while True:
        if not proc.running:
            raise AuthenticationError("the browser was closed before the sign-in finished")
        cookies = await _read_cookies(nodriver, browser, watch.base)
        state, _, href = (await _evaluate(tab, _PAGE_STATE_JS)).partition("|")
        watch.note_page(state, href)
        if cookies.get(COOKIE_NAME):
            key = (cookies[COOKIE_NAME], cookies.get(TOKEN_COOKIE, ""), href)
            if watch.due(key, loop.time()):
                user = await _probe_user(watch.base, cookies)
                if user:
                    return cookies, user
        await watch.fill_form(nodriver, tab, state, loop.time())
        await asyncio.sleep(_POLL)


# -- the browser ----------------------------------------------------------------------------------


async def _connect(nodriver: Any, proc: BrowserProcess, executable: str) -> Any:
    while (port := proc.read_port()) is None:  # noqa: ASYNC110 (polls a file the browser writes)
        await asyncio.sleep(0.05)
    config = nodriver.Config(
        user_data_dir=str(proc.profile),
        browser_executable_path=executable,
        host="127.0.0.1",
        port=port,
    )
    try:
        return await nodriver.start(config=config)
    except HuggingChatError:
        raise
    except Exception as exc:  # nodriver raises a bare Exception("Failed to connect to browser")
        raise ConfigurationError(
            f"could not connect to the browser ({type(exc).__name__}: {str(exc)[:120]}); "
            f"check that {executable} starts on this machine"
            + ("" if display_available() else ", or use --headless (no display here)")
        ) from None


async def _disconnect(nodriver: Any, browser: Any) -> None:
    with contextlib.suppress(Exception):
        nodriver.util.get_registered_instances().discard(browser)
    for conn in [*getattr(browser, "_targets", []), browser]:
        with contextlib.suppress(Exception):
            await _bounded(conn.aclose(), 2.0)


async def _browser_flow(
    nodriver: Any, executable: str, watch: _Watch, *, headless: bool
) -> tuple[dict[str, str], dict[str, Any]]:
    proc = BrowserProcess.launch(executable, headless=headless)
    browser = None
    try:
        browser = await _connect(nodriver, proc, executable)
        try:
            tab = await _step(browser.get(f"{watch.base}/login"))
        except (HuggingChatError, TimeoutError, asyncio.CancelledError):
            raise
        except ConnectionError:
            raise AuthenticationError(_LOST) from None
        except Exception as exc:  # nodriver's own bare exceptions
            raise ConfigurationError(
                f"the browser could not open the sign-in page ({type(exc).__name__}: "
                f"{str(exc)[:120]})"
            ) from None
        log.debug("opened the sign-in page")
        return await _wait_for_session(nodriver, browser, tab, proc, watch)
    finally:
        try:
            proc.close()  # synchronous: nothing can cancel it half-way
        finally:
            if browser is not None:
                await _disconnect(nodriver, browser)


def _yield_to_cancel() -> None:
    """Raise :class:`asyncio.CancelledError` when this task was cancelled (Ctrl-C under
    ``asyncio.run``, a caller's cancel): an error the browser's teardown caused then (a
    connection closed under a read) must not replace the cancel, or Ctrl-C would surface as
    that error instead of :class:`KeyboardInterrupt`."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    if cancelling is not None and cancelling():
        raise asyncio.CancelledError


def _timeout_message(base: str, timeout: float, unattended: bool) -> str:
    why = (
        f"the sign-in form was filled from {EMAIL_ENV}/{PASSWORD_ENV}; check them, or sign in "
        "by hand in a visible browser (without --headless)"
        if unattended
        else "run `hfchat login` again and finish the sign-in in the browser window"
    )
    return (
        f"the browser sign-in did not finish within {timeout:g} s (no logged-in session for "
        f"{base}); {why}"
    )


# -- public API -----------------------------------------------------------------------------------


async def alogin(
    base_url: str | None = None,
    *,
    headless: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    browser_path: str | os.PathLike[str] | None = None,
    email: str | None = None,
    password: str | None = None,
) -> dict[str, str]:
    """Sign in through a browser and store the session; returns the captured cookies
    (``hf-chat``, and ``token`` when the server set one).

    ``base_url`` defaults to ``HUGGINGCHAT_BASE_URL``, then production HuggingChat.
    ``timeout`` covers everything from starting the browser to the confirmed session; when it
    runs out, :class:`AuthenticationError` is raised. ``browser_path`` overrides the browser
    lookup (see :func:`hfchat.browser.find_browser`). ``email``/``password`` (default: the env
    vars ``HF_EMAIL``/``HF_PASSWORD``) fill the sign-in form unattended. A missing browser or
    nodriver raises :class:`ConfigurationError` with an install hint. The browser is always shut
    down, also on errors and cancellation.
    """
    base = _base_url(base_url)
    if timeout <= 0:
        raise ConfigurationError("the login timeout must be positive")
    credentials = _credentials(email, password)
    nodriver = _import_nodriver()
    executable = find_browser(browser_path)
    if headless and credentials is None:
        log.warning(
            "headless login without %s/%s: nobody can fill in the sign-in form",
            EMAIL_ENV,
            PASSWORD_ENV,
        )
    watch = _Watch(base=base, credentials=credentials)
    with _quiet_protocol_logs():
        try:
            cookies, user = await _bounded(
                _browser_flow(nodriver, executable, watch, headless=headless), timeout
            )
        except asyncio.TimeoutError:
            _yield_to_cancel()
            raise AuthenticationError(
                _timeout_message(base, timeout, credentials is not None)
            ) from None
        except HuggingChatError:
            _yield_to_cancel()
            raise
    path = store.save(base, cookies, username=_username(user), saved_at=int(time.time()))
    log.info("logged in to %s as %s; session stored in %s", base, _username(user), path)
    return cookies


def login(
    base_url: str | None = None,
    *,
    headless: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    browser_path: str | os.PathLike[str] | None = None,
    email: str | None = None,
    password: str | None = None,
) -> dict[str, str]:
    """Blocking :func:`alogin` (same arguments and result).

    Without a running event loop in this thread it runs :func:`alogin` with ``asyncio.run``.
    Called from inside a running loop (a notebook, an async framework calling sync code), it runs
    :func:`alogin` on a fresh loop in a worker thread and blocks this thread until it is done;
    prefer ``await alogin(...)`` there.
    """

    def run() -> Coroutine[Any, Any, dict[str, str]]:
        return alogin(
            base_url,
            headless=headless,
            timeout=timeout,
            browser_path=browser_path,
            email=email,
            password=password,
        )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    return _run_in_worker_thread(run)


def _run_in_worker_thread(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine on its own loop in a thread; an interrupt here cancels it there."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(factory())
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = loop.run_until_complete(task)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    worker = threading.Thread(target=work, name="hfchat-login", daemon=True)
    worker.start()
    try:
        worker.join()
    except BaseException:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(task.cancel)
        worker.join(30.0)
        raise
    if "error" in outcome:
        raise outcome["error"]
    result: _T = outcome["result"]
    return result


def _server_logout(base: str, session: str, timeout: float) -> None:
    """``POST {base}/logout``; failures are logged (without the cookie) and tolerated."""
    from curl_cffi import requests as curl

    from ._core import _is_loopback

    parts = urlsplit(base)
    if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
        log.warning("not sending the session cookie over plain http; only forgetting it locally")
        return
    headers = {
        "origin": f"{parts.scheme}://{parts.netloc}",
        "cookie": f"{COOKIE_NAME}={session}",
        "accept": "application/json",
    }
    proxy = os.environ.get("HUGGINGCHAT_PROXY") or None
    try:
        resp = curl.post(
            f"{base}/logout",
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            impersonate="chrome",
            proxy=proxy,
        )
        log.debug("server logout answered HTTP %s", resp.status_code)
    except Exception as exc:
        log.debug("server logout failed (%s); forgetting the session anyway", type(exc).__name__)


def logout(base_url: str | None = None, *, timeout: float = 10.0) -> bool:
    """Log the stored session out on the server (``POST {base}/logout``; failures tolerated),
    then delete it from the store. Returns whether a session was stored."""
    base = _base_url(base_url)
    cookies = store.load(base)
    if cookies and cookies.get(COOKIE_NAME):
        _server_logout(base, cookies[COOKIE_NAME], timeout)
    return store.delete(base)


# -- command line ---------------------------------------------------------------------------------


def _whoami(base: str) -> dict[str, Any] | None:
    from .client import HuggingChatClient

    stored = store.load(base)
    if not stored:
        return None
    with HuggingChatClient(base_url=base, hf_chat_cookie=stored, max_retries=0) as client:
        return client.whoami()


MANUAL_COOKIE_HINT = (
    "or copy the hf-chat cookie from a browser where you are signed in and set "
    "HUGGINGCHAT_COOKIE (README: 'The cookie by hand')"
)


def login_cli(args: Any, out: TextIO) -> int:
    """``hfchat login [--headless] [--timeout-login S] [--browser PATH]``.

    Fails at once (one line, exit 2) when it cannot work: ``--headless`` without
    ``HF_EMAIL``/``HF_PASSWORD`` (nobody could fill in the form), or a visible browser on a
    machine without a display.
    """
    base = _base_url(getattr(args, "base_url", None))
    headless = bool(getattr(args, "headless", False))
    unattended = bool(os.environ.get(EMAIL_ENV) and os.environ.get(PASSWORD_ENV))
    if headless and not unattended:
        raise ConfigurationError(
            f"--headless needs {EMAIL_ENV} and {PASSWORD_ENV} to fill in the sign-in form; "
            f"set both, sign in without --headless on a machine with a display, "
            + MANUAL_COOKIE_HINT
        )
    if not headless and not display_available():
        raise ConfigurationError(
            "no display to open a browser window on (DISPLAY is not set); use "
            f"{EMAIL_ENV}=... {PASSWORD_ENV}=... hfchat login --headless, " + MANUAL_COOKIE_HINT
        )
    out.write(f"Opening a browser to sign in to {base} …\n")
    out.flush()
    login(
        base,
        headless=headless,
        timeout=float(getattr(args, "login_timeout", None) or DEFAULT_TIMEOUT),
        browser_path=getattr(args, "browser", None),
    )
    user = _whoami(base)
    out.write(f"Logged in to {base} as {_username(user)}.\n")
    out.write(f"Session stored in {store.path_for(base)}\n")
    if os.environ.get("HUGGINGCHAT_COOKIE"):
        out.write("Note: HUGGINGCHAT_COOKIE is set and takes precedence over the stored session.\n")
    return 0


def logout_cli(args: Any, out: TextIO) -> int:
    """``hfchat logout``: log out on the server and forget the stored session."""
    base = _base_url(getattr(args, "base_url", None))
    path = store.path_for(base)
    if logout(base):
        out.write(f"Logged out of {base}; removed {path}\n")
    else:
        out.write(f"No stored session for {base}.\n")
    if os.environ.get("HUGGINGCHAT_COOKIE"):
        out.write("Note: HUGGINGCHAT_COOKIE is still set; unset it to stop using that cookie.\n")
    return 0
