"""HTTP/1.1 plumbing for the emulator: an asyncio server on its own daemon thread.

Knows nothing about chat-ui. h11 (a pure HTTP/1.1 state machine) parses the requests
(keep-alive, ``Content-Length`` or chunked bodies, ``Expect: 100-continue``, pipelining) and
frames the answers; this module keeps the sockets, so faults keep full control of the bytes and
their timing (a stall writes nothing, a cut aborts the TCP connection mid-body, a chunking fault
picks the chunk sizes). Each request goes to an application callable, which returns a
:class:`WireResponse`: a fixed body (``content-length`` or one chunk) or a live chunked stream
driven through a :class:`ChunkSink`. One task per connection, no thread per connection.

Extra routes: :class:`Router` is a plain route table. ``router.register(method, path_regex,
handler)`` adds a route that wins over earlier ones (so an add-on module such as a login page can
replace a built-in route). A handler is ``async def handler(request: HandlerRequest) ->
WireResponse``; the ``HandlerRequest`` carries the regex match, the session and the emulator (see
``handlers.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import h11

from .wire import http_date

__all__ = [
    "ChunkSink",
    "DetachedSink",
    "HttpServer",
    "Router",
    "WireRequest",
    "WireResponse",
]

log = logging.getLogger("hfchat.testing")

MAX_HEAD = 1 << 20
MAX_BODY = 64 << 20
IDLE_TIMEOUT = 5.0  # keep-alive: a quiet connection is closed after this (Node's default)
BODY_TIMEOUT = 30.0  # a request body that stops arriving
READ_SIZE = 1 << 16


@dataclass
class WireRequest:
    """One request as it came off the wire: method, target and its decoded path and query,
    headers by lower-case name, the whole body, and the addresses of both ends."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    host: str = ""  # the server's own host:port as the client reached it
    client_ip: str = ""  # the peer's address (chat-ui's ``getClientAddress()``)


StreamBody = Callable[["ChunkSink"], Awaitable[None]]


@dataclass
class WireResponse:
    """An answer to send: status, headers in order, and either a fixed ``body`` (with a
    ``content-length``, or as one chunk when ``chunked``) or a live ``stream`` written through a
    :class:`ChunkSink`. ``Date``, ``Connection``/``Keep-Alive`` and the framing headers are
    added on the way out."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunked: bool = False  # fixed body sent as one chunk (``Transfer-Encoding: chunked``)
    stream: StreamBody | None = None  # live chunked body
    keep_alive_headers: bool = True  # add ``Connection``/``Keep-Alive`` like Node does
    error_message: str | None = None  # a SvelteKit ``error()``: body negotiated on ``Accept``

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


class ChunkSink:
    """Writes the chunks of a streamed body, one chunk per write as Node does. Writes after
    the peer left are dropped.

    ``write(data, hold=True)`` frames ``data`` as its own chunk but keeps it until the next
    plain write or :meth:`flush`, so bursts of tiny chunks leave in one system call. A
    ``splitter`` (the ``chunking`` fault) re-cuts the data into chunks of its own sizes.
    """

    HOLD_LIMIT = 1 << 16

    def __init__(self, writer: asyncio.StreamWriter, framed: bool = True) -> None:
        self._writer = writer
        self._framed = framed  # False for an HTTP/1.0 peer: the body ends with the connection
        self.splitter: Any = None  # an object with ``split(bytes)`` and ``flush()``
        self.closed = False
        self.aborted = False
        self._held: list[bytes] = []
        self._held_size = 0

    def _frame(self, piece: bytes) -> None:
        # The per-token path frames its chunks itself: h11's ``send(Data)`` costs about 4 µs a
        # chunk, which tripled the emulator's CPU per token (it shares the machine with the
        # client being measured). h11 still sends the head and the terminating chunk and keeps
        # the connection's state; a chunked body's framing carries no state for it to track.
        frame = b"%x\r\n%s\r\n" % (len(piece), piece) if self._framed else piece
        self._held.append(frame)
        self._held_size += len(frame)

    async def write(self, data: bytes, hold: bool = False) -> None:
        """Frame ``data`` as chunks (split by the fault's chunker when set) and send them;
        ``hold`` keeps them for the next write (up to :attr:`HOLD_LIMIT` bytes).
        """
        if self.closed or not data:
            return
        pieces = self.splitter.split(data) if self.splitter is not None else [data]
        for piece in pieces:
            self._frame(piece)
        if not hold or self._held_size >= self.HOLD_LIMIT:
            await self.flush()

    async def flush(self, final: bool = False) -> None:
        """Send held chunks (and, when ``final``, the chunking remainder)."""
        if final and self.splitter is not None and not self.closed:
            for piece in self.splitter.flush():
                self._frame(piece)
        if self.closed or not self._held:
            return
        frame = b"".join(self._held)
        self._held.clear()
        self._held_size = 0
        if self._writer.transport.is_closing():
            self.closed = True
            return
        try:
            self._writer.write(frame)
            await self._writer.drain()
        except (ConnectionError, RuntimeError):
            self.closed = True

    def abort(self) -> None:
        """Drop the TCP connection mid-body (no terminating chunk)."""
        self.closed = self.aborted = True
        self._held.clear()
        self._writer.transport.abort()


class DetachedSink(ChunkSink):
    """The sink of a stream nobody reads (the client went away before it began): every write
    is dropped, the stream runs to its end."""

    def __init__(self) -> None:  # no connection: nothing is ever framed or sent
        self.splitter = None
        self.closed = True
        self.aborted = False
        self._held = []
        self._held_size = 0

    def abort(self) -> None:
        """Mark the stream aborted (the reader left)."""
        self.aborted = True


class Router:
    """Route table: ``(METHOD, full-match regex, handler)``; later registrations win."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Any]] = []

    def register(self, method: str, path_regex: str, handler: Any) -> None:
        """Route ``method`` requests whose path fully matches ``path_regex`` to ``handler``
        (registered later wins).
        """
        self._routes.insert(0, (method.upper(), re.compile(path_regex), handler))

    def resolve(self, method: str, path: str) -> tuple[Any, re.Match[str] | None, list[str]]:
        """``(handler, match, [])`` or ``(None, None, allowed_methods)``."""
        allowed: list[str] = []
        want = "GET" if method == "HEAD" else method
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if route_method in (want, "*"):
                return handler, match, []
            allowed.append(route_method)
        return None, None, allowed


App = Callable[[WireRequest], Awaitable[WireResponse]]


class _Closed(Exception):
    """The peer left, went quiet past a timeout, or broke the protocol: drop the connection."""


class HttpServer:
    """Runs ``app`` behind an asyncio HTTP/1.1 server (h11) in a background daemon thread."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self.host = host
        self.port = port
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind the socket and serve on a background thread; returns once it listens (raises
        what the start failed with).
        """
        sock = socket.create_server((self.host, self.port), backlog=4096)
        self.port = sock.getsockname()[1]
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._open(sock))
            except BaseException as exc:  # pragma: no cover - bind/start failures
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                with contextlib.suppress(Exception):
                    loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self.loop = loop
        self._thread = threading.Thread(target=run, name=f"fake-huggingchat:{self.port}")
        self._thread.daemon = True
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    async def _open(self, sock: socket.socket) -> None:
        self._server = await asyncio.start_server(self._on_connect, sock=sock)

    def stop(self, timeout: float = 5.0) -> None:
        """Close the server and its connections, waiting at most ``timeout`` seconds."""
        loop, thread = self.loop, self._thread
        if loop is None or thread is None or loop.is_closed():
            return
        if threading.current_thread() is thread:
            loop.create_task(self._close())
            return
        with contextlib.suppress(RuntimeError):
            future = asyncio.run_coroutine_threadsafe(self._close(), loop)
            with contextlib.suppress(Exception):
                future.result(timeout)
        thread.join(timeout)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)
        asyncio.get_running_loop().stop()

    def spawn(self, body: Callable[[], Awaitable[None]]) -> None:
        """Run ``body()`` as a task of the server loop (call from it); stopping cancels it."""

        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                await body()
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("emulator background task failed")
            finally:
                self._tasks.discard(task)

        asyncio.get_running_loop().create_task(run())

    # connections ------------------------------------------------------------------------------

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        sock = writer.get_extra_info("socket")
        if sock is not None:  # small writes (one update line each) must not wait for ACKs
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (_Closed, ConnectionError, OSError, h11.ProtocolError):
            writer.transport.abort()
        except asyncio.CancelledError:  # emulator stopping: end quietly
            writer.transport.abort()
        except Exception:  # a bug in a handler or stream: drop this connection, keep serving
            log.exception("emulator connection failed")
            writer.transport.abort()
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            if not writer.transport.is_closing():
                with contextlib.suppress(RuntimeError):  # the loop may be closing already
                    writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection: h11 parses each request (keep-alive, any body framing, 100-continue);
        the app answers; :meth:`_write` sends the answer through the same h11 state machine."""
        sockname = writer.get_extra_info("sockname")
        own_host = f"{sockname[0]}:{sockname[1]}" if sockname else ""
        peername = writer.get_extra_info("peername")
        client_ip = str(peername[0]) if peername else ""
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        while True:
            try:
                event = await self._next_event(conn, reader, IDLE_TIMEOUT)
            except _Closed:
                return
            except h11.RemoteProtocolError as exc:
                await self._refuse(conn, writer, exc.error_status_hint, "Bad Request")
                return
            if not isinstance(event, h11.Request):
                return  # ConnectionClosed (the peer ended a kept-alive connection)
            method = event.method.decode("ascii", "replace").upper()
            headers = _header_dict(event.headers)
            if conn.they_are_waiting_for_100_continue:
                writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
            try:
                body = await self._read_body(conn, reader)
            except h11.RemoteProtocolError as exc:
                await self._refuse(conn, writer, exc.error_status_hint, "Bad Request")
                return
            if body is None:
                await self._refuse(conn, writer, 413, "Payload Too Large")
                return
            target = event.target.decode("latin-1")
            split = urlsplit(target)
            request = WireRequest(
                method=method,
                target=target,
                path=unquote(split.path) or "/",
                query=dict(parse_qsl(split.query, keep_blank_values=True)),
                headers=headers,
                body=body,
                host=own_host,
                client_ip=client_ip,
            )
            response = await self._app(request)
            close = headers.get("connection", "").lower() == "close"
            if not await self._write(conn, writer, method, response, close=close):
                return
            if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    @staticmethod
    async def _next_event(
        conn: h11.Connection, reader: asyncio.StreamReader, timeout: float
    ) -> Any:
        """The next h11 event, reading as needed; :class:`_Closed` on a timeout."""
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            try:
                data = await asyncio.wait_for(reader.read(READ_SIZE), timeout)
            except asyncio.TimeoutError:
                raise _Closed from None
            conn.receive_data(data)  # b"" tells h11 the peer closed

    async def _read_body(self, conn: h11.Connection, reader: asyncio.StreamReader) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            event = await self._next_event(conn, reader, BODY_TIMEOUT)
            if isinstance(event, h11.Data):
                total += len(event.data)
                if total > MAX_BODY:
                    return None
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:
                raise _Closed

    async def _refuse(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, status: int, text: str
    ) -> None:
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):  # IDLE: the head was unreadable
            return
        with contextlib.suppress(h11.LocalProtocolError):
            await self._write(conn, writer, "GET", WireResponse(status, text.encode()), close=True)

    async def _write(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        method: str,
        response: WireResponse,
        close: bool,
    ) -> bool:
        """Send ``response``; return whether the connection can be reused."""
        streamed = response.stream is not None
        chunked = streamed or response.chunked
        headers = list(response.headers)
        if not chunked:
            index = next(
                (i for i, (k, _) in enumerate(headers) if k.lower() == "content-type"), len(headers)
            )
            headers.insert(index, ("content-length", str(len(response.body))))
        headers.append(("Date", http_date()))
        if response.keep_alive_headers:
            if close:
                headers.append(("Connection", "close"))
            else:
                headers.append(("Connection", "keep-alive"))
                headers.append(("Keep-Alive", f"timeout={int(IDLE_TIMEOUT)}"))
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        head = conn.send(
            h11.Response(
                status_code=response.status,
                headers=[(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in headers],
                reason=reason.encode("latin-1"),
            )
        )
        assert head is not None
        if method == "HEAD":
            writer.write(head + (conn.send(h11.EndOfMessage()) or b""))
            await writer.drain()
            return True
        if streamed:
            writer.write(head)
            await writer.drain()
            sink = ChunkSink(writer, framed=conn.their_http_version == b"1.1")
            assert response.stream is not None
            await response.stream(sink)
            await sink.flush(final=True)
            if sink.closed:
                return False
            writer.write(conn.send(h11.EndOfMessage()) or b"")
        else:
            body = conn.send(h11.Data(data=response.body)) if response.body else b""
            writer.write(head + (body or b"") + (conn.send(h11.EndOfMessage()) or b""))
        await writer.drain()
        return True


def _header_dict(items: Any) -> dict[str, str]:
    """Request headers by lower-case name; repeats joined (cookies with ``; ``)."""
    headers: dict[str, str] = {}
    for name, value in items:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        if key in headers:
            text = headers[key] + ("; " if key == "cookie" else ", ") + text
        headers[key] = text
    return headers
