"""Hostile HTTP servers for the hardening tests, on loopback only and bounded in time.

:class:`Hostile` answers chosen routes with what a malicious or broken server would send
(a gzip bomb, silence, echoed cookies) and forwards every other request to an emulator, so a
test can drive a whole turn up to the hostile answer.
"""

from __future__ import annotations

import http.client
import socket
import threading
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[BaseHTTPRequestHandler, bytes], None]

_BOMBS: dict[tuple[int, bytes], bytes] = {}


def gzip_bomb(size: int, byte: bytes = b"a") -> bytes:
    """A gzip body inflating to ``size`` bytes of ``byte`` (compressed about 1000:1)."""
    key = (size, byte)
    if key not in _BOMBS:
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip wrapper
        block = byte * (1 << 20)
        parts = [comp.compress(block) for _ in range(size >> 20)]
        parts.append(comp.compress(byte * (size & ((1 << 20) - 1))))
        parts.append(comp.flush())
        _BOMBS[key] = b"".join(parts)
    return _BOMBS[key]


def send_bomb(content_type: str, size: int) -> Answer:
    """Answer 200 with a gzip body inflating to ``size`` bytes."""

    def answer(h: BaseHTTPRequestHandler, _body: bytes) -> None:
        data = gzip_bomb(size)
        h.send_response(200)
        h.send_header("content-type", content_type)
        h.send_header("content-encoding", "gzip")
        h.send_header("content-length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return answer


def silence(hold: float) -> Answer:
    """Read the request, then send nothing for ``hold`` seconds (and close)."""

    def answer(h: BaseHTTPRequestHandler, _body: bytes) -> None:
        h.server.stopping.wait(hold)  # type: ignore[attr-defined]
        h.close_connection = True

    return answer


def error_echoing(
    status: int, headers: dict[str, str], body: bytes = b'{"message":"no"}'
) -> Answer:
    """Answer ``status`` with ``headers``; ``{cookie}`` in a header value becomes the cookie
    header the client sent (a server echoing it)."""

    def answer(h: BaseHTTPRequestHandler, _body: bytes) -> None:
        h.send_response(status)
        cookie = h.headers.get("cookie", "")
        for name, value in headers.items():
            h.send_header(name, value.replace("{cookie}", cookie))
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return answer


class Hostile:
    """A loopback server: ``routes`` maps ``(method, path prefix)`` to an answer; any other
    request is forwarded to ``upstream`` (``host:port``) when given, else answered 404."""

    def __init__(self, routes: dict[tuple[str, str], Answer], upstream: str | None = None) -> None:
        self.routes = routes
        self.upstream = upstream
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.append((self.command, self.path, dict(self.headers.items())))
                for (method, prefix), answer in outer.routes.items():
                    if self.command == method and self.path.startswith(prefix):
                        answer(self, body)
                        return
                if outer.upstream is None:
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                outer._forward(self, body)

            do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.stopping = threading.Event()  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        assert self.upstream is not None
        conn = http.client.HTTPConnection(self.upstream, timeout=10)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host",)}
        conn.request(h.command, h.path, body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        h.send_response(resp.status)
        for name, value in resp.getheaders():
            if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                h.send_header(name, value)
        h.send_header("content-length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
        conn.close()

    @property
    def base_url(self) -> str:
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> Hostile:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stopping.set()  # type: ignore[attr-defined]
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def free_port() -> int:
    """A loopback port nobody listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
