"""Pure request builders for every chat-ui route (protocol.md §3).

A :class:`Request` is plain data: method, path relative to the base URL, headers, body and the
route name that errors and retries are judged by. No I/O happens here.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..errors import ConfigurationError, ConversationNotFoundError

__all__ = [
    "WEB_SEARCH_MCP_SERVER",
    "FileUpload",
    "Request",
    "check_conversation_id",
    "create_conversation",
    "delete_conversation",
    "download_file",
    "get_conversation",
    "list_conversations",
    "list_models",
    "rename_conversation",
    "replay_stream",
    "send_message",
    "share_conversation",
    "stop_generating",
    "user",
]

WEB_SEARCH_MCP_SERVER = "Web Search (Exa)"
_CID = re.compile(r"^[0-9a-f]{24}$")

# chat-ui raises route errors with SvelteKit's error(), which answers JSON only when the request
# accepts application/json (else an HTML page): every request accepts JSON for its errors, the
# stream routes at a lower q-value than the stream itself (captures head/71, head/74).
SEND_ACCEPT = "application/jsonl, application/json;q=0.9, text/event-stream;q=0.8"
REPLAY_ACCEPT = "text/event-stream, application/json;q=0.9"


@dataclass(slots=True)
class Request:
    method: str
    path: str
    route: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    stream: bool = False

    @property
    def idempotent(self) -> bool:
        """True for methods that may be repeated safely (GET, HEAD, OPTIONS)."""
        return self.method in ("GET", "HEAD", "OPTIONS")


@dataclass(slots=True)
class FileUpload:
    """A file to send with a message: bytes (uploaded) or the sha256 of a stored file."""

    name: str
    mime: str
    data: bytes | None = None
    sha256: str | None = None

    def __repr__(self) -> str:
        size = len(self.data) if self.data is not None else 0
        return f"FileUpload(name={self.name!r}, mime={self.mime!r}, bytes={size})"


def check_conversation_id(cid: str) -> str:
    """Conversation ids are 24 lowercase hex characters; anything else never exists."""
    if not isinstance(cid, str) or not _CID.match(cid):
        raise ConversationNotFoundError(f"not a conversation id: {cid!r:.40}")
    return cid


def _json(method: str, path: str, route: str, payload: Any) -> Request:
    return Request(
        method,
        path,
        route,
        {"content-type": "application/json", "accept": "application/json"},
        json.dumps(payload, ensure_ascii=False).encode(),
    )


def list_models(v2: bool = True) -> Request:
    """The model list (``v2``: the 2026 ``/api/v2/models``, else the 2024 ``/api/models``)."""
    return Request("GET", "/api/v2/models" if v2 else "/api/models", "models")


def create_conversation(model: str, preprompt: str | None) -> Request:
    """Create a conversation with ``model`` and an optional system prompt (``preprompt``)."""
    payload: dict[str, Any] = {"model": model}
    if preprompt:
        payload["preprompt"] = preprompt
    return _json("POST", "/conversation", "create", payload)


def get_conversation(cid: str, kind: str = "v2") -> Request:
    """Read a conversation: ``kind`` is ``v2`` (2026), ``flat`` (2024 JSON) or ``devalue``
    (2024 SvelteKit ``__data.json``). Raises :class:`~hfchat.errors.ConfigurationError`
    for an id that is not one.
    """
    check_conversation_id(cid)
    if kind == "v2":
        return Request("GET", f"/api/v2/conversations/{cid}", "read")
    if kind == "flat":
        return Request("GET", f"/api/conversation/{cid}", "read")
    return Request("GET", f"/conversation/{cid}/__data.json?x-sveltekit-invalidated=01", "read")


_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,./:=?-]{1,70}$")


def _multipart(data: dict[str, Any], files: list[FileUpload], boundary: str) -> tuple[bytes, str]:
    if not _BOUNDARY.match(boundary):
        raise ConfigurationError(f"not a multipart boundary: {boundary!r:.80}")
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'.encode()
        + json.dumps(data, ensure_ascii=False).encode()
        + b"\r\n"
    ]
    for f in files:
        if f.sha256 is not None:
            filename, payload = f"hash;{f.name}", f.sha256.encode()
        elif f.data is not None:
            filename, payload = f"base64;{f.name}", base64.b64encode(f.data)
        else:
            raise ConfigurationError(f"file {f.name!r} has neither bytes nor a hash")
        safe = filename.replace('"', "%22").replace("\r", "").replace("\n", "")
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{safe}"\r\nContent-Type: {f.mime}\r\n\r\n'
            ).encode()
            + payload
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def send_message(
    cid: str,
    *,
    parent_id: str,
    inputs: str | None,
    generation: str,
    web_search: bool = False,
    is_retry: bool = False,
    is_continue: bool = False,
    files: list[FileUpload] | None = None,
    generation_id: str | None,
    boundary: str,
    mcp_servers: list[str] | None = None,
) -> tuple[Request, str | None]:
    """The multipart POST of one message; returns the request and the generation id sent.

    No clock or randomness here: the caller supplies ``generation_id`` (a fresh UUID, needed by
    2026 servers, ignored by 2024 ones) and the multipart ``boundary`` (random, at most 70
    characters of the RFC 2046 set).
    """
    check_conversation_id(cid)
    data: dict[str, Any] = {"id": parent_id, "is_retry": is_retry}
    if inputs is not None:
        if not inputs:
            raise ConfigurationError("a message needs some text (the server refuses '')")
        data["inputs"] = inputs
    if generation == "2026":
        if not generation_id:
            raise ConfigurationError("a 2026 server needs a generation id for each message")
        data["generationId"] = generation_id
        servers = list(mcp_servers or [])
        if web_search and WEB_SEARCH_MCP_SERVER not in servers:
            servers.append(WEB_SEARCH_MCP_SERVER)
        data["selectedMcpServerNames"] = servers
    else:
        generation_id = None
        data["is_continue"] = is_continue
        data["web_search"] = web_search
        data["tools"] = []
    body, ctype = _multipart(data, files or [], boundary)
    req = Request(
        "POST",
        f"/conversation/{cid}",
        "send",
        {"content-type": ctype, "accept": SEND_ACCEPT},
        body,
        stream=True,
    )
    return req, generation_id


def stop_generating(
    cid: str, generation_id: str | None = None, seen_content_length: int | None = None
) -> Request:
    """Stop the answer being generated in ``cid`` (``generation_id`` and
    ``seen_content_length`` go in the body when known).
    """
    check_conversation_id(cid)
    payload: dict[str, Any] = {}
    if generation_id:
        payload["generationId"] = generation_id
    if seen_content_length is not None:
        payload["seenContentLength"] = seen_content_length
    return _json("POST", f"/conversation/{cid}/stop-generating", "stop", payload)


def replay_stream(cid: str, generation_id: str, from_seq: int = 0) -> Request:
    """The 2026 replay of a generation (SSE), to resume an answer whose connection broke."""
    check_conversation_id(cid)
    query = urlencode({"fromSeq": from_seq, "generationId": generation_id})
    return Request(
        "GET",
        f"/conversation/{cid}/stream?{query}",
        "stream",
        {"accept": REPLAY_ACCEPT},
        stream=True,
    )


def delete_conversation(cid: str, v2: bool = True) -> Request:
    """Delete the conversation ``cid`` (``v2``: the 2026 route)."""
    check_conversation_id(cid)
    path = f"/api/v2/conversations/{cid}" if v2 else f"/conversation/{cid}"
    return Request("DELETE", path, "delete", {"accept": "application/json"})


def rename_conversation(cid: str, title: str, v2: bool = True) -> Request:
    """Set a conversation's title (1 to 100 characters, else
    :class:`~hfchat.errors.ConfigurationError`).
    """
    check_conversation_id(cid)
    title = title.strip()
    if not 1 <= len(title) <= 100:
        raise ConfigurationError("a title must have 1 to 100 characters")
    path = f"/api/v2/conversations/{cid}" if v2 else f"/conversation/{cid}"
    return _json("PATCH", path, "rename", {"title": title})


def share_conversation(cid: str) -> Request:
    """Share a conversation publicly (the answer holds the public URL or share id)."""
    check_conversation_id(cid)
    return _json("POST", f"/conversation/{cid}/share", "share", {})


def download_file(cid: str, sha: str) -> Request:
    """Download a conversation's file by its sha256 (64 hex digits, else
    :class:`~hfchat.errors.ConfigurationError`).
    """
    check_conversation_id(cid)
    if not re.fullmatch(r"[0-9a-f]{64}", sha or ""):
        raise ConfigurationError(f"not a file hash: {sha!r:.70}")
    return Request("GET", f"/conversation/{cid}/output/{sha}", "file")


def list_conversations(page: int = 0, v2: bool = True) -> Request:
    """One page (``page`` from 0) of the account's conversations."""
    path = "/api/v2/conversations" if v2 else "/api/conversations"
    return Request("GET", f"{path}?{urlencode({'p': page})}", "list")


def accept_welcome() -> Request:
    """2024 guest servers refuse writes with 405 until the welcome modal is accepted."""
    return _json("POST", "/settings", "settings", {"ethicsModalAccepted": True})


def user(v2: bool = True) -> Request:
    """The session's user (``v2``: the 2026 route)."""
    return Request("GET", "/api/v2/user" if v2 else "/api/user", "user")
