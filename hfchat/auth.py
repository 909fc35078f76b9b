"""Session cookies: where they come from, and how a client keeps them.

Precedence (first that gives a cookie wins): the ``hf_chat_cookie`` argument, the environment
variable ``HUGGINGCHAT_COOKIE``, the credential store written by ``hfchat login``
(:mod:`hfchat.store`), and finally an anonymous session (the cookie the server sets is kept and
re-sent).

An argument or the env var may be: the bare ``hf-chat`` value; a ``name=value; name2=value2``
cookie string; a mapping of cookie names to values; a JSON cookie export (a list of
``{"name", "value", "domain"...}`` objects, as browser extensions write them); or the path to
such a JSON file or to a Netscape ``cookies.txt`` file. Only ``hf-chat`` and the huggingface.co
``token`` cookie are kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from .errors import LOGIN_HINT, AuthenticationError, ConfigurationError

__all__ = [
    "COOKIE_NAME",
    "TOKEN_COOKIE",
    "CookieSource",
    "SessionCookies",
    "parse_cookie_input",
    "resolve_cookies",
]

COOKIE_NAME = "hf-chat"
TOKEN_COOKIE = "token"
_KEEP = (COOKIE_NAME, TOKEN_COOKIE)

CookieSource = str | os.PathLike[str] | Mapping[str, str] | None


def _from_records(records: Iterable[Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for rec in records:
        if isinstance(rec, dict) and rec.get("name") in _KEEP and isinstance(rec.get("value"), str):
            out[rec["name"]] = rec["value"]
    return out


def _from_netscape(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#HttpOnly_"):
            line = line[len("#HttpOnly_") :]
        elif not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 7 and fields[5] in _KEEP:
            out[fields[5]] = fields[6].strip()
    return out


def _from_text(text: str) -> dict[str, str]:
    text = text.strip()
    if not text:
        return {}
    if text[0] in "[{":
        try:
            value = json.loads(text)
        except ValueError:
            raise ConfigurationError(
                "the cookie input looks like JSON but does not parse"
            ) from None
        if isinstance(value, dict):
            if "cookies" in value and isinstance(value["cookies"], list):
                return _from_records(value["cookies"])
            return {k: str(v) for k, v in value.items() if k in _KEEP}
        if isinstance(value, list):
            return _from_records(value)
        return {}
    if "\t" in text:
        return _from_netscape(text)
    if "=" in text:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(text)
        except Exception:
            raise ConfigurationError("the cookie string does not parse") from None
        return {k: m.value for k, m in jar.items() if k in _KEEP}
    return {COOKIE_NAME: text}


def _checked(cookies: dict[str, str]) -> dict[str, str]:
    """Refuse a cookie value that would break (or inject into) the ``Cookie`` header."""
    for name, value in cookies.items():
        if not isinstance(value, str) or any(
            ord(c) < 0x20 or ord(c) == 0x7F or c in ";," for c in value
        ):
            raise ConfigurationError(
                f"the {name} cookie value holds a control character, ';' or ',' "
                "(it would change the Cookie header); check how it was copied"
            )
    return cookies


def parse_cookie_input(source: CookieSource) -> dict[str, str]:
    """Cookies from any accepted input (see the module doc). ``{}`` for ``None``/empty.
    A value with a control character (``\\r``, ``\\n``...), ``;`` or ``,`` is refused."""
    return _checked(_parse_cookie_input(source))


def _parse_cookie_input(source: CookieSource) -> dict[str, str]:
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return {k: str(v) for k, v in source.items() if k in _KEEP and v}
    if isinstance(source, os.PathLike) or (
        isinstance(source, str)
        and (os.sep in source or source.endswith((".txt", ".json")))
        and len(source) < 4096
        and Path(source).expanduser().is_file()
    ):
        path = Path(os.fspath(source)).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read the cookie file: {exc.strerror}") from None
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("# ")]
        body = "\n".join(lines).strip()
        if "\t" in body:
            cookies = _from_netscape(text)
        else:
            cookies = _from_text(body) if body and not body.startswith("#") else {}
        if not cookies:
            raise ConfigurationError("the cookie file holds no hf-chat cookie")
        return cookies
    if not isinstance(source, str):
        raise ConfigurationError(f"unsupported cookie input of type {type(source).__name__}")
    return _from_text(source)


def resolve_cookies(argument: CookieSource, base_url: str) -> tuple[dict[str, str], str]:
    """The cookies to start with and where they came from (``argument``, ``env``, ``store``,
    ``anonymous``)."""
    if argument is not None and not (isinstance(argument, str) and not argument.strip()):
        cookies = parse_cookie_input(argument)
        if cookies:
            return cookies, "argument"
    env = os.environ.get("HUGGINGCHAT_COOKIE")
    if env and env.strip():
        cookies = parse_cookie_input(env)
        if cookies:
            return cookies, "env"
    from . import store

    stored = store.load(base_url)
    if stored:
        return stored, "store"
    return {}, "anonymous"


class SessionCookies:
    """The cookies one client sends, kept up to date from ``set-cookie`` headers.

    Only ``hf-chat`` and ``token`` are ever sent. A ``set-cookie`` that *changes* an ``hf-chat``
    value the client was given (not one the server minted for an anonymous session) means the
    server dropped the session: :meth:`absorb` raises :class:`AuthenticationError`.
    """

    __slots__ = ("_given", "_values", "source")

    def __init__(self, cookies: Mapping[str, str], source: str) -> None:
        self._values = _checked({k: v for k, v in cookies.items() if k in _KEEP and v})
        self._given = self._values.get(COOKIE_NAME) if source != "anonymous" else None
        self.source = source

    def __repr__(self) -> str:
        names = ", ".join(sorted(self._values))
        return f"SessionCookies(source={self.source!r}, names=[{names}])"

    @property
    def has_session(self) -> bool:
        """True when the jar holds a chat-ui session cookie (``hf-chat``)."""
        return COOKIE_NAME in self._values

    def secrets(self) -> list[str]:
        """Every cookie value: what error bodies, headers and messages are scrubbed of."""
        return [v for v in self._values.values() if v]

    def header(self) -> str | None:
        """The ``Cookie`` header value, or None when the jar is empty."""
        if not self._values:
            return None
        return "; ".join(f"{k}={v}" for k, v in self._values.items())

    def snapshot(self) -> dict[str, str]:
        """A copy of the cookies (name to value)."""
        return dict(self._values)

    def absorb(self, set_cookie_headers: Iterable[str]) -> None:
        """Take the cookies of ``Set-Cookie`` headers: an expired or empty one is dropped, a
        value with control characters refused, an unchanged session re-sent by the server
        skipped."""
        current = self._values.get(COOKIE_NAME)
        unchanged = f"{COOKIE_NAME}={current};" if current else None
        for raw in set_cookie_headers:
            if unchanged is not None and raw.startswith(unchanged):
                continue  # the server re-sends the same session on every POST
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(raw)
            except Exception:
                continue
            for name, morsel in jar.items():
                if name not in _KEEP:
                    continue
                value = morsel.value
                expired = morsel["max-age"] in ("0", "-1") or not value
                if expired:
                    self._values.pop(name, None)
                    continue
                if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
                    continue  # never re-sent: it would inject into the Cookie header
                old = self._values.get(name)
                if (
                    name == COOKIE_NAME
                    and self._given is not None
                    and old == self._given
                    and value != old
                ):
                    self._values[name] = value
                    self._given = None
                    raise AuthenticationError(
                        f"the server dropped the session (it issued a new hf-chat cookie); "
                        f"the stored or given session has expired: {LOGIN_HINT}"
                    )
                self._values[name] = value
