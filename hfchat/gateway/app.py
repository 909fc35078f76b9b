"""The gateway's Starlette application: routes, API-key check, request log, lifespan.

One :class:`hfchat.AsyncHuggingChatClient` serves every request of the process (created in the
lifespan, so the conversation index it keeps maps a chat front-end's growing histories onto the
same server conversations). Shutdown stops the generations in flight (the core sends the
server's stop-generating request for each) before the client is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..client import AsyncHuggingChatClient
from ..errors import HuggingChatError, ModelNotFoundError
from ..events import ReasoningDelta, TurnEnd, TurnResult
from ..protocol.bodies import ModelInfo
from ..stops import StopCutter
from . import mapping, sse
from .errors import GatewayError, error_body, from_exception
from .pump import Generation, GenerationStopped, Item, Registry
from .schemas import ChatCompletionRequest

__all__ = ["Gateway", "GatewaySettings", "create_app"]

log = logging.getLogger("hfchat.gateway")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 32 * 1024 * 1024
API_KEY_ENV = "HFCHAT_API_KEY"


@dataclass
class GatewaySettings:
    """How the gateway reaches HuggingChat and whom it serves.

    ``base_url``, ``hf_chat_cookie`` and ``proxy`` are resolved by the core client when None
    (env ``HUGGINGCHAT_BASE_URL``, ``HUGGINGCHAT_COOKIE``, ``HUGGINGCHAT_PROXY``, then the
    ``hfchat login`` store). ``model`` is used when a request names none. ``api_key``: when
    set, every ``/v1`` request needs ``Authorization: Bearer <api_key>``.
    """

    base_url: str | None = None
    hf_chat_cookie: Any = None
    proxy: str | None = None
    model: str | None = None
    api_key: str | None = None
    timeout: float | None = None
    conversation_cache_size: int = 4096
    shutdown_grace: float = 5.0

    def __repr__(self) -> str:
        return (
            f"GatewaySettings(base_url={self.base_url!r}, model={self.model!r}, "
            f"api_key={'***' if self.api_key else None})"
        )


class Gateway:
    """The state behind the routes: the shared client and the generations in flight."""

    def __init__(
        self, settings: GatewaySettings, client: AsyncHuggingChatClient | None = None
    ) -> None:
        self.settings = settings
        self._client = client
        self._owns_client = client is None
        self.generations = Registry()
        self.created = int(time.time())

    @property
    def client(self) -> AsyncHuggingChatClient:
        """The one shared async client of this process (created on first use, no I/O)."""
        if self._client is None:
            s = self.settings
            kw: dict[str, Any] = {
                "base_url": s.base_url,
                "hf_chat_cookie": s.hf_chat_cookie,
                "proxy": s.proxy,
                "model": s.model,
                "conversation_cache_size": s.conversation_cache_size,
            }
            if s.timeout:
                kw["timeout"] = s.timeout
            self._client = AsyncHuggingChatClient(**kw)
        return self._client

    def secrets(self) -> list[str]:
        """What must never appear in an answer: the API key and every credential of the client."""
        out = [self.settings.api_key or ""]
        if self._client is not None:
            out.extend(self._client._core.secrets())  # cookies, proxy and base-URL passwords
        return [s for s in out if s]

    async def stop_generations(self) -> None:
        """Stop every generation in flight (graceful shutdown)."""
        await self.generations.stop_all(self.settings.shutdown_grace)

    async def aclose(self) -> None:
        """Stop the generations still streaming, then close the client if this gateway made it."""
        await self.stop_generations()
        if self._client is not None and self._owns_client:
            await self._client.aclose()

    # -- models ----------------------------------------------------------------------------------
    async def models(self) -> list[ModelInfo]:
        """The server's models (cached by the client)."""
        return await self.client.list_models()

    async def resolve_model(self, name: str) -> str:
        """The server's id for ``name`` (id or name); the default when empty."""
        models = await self.models()
        listed = [m for m in models if not m.unlisted]
        if not name:
            if self.settings.model:
                name = self.settings.model
            elif listed:
                return listed[0].id
            else:
                raise ModelNotFoundError("the server lists no models")
        for m in models:
            if name in (m.id, m.name):
                return m.id
        raise ModelNotFoundError(f"the model {name!r} does not exist on this HuggingChat server")


# -- responses ---------------------------------------------------------------------------------
def _error_response(gw: Gateway, err: GatewayError) -> JSONResponse:
    return JSONResponse(err.body(gw.secrets()), status_code=err.status, headers=err.headers)


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors(include_input=False, include_url=False)[:5]:
        loc = ".".join(str(p) for p in e.get("loc", ()))
        parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
    return "invalid request body: " + "; ".join(parts)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise GatewayError(413, "the request body is too large", code="request_too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise GatewayError(413, "the request body is too large", code="request_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def health(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    return JSONResponse({"status": "ok", "generations": len(gw.generations)})


async def list_models(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    try:
        models = await gw.models()
    except HuggingChatError as exc:
        return _error_response(gw, from_exception(exc))
    data = [
        {"id": m.id, "object": "model", "created": gw.created, "owned_by": "huggingchat"}
        for m in models
        if not m.unlisted
    ]
    return JSONResponse({"object": "list", "data": data})


async def chat_completions(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    try:
        raw = await _read_body(request)
        try:
            req = ChatCompletionRequest.model_validate_json(raw)
        except ValidationError as exc:
            raise GatewayError(400, _validation_message(exc), code="invalid_request") from None
        model = await gw.resolve_model(req.model)
        turn = mapping.to_turn_request(req)
        stream = gw.client.stream_chat(
            turn.messages,
            model=model,
            tools=turn.tools or None,
            tool_choice=turn.tool_choice,
            web_search=turn.web_search,
        )
        gen = Generation(stream, gw.generations)
        # a caller that hangs up before the answer is complete stops the generation
        watcher = asyncio.get_running_loop().create_task(_stop_on_disconnect(request, gen))
        try:
            first = await _until_output(gen)
        except BaseException:
            watcher.cancel()
            gen.request_stop()
            raise
    except GatewayError as err:
        return _error_response(gw, err)
    except HuggingChatError as exc:
        return _error_response(gw, from_exception(exc))
    except GenerationStopped:
        return _error_response(gw, _stopped())
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    reply = _Reply(gw, gen, turn, completion_id, created, req.model or model)
    if req.stream:
        watcher.cancel()  # from here the streaming response watches the connection
        return StreamingResponse(
            reply.sse(first),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    try:
        return await reply.whole(first)
    finally:
        watcher.cancel()


async def _stop_on_disconnect(request: Request, gen: Generation) -> None:
    """Stop ``gen`` when the client disconnects (the request body was read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            gen.request_stop()
            return


def _stopped() -> GatewayError:
    return GatewayError(
        503, "the gateway is shutting down; the generation was stopped", "server_error",
        "shutting_down",
    )  # fmt: skip


class _Reply:
    """Turns the batches of one generation into a completion or an SSE stream."""

    def __init__(
        self,
        gw: Gateway,
        gen: Generation,
        turn: mapping.TurnRequest,
        completion_id: str,
        created: int,
        model: str,
    ) -> None:
        self.gw = gw
        self.gen = gen
        self.turn = turn
        self.id = completion_id
        self.created = created
        self.model = model

    def _content(self, result: TurnResult) -> tuple[str, bool]:
        text = result.text
        if self.turn.json_mode and not result.tool_calls:
            return mapping.clean_json(text), False
        if self.turn.stops:
            return StopCutter(self.turn.stops).cut(text)
        return text, False

    async def whole(self, first: list[Item]) -> Response:
        result: TurnResult | None = None
        try:
            for ev in first:
                if type(ev) is TurnEnd:
                    result = ev.result
            while (batch := await self.gen.take()) is not None:
                for ev in batch:
                    if type(ev) is TurnEnd:
                        result = ev.result
        except HuggingChatError as exc:
            return _error_response(self.gw, from_exception(exc))
        except GenerationStopped:
            return _error_response(self.gw, _stopped())
        finally:
            self.gen.request_stop()
        if result is None:  # pragma: no cover - a stream always ends with TurnEnd
            return _error_response(self.gw, GatewayError(502, "the answer ended early"))
        content, stopped = self._content(result)
        body = mapping.completion(
            self.id,
            self.created,
            self.model,
            result,
            content,
            mapping.finish_reason(result, stopped),
        )
        return JSONResponse(body)

    async def sse(self, first: list[Item]) -> AsyncIterator[bytes]:
        w = sse.ChunkWriter(self.id, self.created, self.model)
        stop = StopCutter(self.turn.stops) if self.turn.stops else None
        hold = self.turn.json_mode  # a JSON answer is cleaned whole, then sent at once
        result: TurnResult | None = None
        # the role chunk goes out with the first output, and the last text with the final
        # chunks and [DONE]: fewer writes per stream
        pending = w.chunk({"role": "assistant", "content": ""})
        take = self.gen.take
        try:
            batch: list[Item] | None = first
            while batch is not None:
                texts = [ev for ev in batch if type(ev) is str]
                reasoning = [ev.text for ev in batch if type(ev) is ReasoningDelta]  # type: ignore[union-attr]
                if batch and type(batch[-1]) is TurnEnd:
                    result = batch[-1].result  # type: ignore[union-attr]
                text = "".join(texts) if texts and not hold else ""
                if stop is not None and text:
                    text = stop.feed(text)
                if text or reasoning:
                    pending += w.delta(text, "".join(reasoning))
                if result is not None:
                    break
                if pending:
                    yield pending
                    pending = b""
                batch = await take()
        except HuggingChatError as exc:
            err = from_exception(exc)
            yield pending + sse.event(err.body(self.gw.secrets()))
            return
        except GenerationStopped:
            yield pending + sse.event(_stopped().body())
            return
        finally:
            self.gen.request_stop()
        if result is None:  # pragma: no cover - a stream always ends with TurnEnd
            yield pending + sse.event(error_body("the answer ended early", "upstream_error"))
            return
        stopped = stop is not None and stop.done
        if hold and not result.tool_calls:
            tail = mapping.clean_json(result.text)
        else:
            tail = stop.flush() if stop is not None else ""
        if tail:
            pending += w.delta(tail)
        if result.tool_calls:
            pending += w.chunk({"tool_calls": mapping.tool_call_dicts(result.tool_calls, True)})
        yield (
            pending
            + w.chunk(
                {}, mapping.finish_reason(result, stopped), hfchat=mapping.hfchat_field(result)
            )
            + sse.DONE
        )


_OUTPUT = (str, ReasoningDelta, TurnEnd)


async def _until_output(gen: Generation) -> list[Item]:
    """The items up to the first batch with output: a failure before any output is answered
    with its own status instead of a 200 stream."""
    first: list[Item] = []
    while (batch := await gen.take()) is not None:
        first.extend(batch)
        if any(type(ev) in _OUTPUT for ev in batch):
            break
    return first


# -- middleware --------------------------------------------------------------------------------
class GatewayMiddleware:
    """API-key check for ``/v1`` routes (constant-time compare) and one log line per request
    (method, path without query, status, seconds; never a header)."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app = app
        self._key = api_key.encode() if api_key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 0

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        path = scope.get("path", "")
        try:
            if self._key is not None and path.startswith("/v1") and not self._authorized(scope):
                await _send_json(send_logged, 401, _unauthorized())
                return
            await self.app(scope, receive, send_logged)
        finally:
            log.info("%s %s %s %.3fs", scope.get("method"), path, status, time.perf_counter() - t0)

    def _authorized(self, scope: Scope) -> bool:
        assert self._key is not None
        given = b""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                given = value
                break
        scheme, _, token = given.partition(b" ")
        if scheme.lower() != b"bearer":
            token = b""
        return hmac.compare_digest(token.strip(), self._key)


def _unauthorized() -> dict[str, Any]:
    return error_body(
        "missing or wrong API key: send the header 'Authorization: Bearer YOUR_KEY'",
        "invalid_request_error",
        "invalid_api_key",
    )


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    resp = JSONResponse(body, status_code=status)
    await send({"type": "http.response.start", "status": status, "headers": resp.raw_headers})
    await send({"type": "http.response.body", "body": resp.body})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = "not_found" if exc.status_code == 404 else "method_not_allowed"
    message = (
        f"no route {request.url.path}"
        if exc.status_code == 404
        else f"{request.method} is not allowed on {request.url.path}"
    )
    return JSONResponse(
        error_body(message, "invalid_request_error", code),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s: %s", request.url.path, type(exc).__name__)
    return JSONResponse(
        error_body("internal gateway error", "server_error", "internal_error"), status_code=500
    )


def create_app(
    settings: GatewaySettings | None = None,
    *,
    client: AsyncHuggingChatClient | None = None,
) -> Starlette:
    """The ASGI app. ``client`` (optional) is used instead of one built from ``settings``
    (it is then not closed at shutdown)."""
    settings = settings or GatewaySettings(api_key=os.environ.get(API_KEY_ENV) or None)
    gateway = Gateway(settings, client)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gateway.client  # noqa: B018 - the shared client (its constructor does no I/O)
        yield
        await gateway.aclose()

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    app.add_middleware(GatewayMiddleware, api_key=settings.api_key)
    return app
