"""The client logic both I/O shells share: configuration, cookies, server-generation
detection, error classification, retry decisions, and every multi-request operation written
once as a generator that yields :class:`~hfchat.protocol.routes.Request` objects and receives
:class:`~hfchat._transport.Response` objects (the shells only move bytes).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict, TypeVar
from urllib.parse import urlsplit

from . import __version__
from ._transport import Response, Timeout
from ._turn import Turn
from .auth import COOKIE_NAME, CookieSource, SessionCookies, resolve_cookies
from .conversations import (
    ChatMessage,
    ConversationIndex,
    NodeRef,
    TurnPlan,
    carry_as_attachment,
    check_turn_input,
    fold_turns,
    input_length,
)
from .errors import (
    LOGIN_HINT,
    AuthenticationError,
    ConfigurationError,
    ConversationNotFoundError,
    HuggingChatError,
    InsecureTransportError,
    MessageTooLongError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    TransportError,
)
from .events import TurnResult
from .protocol import bodies, routes
from .protocol.bodies import ConversationInfo, ModelInfo
from .protocol.classify import classify_error, is_login_page
from .protocol.routes import Request
from .protocol.think import split_think
from .protocol.turn import TurnAssembler
from .tools import ToolCallBuffer, ToolSpec, tool_prompt

__all__ = ["ActiveTurn", "ClientCore", "ClientOptions", "Op", "TurnOptions"]

log = logging.getLogger("hfchat")

DEFAULT_BASE_URL = "https://huggingface.co/chat"
T = TypeVar("T")
Op = Generator[Request, Response, T]

_SESSION_SOURCES = {
    "store": "the `hfchat login` store",
    "env": "HUGGINGCHAT_COOKIE",
    "argument": "the hf_chat_cookie argument",
}
_STREAM_TYPES = ("application/jsonl", "text/event-stream", "application/x-ndjson")

#: chat-ui's web client turns a paste of this many characters or more into a text file; a turn
#: this long goes as a ``text/plain`` attachment on 2026 servers (the server's limit is not
#: published; a lower one is learned from its "Message too long." refusal).
LONG_INPUT = 3984
#: chat-ui's per-minute message limit counts every attempt, refused ones too, over 60 s.
RATE_WINDOW = 60.0
#: Default overall deadline of one turn (seconds), see ``turn_timeout``.
TURN_TIMEOUT = 900.0

# Base URLs seen to be 2024 servers, for the life of the process (bounded): later clients skip
# the v2 probe that such a server answers with an HTML page. Only ever a hint for the model
# list; a conversation's creation tells each client its server's generation again.
_LEGACY: OrderedDict[str, None] = OrderedDict()
_LEGACY_MAX = 64
_LEGACY_LOCK = threading.Lock()


def _remember_generation(base_url: str, legacy: bool) -> None:
    with _LEGACY_LOCK:
        if not legacy:
            _LEGACY.pop(base_url, None)
            return
        _LEGACY[base_url] = None
        _LEGACY.move_to_end(base_url)
        while len(_LEGACY) > _LEGACY_MAX:
            _LEGACY.popitem(last=False)


def _known_legacy(base_url: str) -> bool:
    with _LEGACY_LOCK:
        return base_url in _LEGACY


def _too_long(exc: HuggingChatError) -> bool:
    """chat-ui's ``Message too long.`` refusal (400, before anything is stored)."""
    if isinstance(exc, MessageTooLongError):
        return True
    if exc.status_code != 400:
        return False
    text = f"{exc.message} {exc.body or ''}".lower()
    return "message too long" in text


def _is_loopback(host: str) -> bool:
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _scrub(data: bytes, secrets: Sequence[str]) -> bytes:
    for s in secrets:
        if s and len(s) >= 6:
            data = data.replace(s.encode(), b"***")
    return data


ActiveTurn = Turn  # the name the shells used before the turn object owned its lifecycle


class TurnOptions(TypedDict, total=False):
    """Per-call options of ``stream_chat`` and ``chat``."""

    model: str | None
    tools: Sequence[ToolSpec] | None
    tool_choice: str | None
    web_search: bool | None
    conversation_id: str | None


class ClientOptions(TypedDict, total=False):
    """Keyword options of both clients (documented in :mod:`hfchat.client`)."""

    base_url: str | None
    hf_chat_cookie: CookieSource
    model: str | None
    timeout: float | tuple[float, float] | Timeout | None
    max_retries: int
    proxy: str | None
    web_search: bool
    impersonate: str
    allow_insecure_http: bool
    max_connections: int
    max_retry_wait: float
    conversation_cache_size: int
    cleanup_on_close: bool
    resolve_message_ids: bool
    auto_login: bool
    login_options: Mapping[str, Any] | None
    turn_timeout: float | None


@dataclass
class ClientConfig:
    base_url: str
    model: str | None
    timeout: Timeout
    max_retries: int
    proxy: str | None
    web_search: bool
    impersonate: str
    allow_insecure_http: bool
    max_connections: int
    max_retry_wait: float
    conversation_cache_size: int
    cleanup_on_close: bool
    resolve_message_ids: bool = False
    auto_login: bool = False
    login_options: dict[str, Any] = field(default_factory=dict)
    turn_timeout: float | None = TURN_TIMEOUT
    extra_headers: dict[str, str] = field(default_factory=dict)


class ClientCore:
    """State and logic of one client; no sockets."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        hf_chat_cookie: CookieSource = None,
        model: str | None = None,
        timeout: float | tuple[float, float] | Timeout | None = None,
        max_retries: int = 2,
        proxy: str | None = None,
        web_search: bool = False,
        impersonate: str = "chrome",
        allow_insecure_http: bool = False,
        max_connections: int = 256,
        max_retry_wait: float = 30.0,
        conversation_cache_size: int = 512,
        cleanup_on_close: bool = False,
        resolve_message_ids: bool = False,
        auto_login: bool = False,
        login_options: Mapping[str, Any] | None = None,
        turn_timeout: float | None = TURN_TIMEOUT,
    ) -> None:
        base = (base_url or os.environ.get("HUGGINGCHAT_BASE_URL") or DEFAULT_BASE_URL).strip()
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"base_url must be an http(s) URL, got {base!r:.80}")
        if max_retries < 0:
            raise ConfigurationError("max_retries must be >= 0")
        if turn_timeout is not None and (
            isinstance(turn_timeout, bool)
            or not isinstance(turn_timeout, (int, float))
            or not turn_timeout > 0
        ):
            raise ConfigurationError("turn_timeout must be a positive number of seconds or None")
        self.config = ClientConfig(
            base_url=base.rstrip("/"),
            model=model,
            timeout=Timeout.of(timeout),
            max_retries=max_retries,
            proxy=proxy or os.environ.get("HUGGINGCHAT_PROXY") or None,
            web_search=web_search,
            impersonate=impersonate,
            allow_insecure_http=allow_insecure_http,
            max_connections=max_connections,
            max_retry_wait=max_retry_wait,
            conversation_cache_size=conversation_cache_size,
            cleanup_on_close=cleanup_on_close,
            resolve_message_ids=resolve_message_ids,
            auto_login=auto_login,
            login_options=dict(login_options or {}),
            turn_timeout=turn_timeout,
        )
        self.login_attempted = False
        self.welcome_accepted = False
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self._secure = parts.scheme == "https" or _is_loopback(parts.hostname or "")
        cookies, source = resolve_cookies(hf_chat_cookie, self.config.base_url)
        if source == "anonymous":
            # chat-ui keys a session on whatever secret the cookie holds and mints one only
            # for a request without it; minting it here means concurrent first requests share
            # one anonymous session instead of racing for the server's set-cookie.
            cookies = {COOKIE_NAME: str(uuid.uuid4())}
        self.cookies = SessionCookies(cookies, source)
        self.index = ConversationIndex(conversation_cache_size)
        self.lock = threading.RLock()
        # learned from the server, cached per client
        self.generation: str | None = None  # "2026" or "2024"
        self.v2_reads: bool | None = None
        self.models: list[ModelInfo] | None = None
        self.created: list[str] = []
        self.message_limit: int | None = None  # learned from a "Message too long." refusal
        self.user_agent_headers = {"accept-language": "en-US,en;q=0.9"}

    def __repr__(self) -> str:
        return (
            f"ClientCore(base_url={self.config.base_url!r}, model={self.config.model!r}, "
            f"session={self.cookies.source!r})"
        )

    # -- requests and responses ---------------------------------------------------------------
    def url(self, req: Request) -> str:
        return self.config.base_url + req.path

    def headers(self, req: Request) -> dict[str, str]:
        headers = dict(self.user_agent_headers)
        headers.update(req.headers)
        headers.setdefault("accept", "application/json")
        if req.method not in ("GET", "HEAD", "OPTIONS"):
            headers["origin"] = self.origin
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
        if set_cookies:
            with self.lock:
                self.cookies.absorb(set_cookies)

    def check(self, req: Request, resp: Response) -> Response:
        """Raise the typed error for a failed response; absorb cookies either way."""
        self.absorb_cookies(resp.set_cookies)
        status = resp.status_code
        if 200 <= status < 300:
            if not req.stream and req.route not in ("file",) and resp.body:
                ctype = resp.content_type
                if "html" in ctype:
                    raise self.error_from(req, resp, html=True)
            return resp
        raise self.error_from(req, resp)

    def error_from(self, req: Request, resp: Response, *, html: bool = False) -> HuggingChatError:
        err = self._error_from(req, resp, html=html)
        if isinstance(err, AuthenticationError) and not err.welcome_modal:
            where = _SESSION_SOURCES.get(self.cookies.source)
            if where:
                err.message = f"the session from {where} was refused (expired?): {err.message}"
                err.args = (err.message,)
        return err

    def _error_from(self, req: Request, resp: Response, *, html: bool = False) -> HuggingChatError:
        body = _scrub(resp.body[:4000], self.cookies.secrets())
        info = resp.info()
        if html:
            if is_login_page(resp.content_type, body):
                return AuthenticationError(
                    f"the server answered with a login page where data was expected: {LOGIN_HINT}",
                    status_code=resp.status_code,
                    body=body,
                    response=info,
                )
            return ProtocolError(
                "the server answered with an HTML page where data was expected",
                status_code=resp.status_code,
                body=body,
                response=info,
            )
        return classify_error(resp.status_code, resp.headers, body, route=req.route, response=info)

    @staticmethod
    def is_stream_start(resp: Response) -> bool:
        return resp.content_type.startswith(_STREAM_TYPES)

    def check_stream_start(self, req: Request, resp: Response) -> None:
        """A 200 stream must be JSON lines (or the 2024 event-stream label)."""
        ctype = resp.content_type
        if not ctype.startswith(_STREAM_TYPES):
            raise (
                self.error_from(req, resp, html="html" in ctype)
                if "html" in ctype
                else (
                    ProtocolError(
                        f"unexpected content type for the answer stream: {ctype or 'none'}",
                        status_code=resp.status_code,
                        body=_scrub(resp.body[:300], self.cookies.secrets()),
                        response=resp.info(),
                    )
                )
            )

    def retry_delay(self, req: Request, attempt: int, exc: HuggingChatError) -> float | None:
        """Seconds to wait before retrying ``req`` after ``exc``, or None (do not retry).

        Only failures before any output are retried: 429 (honouring Retry-After up to
        ``max_retry_wait``), 502/503/504 on any route, other 5xx on GETs, and connection
        failures that happened before the request reached the server (or on GETs).
        """
        if attempt >= self.config.max_retries:
            return None
        backoff = min(8.0, 0.5 * (2**attempt)) * (0.5 + random.random() / 2)
        if isinstance(exc, RateLimitError):
            if exc.retry_after is not None:
                if exc.retry_after > self.config.max_retry_wait:
                    return None
                return max(exc.retry_after, backoff)
            return backoff
        if isinstance(exc, TransportError):
            return backoff if (req.idempotent or exc.nothing_sent) else None
        status = exc.status_code
        if status in (502, 503, 504) and type(exc) is HuggingChatError:
            return backoff
        if (
            status is not None
            and status >= 500
            and req.idempotent
            and type(exc) is (HuggingChatError)
        ):
            return backoff
        return None

    # -- operations (shared by both shells) ------------------------------------------------------
    def _json(self, resp: Response) -> Any:
        try:
            return json.loads(resp.body)
        except ValueError:
            raise ProtocolError(
                "the server answered with something that is not JSON",
                status_code=resp.status_code,
                body=_scrub(resp.body[:300], self.cookies.secrets()),
                response=resp.info(),
            ) from None

    def op_models(self, refresh: bool = False) -> Op[list[ModelInfo]]:
        if self.models is not None and not refresh:
            return self.models
        models: list[ModelInfo] | None = None
        if self.v2_reads is None and _known_legacy(self.config.base_url):
            self.v2_reads = False  # a 2024 server: its v2 route answers an HTML page
        if self.v2_reads is not False:
            try:
                resp = yield routes.list_models(v2=True)
                body = self._json(resp)
                if isinstance(body, dict) and "json" in body:
                    models = bodies.parse_models(body)
                    self.v2_reads = True
                    raw = body["json"] if isinstance(body["json"], list) else []
                    has_router_key = any(isinstance(m, dict) and "isRouter" in m for m in raw)
                    self.generation = "2026" if has_router_key else "2024"
            except (ProtocolError, HuggingChatError) as exc:
                if isinstance(exc, (AuthenticationError, RateLimitError, TransportError)):
                    raise
                models = None
        if models is None:
            self.v2_reads = False
            self.generation = "2024"
            resp = yield routes.list_models(v2=False)
            models = bodies.parse_models(self._json(resp))
        self.models = models
        _remember_generation(self.config.base_url, self.v2_reads is False)
        return models

    def op_generation(self) -> Op[str]:
        if self.generation is None:
            yield from self.op_models()
        assert self.generation is not None
        return self.generation

    def op_default_model(self) -> Op[str]:
        if self.config.model:
            return self.config.model
        models = yield from self.op_models()
        listed = [m for m in models if not m.unlisted]
        if not listed:
            raise ModelNotFoundError("the server lists no models")
        return listed[0].id

    def op_model_info(self, model: str) -> Op[ModelInfo]:
        models = yield from self.op_models()
        for m in models:
            if m.id == model or m.name == model:
                return m
        raise ModelNotFoundError(f"the server does not list the model {model!r}")

    def op_create(self, model: str, system_prompt: str) -> Op[tuple[str, ConversationInfo | None]]:
        resp = yield routes.create_conversation(model, system_prompt)
        cid, conv = bodies.parse_create(self._json(resp))
        with self.lock:
            self.created.append(cid)
        # the answer's shape tells the generation: 2026 servers embed the new conversation
        if conv is not None:
            self.generation, self.v2_reads = "2026", True
        elif self.generation is None:
            self.generation, self.v2_reads = "2024", False
        _remember_generation(self.config.base_url, self.v2_reads is False)
        return cid, conv

    def op_read(self, cid: str) -> Op[ConversationInfo]:
        if self.v2_reads is None:
            yield from self.op_generation()
        if self.v2_reads:
            resp = yield routes.get_conversation(cid, "v2")
            return bodies.parse_conversation(bodies.unwrap_superjson(self._json(resp)), cid)
        try:
            resp = yield routes.get_conversation(cid, "flat")
            return bodies.parse_conversation(self._json(resp), cid)
        except HuggingChatError as exc:
            if exc.status_code not in (403, 404) or isinstance(exc, ConversationNotFoundError):
                raise
        resp = yield routes.get_conversation(cid, "devalue")
        return self._read_devalue(resp, cid)

    def _read_devalue(self, resp: Response, cid: str) -> ConversationInfo:
        first = resp.body.split(b"\n", 1)[0]
        try:
            page = json.loads(first)
        except ValueError:
            raise ProtocolError("unreadable __data.json", body=first[:300]) from None
        nodes = page.get("nodes") if isinstance(page, dict) else None
        if page.get("type") == "redirect" if isinstance(page, dict) else False:
            raise AuthenticationError(f"the server redirected to login: {LOGIN_HINT}")
        node = nodes[1] if isinstance(nodes, list) and len(nodes) > 1 else None
        if not isinstance(node, dict):
            raise ConversationNotFoundError("the server has no such conversation")
        if node.get("type") == "error":
            status = node.get("status")
            msg = str((node.get("error") or {}).get("message") or "conversation error")
            if status in (403, 404):
                raise ConversationNotFoundError(msg, status_code=status)
            raise HuggingChatError(msg, status_code=status if isinstance(status, int) else None)
        if node.get("type") == "redirect":
            raise AuthenticationError(f"the server redirected to login: {LOGIN_HINT}")
        return bodies.parse_conversation(bodies.decode_devalue(node.get("data") or []), cid)

    def op_delete(self, cid: str) -> Op[None]:
        gen = yield from self.op_generation()
        yield routes.delete_conversation(cid, v2=gen == "2026")
        with self.lock:
            self.index.forget_conversation(cid)
        self.forget_created(cid)

    def op_delete_created(self) -> Op[int]:
        """Delete every conversation this client created; the number deleted."""
        deleted = 0
        for cid in list(self.created):
            try:
                yield from self.op_delete(cid)
                deleted += 1
            except HuggingChatError:
                self.forget_created(cid)  # gone already, or not ours to delete
        return deleted

    def forget_created(self, cid: str) -> None:
        with self.lock:
            if cid in self.created:
                self.created.remove(cid)

    def op_rename(self, cid: str, title: str) -> Op[None]:
        gen = yield from self.op_generation()
        yield routes.rename_conversation(cid, title, v2=gen == "2026")

    def op_share(self, cid: str) -> Op[str]:
        resp = yield routes.share_conversation(cid)
        body = self._json(resp)
        if isinstance(body, dict):
            if isinstance(body.get("url"), str):
                return str(body["url"])
            if isinstance(body.get("shareId"), str):
                return f"{self.config.base_url}/r/{body['shareId']}"
        raise ProtocolError("unexpected share body", body=resp.body[:300])

    def op_list_conversations(self, page: int = 0) -> Op[list[bodies.ConversationSummary]]:
        yield from self.op_generation()
        resp = yield routes.list_conversations(page, v2=bool(self.v2_reads))
        items, _ = bodies.parse_conversation_list(self._json(resp))
        return items

    def op_user(self) -> Op[dict[str, Any] | None]:
        yield from self.op_generation()
        resp = yield routes.user(v2=bool(self.v2_reads))
        body = self._json(resp)
        if isinstance(body, dict) and "json" in body:
            body = body["json"]
        return body if isinstance(body, dict) else None

    # -- one chat turn ---------------------------------------------------------------------------
    def op_begin_turn(
        self,
        messages: str | Sequence[ChatMessage],
        *,
        model: str | None = None,
        tools: Sequence[ToolSpec] | None = None,
        tool_choice: str | None = None,
        web_search: bool | None = None,
        conversation_id: str | None = None,
    ) -> Op[Turn]:
        msgs = check_turn_input(messages)  # before any I/O: nothing reaches the account
        model = model or (yield from self.op_default_model())
        extra = tool_prompt(list(tools or []), tool_choice)
        if conversation_id is not None:
            routes.check_conversation_id(conversation_id)
            with self.lock:
                plan = self.index.plan(msgs, model, extra)
            conv = yield from self.op_read(conversation_id)
            tail: list[ChatMessage] = []
            for m in reversed([m for m in msgs if m.role != "system"]):
                if m.role == "assistant":
                    break
                tail.insert(0, m)
            # the conversation's system prompt is fixed on the server: tool instructions for
            # this call travel with the message instead
            plan = replace(
                plan,
                conversation_id=conversation_id,
                parent_id=conv.last_message_id,
                pending=None,
                inputs=f"{extra}\n\n{fold_turns(tail)}" if extra else fold_turns(tail),
                files=[f for m in tail for f in m.files],
            )
        else:
            with self.lock:
                plan = self.index.plan(msgs, model, extra)
        if plan.files:
            info = yield from self.op_model_info(model)
            for f in plan.files:
                if not info.accepts_mime(f.mime):
                    raise ConfigurationError(
                        f"the model {model!r} does not accept {f.mime} files"
                        + ("" if info.multimodal else " (it is not multimodal)")
                    )
        if plan.pending is not None:
            resolved = yield from self._op_resolve_pending(plan)
            if resolved is None:
                with self.lock:
                    self.index.forget_conversation(plan.pending.conversation_id)
                    plan = self.index.plan(msgs, model, extra)
            else:
                plan = resolved
        if plan.conversation_id is None:
            cid, created = yield from self.op_create(model, plan.system_prompt)
            if created is None:
                try:
                    created = yield from self.op_read(cid)
                except HuggingChatError:
                    yield from self.op_discard_created(cid)
                    raise
            plan = replace(plan, conversation_id=cid, parent_id=created.root_id, created=True)
        generation = yield from self.op_generation()
        if not plan.parent_id:
            raise ProtocolError("could not find the conversation's root message")
        carried = generation == "2026" and self.is_long(plan.inputs)
        if carried:
            plan = self.carried(plan)
        want_search = self.config.web_search if web_search is None else web_search
        turn = self._turn(plan, model, want_search, tools, tool_choice)
        turn.carried = carried
        if self.config.turn_timeout is not None:
            turn.deadline = time.monotonic() + self.config.turn_timeout
        return turn

    def is_long(self, inputs: str) -> bool:
        """Should ``inputs`` travel as an attachment?"""
        size = input_length(inputs)
        return size >= LONG_INPUT or (self.message_limit is not None and size > self.message_limit)

    @staticmethod
    def carried(plan: TurnPlan) -> TurnPlan:
        """``plan`` with its text in a ``text/plain`` attachment and a short ``inputs``."""
        inputs, files = carry_as_attachment(plan.inputs)
        return replace(plan, inputs=inputs, files=[*plan.files, *files])

    def _turn(
        self,
        plan: TurnPlan,
        model: str,
        web_search: bool,
        tools: Sequence[ToolSpec] | None,
        tool_choice: str | None,
    ) -> Turn:
        assert plan.conversation_id is not None and plan.parent_id is not None
        generation = self.generation or "2026"
        req, generation_id = routes.send_message(
            plan.conversation_id,
            parent_id=plan.parent_id,
            inputs=plan.inputs,
            generation=generation,
            web_search=web_search,
            files=plan.files,
        )
        assembler = TurnAssembler(
            base_url=self.config.base_url,
            conversation_id=plan.conversation_id,
            requested_model=model,
            generation_id=generation_id,
            parent_id=plan.parent_id,
        )
        buffer = (
            ToolCallBuffer({t.name for t in tools}) if tools and tool_choice != "none" else None
        )
        return Turn(
            plan,
            req,
            assembler,
            self,
            buffer,
            model=model,
            web_search=web_search,
            tools=tools,
            tool_choice=tool_choice,
        )

    # -- a send that was refused before anything was stored ----------------------------------
    def send_refused(self, turn: Turn, exc: HuggingChatError) -> Turn | None:
        """The turn to send instead after ``exc`` refused ``turn``'s send: the same turn with
        its text as an attachment after a "Message too long." (2026 servers, once), else None."""
        if not _too_long(exc):
            return None
        size = input_length(turn.plan.inputs)
        with self.lock:  # the limit is below this size: later texts over half of it go as files
            if self.message_limit is None or size // 2 < self.message_limit:
                self.message_limit = size // 2
        if self.generation != "2026" or turn.carried:
            return None
        log.info("the server refused a %d-character message; sending it as a file", size)
        new = self._turn(
            self.carried(turn.plan), turn.model, turn.web_search, turn.tools, turn.tool_choice
        )
        new.deadline, new.carried = turn.deadline, True
        return new

    def refusal_error(self, turn: Turn, exc: HuggingChatError) -> HuggingChatError:
        """The error a caller gets for a refused send (typed when the message was too long)."""
        if not _too_long(exc) or isinstance(exc, MessageTooLongError):
            return exc
        limit = getattr(exc, "limit", None)
        return MessageTooLongError(
            "the server refused the message as too long"
            + ("" if self.generation == "2026" else " (this server takes no text attachments)"),
            limit=limit if isinstance(limit, int) else None,
            status_code=exc.status_code,
            body=exc.body,
            response=exc.response,
        )

    def op_discard(self, turn: Turn) -> Op[None]:
        """After a send that failed before its stream started: delete the conversation this
        turn created (it holds nothing of the caller's), so nothing is left on the account."""
        if turn.plan.created and turn.plan.conversation_id:
            yield from self.op_discard_created(turn.plan.conversation_id)

    def op_discard_created(self, cid: str) -> Op[None]:
        try:
            yield from self.op_delete(cid)
        except HuggingChatError as exc:
            log.debug("could not delete the unused conversation %s: %s", cid, exc)

    # -- the send route's retry rule ---------------------------------------------------------
    def send_retry_delay(self, req: Request, attempt: int, exc: HuggingChatError) -> float:
        """Seconds to wait before sending a message again after ``exc``; raises the error to
        give the caller when the send must not be repeated.

        A message is sent again only when the server cannot have processed it: the
        connection failed before the request was sent, or a 429 refused it before anything
        was stored. chat-ui's per-minute limit answers 429 without ``Retry-After`` and counts
        every attempt, refused ones too, over 60 s: an early retry only prolongs the block,
        so the only retry waits out the window, when ``max_retry_wait`` allows it.
        """
        if isinstance(exc, TransportError):
            if not exc.nothing_sent:
                raise exc
            delay = self.retry_delay(req, attempt, exc)
            if delay is None:
                raise exc
            return delay
        if not isinstance(exc, RateLimitError) or exc.status_code != 429:
            raise exc
        window = exc.retry_after is None or exc.limit == "messagesPerMinute"
        wait = RATE_WINDOW if exc.retry_after is None else exc.retry_after
        limit = min(1, self.config.max_retries) if window else self.config.max_retries
        if attempt < limit and wait <= self.config.max_retry_wait:
            return wait
        why = " (refused attempts count, so an earlier retry extends the block)" if window else ""
        raise RateLimitError(
            f"{exc.message}; wait {wait:g} s before sending again{why}",
            retry_after=wait,
            limit=exc.limit,
            status_code=exc.status_code,
            body=exc.body,
            response=exc.response,
        ) from exc

    def find_message_request(self, turn: Turn) -> Op[str | None] | None:
        """The read that learns the new assistant message's id while its answer streams
        (2026 servers store both messages, stamped with the generation id, before they
        stream), or None where it cannot be read that way."""
        gid = turn.assembler.result.generation_id
        if self.generation != "2026" or not gid or not turn.plan.conversation_id:
            return None
        return self.op_find_message(turn.plan.conversation_id, gid)

    def op_find_message(self, cid: str, generation_id: str) -> Op[str | None]:
        try:
            conv = yield from self.op_read(cid)
        except HuggingChatError as exc:  # the answer stands; the id stays unknown
            log.debug("could not read the new message id: %s", exc)
            return None
        for m in conv.messages:
            if m.role == "assistant" and m.generation_id == generation_id:
                return m.id
        return None

    def _op_resolve_pending(self, plan: TurnPlan) -> Op[TurnPlan | None]:
        """``plan`` with its pending node's message id read from the server (a new plan), or
        None when the node is gone."""
        node = plan.pending
        assert node is not None
        try:
            conv = yield from self.op_read(node.conversation_id)
        except ConversationNotFoundError:
            return None
        found = None
        flat = not any(m.ancestors for m in conv.messages)  # 2024 /api/conversation
        for m in conv.messages:
            if m.role != "assistant":
                continue
            if node.generation_id and m.generation_id == node.generation_id:
                found = m
                break
            if node.parent_id and node.parent_id in m.ancestors:
                found = m  # the last such message wins (insertion order)
            elif flat and (node.text is None or split_think(m.content)[1] == node.text):
                found = m
        if found is None:
            return None
        with self.lock:
            self.index.resolve(node, found.id)
        return replace(plan, parent_id=found.id, pending=None)

    def op_resolve_message_id(self, turn: Turn) -> Op[None]:
        """After a turn: read the conversation once to learn the new message's id."""
        node = turn.node
        if node is None or node.message_id is not None:
            return
        try:
            resolved = yield from self._op_resolve_pending(replace(turn.plan, pending=node))
        except HuggingChatError as exc:  # the answer stands; the id stays unknown
            log.debug("could not read the new message id: %s", exc)
            return
        if resolved is not None and turn.result is not None:
            turn.result.message_id = resolved.parent_id

    def finish_turn(self, turn: Turn, result: TurnResult) -> None:
        plan = turn.plan
        answer = ChatMessage("assistant", result.text, tool_calls=list(result.tool_calls))
        node = NodeRef(
            conversation_id=plan.conversation_id or "",
            message_id=result.message_id,
            parent_id=plan.parent_id,
            generation_id=result.generation_id,
            text=result.text,
        )
        with self.lock:
            self.index.record(plan, answer, node)
        turn.node = node
        turn.result = result

    def recovery_request(self, exc: HuggingChatError) -> Request | None:
        """A request that clears ``exc`` before the failed one is sent again (at most once per
        client): accepting a 2024 server's welcome modal."""
        if getattr(exc, "welcome_modal", False) and not self.welcome_accepted:
            self.welcome_accepted = True
            return routes.accept_welcome()
        return None

    def wants_login(self, exc: HuggingChatError) -> bool:
        """Run the browser login for this error? (``auto_login``; at most once per client)"""
        if not self.config.auto_login or self.login_attempted:
            return False
        if not isinstance(exc, AuthenticationError):
            return False
        self.login_attempted = True
        return True

    def adopt_login(self, cookies: Mapping[str, str]) -> None:
        """Use the cookies a fresh browser login captured."""
        with self.lock:
            self.cookies = SessionCookies(cookies, "store")

    @staticmethod
    def stop_failed(exc: HuggingChatError) -> None:
        log.debug("could not stop an abandoned generation: %s", exc)

    def failure_delay(self, req: Request, attempt: int, exc: HuggingChatError) -> float:
        """Seconds to wait before sending ``req`` again after ``exc``; raises the error to give
        the caller when it must not be sent again (the send route has its own rule)."""
        if req.route == "send":
            return self.send_retry_delay(req, attempt, exc)
        delay = self.retry_delay(req, attempt, exc)
        if delay is None:
            raise exc
        return delay

    def retry_wait_note(self, req: Request, exc: HuggingChatError, delay: float) -> None:
        log.info("retrying %s %s in %.2fs after %s", req.method, req.route, delay, exc)


def user_agent() -> str:
    return f"hfchat/{__version__}"
