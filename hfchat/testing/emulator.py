"""``FakeHuggingChat``: a real loopback HTTP server speaking chat-ui's wire protocol.

Request flow (like chat-ui's ``hooks.server.ts``): record the request → ``html_login`` fault →
session from the ``hf-chat`` cookie → Origin rule for form posts (403) → login rule (401) →
``http`` fault → route handler → ``Vary``/CORS/``set-cookie`` decoration.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from .faults import Fault, FaultBook
from .forms import Part, parse_cookies, parse_multipart
from .handlers import (
    NO_ACCESS,
    HandlerRequest,
    install,
    json_response,
    message_error,
    message_error_id,
    not_found,
    route_kind,
    server_error,
)
from .login_pages import install as install_login_pages
from .server import DetachedSink, HttpServer, Router, WireRequest, WireResponse
from .state import Store
from .sveltekit import error_page, wants_json_error
from .wire import http_date, js_json

__all__ = ["FakeHuggingChat", "RecordedRequest", "register_extension", "serve_forever"]

log = logging.getLogger("hfchat.testing")

COOKIE = "hf-chat"
COOKIE_MAX_AGE = 14 * 24 * 3600
RATE_WINDOW = 60.0  # chat-ui's message events expire after a minute
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")
LOGIN_EXEMPT = ("/login", "/logout", "/admin", "/settings")
CORS = [
    ("access-control-allow-headers", "Content-Type, Authorization"),
    ("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"),
    ("access-control-allow-origin", "*"),
]
LOGIN_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>Hugging Face – Sign in</title>'
    '</head><body><h1>Sign in to Hugging Face</h1><form action="/login" method="post">'
    '<input name="username"><input name="password" type="password">'
    '<button type="submit">Login</button></form></body></html>'
)
_EXTENSIONS: list[Callable[[FakeHuggingChat], None]] = []


def register_extension(callback: Callable[[FakeHuggingChat], None]) -> None:
    """Run ``callback(fake)`` for every emulator created from now on (e.g. to add routes)."""
    if callback not in _EXTENSIONS:
        _EXTENSIONS.append(callback)


@dataclass
class RecordedRequest:
    """One request as the emulator received it. ``path`` excludes the base path."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes
    data: Any = None  # JSON of the multipart ``data`` part, or the JSON body
    files: list[dict[str, str]] = field(default_factory=list)  # name, mime, kind, value
    route: str = "other"  # fault-route name: create, post, read, list, models, ...
    status: int | None = None  # the status the emulator answered
    time: float = 0.0


class FakeHuggingChat:
    """A chat-ui (HuggingChat) server on loopback with deterministic fake models.

    ``generation`` is ``"2026"`` (chat-ui HEAD) or ``"2024"`` (v0.9.4). Use as a context manager
    or call :meth:`start`/:meth:`stop`. Thread-safe: drive it from any thread or event loop.

    Options: ``token_delay`` (seconds between tokens of every model), ``fast_tokens`` (length of
    ``fake/fast``), ``slow_tokens``/``slow_delay`` (``fake/slow``), ``message_length`` (the
    ``messageLength`` limit, UTF-16 units), ``messages_per_minute`` (``None`` = no limit),
    ``extensions=False`` for plain chat-ui routes only (no add-ons such as the login pages, so
    ``/login`` fails like a server without OpenID), ``max_requests`` (how many recent requests
    :attr:`requests` keeps), ``clock`` (a monotonic ``() -> seconds`` for the per-minute
    limit; a :class:`~hfchat.testing.clock.ManualClock` lets a test skip the 60 s).
    """

    def __init__(
        self,
        generation: str = "2026",
        base_path: str = "",
        require_login: bool = False,
        port: int = 0,
        token_delay: float = 0.0,
        *,
        host: str = "127.0.0.1",
        fast_tokens: int = 20000,
        slow_tokens: int = 50,
        slow_delay: float = 0.01,
        message_length: int = 2000,
        messages_per_minute: int | None = None,
        extensions: bool = True,
        max_requests: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if generation not in ("2026", "2024"):
            raise ValueError("generation must be '2026' or '2024'")
        base_path = base_path.strip().rstrip("/")
        if base_path and not base_path.startswith("/"):
            base_path = "/" + base_path
        self.generation = generation
        self.base_path = base_path
        self.require_login = require_login
        self.host = host
        self.token_delay = token_delay
        self.fast_tokens = fast_tokens
        self.slow_tokens = slow_tokens
        self.slow_delay = slow_delay
        self.message_length = message_length
        self.messages_per_minute = messages_per_minute
        self.clock = clock
        self._message_events: deque[tuple[float, str, str]] = deque()
        self.store = Store()
        self.faults = FaultBook()
        self.router = Router()
        install(self.router, generation)
        self._port = port
        self._lock = threading.Lock()
        self._requests: deque[RecordedRequest] = deque(maxlen=max_requests)
        self._scripts: deque[str] = deque()
        self._titles: deque[str] = deque()
        self._server: HttpServer | None = None
        if extensions:
            install_login_pages(self)
            for extension in list(_EXTENSIONS):
                extension(self)

    # lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeHuggingChat:
        """Bind and serve in a background thread (returns at once, ready for requests)."""
        if self._server is not None:
            return self
        server = HttpServer(self._dispatch, self.host, self._port)
        server.start()
        self._port = server.port
        self._server = server
        return self

    def stop(self) -> None:
        """Close every connection and stop the server thread. Safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> FakeHuggingChat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The loopback port the server listens on (the one picked when 0 was asked for)."""
        return self._port

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>`` – what clients send as ``Origin``."""
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """``origin + base_path``: the ``{base}`` of every route."""
        return self.origin + self.base_path

    def __repr__(self) -> str:
        return f"FakeHuggingChat(generation={self.generation!r}, base_url={self.base_url!r})"

    # test controls ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests received so far (including rejected ones), oldest first; at most the
        last ``max_requests``."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests (:attr:`requests` is empty afterwards)."""
        with self._lock:
            self._requests.clear()

    def script(self, *replies: str) -> None:
        """The next assistant replies (any model) are these texts, in order."""
        with self._lock:
            self._scripts.extend(replies)

    def script_title(self, *titles: str) -> None:
        """The next generated conversation titles are these, in order."""
        with self._lock:
            self._titles.extend(titles)

    def take_script(self) -> str | None:
        """The next scripted reply (see :meth:`script`), consumed, or None."""
        with self._lock:
            return self._scripts.popleft() if self._scripts else None

    def take_title(self) -> str | None:
        """The next scripted title, consumed, or None."""
        with self._lock:
            return self._titles.popleft() if self._titles else None

    def inject(
        self, name: str, times: int | None = 1, route: str | None = None, **options: Any
    ) -> Fault:
        """Queue a fault for the next matching request(s); see :mod:`hfchat.testing.faults`."""
        return self.faults.inject(name, times=times, route=route, **options)

    def clear_faults(self) -> None:
        """Remove every injected fault that has not fired yet."""
        self.faults.clear()

    @property
    def conversations(self) -> dict[str, dict[str, Any]]:
        """Snapshot: conversation id → ``{id, title, model, preprompt, rootMessageId, owner,
        shareId, createdAt, updatedAt, messages: [{id, from, content, ancestors, children,
        createdAt, updatedAt, files?, interrupted?, generationId?, routerMetadata?}]}``."""
        with self.store.lock:
            return {cid: conv.snapshot() for cid, conv in self.store.conversations.items()}

    @property
    def user(self) -> dict[str, Any]:
        """The user every logged-in session belongs to."""
        return dict(self.store.user)

    def login_session(self, cookie_value: str) -> None:
        """Mark the session of this ``hf-chat`` value as logged in (its conversations follow)."""
        self.store.login(cookie_value)

    def new_logged_in_cookie(self) -> str:
        """Create a logged-in session and return its ``hf-chat`` cookie value."""
        key = str(uuid.uuid4())
        self.store.login(key)
        return key

    def register_route(self, method: str, path_regex: str, handler: Any) -> None:
        """Add a route (full-match regex on the path without base path); it wins over
        built-ins. ``handler`` is ``async (HandlerRequest) -> WireResponse``."""
        self.router.register(method, path_regex, handler)

    def count_message(self, session: Any, ip: str = "") -> bool:
        """Record a message POST for the per-minute limit; False when over the limit.

        As chat-ui does: the attempt is recorded *before* the count (refused attempts count too,
        so an early retry prolongs the block), and the count is the larger of the session's
        (user's) and the client IP's events of the last 60 s of :attr:`clock`."""
        if self.messages_per_minute is None:
            return True
        stamp = self.clock()
        with self.store.lock:
            events = self._message_events
            while events and stamp - events[0][0] >= RATE_WINDOW:
                events.popleft()
            events.append((stamp, session.owner, ip))
            by_owner = sum(1 for _, owner, _ in events if owner == session.owner)
            by_ip = sum(1 for _, _, address in events if address == ip)
            return max(by_owner, by_ip) <= self.messages_per_minute

    # request handling -------------------------------------------------------------------------

    async def _dispatch(self, raw: WireRequest) -> WireResponse:
        path = self._strip_base(raw.path)
        parts = parse_multipart(raw.body, raw.headers.get("content-type", ""))
        record = self._record(raw, path, parts)
        try:
            response = await self._respond(raw, record, path, parts)
        except Exception:
            log.exception("emulator route failed: %s %s", raw.method, raw.target)
            response = server_error()
        record.status = response.status
        return response

    def _strip_base(self, path: str) -> str | None:
        if not self.base_path:
            return path
        if path == self.base_path or path.startswith(self.base_path + "/"):
            return path[len(self.base_path) :] or "/"
        return None

    def _record(
        self, raw: WireRequest, path: str | None, parts: list[Part] | None
    ) -> RecordedRequest:
        data: Any = None
        files: list[dict[str, str]] = []
        if parts is not None:
            for part in parts:
                if part.name == "data" and data is None:
                    with contextlib.suppress(ValueError, UnicodeDecodeError):
                        data = json.loads(part.data.decode("utf-8"))
                elif part.name == "files":
                    kind, _, name = (part.filename or "").partition(";")
                    files.append(
                        {
                            "name": name,
                            "mime": part.content_type or "",
                            "kind": kind,
                            "value": part.data.decode("ascii", "replace").strip(),
                        }
                    )
        elif "json" in raw.headers.get("content-type", "") and raw.body:
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                data = json.loads(raw.body.decode("utf-8"))
        record = RecordedRequest(
            method=raw.method,
            path=path if path is not None else raw.path,
            query=dict(raw.query),
            headers=dict(raw.headers),
            cookies=parse_cookies(raw.headers.get("cookie", "")),
            body=raw.body,
            data=data,
            files=files,
            route=route_kind(raw.method, path) if path is not None else "other",
            time=time.time(),
        )
        with self._lock:
            self._requests.append(record)
        return record

    async def _respond(
        self, raw: WireRequest, record: RecordedRequest, path: str | None, parts: list[Part] | None
    ) -> WireResponse:
        session, new_session = self.store.session(record.cookies.get(COOKIE))
        req = HandlerRequest(
            method=raw.method,
            path=path or raw.path,
            query=record.query,
            headers=record.headers,
            cookies=record.cookies,
            body=raw.body,
            session=session,
            new_session=new_session,
            fake=self,
            record=record,
            raw=raw,
            parts=parts,
        )
        if path is None:
            return self._decorate(req, not_found(req), cookie=False)
        for fault in self.faults.take(record.route, ("html_login",)):
            return self._decorate(req, self._html_login(fault), cookie=False)
        if raw.method == "OPTIONS":
            return self._decorate(req, WireResponse(204, b"", []), cookie=False)
        rejection = self._hooks(req)
        if rejection is not None:
            return self._decorate(req, rejection, cookie=False, cors=False)
        processed: Fault | None = None
        for fault in self.faults.take(record.route, ("http",)):
            if fault["processed"]:
                processed = fault
                break
            return self._decorate(req, negotiated(req, self._http_fault(fault)))
        handler, match, allowed = self.router.resolve(raw.method, req.path)
        if handler is None:
            if allowed:
                response = message_error(405, f"{raw.method} method not allowed")
                response.error_message = None  # SvelteKit's own 405, not an ``error()``
                response.headers.insert(0, ("allow", ", ".join(sorted(set(allowed)))))
            else:
                response = not_found(req)
        else:
            req.match = match
            response = await handler(req)
        if processed is not None and response.status < 400:  # done, but the answer is lost
            if response.stream is not None:
                self._detach(response)
            response = self._http_fault(processed)
        return self._decorate(req, negotiated(req, response))

    def _detach(self, response: WireResponse) -> None:
        """Run a send's stream with nobody reading it (``http`` with ``processed=True``)."""
        stream, server = response.stream, self._server
        assert stream is not None and server is not None

        async def run() -> None:
            await stream(DetachedSink())

        server.spawn(run)

    def _hooks(self, req: HandlerRequest) -> WireResponse | None:
        """chat-ui's Origin and login rules; a rejection is plain text or ``{"error": ...}``."""
        if req.method in ("POST", "PUT", "PATCH", "DELETE"):
            content_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type in FORM_TYPES:
                origin = req.headers.get("origin")
                if not origin:
                    return self._reject(req, 403, "Non-JSON form requests need to have an origin")
                hosts = {req.raw.host, req.headers.get("host", ""), urlsplit(self.origin).netloc}
                if urlsplit(origin).netloc not in hosts:
                    return self._reject(req, 403, "Invalid referer for POST request")
        if (
            self.require_login
            and req.method not in ("GET", "HEAD", "OPTIONS")
            and not req.path.startswith(LOGIN_EXEMPT)
            and req.session.user is None
        ):
            return self._reject(req, 401, "You have to be logged in.")
        return None

    @staticmethod
    def _reject(req: HandlerRequest, status: int, message: str) -> WireResponse:
        wants_json = "application/json" in req.headers.get("accept", "") or (
            "application/json" in req.headers.get("content-type", "")
        )
        if wants_json:
            body, content_type = js_json({"error": message}), "application/json"
        else:
            body, content_type = message, "text/plain"
        return WireResponse(status, body.encode(), [("content-type", content_type)], chunked=True)

    def _http_fault(self, fault: Fault) -> WireResponse:
        status = int(fault["status"])
        body = fault["body"]
        content_type = fault["content_type"]
        if body is None:
            if status == 401:
                text = b"You have to be logged in."
                response = WireResponse(401, text, [("content-type", "text/plain")])
            elif status == 429:
                response = message_error(429, "You are sending too many messages. Try again later.")
            elif status == 410:
                response = message_error(410, "Model not available anymore")
            elif status == 404:
                response = message_error(404, "Conversation not found")
            elif status == 403:
                response = message_error(403, NO_ACCESS)
            elif status >= 500:
                response = message_error_id(status)
            else:
                response = message_error(status, HTTPStatus(status).phrase)
        elif isinstance(body, (dict, list)):
            response = json_response(body, status, chunked=False)
        else:
            data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
            fallback = "text/plain" if isinstance(body, str) else "application/octet-stream"
            kind = content_type or fallback
            response = WireResponse(status, data, [("content-type", kind)])
        if content_type is not None:
            response.error_message = None
            response.headers = [(k, v) for k, v in response.headers if k.lower() != "content-type"]
            response.headers.append(("content-type", content_type))
        if fault["retry_after"] is not None:
            response.headers.append(("retry-after", str(fault["retry_after"])))
        for key, value in (fault["headers"] or {}).items():
            response.headers.append((str(key), str(value)))
        return response

    def _html_login(self, fault: Fault) -> WireResponse:
        mode = fault["mode"]
        if mode == "page":
            headers = [("content-type", "text/html; charset=utf-8")]
            return WireResponse(200, LOGIN_PAGE.encode("utf-8"), headers, chunked=True)
        if mode == "oauth":
            location = (
                "https://huggingface.co/oauth/authorize?client_id=fake-client&response_type=code"
                f"&scope=openid%20profile&state={uuid.uuid4().hex}"
                f"&redirect_uri={self.base_url}/login/callback"
            )
        else:
            location = f"{self.base_path}/login"
        return WireResponse(302, b"", [("location", location)], chunked=True)

    def _decorate(
        self, req: HandlerRequest, response: WireResponse, *, cookie: bool = True, cors: bool = True
    ) -> WireResponse:
        front: list[tuple[str, str]] = []
        if self.generation == "2026" and response.header("vary") is None:
            front.append(("Vary", "Accept-Encoding"))
        if self.generation == "2026" and cors and req.path.startswith("/api/"):
            front.extend(CORS)
        response.headers[:0] = front
        wants_cookie = req.method == "POST" or req.path.startswith("/login")
        has_cookie = any(
            k.lower() == "set-cookie" and v.startswith(f"{COOKIE}=") for k, v in response.headers
        )
        if cookie and wants_cookie and not has_cookie:
            expires = http_date(timedelta(seconds=COOKIE_MAX_AGE))
            value = f"{COOKIE}={req.session.key}; Path=/; Expires={expires}; HttpOnly; SameSite=Lax"
            response.headers.append(("set-cookie", value))
        return response


def negotiated(req: HandlerRequest, response: WireResponse) -> WireResponse:
    """A SvelteKit ``error()`` answer as the request's ``Accept`` negotiates it: JSON as built,
    or SvelteKit's HTML error page (head/70-74)."""
    if response.error_message is None or wants_json_error(req.headers.get("accept")):
        return response
    response.body = error_page(response.status, response.error_message)
    response.chunked = False
    response.headers = [
        (k, "text/html; charset=utf-8" if k.lower() == "content-type" else v)
        for k, v in response.headers
    ]
    return response


def serve_forever(
    port: int,
    host: str = "127.0.0.1",
    *,
    ready: Callable[[FakeHuggingChat], None] | None = None,
    **options: Any,
) -> None:
    """Serve an emulator on ``host:port`` until interrupted (Ctrl-C), then stop it.

    ``options`` are :class:`FakeHuggingChat` keywords (``generation``, ``base_path``,
    ``require_login``, ``token_delay``, ...). ``ready(fake)`` runs once it is listening.
    """
    fake = FakeHuggingChat(port=port, host=host, **options)
    fake.start()
    try:
        if ready is not None:
            ready(fake)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
