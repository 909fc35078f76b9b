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
from collections import OrderedDict, deque
from collections.abc import Generator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar
from urllib.parse import urlsplit

from . import __version__
from ._transport import Response, ResponseInfo
from ._turn import Turn
from .auth import COOKIE_NAME, CookieSource, SessionCookies, resolve_cookies
from .config import DEFAULT_BASE_URL, ClientConfig, ClientOptions
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
    AuthenticationError,
    ConfigurationError,
    ConversationNotFoundError,
    HuggingChatError,
    InsecureTransportError,
    MessageTooLongError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    RequestInfo,
    ServerError,
    TransportError,
    scrub_headers,
    strip_userinfo,
)
from .events import TurnResult
from .protocol import bodies, routes
from .protocol.classify import body_message, classify
from .protocol.routes import Request
from .protocol.think import split_think
from .protocol.turn import TurnAssembler
from .tools import ToolCallBuffer, ToolSpec, tool_prompt

if TYPE_CHECKING:
    from .protocol.records import ConversationInfo, ModelInfo

__all__ = [
    "DEFAULT_BASE_URL",
    "ActiveTurn",
    "ClientConfig",
    "ClientCore",
    "ClientOptions",
    "Op",
    "TurnOptions",
]

log = logging.getLogger("hfchat")

T = TypeVar("T")
Op = Generator[Request, Response, T]

_STREAM_TYPES = ("application/jsonl", "text/event-stream", "application/x-ndjson")

#: chat-ui's web client turns a paste of this many characters or more into a text file; a turn
#: this long goes as a ``text/plain`` attachment on 2026 servers (the server's limit is not
#: published; a lower one is learned from its "Message too long." refusal).
LONG_INPUT = 3984
#: chat-ui's per-minute message limit counts every attempt, refused ones too, over 60 s.
RATE_WINDOW = 60.0

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


class ClientCore:
    """State and logic of one client; no sockets."""

    def __init__(self, *, hf_chat_cookie: CookieSource = None, **options: Any) -> None:
        """``options``: the :class:`~hfchat.config.ClientOptions` (validated into
        :attr:`config`, a :class:`~hfchat.config.ClientConfig`, before any I/O)."""
        self.config = ClientConfig.from_options(**options)
        cfg = self.config
        self.login_attempted = False
        self.welcome_accepted = False
        self.origin = cfg.origin
        host = urlsplit(cfg.base_url).hostname or ""
        self._secure = cfg.base_url.startswith("https://") or _is_loopback(host)
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
        return self.config.base_url + req.path

    def headers(self, req: Request) -> dict[str, str]:
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
        """The typed error for ``resp`` (``html``: an HTML page where data was expected)."""
        return self._error_from(req, resp, "html" if html else "http")

    def request_info(self, req: Request) -> RequestInfo:
        """What an error keeps of ``req``: method, route and URL without credentials."""
        return RequestInfo.of(req.method, req.route, self.url(req))

    def response_info(self, resp: Response) -> ResponseInfo:
        """What an error keeps of ``resp``: cookie headers dropped, secret values scrubbed."""
        secrets = self.secrets()
        return ResponseInfo(
            resp.status_code, strip_userinfo(resp.url), scrub_headers(resp.headers, secrets)
        )

    def _error_from(self, req: Request, resp: Response, stage: str = "http") -> HuggingChatError:
        return classify(
            stage,
            status=resp.status_code,
            route=req.route,
            headers=resp.headers,
            body=resp.body[:4000],
            request=self.request_info(req),
            response=self.response_info(resp),
            session=self.cookies.source,
            secrets=self.secrets(),
            now=time.time(),
        )

    @staticmethod
    def is_stream_start(resp: Response) -> bool:
        return resp.content_type.startswith(_STREAM_TYPES)

    def check_stream_start(self, req: Request, resp: Response) -> None:
        """A 200 stream must be JSON lines (or the 2024 event-stream label)."""
        ctype = resp.content_type
        if ctype.startswith(_STREAM_TYPES):
            return
        if "html" in ctype:
            raise self._error_from(req, resp, "html")
        raise ProtocolError(
            f"unexpected content type for the answer stream: {ctype or 'none'}"[:200],
            status_code=resp.status_code,
            body=self._scrubbed_body(resp, 300),
            request=self.request_info(req),
            response=self.response_info(resp),
        )

    def _scrubbed_body(self, resp: Response, limit: int) -> str:
        text = body_message(_scrub(resp.body[:limit], self.secrets()))
        return text or "(empty)"

    def retry_delay(self, req: Request, attempt: int, exc: HuggingChatError) -> float | None:
        """Seconds to wait before retrying ``req`` after ``exc``, or None (do not retry).

        Only failures before any output are retried, with exponential backoff and jitter
        (:class:`~hfchat.config.Retry`):

        - the send route (posting a message) only when the server cannot have processed it:
          the connection failed before the request was sent, or a 429 refused it before
          anything was stored (honouring ``Retry-After`` up to ``max_retry_wait``). Any other
          failure of a send, 502/503/504 included, is raised: the server may have stored the
          turn and be generating, and a second post would duplicate it;
        - other routes: 429 likewise, 502/503/504, other 5xx on reads, and connection failures
          before the request was sent (on reads, any connection failure).
        """
        retry = self.config.retry
        if attempt >= retry.max_retries:
            return None
        backoff = min(retry.backoff_max, retry.backoff * (2**attempt)) * (0.5 + random.random() / 2)
        if isinstance(exc, RateLimitError):
            if exc.retry_after is not None:
                if exc.retry_after > retry.max_retry_wait:
                    return None
                return max(exc.retry_after, backoff)
            return backoff
        if isinstance(exc, TransportError):
            may = exc.may_retry_send or (req.idempotent and req.route != "send")
            return backoff if may else None
        if req.route == "send" or not isinstance(exc, ServerError):
            return None  # a send the server may have stored is never posted again
        status = exc.status_code or 0
        if status in (502, 503, 504) or req.idempotent:
            return backoff
        return None

    # -- operations (shared by both shells) ------------------------------------------------------
    def _json(self, resp: Response, req: Request | None = None) -> Any:
        """The JSON of a success body; any parse failure (bad JSON, nesting too deep for the
        parser, a number with too many digits) is a :class:`ProtocolError`."""
        try:
            return json.loads(resp.body)
        except (ValueError, RecursionError) as exc:
            why = "nested too deep" if isinstance(exc, RecursionError) else "not JSON"
            raise ProtocolError(
                f"the server answered with something that is not readable JSON ({why})",
                status_code=resp.status_code,
                body=self._scrubbed_body(resp, 300),
                request=self.request_info(req) if req is not None else None,
                response=self.response_info(resp),
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
        page = self._json(
            Response(resp.status_code, resp.headers, resp.set_cookies, first, resp.url)
        )
        nodes = page.get("nodes") if isinstance(page, dict) else None
        node = nodes[1] if isinstance(nodes, list) and len(nodes) > 1 else None
        kind = page.get("type") if isinstance(page, dict) else None
        if kind != "redirect" and isinstance(node, dict):
            kind = node.get("type")
        if kind in ("redirect", "error"):
            status = node.get("status") if isinstance(node, dict) else None
            error = node.get("error") if isinstance(node, dict) else None
            message = error.get("message") if isinstance(error, dict) else None
            raise classify(
                "devalue",
                status=302 if kind == "redirect" else status if isinstance(status, int) else None,
                route="read",
                message=str(message or ""),
                response=self.response_info(resp),
                session=self.cookies.source,
            )
        if not isinstance(node, dict):
            raise ConversationNotFoundError(
                "the server has no such conversation", response=self.response_info(resp)
            )
        try:
            value = bodies.decode_devalue(node.get("data") or [])
        except (RecursionError, IndexError, TypeError, KeyError) as exc:
            raise ProtocolError(
                f"unreadable __data.json node ({type(exc).__name__})",
                response=self.response_info(resp),
            ) from None
        return bodies.parse_conversation(value, cid)

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
            generation_id=str(uuid.uuid4()),
            boundary="----hfchat" + os.urandom(12).hex(),
        )
        assembler = TurnAssembler(
            base_url=self.config.base_url,
            conversation_id=plan.conversation_id,
            requested_model=model,
            generation_id=generation_id,
            parent_id=plan.parent_id,
            max_line_bytes=self.config.limits.max_line_bytes,
            request=self.request_info(req),
        )
        buffer = (
            ToolCallBuffer(tools, forced=tool_choice) if tools and tool_choice != "none" else None
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
        if exc.retry_after is not None:
            raise exc  # the classifier's message already says how long to wait
        raise RateLimitError(
            f"{exc.message}; wait {wait:g} s before sending again (refused attempts count, so"
            " an earlier retry extends the block)",
            retry_after=wait,
            limit=exc.limit,
            status_code=exc.status_code,
            body=exc.body,
            response=exc.response,
            request=exc.request,
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
