"""The core clients against the emulator: every route and every fault, sync and async."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from hfchat import (
    AsyncHuggingChatClient,
    ChatMessage,
    FileUpload,
    HuggingChatClient,
    ReasoningDelta,
    TextDelta,
    TurnEnd,
    TurnResult,
)
from hfchat.errors import (
    AuthenticationError,
    ConfigurationError,
    ConversationNotFoundError,
    HuggingChatError,
    InsecureTransportError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    StreamError,
    StreamProtocolError,
    StreamTimeoutError,
    TransportError,
)
from hfchat.testing import FakeHuggingChat

MODES = ["sync", "async"]


class Driver:
    """Runs the same scenario through the sync or the async client."""

    def __init__(self, mode: str, **kwargs: Any) -> None:
        self.mode = mode
        self.kwargs = kwargs

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.mode == "sync":
            with HuggingChatClient(**self.kwargs) as c:
                return getattr(c, name)(*args, **kwargs)

        async def go() -> Any:
            async with AsyncHuggingChatClient(**self.kwargs) as c:
                return await getattr(c, name)(*args, **kwargs)

        return asyncio.run(go())

    def stream(self, messages: Any, **kwargs: Any) -> list[Any]:
        """Events of one turn; on error, the events seen so far are on ``self.seen``."""
        self.seen: list[Any] = []
        if self.mode == "sync":
            with HuggingChatClient(**self.kwargs) as c:
                for ev in c.stream_chat(messages, **kwargs):
                    self.seen.append(ev)
            return self.seen

        async def go() -> None:
            async with AsyncHuggingChatClient(**self.kwargs) as c:
                async for ev in c.stream_chat(messages, **kwargs):
                    self.seen.append(ev)

        asyncio.run(go())
        return self.seen

    def session(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(client)`` (sync) or ``await fn(client)`` (async) on one client."""
        if self.mode == "sync":
            with HuggingChatClient(**self.kwargs) as c:
                return fn(c)

        async def go() -> Any:
            async with AsyncHuggingChatClient(**self.kwargs) as c:
                return await fn(c)

        return asyncio.run(go())


@pytest.fixture
def fake() -> Any:
    with FakeHuggingChat() as f:
        yield f


@pytest.fixture(params=MODES)
def drive(request: pytest.FixtureRequest, fake: FakeHuggingChat) -> Driver:
    return Driver(request.param, base_url=fake.base_url, model="fake/echo", max_retry_wait=2)


def last_send(fake: FakeHuggingChat) -> Any:
    """The last message POST the emulator saw (the id read may run beside it)."""
    return [q for q in fake.requests if q.route == "post"][-1]


def text(events: list[Any]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def result(events: list[Any]) -> TurnResult:
    assert isinstance(events[-1], TurnEnd)
    return events[-1].result


def test_a_turn_streams_text_and_metadata(drive: Driver, fake: FakeHuggingChat) -> None:
    events = drive.stream("Hello there friend")
    r = result(events)
    assert text(events) == "Echo: Hello there friend" == r.text
    assert r.finish_reason == "stop"
    assert r.title and r.conversation_id and len(r.conversation_id) == 24
    assert r.model == "fake/echo" and r.requested_model == "fake/echo"
    paths = [(q.method, q.path) for q in fake.requests]
    # two requests before the first token; the id read runs beside the stream
    assert paths[:2] == [("POST", "/conversation"), ("POST", f"/conversation/{r.conversation_id}")]
    assert paths[2:] == [("GET", f"/api/v2/conversations/{r.conversation_id}")]
    post = last_send(fake)
    assert post.headers["origin"] == fake.origin
    assert post.data is not None and post.data["selectedMcpServerNames"] == []
    assert post.data["generationId"] == r.generation_id


def test_reasoning_is_split(drive: Driver) -> None:
    events = drive.stream("Think about this", model="fake/reasoner")
    r = result(events)
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == r.reasoning
    assert r.reasoning.startswith("Thinking") and r.text == "Echo: Think about this"
    assert "<think>" not in (r.title or "")


def test_router_model_is_reported(drive: Driver) -> None:
    r = drive.call("chat", "route me", model="omni")
    assert r.router is not None and r.router.model == "fake/echo"
    assert r.model == "fake/echo" and r.requested_model == "omni"
    assert r.metadata()["router"]["route"]


def test_web_search_sources(drive: Driver, fake: FakeHuggingChat) -> None:
    r = drive.call("chat", "news please", model="fake/websearch", web_search=True)
    assert [s["url"] for s in r.sources] == ["https://example.com/a", "https://example.org/b"]
    assert last_send(fake).data["selectedMcpServerNames"] == ["Web Search (Exa)"]
    assert any(a.kind == "call" for a in r.tool_activity)
    plain = drive.call("chat", "no search", model="fake/websearch")
    assert plain.sources == []


def test_generated_file_can_be_downloaded(drive: Driver, fake: FakeHuggingChat) -> None:
    def go(c: Any) -> Any:
        async def a() -> tuple[TurnResult, bytes]:
            r = await c.chat("make a file", model="fake/file")
            return r, await c.download_file(r.conversation_id, r.files[0].sha)

        if drive.mode == "async":
            return a()
        r = c.chat("make a file", model="fake/file")
        return r, c.download_file(r.conversation_id, r.files[0].sha)

    r, data = drive.session(go)
    assert (
        r.files[0].url
        == f"{fake.base_url}/conversation/{r.conversation_id}/output/{r.files[0].sha}"
    )
    assert data and r.metadata()["files"] == [r.files[0].url]


def test_conversation_routes(drive: Driver) -> None:
    def go(c: Any) -> Any:
        if drive.mode == "sync":
            r = c.chat("hello routes")
            cid = r.conversation_id
            conv = c.get_conversation(cid)
            c.rename_conversation(cid, "Renamed")
            url = c.share_conversation(cid)
            listed = c.list_conversations()
            c.delete_conversation(cid)
            with pytest.raises(ConversationNotFoundError):
                c.get_conversation(cid)
            return conv, url, listed, cid

        async def a() -> Any:
            r = await c.chat("hello routes")
            cid = r.conversation_id
            conv = await c.get_conversation(cid)
            await c.rename_conversation(cid, "Renamed")
            url = await c.share_conversation(cid)
            listed = await c.list_conversations()
            await c.delete_conversation(cid)
            with pytest.raises(ConversationNotFoundError):
                await c.get_conversation(cid)
            return conv, url, listed, cid

        return a()

    conv, url, listed, cid = drive.session(go)
    assert [m.role for m in conv.messages] == ["system", "user", "assistant"]
    assert "/r/" in url
    assert any(s.id == cid and s.title == "Renamed" for s in listed)


def test_models_and_whoami(drive: Driver) -> None:
    models = drive.call("list_models")
    assert models[0].id == "omni" and models[0].is_router
    assert any(m.multimodal for m in models)
    assert drive.call("whoami") is None


def test_default_model_is_the_first_listed(fake: FakeHuggingChat) -> None:
    with HuggingChatClient(base_url=fake.base_url) as c:
        r = c.chat("which model")
    assert r.requested_model == "omni"


def test_multi_turn_mapping_posts_only_the_new_turn(drive: Driver, fake: FakeHuggingChat) -> None:
    def go(c: Any) -> Any:
        h1 = [ChatMessage("system", "Be terse."), ChatMessage("user", "first")]

        def h2(r1: TurnResult) -> list[ChatMessage]:
            return [*h1, ChatMessage("assistant", r1.text), ChatMessage("user", "second")]

        if drive.mode == "sync":
            r1 = c.chat(h1)
            fake.clear_requests()
            r2 = c.chat(h2(r1))
            return r1, r2

        async def a() -> Any:
            r1 = await c.chat(h1)
            fake.clear_requests()
            r2 = await c.chat(h2(r1))
            return r1, r2

        return a()

    r1, r2 = drive.session(go)
    assert r2.conversation_id == r1.conversation_id
    posts = [q for q in fake.requests if q.method == "POST"]
    assert len(posts) == 1 and posts[0].data["inputs"] == "second"
    conv = fake.conversations[r1.conversation_id]
    assert conv["preprompt"] == "Be terse."


def test_folded_history_for_a_new_conversation(drive: Driver, fake: FakeHuggingChat) -> None:
    history = [
        ChatMessage("user", "q1"),
        ChatMessage("assistant", "a1 from elsewhere"),
        ChatMessage("user", "q2"),
    ]
    drive.call("chat", history)
    inputs = last_send(fake).data["inputs"]
    assert inputs == "[user]\nq1\n\n[assistant]\na1 from elsewhere\n\n[user]\nq2"


def test_explicit_conversation_id_continues_it(drive: Driver, fake: FakeHuggingChat) -> None:
    def go(c: Any) -> Any:
        two = [ChatMessage("user", "two")]
        if drive.mode == "sync":
            first = c.chat("one")
            return first, c.chat(two, conversation_id=first.conversation_id)

        async def a() -> Any:
            first = await c.chat("one")
            return first, await c.chat(two, conversation_id=first.conversation_id)

        return a()

    first, r = drive.session(go)
    assert r.conversation_id == first.conversation_id
    conv = fake.conversations[first.conversation_id]
    assert len([m for m in conv["messages"] if m["from"] == "user"]) == 2
    # another session cannot continue it
    with pytest.raises(ConversationNotFoundError):
        drive.call("chat", "three", conversation_id=first.conversation_id)


def test_files_go_to_multimodal_models_only(drive: Driver, fake: FakeHuggingChat) -> None:
    png = FileUpload("tiny.png", "image/png", data=b"\x89PNG\r\n\x1a\nfake")
    msg = [ChatMessage("user", "describe", files=[png])]
    r = drive.call("chat", msg, model="fake/vision")
    assert "[files: 1]" in r.text
    assert last_send(fake).files and last_send(fake).files[0]["name"] == "tiny.png"
    with pytest.raises(ConfigurationError, match="not multimodal"):
        drive.call("chat", msg, model="fake/reasoner")


def test_stop_generating(fake: FakeHuggingChat) -> None:
    with HuggingChatClient(base_url=fake.base_url, model="fake/slow") as c:
        events = []
        for ev in c.stream_chat("go slowly"):
            events.append(ev)
            if len([e for e in events if isinstance(e, TextDelta)]) == 3:
                turn_cid = next(iter(fake.conversations))
                gen = last_send(fake).data["generationId"]
                c.stop_generating(turn_cid, gen, seen_content_length=10)
        r = result(events)
    assert r.finish_reason == "interrupted" and len(r.text) <= 10


def test_2024_server(fake: FakeHuggingChat) -> None:
    with FakeHuggingChat(generation="2024") as old:
        with HuggingChatClient(base_url=old.base_url, model="fake/echo") as c:
            r = c.chat([ChatMessage("system", "s"), ChatMessage("user", "hello old")])
            assert c.generation == "2024"
            assert r.text == "Echo: hello old" and r.title
            data = old.requests[-1].data
            assert data["web_search"] is False and data["tools"] == []
            old.clear_requests()
            r2 = c.chat(
                [
                    ChatMessage("system", "s"),
                    ChatMessage("user", "hello old"),
                    ChatMessage("assistant", r.text),
                    ChatMessage("user", "again"),
                ]
            )
            assert r2.conversation_id == r.conversation_id
            assert old.requests[-1].data["inputs"] == "again"
            ws = c.chat("search it", model="fake/websearch", web_search=True)
            assert ws.sources and old.requests[-1].data["web_search"] is True


def test_base_path_like_production(fake: FakeHuggingChat) -> None:
    with FakeHuggingChat(base_path="/chat") as f:
        assert f.base_url.endswith("/chat")
        with HuggingChatClient(base_url=f.base_url, model="fake/echo") as c:
            assert c.chat("hi").text == "Echo: hi"


# -- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthenticationError),
        (403, HuggingChatError),
        (404, ConversationNotFoundError),
        (410, ModelNotFoundError),
        (500, ProtocolError),
    ],
)
def test_http_faults_on_send_are_typed_and_not_retried(
    drive: Driver, fake: FakeHuggingChat, status: int, kind: type
) -> None:
    fake.inject("http", status=status, route="post", times=5)
    with pytest.raises(kind) as info:
        drive.call("chat", "x")
    assert info.value.status_code == status
    posts = [q for q in fake.requests if q.method == "POST" and q.path != "/conversation"]
    assert len(posts) == 1  # a send that failed is never repeated blindly


def test_401_names_hfchat_login(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("http", status=401, route="create")
    with pytest.raises(AuthenticationError, match="hfchat login"):
        drive.call("chat", "x")


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_on_send_are_not_retried(
    drive: Driver, fake: FakeHuggingChat, status: int
) -> None:
    # the server may have stored the turn before the gateway failed: posting again would
    # duplicate it (issue 9 F7)
    fake.inject("http", status=status, route="post", times=1)
    with pytest.raises(HuggingChatError) as info:
        drive.call("chat", "retry me")
    assert info.value.status_code == status
    posts = [q for q in fake.requests if q.path.startswith("/conversation/")]
    assert [q.status for q in posts] == [status]


@pytest.mark.parametrize("status", [502, 503])
def test_gateway_errors_on_reads_are_retried(
    drive: Driver, fake: FakeHuggingChat, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = no_real_waits(monkeypatch)
    fake.inject("http", status=status, route="models", times=1)
    assert drive.call("list_models")
    models = [q for q in fake.requests if q.route == "models"]
    assert [q.status for q in models] == [status, 200] and len(waits) == 1


def no_real_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the clients' retry waits instead of sleeping them."""
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(HuggingChatClient, "_sleep", staticmethod(waits.append))
    monkeypatch.setattr(AsyncHuggingChatClient, "_sleep", staticmethod(asleep))
    return waits


def test_429_with_retry_after_is_honoured(
    drive: Driver, fake: FakeHuggingChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = no_real_waits(monkeypatch)
    fake.inject("http", status=429, route="post", retry_after=1, times=1)
    r = drive.call("chat", "later")
    assert r.text == "Echo: later" and waits == [1]


def test_429_beyond_max_wait_raises_with_retry_after(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("http", status=429, route="post", retry_after=120, times=3)
    with pytest.raises(RateLimitError) as info:
        drive.call("chat", "x")
    assert info.value.retry_after == 120


def test_429_without_retry_after_is_not_retried_early(
    fake: FakeHuggingChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chat-ui counts refused attempts too: an early retry only prolongs the block
    waits = no_real_waits(monkeypatch)
    fake.inject("http", status=429, route="post", times=10, body='{"message":"slow down"}')
    with HuggingChatClient(base_url=fake.base_url, model="fake/echo", max_retries=1) as c:
        with pytest.raises(RateLimitError) as info:
            c.chat("x")
    assert len([q for q in fake.requests if q.path.startswith("/conversation/")]) == 1
    assert waits == [] and info.value.retry_after == 60 and "wait 60 s" in str(info.value)


def test_5xx_on_reads_are_retried(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("http", status=500, route="models", times=1)
    assert drive.call("list_models")


@pytest.mark.parametrize(("code", "kind"), [(500, StreamError), (429, RateLimitError)])
def test_status_error_mid_stream_keeps_partial(
    drive: Driver, fake: FakeHuggingChat, code: int, kind: type
) -> None:
    fake.inject("stream_error", status_code=code, after_tokens=2)
    with pytest.raises(kind) as info:
        drive.stream("one two three four")
    assert info.value.partial_text == text(drive.seen) != ""
    assert len([q for q in fake.requests if q.path.startswith("/conversation/")]) == 1


def test_connection_cut_mid_stream_is_resumed_from_the_replay(
    drive: Driver, fake: FakeHuggingChat
) -> None:
    fake.inject("cut", after_tokens=2)
    events = drive.stream("one two three four five")
    r = result(events)
    assert text(events) == r.text == "Echo: one two three four five"  # each piece exactly once
    assert r.title  # not repeated by the replay
    assert len([e for e in events if type(e).__name__ == "Title"]) == 1
    replays = [q for q in fake.requests if q.path.endswith("/stream")]
    assert len(replays) == 1 and replays[0].query["generationId"] == r.generation_id
    sends = [q for q in fake.requests if q.method == "POST" and q.path.count("/") == 2]
    assert len(sends) == 1  # resumed, never sent again


def test_connection_cut_without_a_replay_keeps_partial(
    drive: Driver, fake: FakeHuggingChat
) -> None:
    with FakeHuggingChat(generation="2024") as old:
        old.inject("cut", after_tokens=2)
        d = Driver(drive.mode, base_url=old.base_url, model="fake/echo")
        with pytest.raises(StreamError) as info:
            d.stream("one two three four")
    assert info.value.partial_text == text(d.seen) != ""


def test_failed_replay_raises_the_cut_with_partial(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("cut", after_tokens=2)
    fake.inject("http", status=500, route="stream", times=5)  # more than the retries
    with pytest.raises(StreamError, match="mid-stream") as info:
        drive.stream("one two three four")
    assert info.value.partial_text == text(drive.seen) != ""


def test_truncated_final_line(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("truncated_final")
    with pytest.raises(StreamError) as info:
        drive.stream("one two")
    assert info.value.partial_text == "Echo: one two"


def test_malformed_line(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("malformed_line", after_tokens=1)
    with pytest.raises(StreamProtocolError) as info:
        drive.stream("one two")
    assert isinstance(info.value, ProtocolError) and info.value.partial_text


def test_huge_line_is_refused_without_unbounded_memory(
    drive: Driver, fake: FakeHuggingChat
) -> None:
    fake.inject("huge_line", size=12 * 1024 * 1024)
    with pytest.raises(StreamProtocolError, match="exceeds"):
        drive.stream("one two")


def test_stalled_stream_hits_the_idle_timeout(fake: FakeHuggingChat) -> None:
    fake.inject("stall", after_tokens=1, seconds=30)
    for mode in MODES:
        d = Driver(mode, base_url=fake.base_url, model="fake/echo", timeout=(2, 1.5))
        # the stall outlasts the test: the error can only come from the 1.5 s idle limit
        # (how soon: benchmarks/timings.py)
        with pytest.raises(
            StreamTimeoutError, match=r"no update from the server for 1\.5 s"
        ) as info:
            d.stream("one two three")
        assert info.value.partial_text == text(d.seen)
        fake.inject("stall", after_tokens=1, seconds=30)


def test_html_login_page_instead_of_json(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("html_login", route="create")
    with pytest.raises(AuthenticationError, match="hfchat login"):
        drive.call("chat", "x")
    fake.inject("html_login", route="create", mode="redirect")
    with pytest.raises(AuthenticationError):
        drive.call("chat", "x")


def test_unknown_updates_are_ignored(
    drive: Driver, fake: FakeHuggingChat, caplog: pytest.LogCaptureFixture
) -> None:
    fake.inject("unknown_update")
    with caplog.at_level(logging.DEBUG, logger="hfchat"):
        r = drive.call("chat", "still fine")
    assert r.text == "Echo: still fine"
    assert "unknown update type" in caplog.text


def test_elicitation_without_answer(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("elicitation")
    with pytest.raises(StreamError, match="user input"):
        drive.call("chat", "needs input")


def test_any_chunking_of_the_stream(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject("chunking", seed=3, min_size=1, max_size=3)
    r = drive.call("chat", "héllo wörld ünïcode", model="fake/reasoner")
    assert r.text == "Echo: héllo wörld ünïcode" and r.reasoning


def test_connection_refused_is_a_transport_error(drive: Driver) -> None:
    d = Driver(drive.mode, base_url="http://127.0.0.1:9", model="m", max_retries=1)
    with pytest.raises(TransportError):
        d.call("list_models")


# -- session and credential rules ------------------------------------------------------------


def test_anonymous_session_is_one_session(fake: FakeHuggingChat) -> None:
    with HuggingChatClient(base_url=fake.base_url, model="fake/echo") as c:
        first = c.chat("one")
        c.chat("two", conversation_id=first.conversation_id)
        assert c._core.cookies.source == "anonymous"
    cookies = {q.cookies.get("hf-chat") for q in fake.requests}
    assert len(cookies) == 1 and None not in cookies


def test_login_required_server(fake: FakeHuggingChat) -> None:
    with FakeHuggingChat(require_login=True) as f:
        with HuggingChatClient(base_url=f.base_url, model="fake/echo") as c:
            with pytest.raises(AuthenticationError, match="hfchat login") as info:
                c.chat("x")
            assert info.value.status_code == 401
        cookie = f.new_logged_in_cookie()
        with HuggingChatClient(base_url=f.base_url, model="fake/echo", hf_chat_cookie=cookie) as c:
            assert c.chat("x").text == "Echo: x"
            assert c.whoami() is not None
            assert cookie not in repr(c)


def test_cookie_never_goes_over_plain_http_to_a_remote_host() -> None:
    with HuggingChatClient(
        base_url="http://example.invalid/chat", hf_chat_cookie="secretvalue"
    ) as c:
        with pytest.raises(InsecureTransportError):
            c.list_models()


def test_secret_never_in_errors_or_logs(
    fake: FakeHuggingChat, caplog: pytest.LogCaptureFixture
) -> None:
    secret = fake.new_logged_in_cookie()
    fake.inject("http", status=500, route="post", body=f"boom {secret} boom")
    with caplog.at_level(logging.DEBUG):
        with HuggingChatClient(
            base_url=fake.base_url, model="fake/echo", hf_chat_cookie=secret
        ) as c:
            with pytest.raises(HuggingChatError) as info:
                c.chat("x")
    err = info.value
    assert secret not in str(err) and secret not in repr(err) and secret not in (err.body or "")
    assert secret not in str(err.response)
    assert secret not in caplog.text


def test_no_network_in_constructors() -> None:
    HuggingChatClient(base_url="http://127.0.0.1:9")
    AsyncHuggingChatClient(base_url="http://127.0.0.1:9")


def test_bad_arguments_are_typed() -> None:
    with pytest.raises(ConfigurationError):
        HuggingChatClient(base_url="ftp://x")
    with pytest.raises(ConfigurationError):
        HuggingChatClient(max_retries=-1)


def test_cleanup_deletes_created_conversations(fake: FakeHuggingChat) -> None:
    with HuggingChatClient(base_url=fake.base_url, model="fake/echo", cleanup_on_close=True) as c:
        c.chat("one")
        c.chat("two")
        assert len(c.created_conversations) == 2
    assert fake.conversations == {}


async def test_async_concurrency_runs_streams_together(fake: FakeHuggingChat) -> None:
    """20 turns at once overlap: streams are open side by side (sequential turns would have
    one at a time). Wall-time figures: benchmarks/timings.py."""
    open_now, peak = 0, 0

    async def one(c: AsyncHuggingChatClient, prompt: str) -> TurnResult:
        nonlocal open_now, peak
        result, started = None, False
        async for ev in c.stream_chat(prompt):
            if isinstance(ev, TurnEnd):
                result = ev.result
                open_now -= 1
            elif not started and isinstance(ev, TextDelta) and ev.text:
                started = True
                open_now += 1
                peak = max(peak, open_now)
        assert result is not None and started
        return result

    async with AsyncHuggingChatClient(base_url=fake.base_url, model="fake/slow") as c:
        await c.chat("warm")
        results = await asyncio.gather(*[one(c, f"q{i}") for i in range(20)])
    assert all(r.text for r in results)
    assert open_now == 0
    assert peak > 1  # streams overlap; sequential turns would peak at 1


def test_sync_client_is_thread_safe(fake: FakeHuggingChat) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with HuggingChatClient(base_url=fake.base_url, model="fake/echo") as c:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: c.chat(f"thread {i}").text, range(16)))
    assert results == [f"Echo: thread {i}" for i in range(16)]


def test_message_ids_on_request(drive: Driver, fake: FakeHuggingChat) -> None:
    lazy = drive.call("chat", "no id")
    # the stream carries none; the read beside the stream finds it by its generation id
    assert lazy.message_id == fake.conversations[lazy.conversation_id]["messages"][-1]["id"]
    d = Driver(drive.mode, base_url=fake.base_url, model="fake/echo", resolve_message_ids=True)
    r = d.call("chat", "with id")
    conv = fake.conversations[r.conversation_id]
    assert r.message_id == conv["messages"][-1]["id"]
    assert r.metadata()["message_id"] == r.message_id


def test_error_body_kept_on_stream_requests(drive: Driver, fake: FakeHuggingChat) -> None:
    fake.inject(
        "http",
        status=429,
        route="post",
        body='{"message":"You are sending too many messages. Try again later."}',
        times=5,
    )
    with pytest.raises(RateLimitError) as info:
        drive.call("chat", "x")
    assert info.value.limit == "messagesPerMinute" and info.value.retry_after == 60
    assert "too many messages" in (info.value.body or "")


def test_2024_welcome_modal_is_accepted_once(drive: Driver, fake: FakeHuggingChat) -> None:
    from hfchat.testing import WireResponse as FakeResponse

    accepted: list[Any] = []

    async def settings(req: Any) -> FakeResponse:
        accepted.append(req)
        return FakeResponse(200, b"{}", [("content-type", "application/json")])

    fake.register_route("POST", "/settings", settings)
    fake.inject(
        "http",
        status=405,
        route="post",
        body="You need to accept the welcome modal first",
        content_type="text/plain",
    )
    assert drive.call("chat", "hello guest").text == "Echo: hello guest"
    assert len(accepted) == 1
    settings_req = next(q for q in fake.requests if q.path == "/settings")
    assert settings_req.data == {"ethicsModalAccepted": True}
    sends = [q.status for q in fake.requests if q.path.startswith("/conversation/")]
    assert sends == [405, 200]


def test_an_expired_stored_session_says_so(fake: FakeHuggingChat) -> None:
    from hfchat import store

    with FakeHuggingChat(require_login=True) as f:
        store.save(f.base_url, {"hf-chat": "an-expired-session-value"})
        with HuggingChatClient(base_url=f.base_url, model="fake/echo") as c:
            with pytest.raises(AuthenticationError) as info:
                c.chat("x")
    text = str(info.value)
    assert "the `hfchat login` store" in text and "expired" in text and "hfchat login" in text
    assert "an-expired-session-value" not in text


def test_abandoned_stream_stops_the_server_generation(drive: Driver, fake: FakeHuggingChat) -> None:
    def go(c: Any) -> Any:
        if drive.mode == "sync":
            stream = c.stream_chat("go on", model="fake/slow")
            for ev in stream:
                if isinstance(ev, TextDelta):
                    break
            stream.close()
            return None

        async def a() -> None:
            stream = c.stream_chat("go on", model="fake/slow")
            async for ev in stream:
                if isinstance(ev, TextDelta):
                    break
            await stream.aclose()

        return a()

    drive.session(go)
    stops = [q for q in fake.requests if q.path.endswith("/stop-generating")]
    assert len(stops) == 1
    assert stops[0].data["generationId"] == fake.requests[1].data["generationId"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        conv = next(iter(fake.conversations.values()))
        if conv["messages"][-1].get("interrupted"):
            break
        time.sleep(0.05)
    assert conv["messages"][-1]["interrupted"] is True
    assert len(conv["messages"][-1]["content"]) < 100  # stopped early, not 50 tokens long


def test_tools_with_a_pinned_conversation_travel_with_the_message(fake: FakeHuggingChat) -> None:
    from hfchat import ToolSpec

    with HuggingChatClient(base_url=fake.base_url, model="fake/echo") as c:
        first = c.chat("hello")
        fake.script('{"tool_calls":[{"name":"lookup","arguments":{"q":"x"}}]}')
        r = c.chat(
            [ChatMessage("user", "look it up")],
            conversation_id=first.conversation_id,
            tools=[ToolSpec("lookup", "Look things up")],
        )
    assert [t.name for t in r.tool_calls] == ["lookup"] and r.text == ""
    inputs = last_send(fake).data["inputs"]
    assert "# Tools" in inputs and inputs.endswith("look it up")
