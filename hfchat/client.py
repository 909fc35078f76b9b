"""The two clients: :class:`HuggingChatClient` (sync) and :class:`AsyncHuggingChatClient`.

Both are thin I/O shells over :class:`hfchat._core.ClientCore`: every operation is written once
there as a generator of requests, and every answer stream is parsed by one
:class:`~hfchat.protocol.turn.TurnAssembler`. The shells only move bytes (curl_cffi with browser
impersonation), sleep between retries, and enforce the idle timeout.

Constructor parameters (shared with both framework adapters; each is documented once, on
:class:`hfchat.config.ClientConfig`, which they build and validate before any I/O: a bad value
raises :class:`~hfchat.errors.ConfigurationError`; ``config=`` passes a whole
:class:`~hfchat.config.ClientConfig`, ``retry=`` a :class:`~hfchat.config.Retry` and ``limits=``
a :class:`~hfchat.config.Limits`):

``base_url``
    chat-ui base URL; env ``HUGGINGCHAT_BASE_URL``; default ``https://huggingface.co/chat``.
    No ``?query`` or ``#fragment``; ``user:password@`` in it is sent as HTTP Basic
    authentication and shown nowhere (not in the repr, the ``Origin`` header or errors).
``hf_chat_cookie``
    the ``hf-chat`` session cookie (value, cookie string, dict, JSON export or cookies.txt
    path); env ``HUGGINGCHAT_COOKIE``; then the ``hfchat login`` store; else anonymous.
``model``
    model id; None = the first model the server lists.
``timeout``
    seconds (or ``(connect, read)`` or :class:`Timeout`); ``connect + read`` bounds the wait
    for a response's headers, ``read`` is also the idle limit between two pieces of a stream,
    and ``Timeout(total=...)`` (default 600 s, None for none) is the overall deadline of a turn.
``max_retries``
    retries before any output (reads: 429, 502-504, connection failures; a message send: only
    when the server cannot have processed it, see README "Failures"), exponential backoff
    with jitter, honouring ``Retry-After``.
``proxy``
    proxy URL; env ``HUGGINGCHAT_PROXY``. Its password is never shown (repr, errors, logs).
``max_connections``, ``conversation_cache_size``
    shortcuts for the same fields of ``limits`` (body caps, stream line and backlog caps too).
``web_search``
    turn the server's web search on for every turn (per call overridable).
``resolve_message_ids``
    2024 servers: read the conversation once after each turn so that ``TurnResult.message_id``
    is set (the answer stream carries no ids). 2026 servers always fill it from a read that runs
    beside the answer stream.
``turn_timeout``
    overall deadline of one turn in seconds (default 600; None: none); keep-alive lines do not
    extend it.
``cleanup_on_close``
    delete the conversations this client created when it is closed.
``auto_login``
    when a request fails with :class:`AuthenticationError`, run the browser login
    (:func:`hfchat.login.login`, needs ``hfchat[browser]``) once and send the request again;
    ``login_options`` are passed on (``headless``, ``timeout``, ``browser_path``, ``email``,
    ``password``).

No network I/O happens in a constructor. A closed client raises
:class:`~hfchat.errors.ClientClosedError`; closing it ends a stream being read with that error.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
import weakref
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Sequence,
)
from typing import TYPE_CHECKING, Any, TypeVar

from curl_cffi import requests as curl
from typing_extensions import Unpack

from ._core import ClientCore, ClientOptions, Op, TurnOptions, user_agent
from ._failures import TRANSPORT_ERRORS, IdleTimeout
from ._http import AsyncSession, LoopSessions, Session, session_options
from ._response import Response
from ._streams import (
    STREAM_ENCODINGS,
    aclose_stream,
    aiter_stream,
    aread_head_body,
    close_stream,
    iter_stream,
    read_head_body,
)
from ._transport import map_exceptions
from ._turn import Turn
from .config import ClientConfig, redact_url
from .conversations import ChatMessage
from .errors import ClientClosedError, HuggingChatError
from .events import Event, TurnEnd, TurnResult
from .protocol import routes
from .protocol.routes import Request

if TYPE_CHECKING:
    from .protocol.records import ConversationInfo, ConversationSummary, ModelInfo

__all__ = ["AsyncHuggingChatClient", "HuggingChatClient", "client_pair"]

T = TypeVar("T")
log = logging.getLogger("hfchat")


def _response(resp: Any, body: bytes) -> Response:
    """hfchat's view of a curl_cffi response: ``set-cookie`` apart (only the core absorbs it),
    the URL without query or credentials."""
    headers: dict[str, str] = {}
    set_cookies: list[str] = []
    for k, v in resp.headers.multi_items():
        key = k.lower()
        if key == "set-cookie":
            if v:
                set_cookies.append(v)
            continue
        headers[key] = v or ""
    url = redact_url(str(resp.url).split("?")[0].split("#")[0])
    return Response(resp.status_code, headers, set_cookies, body, url)


class _Common:
    """What both clients share: the core, the closed flag, the read-only properties."""

    _core: ClientCore

    def __init__(self, *, core: ClientCore | None = None, **options: Unpack[ClientOptions]) -> None:
        # a sync and an async shell may share one core (cookies, detection, conversations)
        self._core = core if core is not None else ClientCore(**options)
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed; make a new one")

    def __repr__(self) -> str:
        c = self._core.config
        return (
            f"{type(self).__name__}(base_url={c.base_url!r}, model={c.model!r}, "
            f"session={self._core.cookies.source!r})"
        )

    @property
    def base_url(self) -> str:
        """The server's base URL (without credentials)."""
        return self._core.config.base_url

    @property
    def model(self) -> str | None:
        """The configured default model id, or None (the server's first listed model)."""
        return self._core.config.model

    @property
    def generation(self) -> str | None:
        """``"2026"`` or ``"2024"`` once the server was seen, else None."""
        return self._core.generation

    @property
    def config(self) -> ClientConfig:
        """The client's validated configuration (frozen; credentials never shown)."""
        return self._core.config

    @property
    def closed(self) -> bool:
        """True once :meth:`close` (or ``aclose``) ran; every later call raises
        :class:`~hfchat.errors.ClientClosedError`."""
        return self._closed

    @property
    def created_conversations(self) -> list[str]:
        """Ids of the conversations this client created (all of them with
        ``cleanup_on_close``, else the newest ``limits.max_tracked_conversations``)."""
        return list(self._core.created)

    def _request_kwargs(self, req: Request, *, stream: bool) -> dict[str, Any]:
        cfg = self._core.config
        headers = self._core.headers(req)
        headers.setdefault("x-client", user_agent())
        if stream:  # curl does not decode a stream; hfchat inflates gzip/deflate in bounded steps
            headers["accept-encoding"] = STREAM_ENCODINGS
        return {
            "method": req.method,
            "url": self._core.url(req),
            "headers": headers,
            "data": req.body,
            "timeout": (cfg.timeout.connect, cfg.timeout.read),
            "allow_redirects": False,
            "stream": stream,
            "discard_cookies": True,
            "max_body_bytes": (
                cfg.limits.max_file_bytes if req.route == "file" else cfg.limits.max_body_bytes
            ),
            **({"auth": cfg.basic_auth} if cfg.basic_auth is not None else {}),
        }

    def _session_kwargs(self) -> dict[str, Any]:
        return session_options(self._core.config)


def client_pair(
    **options: Unpack[ClientOptions],
) -> tuple[HuggingChatClient, AsyncHuggingChatClient]:
    """A sync and an async client sharing one state (what the adapters hold)."""
    sync = HuggingChatClient(**options)
    return sync, AsyncHuggingChatClient(core=sync._core)


class HuggingChatClient(_Common):
    """Synchronous client. Thread-safe: concurrent calls use separate connections."""

    #: how the client waits before a retry (tests replace it to wait no real seconds)
    _sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, *, core: ClientCore | None = None, **options: Unpack[ClientOptions]) -> None:
        super().__init__(core=core, **options)
        self._pool: queue.LifoQueue[Session] = queue.LifoQueue()
        self._sessions: weakref.WeakSet[Session] = weakref.WeakSet()

    # -- plumbing -------------------------------------------------------------------------------
    def _acquire(self) -> Session:
        self._check_open()
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            session = Session(self._core.config, **self._session_kwargs())
            self._sessions.add(session)
            return session

    def _release(self, session: curl.Session, discard: bool = False) -> None:
        if self._closed or discard or getattr(session, "hfchat_tainted", False):
            session.close()
        else:
            self._pool.put(session)  # type: ignore[arg-type]

    def _send(self, req: Request) -> Response:
        attempt = 0
        while True:
            try:
                session = self._acquire()
                try:
                    with map_exceptions():
                        raw = session.request(**self._request_kwargs(req, stream=False))
                        resp = _response(raw, raw.content)
                finally:
                    self._release(session)
                return self._core.check(req, resp)
            except HuggingChatError as exc:
                attempt = self._after_failure(req, attempt, exc)

    def _after_failure(self, req: Request, attempt: int, exc: HuggingChatError) -> int:
        """Recover from ``exc`` or wait before the next attempt (the next attempt's number);
        raise ``exc`` when neither is possible."""
        if self._recover(exc):
            return attempt  # e.g. the cookie header is rebuilt from the core after a login
        delay = self._core.failure_delay(req, attempt, exc)  # raises when not to retry
        self._core.retry_wait_note(req, exc, delay)
        self._sleep(delay)  # retry backoff
        return attempt + 1

    def _recover(self, exc: HuggingChatError) -> bool:
        """Recover from ``exc`` when the core knows how (welcome modal, ``auto_login``)."""
        first = self._core.recovery_request(exc)
        if first is not None:
            self._send(first)
            return True
        if not self._core.wants_login(exc):
            return False
        from .login import login

        self._core.adopt_login(login(self._core.config.base_url, **self._core.config.login_options))
        return True

    def _run(self, op: Op[T]) -> T:
        try:
            req = next(op)
            while True:
                try:
                    resp = self._send(req)
                except HuggingChatError as exc:
                    req = op.throw(exc)  # the operation may recover (fallback routes)
                    continue
                req = op.send(resp)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _open_stream(self, req: Request) -> tuple[Any, curl.Session]:
        attempt = 0
        while True:
            session = self._acquire()
            released = False

            def release(discard: bool = False, s: curl.Session = session) -> None:
                nonlocal released
                released = True
                self._release(s, discard)

            try:
                with map_exceptions():
                    raw = session.request(**self._request_kwargs(req, stream=True))
                head = _response(raw, b"")
                if raw.status_code != 200 or not self._core.is_stream_start(head):
                    body = read_head_body(raw, self._core.config.timeout.read, release)
                    full = _response(raw, body)
                    self._core.check(req, full)
                    self._core.check_stream_start(req, full)
                self._core.absorb_cookies(head.set_cookies)
                return raw, session
            except HuggingChatError as exc:
                if not released:
                    self._release(session)
                attempt = self._after_failure(req, attempt, exc)

    def _start_turn(self, turn: Turn) -> tuple[Turn, Any, curl.Session]:
        """Open the turn's stream. A send refused before anything was stored goes again in
        another form (a long text as a file), or the conversation it created is deleted
        before the error is raised: nothing is left on the account."""
        while True:
            try:
                raw, session = self._open_stream(turn.request)
                return turn, raw, session
            except HuggingChatError as exc:
                retry = self._core.send_refused(turn, exc)
                if retry is None:
                    self._run(self._core.op_discard(turn))
                    err = self._core.refusal_error(turn, exc)
                    if err is exc:
                        raise
                    raise err from exc
                turn = retry

    def _lookup(self, turn: Turn) -> Callable[[float], str | None] | None:
        """Start reading the new message's id beside the stream; a function that waits (at
        most the given seconds) for it."""
        op = self._core.find_message_request(turn)
        if op is None:
            return None
        box: list[str | None] = []

        def work() -> None:
            try:
                box.append(self._run(op))
            except Exception as exc:  # the answer stands without its id
                log.debug("could not read the new message id: %s", exc)

        thread = threading.Thread(target=work, name="hfchat-message-id", daemon=True)
        thread.start()

        def result(timeout: float) -> str | None:
            thread.join(timeout)
            return box[0] if box else None

        return result

    def _stream_turn(self, begin: Op[Turn]) -> Iterator[Event]:
        turn, raw, session = self._start_turn(self._run(begin))
        lookup = self._lookup(turn)
        read = self._core.config.timeout.read
        try:
            while turn.reading:  # send what the turn asks, feed what arrives
                try:
                    for chunk in iter_stream(raw, turn.wait(read)):
                        yield from turn.feed(chunk)
                        if turn.pause:
                            break
                    else:
                        turn.end_of_stream()
                except IdleTimeout:
                    turn.idle()
                except TRANSPORT_ERRORS as exc:
                    raw, session = self._resume(turn, exc, raw, session)
            events = turn.finish(lookup(read) if lookup is not None else None)
            if lookup is None and self._core.config.resolve_message_ids:
                self._run(self._core.op_resolve_message_id(turn))
            yield from events
        finally:  # an error, the caller stopped reading: stop the server's generation too
            close_stream(raw, turn.ended, self._releaser(session))
            self._stop(turn)

    def _resume(
        self, turn: Turn, exc: BaseException, raw: Any, session: curl.Session
    ) -> tuple[Any, curl.Session]:
        """The stream was cut: go on from the turn's resume request, or raise its error."""
        resume = turn.cut(exc)
        close_stream(raw, False, self._releaser(session))
        try:
            raw, session = self._open_stream(resume)
        except HuggingChatError:
            raise turn.cut_error(exc) from exc
        turn.resumed()
        return raw, session

    def _stop(self, turn: Turn) -> None:
        """Send the turn's stop-generating request, if it has one (abandoned, failed)."""
        stop = turn.stop_request()
        if stop is not None:
            try:
                self._send(stop)
            except HuggingChatError as exc:
                self._core.stop_failed(exc)

    def _releaser(self, session: curl.Session) -> Callable[..., None]:
        return lambda discard=False: self._release(session, discard)

    # -- public API -----------------------------------------------------------------------------
    def __enter__(self) -> HuggingChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close connections (and delete created conversations if ``cleanup_on_close``)."""
        if self._closed:
            return
        try:
            if self._core.config.cleanup_on_close:
                self.delete_created_conversations()
        finally:
            self._closed = True
            for session in list(self._sessions):
                session.notify_closed()  # a stream read in another thread stops, saying why
            while True:
                try:
                    self._pool.get_nowait().close()
                except queue.Empty:
                    break

    def list_models(self, refresh: bool = False) -> list[ModelInfo]:
        """The server's models (cached after the first call; ``refresh`` reads them again).

        The first call also learns the server's generation (see :attr:`generation`).
        """
        return self._run(self._core.op_models(refresh))

    def create_conversation(
        self, model: str | None = None, system_prompt: str = ""
    ) -> tuple[str, ConversationInfo | None]:
        """Create a conversation with ``model`` (default: the configured or first listed one)
        and ``system_prompt``; its id and, on 2026 servers, its content (else None).

        Raises :class:`~hfchat.errors.ModelNotFoundError` when the server lists no models.
        """

        def op() -> Op[tuple[str, ConversationInfo | None]]:
            m = model or (yield from self._core.op_default_model())
            return (yield from self._core.op_create(m, system_prompt))

        return self._run(op())

    def get_conversation(self, conversation_id: str) -> ConversationInfo:
        """The conversation ``conversation_id`` with its messages; raises
        :class:`~hfchat.errors.ConversationNotFoundError` when the server has no such one.
        """
        return self._run(self._core.op_read(conversation_id))

    def list_conversations(self, page: int = 0) -> list[ConversationSummary]:
        """One page (``page`` from 0) of the account's conversations, newest first."""
        return self._run(self._core.op_list_conversations(page))

    def delete_conversation(self, conversation_id: str) -> None:
        """Delete the conversation ``conversation_id`` on the server (and forget it locally)."""
        self._run(self._core.op_delete(conversation_id))

    def delete_created_conversations(self) -> int:
        """Delete every conversation this client created; the number deleted."""
        return self._run(self._core.op_delete_created())

    def rename_conversation(self, conversation_id: str, title: str) -> None:
        """Set the title of the conversation ``conversation_id``."""
        self._run(self._core.op_rename(conversation_id, title))

    def share_conversation(self, conversation_id: str) -> str:
        """Share publicly; the public URL."""
        return self._run(self._core.op_share(conversation_id))

    def stop_generating(
        self,
        conversation_id: str,
        generation_id: str | None = None,
        seen_content_length: int | None = None,
    ) -> None:
        """Ask the server to stop the answer being generated in ``conversation_id``
        (``generation_id`` and ``seen_content_length`` narrow it on 2026 servers).
        """
        self._send(routes.stop_generating(conversation_id, generation_id, seen_content_length))

    def download_file(self, conversation_id: str, sha: str) -> bytes:
        """The bytes of the file ``sha`` (an attachment or generated file) of a conversation;
        raises :class:`~hfchat.errors.ProtocolError` past the client's file size cap.
        """
        return self._send(routes.download_file(conversation_id, sha)).body

    def whoami(self) -> dict[str, Any] | None:
        """The logged-in user, or None for an anonymous session."""
        return self._run(self._core.op_user())

    def stream_chat(
        self, messages: str | Sequence[ChatMessage], **options: Unpack[TurnOptions]
    ) -> Iterator[Event]:
        """Send a turn and yield its events; the last one is :class:`TurnEnd`.

        ``messages`` is a list of :class:`ChatMessage` (or one user text). Options: ``model``,
        ``tools`` and ``tool_choice`` (prompt-emulated tool calling), ``web_search``,
        ``conversation_id`` (continue that server conversation).
        """
        return self._stream_turn(self._core.op_begin_turn(messages, **options))

    def chat(
        self, messages: str | Sequence[ChatMessage], **options: Unpack[TurnOptions]
    ) -> TurnResult:
        """Send a turn and return its :class:`TurnResult`."""
        for ev in self.stream_chat(messages, **options):
            if type(ev) is TurnEnd:
                return ev.result
        raise AssertionError("a stream always ends with TurnEnd")  # pragma: no cover


class AsyncHuggingChatClient(_Common):
    """Asynchronous client; native asyncio I/O (curl_cffi ``AsyncSession``)."""

    #: how the client waits before a retry (tests replace it to wait no real seconds)
    _sleep: Callable[[float], Awaitable[None]] = staticmethod(asyncio.sleep)

    def __init__(self, *, core: ClientCore | None = None, **options: Unpack[ClientOptions]) -> None:
        super().__init__(core=core, **options)
        self._sessions = LoopSessions()

    def _get_session(self) -> AsyncSession:
        # a session belongs to one event loop; a new loop gets a new one and the old one is
        # closed (see LoopSessions)
        self._check_open()
        return self._sessions.get(lambda: AsyncSession(self._core.config, **self._session_kwargs()))

    async def _send(self, req: Request) -> Response:
        attempt = 0
        while True:
            try:
                session = self._get_session()
                with map_exceptions():
                    raw = await session.request(**self._request_kwargs(req, stream=False))
                    resp = _response(raw, raw.content)
                return self._core.check(req, resp)
            except HuggingChatError as exc:
                attempt = await self._after_failure(req, attempt, exc)

    async def _after_failure(self, req: Request, attempt: int, exc: HuggingChatError) -> int:
        """Async :meth:`HuggingChatClient._after_failure`."""
        if await self._recover(exc):
            return attempt
        delay = self._core.failure_delay(req, attempt, exc)  # raises when not to retry
        self._core.retry_wait_note(req, exc, delay)
        await self._sleep(delay)  # retry backoff
        return attempt + 1

    async def _recover(self, exc: HuggingChatError) -> bool:
        """Recover from ``exc`` when the core knows how (welcome modal, ``auto_login``)."""
        first = self._core.recovery_request(exc)
        if first is not None:
            await self._send(first)
            return True
        if not self._core.wants_login(exc):
            return False
        from .login import alogin

        cfg = self._core.config
        self._core.adopt_login(await alogin(cfg.base_url, **cfg.login_options))
        return True

    async def _run(self, op: Op[T]) -> T:
        try:
            req = next(op)
            while True:
                try:
                    resp = await self._send(req)
                except HuggingChatError as exc:
                    req = op.throw(exc)  # the operation may recover (fallback routes)
                    continue
                req = op.send(resp)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _open_stream(self, req: Request) -> Any:
        attempt = 0
        while True:
            try:
                session = self._get_session()
                with map_exceptions():
                    raw = await session.request(**self._request_kwargs(req, stream=True))
                head = _response(raw, b"")
                if raw.status_code != 200 or not self._core.is_stream_start(head):
                    body = await aread_head_body(raw, session, self._core.config.timeout.read)
                    full = _response(raw, body)
                    self._core.check(req, full)
                    self._core.check_stream_start(req, full)
                self._core.absorb_cookies(head.set_cookies)
                return raw
            except HuggingChatError as exc:
                attempt = await self._after_failure(req, attempt, exc)

    async def _start_turn(self, turn: Turn) -> tuple[Turn, Any]:
        """Async :meth:`HuggingChatClient._start_turn`."""
        while True:
            try:
                return turn, await self._open_stream(turn.request)
            except HuggingChatError as exc:
                retry = self._core.send_refused(turn, exc)
                if retry is None:
                    await self._run(self._core.op_discard(turn))
                    err = self._core.refusal_error(turn, exc)
                    if err is exc:
                        raise
                    raise err from exc
                turn = retry

    async def _stream_turn(self, begin: Op[Turn]) -> AsyncGenerator[Event, None]:
        turn, raw = await self._start_turn(await self._run(begin))
        session = self._get_session()
        op = self._core.find_message_request(turn)
        lookup = asyncio.ensure_future(self._run(op)) if op is not None else None
        read = self._core.config.timeout.read
        try:
            while turn.reading:  # send what the turn asks, feed what arrives
                try:
                    async for chunk in aiter_stream(raw, turn.wait(read)):
                        for ev in turn.feed(chunk):
                            yield ev
                        if turn.pause:
                            break
                    else:
                        turn.end_of_stream()
                except IdleTimeout:
                    turn.idle()
                except TRANSPORT_ERRORS as exc:
                    raw = await self._resume(turn, exc, raw, session)
            events = turn.finish(await self._found(lookup, read))
            if lookup is None and self._core.config.resolve_message_ids:
                await self._run(self._core.op_resolve_message_id(turn))
            for ev in events:
                yield ev
        finally:
            # an error, the caller stopped reading, a cancelled task or a wait_for timeout:
            # stop the server's generation too
            if lookup is not None and not lookup.done():
                lookup.cancel()
            await aclose_stream(raw, session, turn.ended)
            await self._stop(turn)

    async def _resume(self, turn: Turn, exc: BaseException, raw: Any, session: Any) -> Any:
        """Async :meth:`HuggingChatClient._resume`."""
        resume = turn.cut(exc)
        await aclose_stream(raw, session, False)
        try:
            raw = await self._open_stream(resume)
        except HuggingChatError:
            raise turn.cut_error(exc) from exc
        turn.resumed()
        return raw

    async def _stop(self, turn: Turn) -> None:
        """Async :meth:`HuggingChatClient._stop`."""
        stop = turn.stop_request()
        if stop is not None:
            try:
                await self._send(stop)
            except HuggingChatError as exc:
                self._core.stop_failed(exc)

    @staticmethod
    async def _found(lookup: asyncio.Future[str | None] | None, wait: float) -> str | None:
        """The new message's id from the read beside the stream (waiting at most ``wait``)."""
        if lookup is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(lookup), wait)
        except (asyncio.TimeoutError, HuggingChatError):
            return None

    # -- public API -----------------------------------------------------------------------------
    async def __aenter__(self) -> AsyncHuggingChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close connections (and delete created conversations if ``cleanup_on_close``); a
        stream still being read stops with :class:`~hfchat.errors.ClientClosedError`."""
        if self._closed:
            return
        try:
            if self._core.config.cleanup_on_close:
                await self.delete_created_conversations()
        finally:
            self._closed = True
            await self._sessions.aclose()

    async def list_models(self, refresh: bool = False) -> list[ModelInfo]:
        """Async :meth:`HuggingChatClient.list_models`."""
        return await self._run(self._core.op_models(refresh))

    async def create_conversation(
        self, model: str | None = None, system_prompt: str = ""
    ) -> tuple[str, ConversationInfo | None]:
        """Async :meth:`HuggingChatClient.create_conversation`."""

        def op() -> Op[tuple[str, ConversationInfo | None]]:
            m = model or (yield from self._core.op_default_model())
            return (yield from self._core.op_create(m, system_prompt))

        return await self._run(op())

    async def get_conversation(self, conversation_id: str) -> ConversationInfo:
        """Async :meth:`HuggingChatClient.get_conversation`."""
        return await self._run(self._core.op_read(conversation_id))

    async def list_conversations(self, page: int = 0) -> list[ConversationSummary]:
        """Async :meth:`HuggingChatClient.list_conversations`."""
        return await self._run(self._core.op_list_conversations(page))

    async def delete_conversation(self, conversation_id: str) -> None:
        """Async :meth:`HuggingChatClient.delete_conversation`."""
        await self._run(self._core.op_delete(conversation_id))

    async def delete_created_conversations(self) -> int:
        """Delete every conversation this client created; the number deleted."""
        return await self._run(self._core.op_delete_created())

    async def rename_conversation(self, conversation_id: str, title: str) -> None:
        """Async :meth:`HuggingChatClient.rename_conversation`."""
        await self._run(self._core.op_rename(conversation_id, title))

    async def share_conversation(self, conversation_id: str) -> str:
        """Async :meth:`HuggingChatClient.share_conversation`."""
        return await self._run(self._core.op_share(conversation_id))

    async def stop_generating(
        self,
        conversation_id: str,
        generation_id: str | None = None,
        seen_content_length: int | None = None,
    ) -> None:
        """Async :meth:`HuggingChatClient.stop_generating`."""
        await self._send(
            routes.stop_generating(conversation_id, generation_id, seen_content_length)
        )

    async def download_file(self, conversation_id: str, sha: str) -> bytes:
        """Async :meth:`HuggingChatClient.download_file`."""
        return (await self._send(routes.download_file(conversation_id, sha))).body

    async def whoami(self) -> dict[str, Any] | None:
        """Async :meth:`HuggingChatClient.whoami`."""
        return await self._run(self._core.op_user())

    def stream_chat(
        self, messages: str | Sequence[ChatMessage], **options: Unpack[TurnOptions]
    ) -> AsyncIterator[Event]:
        """Async :meth:`HuggingChatClient.stream_chat`."""
        return self._stream_turn(self._core.op_begin_turn(messages, **options))

    async def chat(
        self, messages: str | Sequence[ChatMessage], **options: Unpack[TurnOptions]
    ) -> TurnResult:
        """Async :meth:`HuggingChatClient.chat`."""
        async for ev in self.stream_chat(messages, **options):
            if type(ev) is TurnEnd:
                return ev.result
        raise AssertionError("a stream always ends with TurnEnd")  # pragma: no cover
