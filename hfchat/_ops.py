"""Operations on models and conversations, each written once as a generator that yields
:class:`~hfchat.protocol.routes.Request` objects and receives
:class:`~hfchat._response.Response` objects (the shells only move bytes); the server
generation they detect is cached per client and, as a hint, per process.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar

from ._checks import ResponseChecks
from ._response import Response
from .errors import (
    AuthenticationError,
    ConversationNotFoundError,
    HuggingChatError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    TransportError,
)
from .protocol import bodies, routes
from .protocol.classify import classify
from .protocol.routes import Request

if TYPE_CHECKING:
    from .protocol.records import ConversationInfo, ModelInfo

__all__ = ["ConversationOps", "Op"]

log = logging.getLogger("hfchat")

T = TypeVar("T")
#: An operation: yields the requests to send, receives their responses, returns ``T``.
Op = Generator[Request, Response, T]

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


class ConversationOps(ResponseChecks):
    """Model and conversation operations of :class:`~hfchat._core.ClientCore`."""

    def op_models(self, refresh: bool = False) -> Op[list[ModelInfo]]:
        """The server's models (cached; ``refresh`` reads again). Learns the server generation:
        the v2 route first (unless the base URL is a known 2024 server), the 2024 route when
        it fails with anything but an auth, rate-limit or transport error.
        """
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
        """``"2026"`` or ``"2024"``: the cached generation, or the model list's."""
        if self.generation is None:
            yield from self.op_models()
        assert self.generation is not None
        return self.generation

    def op_default_model(self) -> Op[str]:
        """The configured model, else the server's first listed one
        (:class:`~hfchat.errors.ModelNotFoundError` when it lists none).
        """
        if self.config.model:
            return self.config.model
        models = yield from self.op_models()
        listed = [m for m in models if not m.unlisted]
        if not listed:
            raise ModelNotFoundError("the server lists no models")
        return listed[0].id

    def op_model_info(self, model: str) -> Op[ModelInfo]:
        """The listed model with id or name ``model``
        (:class:`~hfchat.errors.ModelNotFoundError` when it is not listed).
        """
        models = yield from self.op_models()
        for m in models:
            if m.id == model or m.name == model:
                return m
        raise ModelNotFoundError(f"the server does not list the model {model!r}")

    def op_create(self, model: str, system_prompt: str) -> Op[tuple[str, ConversationInfo | None]]:
        """Create a conversation; its id and, on 2026 servers, its content (the answer's shape
        tells the generation). The id is tracked in :attr:`created`.
        """
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
        """Read a conversation: the v2 route on 2026 servers; on 2024 ones the JSON route, then
        the SvelteKit ``__data.json`` page when that one is refused (403/404).
        """
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
        """Delete a conversation on the server and forget it locally."""
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
        """Stop tracking ``cid`` as created by this client."""
        with self.lock:
            if cid in self.created:
                self.created.remove(cid)

    def op_rename(self, cid: str, title: str) -> Op[None]:
        """Set a conversation's title."""
        gen = yield from self.op_generation()
        yield routes.rename_conversation(cid, title, v2=gen == "2026")

    def op_share(self, cid: str) -> Op[str]:
        """Share a conversation; its public URL (:class:`~hfchat.errors.ProtocolError` for an
        answer without one).
        """
        resp = yield routes.share_conversation(cid)
        body = self._json(resp)
        if isinstance(body, dict):
            if isinstance(body.get("url"), str):
                return str(body["url"])
            if isinstance(body.get("shareId"), str):
                return f"{self.config.base_url}/r/{body['shareId']}"
        raise ProtocolError("unexpected share body", body=resp.body[:300])

    def op_list_conversations(self, page: int = 0) -> Op[list[bodies.ConversationSummary]]:
        """One page of the account's conversations."""
        yield from self.op_generation()
        resp = yield routes.list_conversations(page, v2=bool(self.v2_reads))
        items, _ = bodies.parse_conversation_list(self._json(resp))
        return items

    def op_user(self) -> Op[dict[str, Any] | None]:
        """The session's user as a dict, or None (anonymous)."""
        yield from self.op_generation()
        resp = yield routes.user(v2=bool(self.v2_reads))
        body = self._json(resp)
        if isinstance(body, dict) and "json" in body:
            body = body["json"]
        return body if isinstance(body, dict) else None
