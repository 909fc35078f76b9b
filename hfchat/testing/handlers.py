"""chat-ui route handlers (2026 HEAD and 2024 v0.9.4), answering like the captures.

A handler is ``async def handler(request: HandlerRequest) -> WireResponse``. :func:`install`
registers the built-in routes of one server generation on a
:class:`~hfchat.testing.server.Router`; other modules register more with
``fake.register_route(method, path_regex, handler)`` and can use the response helpers here
(:func:`json_response`, :func:`message_error`, :func:`server_error`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .faults import STREAM_FAULTS
from .forms import Part
from .models import (
    ReplyRequest,
    document_prompt,
    flat_model,
    legacy_model,
    models_for,
    plan_reply,
    v2_model,
)
from .server import Router, WireRequest, WireResponse
from .state import Conversation, Generation, Session, StoredFile, TreeError
from .stream import StreamRun, Turn, stored_title
from .views import (
    conversation_data_json,
    conversation_flat,
    conversation_v2,
    data_json_error,
    layout_data_json,
    list_item,
    list_item_legacy,
    list_item_v2,
)
from .wire import js_json, superjson, utf16_len

if TYPE_CHECKING:
    from .emulator import FakeHuggingChat, RecordedRequest

__all__ = [
    "HandlerRequest",
    "install",
    "json_response",
    "message_error",
    "not_found",
    "route_kind",
    "server_error",
    "text_response",
]

CID = re.compile(r"[0-9a-fA-F]{24}")
MAX_FILE = 10 * 1024 * 1024
NOT_FOUND = "Conversation not found"
NO_ACCESS = (
    "You don't have access to this conversation. If someone gave you this link, ask them to use "
    "the 'share' feature instead."
)
_INVALID_JSON = object()
_JSON = ("content-type", "application/json")
_SANDBOX_CSP = "default-src 'none'; script-src 'none'; style-src 'none'; sandbox;"
_APP_DESCRIPTION = "Making the community's best AI chat models available to everyone."


@dataclass
class HandlerRequest:
    """What a route handler sees. ``path`` excludes the base path."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes
    session: Session
    new_session: bool
    fake: FakeHuggingChat
    record: RecordedRequest
    raw: WireRequest
    parts: list[Part] | None = None
    match: re.Match[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def legacy(self) -> bool:
        """True when the emulator plays a 2024 server."""
        return self.fake.generation == "2024"

    def param(self, name: str) -> str:
        """The named group ``name`` of the route's path match."""
        assert self.match is not None
        return self.match.group(name)

    def json(self) -> Any:
        """The JSON body, or ``_INVALID_JSON`` when it does not parse."""
        try:
            return json.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except (UnicodeDecodeError, ValueError):
            return _INVALID_JSON


# --- response helpers --------------------------------------------------------------------------


Headers = list[tuple[str, str]]


def json_response(
    obj: Any, status: int = 200, *, chunked: bool = True, headers: Headers | None = None
) -> WireResponse:
    """A JSON response (JavaScript's ``JSON.stringify`` spacing), chunk-framed by default."""
    body = js_json(obj).encode("utf-8")
    return WireResponse(
        status, body, [*(headers or []), ("content-type", "application/json")], chunked=chunked
    )


def superjson_response(obj: Any, headers: list[tuple[str, str]] | None = None) -> WireResponse:
    return json_response(superjson(obj), headers=headers)


def message_error(status: int, message: str) -> WireResponse:
    """SvelteKit ``error(status, message)``: ``{"message": ...}`` with a content-length, or
    SvelteKit's HTML error page when the request does not accept JSON (see ``sveltekit.py``)."""
    response = json_response({"message": message}, status, chunked=False)
    response.error_message = message
    return response


def server_error() -> WireResponse:
    """An unexpected exception: 500 ``{"message":"An error occurred","errorId":...}``."""
    return message_error_id(500)


def message_error_id(status: int) -> WireResponse:
    """An unexpected exception as chat-ui's ``handleError`` reports it (negotiated likewise)."""
    body = {"message": "An error occurred", "errorId": str(uuid.uuid4())}
    response = json_response(body, status, chunked=False)
    response.error_message = body["message"]
    return response


def text_response(
    status: int, text: str, content_type: str = "text/plain;charset=UTF-8"
) -> WireResponse:
    """A text response with ``content_type``, chunk-framed."""
    return WireResponse(
        status, text.encode("utf-8"), [("content-type", content_type)], chunked=True
    )


def empty_response(status: int = 200) -> WireResponse:
    return WireResponse(status, b"", [], chunked=True)


def not_found(req: HandlerRequest) -> WireResponse:
    """chat-ui's 404: its HTML error page for a browser, else ``{"message": "Not Found"}``."""
    if "text/html" in req.headers.get("accept", ""):
        page = "<!doctype html><html><head><title>404</title></head><body><h1>404</h1>"
        return text_response(404, page + "<p>Not found</p></body></html>", "text/html")
    response = message_error(404, "Not Found")
    response.error_message = None
    return response


def route_kind(method: str, path: str) -> str:
    """The fault-route name of a request (see :mod:`~hfchat.testing.faults`)."""
    if method == "POST":
        if path == "/conversation":
            return "create"
        if re.fullmatch(r"/conversation/[^/]+", path):
            return "post"
        if path.endswith("/stop-generating"):
            return "stop"
        if path.endswith("/share"):
            return "share"
    if method == "DELETE":
        return "delete"
    if method in ("GET", "HEAD"):
        if path in ("/api/models", "/api/v2/models"):
            return "models"
        if path in ("/api/conversations", "/api/v2/conversations"):
            return "list"
        if path in ("/api/user", "/api/v2/user"):
            return "user"
        if re.fullmatch(r"/conversation/[^/]+/stream", path):
            return "stream"
        if re.fullmatch(r"/api/(v2/conversations|conversation)/[^/]+|/conversation/.+", path):
            return "read"
    return "other"


# --- helpers -----------------------------------------------------------------------------------


def _owned(req: HandlerRequest, cid: str) -> Conversation | WireResponse:
    """The session's conversation ``cid``: malformed → 500, missing or foreign → 404."""
    if not CID.fullmatch(cid):
        return server_error()
    conv = req.fake.store.conversations.get(cid.lower())
    if conv is None or conv.owner != req.session.owner:
        return message_error(404, NOT_FOUND)
    return conv


def _model_ids(req: HandlerRequest) -> set[str]:
    return {m.id for m in models_for(req.fake.generation)}


def _model_tools(req: HandlerRequest, model_id: str) -> bool:
    return any(m.id == model_id and m.legacy_tools for m in models_for(req.fake.generation))


def _page(req: HandlerRequest) -> int:
    try:
        return max(int(req.query.get("p", "0") or "0"), 0)
    except ValueError:
        return 0


# --- conversations -----------------------------------------------------------------------------


async def create_conversation(req: HandlerRequest) -> WireResponse:
    body = req.json()
    if body is _INVALID_JSON:
        return server_error()
    if not isinstance(body, dict):
        return message_error(400, "Invalid request")
    model, preprompt = body.get("model"), body.get("preprompt")
    if not isinstance(model, str) or model not in _model_ids(req):
        return message_error(400, "Invalid request")
    if preprompt is not None and not isinstance(preprompt, str):
        return message_error(400, "Invalid request")
    conv = req.fake.store.create(req.session.owner, model, preprompt or "")
    if req.legacy:
        return json_response({"conversationId": conv.id})
    with req.fake.store.lock:
        embedded = js_json(superjson(conversation_v2(conv)))
    return json_response({"conversationId": conv.id, "conversation": embedded})


def file_sha(content: bytes) -> str:
    """chat-ui's file id: ``sha256(await file.text())``, i.e. of the bytes decoded as UTF-8
    with replacement characters (head/16 and head/17 agree only this way)."""
    return hashlib.sha256(content.decode("utf-8", "replace").encode("utf-8")).hexdigest()


def _collect_files(conv: Conversation, parts: list[Part]) -> list[dict[str, str]] | WireResponse:
    files: list[dict[str, str]] = []
    for part in parts:
        if part.name != "files":
            continue
        kind, _, name = (part.filename or "").partition(";")
        mime = part.content_type or "application/octet-stream"
        if kind == "base64":
            try:
                raw = base64.b64decode(part.data, validate=False)
            except (binascii.Error, ValueError):
                return server_error()
            if len(raw) > MAX_FILE:
                return message_error(413, "File too large, should be <10MB")
            sha = file_sha(raw)
            conv.files[sha] = StoredFile(sha=sha, mime=mime, name=name, data=raw)
        elif kind == "hash":
            sha = part.data.decode("ascii", "replace").strip()
            stored = conv.files.get(sha)
            if stored is None:
                return server_error()
            mime = part.content_type or stored.mime
        else:
            return server_error()
        files.append({"type": "hash", "value": sha, "mime": mime, "name": name})
    return files


def _seen_prompt(conv: Conversation, text: str, files: list[dict[str, str]]) -> str:
    """The user message as a 2026 model receives it: each ``text/*`` file as a document named
    ``<cid>-<sha256>`` before the text, whatever the model (head/75). Caller holds the lock."""
    documents = []
    for ref in files:
        stored = conv.files.get(ref["value"])
        if stored is not None and ref["mime"].startswith("text/"):
            body = stored.data.decode("utf-8", "replace")
            documents.append((f"{conv.id}-{stored.sha}", ref["mime"], body))
    return document_prompt(documents, text) if documents else text


def _checked(data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise TreeError(500)
    return value


async def send_message(req: HandlerRequest) -> WireResponse:
    fake = req.fake
    conv = _owned(req, req.param("cid"))
    if isinstance(conv, WireResponse):
        return conv
    if not fake.count_message(req.session, req.raw.client_ip):
        return message_error(429, "You are sending too many messages. Try again later.")
    if req.parts is None:
        return server_error()
    data_part = next((p for p in req.parts if p.name == "data"), None)
    if data_part is None:
        return message_error(400, "Invalid request")
    try:
        data = json.loads(data_part.data.decode("utf-8"))
        if not isinstance(data, dict):
            raise TreeError(500)
        inputs = _checked(data, "inputs", str)
        if inputs == "":
            raise TreeError(500)
        message_id = _checked(data, "id", str)
        is_retry = bool(_checked(data, "is_retry", bool))
        # fields of the other generation are stripped by chat-ui's schema, not validated
        if req.legacy:
            is_continue = bool(_checked(data, "is_continue", bool))
            tools = _checked(data, "tools", list) or []
            if not all(isinstance(t, str) for t in tools):
                raise TreeError(500)
            selected, generation_id = None, None
        else:
            is_continue, tools = False, []
            selected = _checked(data, "selectedMcpServerNames", list)
            generation_id = _checked(data, "generationId", str)
    except (UnicodeDecodeError, ValueError, TreeError):
        return server_error()
    if inputs is not None:
        inputs = inputs.replace("\r\n", "\n")
        if utf16_len(inputs) > fake.message_length:
            return message_error(400, "Message too long.")
    with fake.store.lock:
        files = _collect_files(conv, req.parts)
        if isinstance(files, WireResponse):
            return files
        try:
            turn = _grow_tree(req, conv, inputs, message_id, is_retry, is_continue, files)
        except TreeError as exc:
            if exc.message:
                return message_error(exc.status, exc.message)
            return server_error()
        user_files = turn.pop("files")
        scripted = None if conv.model in ("fake/broken", "fake/limited") else fake.take_script()
        seen = turn["prompt"] if req.legacy else _seen_prompt(conv, turn["prompt"], user_files)
        reply = plan_reply(
            ReplyRequest(
                generation=fake.generation,
                model=conv.model,
                prompt=seen,
                preprompt=conv.preprompt,
                n_files=len(user_files),
                scripted=scripted,
                selected_mcp=[str(s) for s in selected] if selected is not None else None,
                web_search=bool(data.get("web_search")) and req.legacy and not is_continue,
                tools=[str(t) for t in tools],
                token_delay=fake.token_delay,
                fast_tokens=fake.fast_tokens,
                slow_tokens=fake.slow_tokens,
                slow_delay=fake.slow_delay,
            )
        )
        for name, mime, content in reply.files:
            sha = file_sha(content)
            conv.files[sha] = StoredFile(sha=sha, mime=mime, name=name, data=content)
        assistant = turn["assistant"]
        generation = Generation(
            id=generation_id or str(uuid.uuid4()), conversation_id=conv.id, message_id=assistant.id
        )
        if not req.legacy:
            assistant.generation_id = generation.id
        conv.generations.append(generation)
        conv.updated_at = assistant.created_at
    run = StreamRun(
        Turn(
            conv=conv,
            message=assistant,
            generation=generation,
            reply=reply,
            prompt=turn["prompt"],
            first_turn=not conv.titled,
            legacy=req.legacy,
            prior=turn["prior"],
        ),
        fake.faults.take("post", STREAM_FAULTS),
        fake.store.lock,
        fake.take_title,
    )
    content_type = "text/event-stream" if req.legacy else "application/jsonl"
    return WireResponse(200, headers=[("content-type", content_type)], stream=run)


def _grow_tree(
    req: HandlerRequest,
    conv: Conversation,
    inputs: str | None,
    message_id: str | None,
    is_retry: bool,
    is_continue: bool,
    files: list[dict[str, str]],
) -> dict[str, Any]:
    """Add the user/assistant messages of a send (protocol.md §6); caller holds the lock."""
    target = conv.by_id.get(message_id) if message_id else None
    prior = ""
    if is_retry or is_continue:
        if target is None:
            raise TreeError(404, "Message not found")
        if is_continue:
            if target.from_ != "assistant":
                raise TreeError(500)
            if target.children:
                raise TreeError(400, "Can only continue the last message")
            assistant, prior = target, target.content
            user = conv.by_id[target.ancestors[-1]]
        elif target.from_ == "assistant":
            user = conv.by_id[target.ancestors[-1]]
            if user.from_ != "user":
                raise TreeError(500)
            assistant = conv.add_child(user.id, "assistant", "")
        elif target.from_ == "user" and inputs is not None:
            user = conv.add_child(target.ancestors[-1], "user", inputs, files=files)
            assistant = conv.add_child(user.id, "assistant", "", created_at=user.created_at)
        else:
            raise TreeError(500)
    else:
        if inputs is None or target is None:
            raise TreeError(500)
        user = conv.add_child(target.id, "user", inputs, files=files)
        assistant = conv.add_child(user.id, "assistant", "", created_at=user.created_at)
    return {
        "assistant": assistant,
        "prompt": user.content,
        "prior": prior,
        "files": user.files or [],
    }


async def stop_generating(req: HandlerRequest) -> WireResponse:
    conv = _owned(req, req.param("cid"))
    if isinstance(conv, WireResponse):
        return conv
    body = req.json()
    body = body if isinstance(body, dict) else {}
    wanted = body.get("generationId")
    seen = body.get("seenContentLength")
    for gen in conv.generations:
        if gen.done or (isinstance(wanted, str) and gen.id != wanted):
            continue
        valid = isinstance(seen, int) and not isinstance(seen, bool) and seen >= 0
        gen.request_stop(seen if valid else None)
    return empty_response()


async def stream_replay(req: HandlerRequest) -> WireResponse:
    conv = _owned(req, req.param("cid"))
    if isinstance(conv, WireResponse):
        return message_error(404, NOT_FOUND)
    wanted = req.query.get("generationId")
    gens = [g for g in conv.generations if wanted is None or g.id == wanted]
    generation = gens[-1] if gens else None
    try:
        start = max(int(req.query.get("fromSeq", "0") or "0"), 0)
    except ValueError:
        start = 0

    async def body(sink: Any) -> None:
        if generation is None:
            await sink.write(b'event: end\ndata: {"status":"gone"}\n\n')
            return
        sent = start
        while not sink.closed:
            events = generation.events
            out = []
            while sent < len(events):
                out.append(f"id: {sent + 1}\nevent: update\ndata: {js_json(events[sent])}\n\n")
                sent += 1
            if out:
                await sink.write("".join(out).encode("utf-8"))
            if generation.done:
                break
            try:
                await asyncio.wait_for(generation.changed().wait(), 15.0)
            except asyncio.TimeoutError:
                await sink.write(b": heartbeat\n\n")
        status = {"completed": "completed", "error": "error"}.get(generation.status, "interrupted")
        await sink.write(f'event: end\ndata: {{"status":"{status}"}}\n\n'.encode())

    headers = [
        ("Vary", "Accept-Encoding"),
        ("cache-control", "no-cache, no-transform"),
        ("connection", "keep-alive"),
        ("content-type", "text/event-stream"),
        ("x-accel-buffering", "no"),
    ]
    return WireResponse(200, headers=headers, stream=body, keep_alive_headers=False)


async def share_conversation(req: HandlerRequest) -> WireResponse:
    conv = _owned(req, req.param("cid"))
    if isinstance(conv, WireResponse):
        return conv
    share_id = req.fake.store.share(conv)
    if req.legacy:
        return json_response({"url": f"{req.fake.base_url}/r/{share_id}"})
    return json_response({"shareId": share_id})


async def delete_conversation(req: HandlerRequest) -> WireResponse:
    conv = _owned(req, req.param("cid"))
    if isinstance(conv, WireResponse):
        return conv
    req.fake.store.delete(conv.id)
    return empty_response()


async def delete_conversation_v2(req: HandlerRequest) -> WireResponse:
    cid = req.param("cid")
    if not CID.fullmatch(cid):
        return message_error(400, "Invalid conversation ID")
    conv = _owned(req, cid)
    if isinstance(conv, WireResponse):
        return conv
    req.fake.store.delete(conv.id)
    return superjson_response({"success": True})


async def delete_all(req: HandlerRequest) -> WireResponse:
    owned = req.fake.store.owned(req.session.owner)
    for conv in owned:
        req.fake.store.delete(conv.id)
    if req.path.startswith("/api/v2/"):
        return superjson_response(len(owned))
    return empty_response()


def _set_title(req: HandlerRequest, conv: Conversation, title: str) -> None:
    with req.fake.store.lock:
        conv.title = stored_title(title)
        conv.titled = True


async def patch_conversation(req: HandlerRequest) -> WireResponse:
    conv = _owned(req, req.param("cid"))
    if isinstance(conv, WireResponse):
        return conv
    body = req.json()
    title = body.get("title") if isinstance(body, dict) else None
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 100:
        return server_error()
    _set_title(req, conv, title)
    return empty_response()


async def patch_conversation_v2(req: HandlerRequest) -> WireResponse:
    body = req.json()
    if not isinstance(body, dict):
        return server_error()
    title, model = body.get("title"), body.get("model")
    if title is not None and (not isinstance(title, str) or not 1 <= len(title) <= 100):
        return message_error(400, "Title must be a string between 1 and 100 characters")
    if model is not None and model not in _model_ids(req):
        return message_error(400, "Invalid model ID")
    cid = req.param("cid")
    if not CID.fullmatch(cid):
        return message_error(400, "Invalid conversation ID")
    conv = _owned(req, cid)
    if isinstance(conv, WireResponse):
        return conv
    if title is not None:
        _set_title(req, conv, title)
    if model is not None:
        conv.model = model
    return superjson_response({"success": True})


async def file_output(req: HandlerRequest) -> WireResponse:
    conv = _owned(req, req.param("cid"))
    if isinstance(conv, WireResponse):
        return conv if conv.status != 500 else message_error(404, NOT_FOUND)
    stored = conv.files.get(req.param("sha"))
    if stored is None:
        return message_error(404, "File not found")
    ext = {"image/png": "png", "image/jpeg": "jpg", "text/plain": "txt"}.get(
        stored.mime, stored.mime.split("/")[-1].split("+")[0] or "bin"
    )
    headers = [
        ("accept-range", "bytes"),
        ("content-disposition", f'attachment; filename="{stored.sha[:8]}.{ext}"'),
        ("content-security-policy", _SANDBOX_CSP),
        ("content-type", stored.mime),
    ]
    return WireResponse(200, stored.data, headers)


async def conversation_page(req: HandlerRequest) -> WireResponse:
    if "text/html" in req.headers.get("accept", ""):
        page = "<!doctype html><html><head><title>HuggingChat</title></head><body></body></html>"
        return text_response(200, page, "text/html")
    response = message_error(405, "GET method not allowed")
    response.error_message = None  # SvelteKit's own 405, not an ``error()``
    return response


# --- reads -------------------------------------------------------------------------------------


async def read_v2(req: HandlerRequest) -> WireResponse:
    cid = req.param("cid")
    store = req.fake.store
    if len(cid) == 7:
        conv = store.shares.get(cid)
        if conv is None:
            return message_error(404, "Conversation not found")
        with store.lock:
            return superjson_response(conversation_v2(conv, shared=True))
    if not CID.fullmatch(cid):
        return message_error(400, "Invalid conversation ID format")
    found = store.conversations.get(cid.lower())
    if found is None:
        return message_error(404, "Conversation not found.")
    if found.owner != req.session.owner:
        return message_error(403, NO_ACCESS)
    with store.lock:
        return superjson_response(conversation_v2(found))


async def read_flat(req: HandlerRequest) -> WireResponse:
    conv = _owned(req, req.param("cid"))
    if isinstance(conv, WireResponse):
        return conv
    with req.fake.store.lock:
        data = conversation_flat(conv, req.legacy, _model_tools(req, conv.model))
    return json_response(data)


async def data_json(req: HandlerRequest) -> WireResponse:
    cid = req.match.group("cid") if req.match and "cid" in req.match.groupdict() else None
    if not req.legacy:
        vary = ("vary", "Accept, Accept-Encoding") if cid else ("Vary", "Accept-Encoding")
        headers = [vary, ("cache-control", "private, no-store"), _JSON]
        return WireResponse(200, b'{"type":"data","nodes":[null,null]}\n', headers)
    store = req.fake.store
    headers = [("cache-control", "private, no-store")]
    conv = None
    error = None
    if cid is not None:
        conv = store.conversations.get(cid.lower()) if CID.fullmatch(cid) else None
        if not CID.fullmatch(cid):
            error = data_json_error(500, "Internal Error")
        elif conv is None:
            error = data_json_error(404, "Conversation not found.")
        elif conv.owner != req.session.owner:
            error = data_json_error(403, NO_ACCESS)
    if error is not None:
        return WireResponse(200, error.encode(), [*headers, _JSON, ("vary", "Accept")])
    with store.lock:
        if req.query.get("x-sveltekit-invalidated", "01").startswith("0") and conv is not None:
            text = conversation_data_json(conv, req.fake.base_url) + "\n"
            return WireResponse(
                200,
                text.encode("utf-8"),
                [*headers, _JSON, ("vary", "Accept")],
            )
        models = [m.id for m in models_for("2024")]
        owned = store.owned(req.session.owner)
        text = layout_data_json(conv, owned, models, req.fake.base_url)
    return WireResponse(
        200,
        text.encode("utf-8"),
        [*headers, ("content-type", "text/sveltekit-data"), ("vary", "Accept")],
        chunked=True,
    )


async def list_conversations(req: HandlerRequest) -> WireResponse:
    size = 300 if req.legacy else 30
    page = _page(req)
    with req.fake.store.lock:
        convs = req.fake.store.owned(req.session.owner)[page * size : (page + 1) * size]
        if req.legacy:
            items = [list_item_legacy(c, _model_tools(req, c.model)) for c in convs]
        else:
            items = [list_item(c) for c in convs]
    return json_response(items)


async def list_conversations_v2(req: HandlerRequest) -> WireResponse:
    page = _page(req)
    with req.fake.store.lock:
        convs = req.fake.store.owned(req.session.owner)[page * 30 : (page + 1) * 30 + 1]
        items = [list_item_v2(c) for c in convs[:30]]
    return superjson_response({"conversations": items, "hasMore": len(convs) > 30})


# --- models, user, config ----------------------------------------------------------------------


async def models_v2(req: HandlerRequest) -> WireResponse:
    data = [v2_model(m) for m in models_for(req.fake.generation)]
    return superjson_response(data, headers=[("cache-control", "private, max-age=60")])


async def models_flat(req: HandlerRequest) -> WireResponse:
    shape = legacy_model if req.legacy else flat_model
    return json_response([shape(m) for m in models_for(req.fake.generation)])


async def user(req: HandlerRequest) -> WireResponse:
    if req.session.user is None:
        return json_response({"message": "Must be signed in"}, 401)
    return json_response(req.session.user)


async def user_v2(req: HandlerRequest) -> WireResponse:
    return superjson_response(req.session.user)


async def public_config(req: HandlerRequest) -> WireResponse:
    config = {
        "PUBLIC_ORIGIN": req.fake.origin,
        "PUBLIC_APP_NAME": "ChatUI",
        "PUBLIC_APP_ASSETS": "chatui",
        "PUBLIC_APP_DESCRIPTION": _APP_DESCRIPTION,
        "PUBLIC_SHARE_PREFIX": "",
        "PUBLIC_GOOGLE_ANALYTICS_ID": "",
        "PUBLIC_PLAUSIBLE_SCRIPT_URL": "",
        "PUBLIC_APPLE_APP_ID": "",
        "PUBLIC_CAVEAT": "",
        "PUBLIC_FEATURE_ANNOUNCEMENTS": "",
        "PUBLIC_LLM_ROUTER_DISPLAY_NAME": "Omni",
        "PUBLIC_LLM_ROUTER_LOGO_URL": "",
        "PUBLIC_LLM_ROUTER_ALIAS_ID": "omni",
        "PUBLIC_COMMIT_SHA": "",
    }
    return superjson_response(config, headers=[("cache-control", "private, max-age=60")])


async def feature_flags(req: HandlerRequest) -> WireResponse:
    flags = {
        "enableAssistants": False,
        "loginEnabled": req.fake.require_login,
        "isAdmin": False,
        "transcriptionEnabled": False,
    }
    return superjson_response(flags)


async def healthcheck(req: HandlerRequest) -> WireResponse:
    return text_response(200, "OK")


async def login_unconfigured(req: HandlerRequest) -> WireResponse:
    if req.legacy and req.method == "POST":
        error = {"message": "An error occurred", "errorId": str(uuid.uuid4())}
        return json_response({"type": "error", "error": error}, 415, chunked=False)
    response = message_error_id(500)
    response.headers.insert(0, ("cache-control", "no-store"))
    return response


async def logout(req: HandlerRequest) -> WireResponse:
    req.fake.store.logout(req.session.key)
    return WireResponse(
        302,
        b"",
        [
            ("location", f"{req.fake.base_path}/"),
            ("set-cookie", "hf-chat=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"),
        ],
        chunked=True,
    )


# --- route table -------------------------------------------------------------------------------

_C = r"(?P<cid>[^/]+)"


def install(router: Router, generation: str) -> None:
    """Register the built-in routes of ``generation`` ("2026" or "2024")."""
    common: list[tuple[str, str, Any]] = [
        ("GET", r"/healthcheck", healthcheck),
        ("POST", r"/conversation", create_conversation),
        ("POST", rf"/conversation/{_C}", send_message),
        ("POST", rf"/conversation/{_C}/stop-generating", stop_generating),
        ("POST", rf"/conversation/{_C}/share", share_conversation),
        ("DELETE", rf"/conversation/{_C}", delete_conversation),
        ("PATCH", rf"/conversation/{_C}", patch_conversation),
        ("GET", rf"/conversation/{_C}/output/(?P<sha>[0-9a-fA-F]+)", file_output),
        ("GET", rf"/conversation/{_C}/__data\.json", data_json),
        ("GET", r"/__data\.json", data_json),
        ("GET", r"/api/models", models_flat),
        ("GET", r"/api/conversations", list_conversations),
        ("DELETE", r"/api/conversations", delete_all),
        ("GET", rf"/api/conversation/{_C}", read_flat),
        ("GET", r"/api/user", user),
        ("GET", r"/login", login_unconfigured),
        ("POST", r"/login", login_unconfigured),
        ("POST", r"/logout", logout),
    ]
    modern: list[tuple[str, str, Any]] = [
        ("GET", rf"/conversation/{_C}", conversation_page),
        ("GET", rf"/conversation/{_C}/stream", stream_replay),
        ("GET", r"/api/v2/models", models_v2),
        ("GET", r"/api/v2/conversations", list_conversations_v2),
        ("DELETE", r"/api/v2/conversations", delete_all),
        ("GET", rf"/api/v2/conversations/{_C}", read_v2),
        ("PATCH", rf"/api/v2/conversations/{_C}", patch_conversation_v2),
        ("DELETE", rf"/api/v2/conversations/{_C}", delete_conversation_v2),
        ("GET", r"/api/v2/user", user_v2),
        ("GET", r"/api/v2/public-config", public_config),
        ("GET", r"/api/v2/feature-flags", feature_flags),
    ]
    routes = common + (modern if generation == "2026" else [])
    for method, pattern, handler in reversed(routes):
        router.register(method, pattern, handler)
