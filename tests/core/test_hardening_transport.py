"""Transport and session hardening (issue 9): hostile loopback servers, bounded in time.

Decompression bombs, a session per event loop, a closed client, the header wait, scrubbed
error headers, credentials in the base URL or the proxy, transport errors chained to their
cause, and the send route's retry rule.
"""

from __future__ import annotations

import asyncio
import base64
import os
import pickle
import queue
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from curl_cffi import CurlError
from curl_cffi.requests.streams import STREAM_END

from hfchat import (
    AsyncHuggingChatClient,
    ClientClosedError,
    HuggingChatClient,
    HuggingChatError,
    InsecureTransportError,
    Limits,
    ProtocolError,
    RateLimitError,
    ServerError,
    StreamError,
    TextDelta,
    Timeout,
    TimeoutError,
    TransportError,
)
from hfchat._core import ClientCore
from hfchat._transport import StreamBacklogExceeded, guard_stream, iter_stream, mapped_error
from hfchat.protocol.routes import Request
from hfchat.testing import FakeHuggingChat

from .hostile import Hostile, error_echoing, free_port, send_bomb, silence

MiB = 1024 * 1024
MODES = ["sync", "async"]


@pytest.fixture
def fake() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat() as f:
        yield f


def upstream(fake: FakeHuggingChat) -> str:
    return fake.base_url.split("//", 1)[1]


def run(mode: str, fn: Callable[[Any], Any], **options: Any) -> Any:
    """``fn(client)`` on a fresh sync client, or ``await fn(client)`` on an async one."""
    if mode == "sync":
        with HuggingChatClient(**options) as c:
            return fn(c)

    async def go() -> Any:
        async with AsyncHuggingChatClient(**options) as c:
            return await fn(c)

    return asyncio.run(go())


def peak_mib(fn: Callable[[], Any]) -> float:
    """Peak Python memory (MiB) while ``fn`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / MiB
    finally:
        tracemalloc.stop()


# -- F1: decompression bombs --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_gzip_bomb_on_a_json_route_is_refused_with_bounded_memory(mode: str) -> None:
    # 64 KiB on the wire that inflate to 64 MiB; the body cap is 1 MiB
    with Hostile({("GET", "/api/"): send_bomb("application/json", 64 * MiB)}) as h:
        caught: list[BaseException] = []

        def call() -> None:
            try:
                run(
                    mode,
                    lambda c: c.list_models(),
                    base_url=h.base_url,
                    max_retries=0,
                    limits=Limits(max_body_bytes=MiB),
                )
            except HuggingChatError as exc:
                caught.append(exc)

        peak = peak_mib(call)
    assert len(caught) == 1 and isinstance(caught[0], ProtocolError)
    assert "exceeds" in str(caught[0])
    assert peak < 16, f"peak {peak:.1f} MiB for a 1 MiB cap"


@pytest.mark.parametrize("mode", MODES)
def test_a_gzip_bomb_on_the_answer_stream_is_refused_with_bounded_memory(
    mode: str, fake: FakeHuggingChat
) -> None:
    bomb = send_bomb("application/jsonl", 64 * MiB)
    with Hostile({("POST", "/conversation/"): bomb}, upstream=upstream(fake)) as h:
        caught: list[BaseException] = []

        def call() -> None:
            try:
                run(
                    mode,
                    lambda c: c.chat("x"),
                    base_url=h.base_url,
                    model="fake/echo",
                    max_retries=0,
                    limits=Limits(max_stream_backlog_bytes=4 * MiB),
                )
            except HuggingChatError as exc:
                caught.append(exc)

        peak = peak_mib(call)
    assert len(caught) == 1 and isinstance(caught[0], (StreamError, ProtocolError))
    # the stream's line cap is 8 MiB: what is held stays near it, far below the 64 MiB
    assert peak < 40, f"peak {peak:.1f} MiB"


def test_a_compressed_answer_stream_still_reads(fake: FakeHuggingChat) -> None:
    import zlib

    with FakeHuggingChat() as plain:
        text = HuggingChatClient(base_url=plain.base_url, model="fake/echo").chat("hi").text
        assert any(r.method == "POST" for r in plain.requests)

    def answer(h: Any, _body: bytes) -> None:
        lines = b'{"type":"stream","token":"Hel"}\n{"type":"stream","token":"lo"}\n'
        lines += b'{"type":"finalAnswer","text":"Hello","interrupted":false}\n'
        data = zlib.compress(lines)
        h.send_response(200)
        h.send_header("content-type", "application/jsonl")
        h.send_header("content-encoding", "deflate")
        h.send_header("content-length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    with Hostile({("POST", "/conversation/"): answer}, upstream=upstream(fake)) as h:
        r = HuggingChatClient(base_url=h.base_url, model="fake/echo").chat("x")
        sent = [hd for m, p, hd in h.seen if m == "POST" and p.startswith("/conversation/")]
    assert text and r.text == "Hello"
    encodings = [v for k, v in sent[0].items() if k.lower() == "accept-encoding"]
    assert encodings == ["gzip, deflate"]  # what hfchat can inflate itself, boundedly


def test_the_stream_backlog_is_bounded() -> None:
    class Raw:
        def __init__(self) -> None:
            self.queue: queue.Queue[Any] = queue.Queue()
            self.quit_now = threading.Event()
            self.headers: dict[str, str] = {}

    raw = Raw()
    guard_stream(raw, 3 * MiB)
    for _ in range(8):  # a producer far ahead of its reader
        raw.queue.put_nowait(b"x" * MiB)
    assert raw.quit_now.is_set()
    assert raw.queue.qsize() == 4  # 3 chunks, then the error; nothing after it
    got = iter_stream(raw, 1.0)
    assert [len(next(got)) for _ in range(3)] == [MiB] * 3
    with pytest.raises(StreamBacklogExceeded):
        next(got)
    err = mapped_error(StreamBacklogExceeded(3 * MiB), lambda: ("so far", ""))
    assert isinstance(err, StreamError) and err.partial_text == "so far"


def test_a_reader_keeping_up_is_never_stopped() -> None:
    class Raw:
        def __init__(self) -> None:
            self.queue: queue.Queue[Any] = queue.Queue()
            self.quit_now = threading.Event()
            self.headers: dict[str, str] = {}

    raw = Raw()
    guard_stream(raw, 2 * MiB)
    got = iter_stream(raw, 1.0)
    for _ in range(16):
        raw.queue.put_nowait(b"y" * MiB)
        assert len(next(got)) == MiB
    assert not raw.quit_now.is_set()


# -- F2: one session per event loop, closed with it ---------------------------------------------


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_asyncio_run_per_call_keeps_fds_flat(fake: FakeHuggingChat) -> None:
    client = AsyncHuggingChatClient(base_url=fake.base_url, model="fake/echo")
    for _ in range(5):
        asyncio.run(client.chat("warm up"))
    before = open_fds()
    for i in range(200):
        asyncio.run(client.chat(f"call {i}"))
    after = open_fds()
    assert after - before <= 4, f"{after - before} fds more after 200 event loops"
    # the session of a finished loop was closed when that loop shut down
    assert client._sessions.session is None


def test_langchain_ainvoke_per_loop_keeps_fds_flat(fake: FakeHuggingChat) -> None:
    from langchain_hfchat import ChatHuggingChat

    llm = ChatHuggingChat(base_url=fake.base_url, model="fake/echo")
    for _ in range(5):
        asyncio.run(llm.ainvoke("warm up"))
    before = open_fds()
    for i in range(200):
        asyncio.run(llm.ainvoke(f"call {i}"))
    after = open_fds()
    assert after - before <= 4, f"{after - before} fds more after 200 event loops"


def test_a_session_whose_loop_died_unnoticed_is_freed_on_the_next_loop(
    fake: FakeHuggingChat,
) -> None:
    client = AsyncHuggingChatClient(base_url=fake.base_url, model="fake/echo")
    for i in range(30):  # loops closed without shutdown_asyncgens: replacement frees them
        loop = asyncio.new_event_loop()
        loop.run_until_complete(client.chat(f"call {i}"))
        loop.close()
        if i == 4:
            before = open_fds()
    assert open_fds() - before <= 4
    asyncio.run(client.aclose())


# -- W4: a closed client ------------------------------------------------------------------------


def test_a_closed_sync_client_refuses_calls(fake: FakeHuggingChat) -> None:
    c = HuggingChatClient(base_url=fake.base_url, model="fake/echo")
    c.chat("before")
    c.close()
    assert c.closed
    count = len(fake.requests)
    with pytest.raises(ClientClosedError, match="closed"):
        c.chat("after")
    with pytest.raises(ClientClosedError):
        c.list_models()
    assert len(fake.requests) == count  # nothing was sent


def test_a_closed_async_client_refuses_calls_and_opens_no_session(fake: FakeHuggingChat) -> None:
    async def go() -> None:
        c = AsyncHuggingChatClient(base_url=fake.base_url, model="fake/echo")
        await c.chat("before")
        await c.aclose()
        with pytest.raises(ClientClosedError):
            await c.chat("after")
        assert c._sessions.session is None

    asyncio.run(go())


def test_aclose_during_a_stream_says_so(fake: FakeHuggingChat) -> None:
    async def go() -> tuple[ClientClosedError, str]:
        c = AsyncHuggingChatClient(base_url=fake.base_url, model="fake/slow")
        seen = ""
        with pytest.raises(ClientClosedError) as info:
            async for ev in c.stream_chat("go slowly"):
                if isinstance(ev, TextDelta):
                    seen += ev.text
                    if seen.count("tok") == 3:
                        await c.aclose()
        return info.value, seen

    err, seen = asyncio.run(go())
    assert "closed" in str(err) and "ended before the final answer" not in str(err)
    assert err.partial_text.startswith(seen) and seen


def test_close_during_a_sync_stream_says_so(fake: FakeHuggingChat) -> None:
    c = HuggingChatClient(base_url=fake.base_url, model="fake/slow")
    seen = ""
    with pytest.raises(ClientClosedError) as info:
        for ev in c.stream_chat("go slowly"):
            if isinstance(ev, TextDelta):
                seen += ev.text
                if seen.count("tok") == 3:
                    c.close()
    assert info.value.partial_text.startswith(seen) and seen


# -- W3: the header wait honours the timeout -----------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_server_that_never_answers_times_out(mode: str, fake: FakeHuggingChat) -> None:
    with Hostile({("POST", "/conversation/"): silence(15)}, upstream=upstream(fake)) as h:
        with pytest.raises(TimeoutError) as info:
            run(
                mode,
                lambda c: c.chat("x"),
                base_url=h.base_url,
                model="fake/echo",
                timeout=Timeout(connect=1, read=1),
                max_retries=0,
            )
    # ended by hfchat's own timer (connect + read), not curl's low-speed limit
    assert "no response headers within 2 s" in str(info.value)
    assert "too slow" not in str(info.value)


# -- W5, F6: no credential in errors, headers, repr or Origin -----------------------------------

COOKIE = "secret-cookie-value-123"


@pytest.mark.parametrize("mode", MODES)
def test_error_headers_never_keep_an_echoed_cookie(mode: str) -> None:
    answer = error_echoing(
        500,
        {
            "x-echo": "{cookie}",
            "x-debug": "session for {cookie} refused",
            "x-cookie-seen": "{cookie}",
            "www-authenticate": f'Bearer realm="{COOKIE}"',
            "retry-after": "1",
        },
    )
    with Hostile({("GET", "/api/"): answer}) as h:
        with pytest.raises(HuggingChatError) as info:
            run(
                mode,
                lambda c: c.list_models(),
                base_url=h.base_url,
                hf_chat_cookie=COOKIE,
                max_retries=0,
            )
    err = info.value
    assert err.response is not None and err.response.status_code == 500
    assert err.response.headers.get("retry-after") == "1"
    shown = repr(err.response) + str(err) + repr(err) + str(err.body)
    assert COOKIE not in shown
    assert COOKIE.encode() not in pickle.dumps(err)


def test_base_url_credentials_go_as_basic_auth_and_nowhere_else(
    fake: FakeHuggingChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    host = fake.base_url.split("//", 1)[1]
    base = f"http://alice:url-secret-99@{host}"
    c = HuggingChatClient(base_url=base, model="fake/echo", max_retries=0)
    assert c.chat("hi").text == "Echo: hi"
    post = [q for q in fake.requests if q.method == "POST"][-1]
    assert post.headers["origin"] == fake.origin  # scheme://host:port, no userinfo
    expected = "Basic " + base64.b64encode(b"alice:url-secret-99").decode()
    assert post.headers.get("authorization") == expected
    fake.inject("http", status=500, route="post", times=1)
    with pytest.raises(HuggingChatError) as info:
        c.chat("again")
    err = info.value
    shown = [repr(c), str(c.config), str(err), repr(err), repr(err.response), caplog.text]
    for text in shown:
        assert "url-secret-99" not in text
    assert err.response is not None and "alice" not in err.response.url
    c.close()


def test_base_url_credentials_never_travel_over_plain_http_to_a_remote_host() -> None:
    c = HuggingChatClient(base_url="http://alice:url-secret-99@example.invalid/chat")
    with pytest.raises(InsecureTransportError) as info:
        c.list_models()  # refused before any connection is made
    assert "url-secret-99" not in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_transport_errors_keep_their_cause_and_no_proxy_password(mode: str) -> None:
    dead = free_port()
    with pytest.raises(TransportError) as info:
        run(
            mode,
            lambda c: c.list_models(),
            base_url=f"http://127.0.0.1:{free_port()}",
            proxy=f"http://user:proxy-pass-123@127.0.0.1:{dead}",
            max_retries=0,
            timeout=Timeout(2, 2),
        )
    err = info.value
    assert isinstance(err.__cause__, CurlError)  # chained, not `from None`
    assert err.nothing_sent
    assert "proxy-pass-123" not in str(err) + repr(err)


def test_mapped_errors_scrub_credentials_from_curl_messages() -> None:
    exc = CurlError("Failed to connect to proxy http://user:proxy-pass-123@10.0.0.1:3128", 7)
    err = mapped_error(exc)
    assert "proxy-pass-123" not in str(err) and "10.0.0.1:3128" in str(err)


# -- F7: the send route is retried only when the server cannot have processed it -------------

SEND = Request("POST", "/conversation/" + "a" * 24, "send", stream=True)
READ = Request("GET", "/api/v2/models", "models")


def core(**options: Any) -> ClientCore:
    return ClientCore(base_url=f"http://127.0.0.1:{free_port()}", **options)


def transport_error(nothing_sent: bool, timeout: bool = False) -> TransportError:
    return (TimeoutError if timeout else TransportError)(
        "connection failed", nothing_sent=nothing_sent
    )


@pytest.mark.parametrize(
    ("req", "exc", "retried"),
    [
        (SEND, transport_error(nothing_sent=True), True),
        (SEND, transport_error(nothing_sent=False), False),
        (SEND, transport_error(nothing_sent=False, timeout=True), False),
        (SEND, RateLimitError("slow down", status_code=429), True),
        (SEND, RateLimitError("slow down", status_code=429, retry_after=1), True),
        (SEND, ServerError("bad gateway", status_code=502), False),
        (SEND, ServerError("unavailable", status_code=503), False),
        (SEND, ServerError("gateway timeout", status_code=504), False),
        (SEND, ServerError("oops", status_code=500), False),
        (READ, ServerError("bad gateway", status_code=502), True),
        (READ, ServerError("oops", status_code=500), True),
        (READ, ProtocolError("not json", status_code=500), False),
        (READ, transport_error(nothing_sent=False), True),
        (READ, HuggingChatError("forbidden", status_code=403), False),
    ],
)
def test_retry_delay_rule(req: Request, exc: HuggingChatError, retried: bool) -> None:
    delay = core(max_retries=2).retry_delay(req, 0, exc)
    assert (delay is not None) is retried
    if delay is not None:
        assert 0 <= delay <= 8


def test_retry_delay_bounds() -> None:
    c = core(max_retries=1, max_retry_wait=5)
    nothing_sent = transport_error(nothing_sent=True)
    assert c.retry_delay(SEND, 1, nothing_sent) is None  # attempts used up
    assert c.retry_delay(SEND, 0, RateLimitError("x", status_code=429, retry_after=60)) is None
    assert c.retry_delay(SEND, 0, RateLimitError("x", status_code=429, retry_after=3)) == 3
    assert core(max_retries=0).retry_delay(READ, 0, nothing_sent) is None


def test_file_downloads_have_their_own_cap(fake: FakeHuggingChat) -> None:
    # a JSON route answering 2 MiB is refused under a 1 MiB body cap; a file of 2 MiB is not
    big = b"\x89PNG" + b"\0" * (2 * MiB)

    def file_answer(h: Any, _body: bytes) -> None:
        h.send_response(200)
        h.send_header("content-type", "image/png")
        h.send_header("content-length", str(len(big)))
        h.end_headers()
        h.wfile.write(big)

    routes = {
        ("GET", "/conversation/" + "a" * 24 + "/output/"): file_answer,
        ("GET", "/api/"): send_bomb("application/json", 2 * MiB),
    }
    limits = Limits(max_body_bytes=MiB, max_file_bytes=4 * MiB)
    with Hostile(routes) as h:
        c = HuggingChatClient(base_url=h.base_url, limits=limits, max_retries=0)
        assert c.download_file("a" * 24, "b" * 64) == big
        with pytest.raises(ProtocolError, match="exceeds"):
            c.list_models()
        c.close()


def test_refused_streams_are_not_resumed() -> None:
    from hfchat._transport import BadEncoding, ClientClosed, resumable

    assert resumable(CurlError("connection reset", 56))
    for exc in (ClientClosed(), StreamBacklogExceeded(1), BadEncoding("br")):
        assert not resumable(exc)


@pytest.mark.parametrize("mode", MODES)
def test_an_unrequested_stream_encoding_is_a_typed_error(mode: str, fake: FakeHuggingChat) -> None:
    def answer(h: Any, _body: bytes) -> None:
        data = b"\x1b\x2a\x00\xf8" * 64  # brotli-looking bytes, never asked for
        h.send_response(200)
        h.send_header("content-type", "application/jsonl")
        h.send_header("content-encoding", "br")
        h.send_header("content-length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    with Hostile({("POST", "/conversation/"): answer}, upstream=upstream(fake)) as h:
        with pytest.raises((StreamError, ProtocolError)) as info:
            run(mode, lambda c: c.chat("x"), base_url=h.base_url, model="fake/echo")
    assert info.value.partial_text == ""  # no undecodable byte became text


def test_the_stream_reader_refuses_an_unrequested_encoding() -> None:
    from hfchat._transport import BadEncoding

    class Raw:
        def __init__(self, encoding: str) -> None:
            self.queue: queue.Queue[Any] = queue.Queue()
            self.quit_now = threading.Event()
            self.headers = {"content-encoding": encoding}

    raw = Raw("br")
    guard_stream(raw, MiB)
    raw.queue.put_nowait(b"\x1b\x2a\x00")
    with pytest.raises(BadEncoding, match="unrequested encoding"):
        next(iter_stream(raw, 1.0))
    err = mapped_error(BadEncoding("unrequested encoding 'br'"), lambda: ("", ""))
    assert isinstance(err, StreamError) and isinstance(err, ProtocolError)

    import zlib

    gz = Raw("gzip")
    guard_stream(gz, MiB)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = comp.compress(b"z" * (1024 * 1024)) + comp.flush()
    gz.queue.put_nowait(data)
    gz.queue.put_nowait(STREAM_END)
    pieces = list(iter_stream(gz, 1.0))
    assert b"".join(pieces) == b"z" * (1024 * 1024)
    assert max(len(p) for p in pieces) <= 64 * 1024  # inflated in bounded steps
