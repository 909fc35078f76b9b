"""The turn path against the emulator, sync and async: what a turn sends and when (long inputs
as attachments, message ids read beside the stream, one send per turn), what a refused or
failed turn leaves on the account (nothing), caller input checked before any request, and the
bounds of a turn (cancellation stops the generation, an overall deadline, the end after the
final answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hfchat._turn as turn_module
from hfchat import AsyncHuggingChatClient, ChatMessage, HuggingChatClient, TextDelta, TurnEnd
from hfchat.errors import (
    ConfigurationError,
    HuggingChatError,
    MessageTooLongError,
    RateLimitError,
    StreamTimeoutError,
)
from hfchat.testing import FakeHuggingChat
from hfchat.testing.server import WireResponse as FakeResponse

from .test_client import MODES, Driver

LONG_PARAGRAPH = "Context line number {i} says something worth reading. "


def sends(fake: FakeHuggingChat) -> list[Any]:
    return [q for q in fake.requests if q.route == "post"]


def user_turns(fake: FakeHuggingChat) -> list[dict[str, Any]]:
    return [
        m for conv in fake.conversations.values() for m in conv["messages"] if m["from"] == "user"
    ]


@pytest.fixture
def fake() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat() as f:
        yield f


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits, recorded instead of slept (no test waits real seconds)."""
    waited: list[float] = []

    async def asleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(HuggingChatClient, "_sleep", staticmethod(waited.append))
    monkeypatch.setattr(AsyncHuggingChatClient, "_sleep", staticmethod(asleep))
    return waited


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def drv(mode: str, fake: FakeHuggingChat, **kw: Any) -> Driver:
    return Driver(mode, base_url=fake.base_url, model=kw.pop("model", "fake/echo"), **kw)


# -- issue 9 F7: a send is never repeated once the server may have processed it ------------------


def test_504_after_the_server_processed_the_send_is_not_posted_again(
    mode: str, fake: FakeHuggingChat, sleeps: list[float]
) -> None:
    fake.inject("http", status=504, route="post", processed=True)
    with pytest.raises(HuggingChatError) as info:
        drv(mode, fake).call("chat", "only once")
    assert info.value.status_code == 504
    assert len(sends(fake)) == 1 and sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_on_the_send_route_are_not_retried(
    mode: str, fake: FakeHuggingChat, sleeps: list[float], status: int
) -> None:
    fake.inject("http", status=status, route="post")
    with pytest.raises(HuggingChatError):
        drv(mode, fake).call("chat", "x")
    assert len(sends(fake)) == 1 and sleeps == []


def test_gateway_errors_on_reads_are_still_retried(
    mode: str, fake: FakeHuggingChat, sleeps: list[float]
) -> None:
    fake.inject("http", status=503, route="models")
    assert drv(mode, fake).call("list_models")
    assert len(sleeps) == 1


# -- issue 12 §3: refused sends and the per-minute limit ---------------------------------------


def test_a_refused_first_send_leaves_no_conversation(
    mode: str, fake: FakeHuggingChat, sleeps: list[float]
) -> None:
    fake.inject("http", status=429, route="post")
    with pytest.raises(RateLimitError) as info:
        drv(mode, fake).call("chat", "refused")
    assert fake.conversations == {}
    assert len(sends(fake)) == 1 and sleeps == []  # no early retry into the window
    assert info.value.retry_after == 60 and "wait 60 s" in str(info.value)


@pytest.mark.parametrize("status", [400, 401, 404, 500])
def test_any_error_before_the_stream_leaves_no_conversation(
    mode: str, fake: FakeHuggingChat, sleeps: list[float], status: int
) -> None:
    fake.inject("http", status=status, route="post")
    with pytest.raises(HuggingChatError):
        drv(mode, fake).call("chat", "refused")
    assert fake.conversations == {}


def test_the_per_minute_limit_is_never_probed(mode: str, sleeps: list[float]) -> None:
    with FakeHuggingChat(messages_per_minute=1) as fake:

        async def two(c: Any) -> Any:
            await c.chat("first")
            return await c.chat("second")

        def two_sync(c: Any) -> Any:
            c.chat("first")
            return c.chat("second")

        d = drv(mode, fake)
        with pytest.raises(RateLimitError) as info:
            d.session(two_sync if mode == "sync" else two)
        assert len(sends(fake)) == 2 and sleeps == []
        assert "wait 60 s" in str(info.value)
        assert len(fake.conversations) == 1  # the refused second turn created nothing


def test_a_caller_who_waits_a_minute_gets_one_retry_after_the_window(
    mode: str, fake: FakeHuggingChat, sleeps: list[float]
) -> None:
    fake.inject("http", status=429, route="post", times=2)
    d = drv(mode, fake, max_retry_wait=60)
    with pytest.raises(RateLimitError):
        d.call("chat", "twice refused")
    assert sleeps == [60] and len(sends(fake)) == 2
    assert fake.conversations == {}
    fake.inject("http", status=429, route="post")
    r = d.call("chat", "refused once")
    assert r.text == "Echo: refused once"
    assert sleeps == [60, 60] and len(user_turns(fake)) == 1


def test_retry_after_is_honoured_without_waiting_real_seconds(
    mode: str, fake: FakeHuggingChat, sleeps: list[float]
) -> None:
    fake.inject("http", status=429, route="post", retry_after=7, body='{"message":"slow"}')
    r = drv(mode, fake, max_retry_wait=10).call("chat", "later")
    assert r.text == "Echo: later" and sleeps == [7]


# -- issue 9 W8: caller input is checked before any request ------------------------------------

BAD_INPUTS: list[Any] = [
    None,
    5,
    [1],
    ["plain strings"],
    [ChatMessage("user", None)],  # type: ignore[arg-type]
    [ChatMessage("user", ["a", "list"])],  # type: ignore[arg-type]
    "lone \ud800 surrogate",
    [ChatMessage("system", "be nice \udfff"), ChatMessage("user", "hi")],
    "",
    "   ",
    [ChatMessage("user", "")],
    [],
]


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_turn_input_is_a_typed_error_before_any_request(
    mode: str, fake: FakeHuggingChat, bad: Any
) -> None:
    with pytest.raises(ConfigurationError):
        drv(mode, fake).call("chat", bad)
    assert fake.requests == [] and fake.conversations == {}


# -- issue 12 §2: long inputs travel as text attachments --------------------------------------


def _long(n: int) -> str:
    text = "".join(LONG_PARAGRAPH.format(i=i) for i in range(n // 40 + 1))
    return text[:n]


def test_a_long_message_goes_as_a_text_attachment(mode: str, fake: FakeHuggingChat) -> None:
    text = _long(6000)
    r = drv(mode, fake).call("chat", text)
    (post,) = sends(fake)
    assert post.status == 200 and len(post.data["inputs"]) < 300
    assert [(f["name"], f["mime"]) for f in post.files] == [("message.txt", "text/plain")]
    (turn,) = user_turns(fake)
    assert turn["content"] == post.data["inputs"] and turn["files"][0]["name"] == "message.txt"
    sha = turn["files"][0]["value"]
    assert fake.store.conversations[r.conversation_id].files[sha].data.decode() == text


def test_a_message_over_the_servers_limit_is_resent_as_an_attachment(
    mode: str, sleeps: list[float]
) -> None:
    with FakeHuggingChat(message_length=2000) as fake:
        text = _long(2500)  # under the client's threshold, over this server's limit

        async def two(c: Any) -> Any:
            return [await c.chat(text), await c.chat(_long(2400))]

        def two_sync(c: Any) -> Any:
            return [c.chat(text), c.chat(_long(2400))]

        first, second = drv(mode, fake).session(two_sync if mode == "sync" else two)
        assert first.text.startswith("Echo: ") and second.text.startswith("Echo: ")
        statuses = [q.status for q in sends(fake)]
        # the refusal is learnt: the second long message goes as a file at once
        assert statuses == [400, 200, 200]
        assert all(q.files for q in sends(fake)[1:]) and sleeps == []
        assert len(fake.conversations) == 2 and len(user_turns(fake)) == 2


def test_a_long_folded_history_keeps_its_format_inside_the_attachment(
    mode: str, fake: FakeHuggingChat
) -> None:
    history = [
        ChatMessage("user", _long(4500)),
        ChatMessage("assistant", "noted"),
        ChatMessage("user", "and now summarise"),
    ]
    drv(mode, fake).call("chat", history)
    (post,) = sends(fake)
    assert [f["name"] for f in post.files] == ["conversation.txt"]
    (turn,) = user_turns(fake)
    cid = next(iter(fake.conversations))
    data = fake.store.conversations[cid].files[turn["files"][0]["value"]].data.decode()
    assert data.startswith("[user]\n") and "\n\n[assistant]\nnoted\n\n[user]\n" in data
    assert data.endswith("and now summarise")


def test_too_long_on_a_2024_server_is_typed_and_leaves_nothing(mode: str) -> None:
    with FakeHuggingChat("2024", message_length=2000) as fake:
        with pytest.raises(MessageTooLongError) as info:
            drv(mode, fake).call("chat", _long(2500))
        assert info.value.status_code == 400 and "<" not in str(info.value)
        assert fake.conversations == {}


# -- issue 12 §4: message ids at no cost -------------------------------------------------------


def test_message_ids_are_read_beside_the_stream(mode: str, fake: FakeHuggingChat) -> None:
    async def two(c: Any) -> Any:
        first = await c.chat("one")
        fake.clear_requests()
        return first, await c.chat([ChatMessage("user", "one"), first_msg(first), *NEXT])

    def two_sync(c: Any) -> Any:
        first = c.chat("one")
        fake.clear_requests()
        return first, c.chat([ChatMessage("user", "one"), first_msg(first), *NEXT])

    first, second = drv(mode, fake).session(two_sync if mode == "sync" else two)
    messages = fake.conversations[first.conversation_id]["messages"]
    assert first.message_id == messages[2]["id"] and second.message_id == messages[4]["id"]
    # a follow-up: one request (the send) before its first token, the id read beside it
    routes = [q.route for q in fake.requests]
    assert routes[0] == "post" and sorted(routes) == ["post", "read"]
    assert sends(fake)[0].data["id"] == first.message_id


NEXT = [ChatMessage("user", "two")]


def first_msg(r: Any) -> ChatMessage:
    return ChatMessage("assistant", r.text)


def test_generation_detection_is_cached_per_base_url(mode: str) -> None:
    with FakeHuggingChat("2024") as fake:
        drv(mode, fake, model=None).call("chat", "first client")
        first = [q.path for q in fake.requests]
        assert first[:2] == ["/api/v2/models", "/api/models"]
        fake.clear_requests()
        drv(mode, fake, model=None).call("chat", "second client")
        assert "/api/v2/models" not in [q.path for q in fake.requests]


# -- issue 9 W1/W2: cancellation stops the generation; a turn has bounds ------------------------


def _stops(fake: FakeHuggingChat) -> list[Any]:
    return [q for q in fake.requests if q.route == "stop"]


def test_task_cancellation_stops_the_generation(fake: FakeHuggingChat) -> None:
    async def go() -> None:
        async with AsyncHuggingChatClient(base_url=fake.base_url, model="fake/slow") as c:
            seen = asyncio.Event()

            async def consume() -> None:
                async for ev in c.stream_chat("go slowly"):
                    if isinstance(ev, TextDelta):
                        seen.set()

            task = asyncio.ensure_future(consume())
            await seen.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())
    (stop,) = _stops(fake)
    assert stop.data["generationId"] == sends(fake)[0].data["generationId"]


def test_wait_for_timeout_stops_the_generation(fake: FakeHuggingChat) -> None:
    async def go() -> None:
        async with AsyncHuggingChatClient(base_url=fake.base_url, model="fake/slow") as c:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.chat("go slowly"), 0.3)

    asyncio.run(go())
    assert len(_stops(fake)) == 1


def test_keepalives_do_not_outlive_the_turn_deadline(mode: str, fake: FakeHuggingChat) -> None:
    fake.inject("stall", after_tokens=2, seconds=60, keep_alive=True)
    with pytest.raises(StreamTimeoutError) as info:
        drv(mode, fake, turn_timeout=1.0, timeout=(5.0, 2.0)).call("chat", "alpha beta gamma")
    assert info.value.partial_text and "turn_timeout" in str(info.value)
    assert len(_stops(fake)) == 1


def test_turn_timeout_is_validated() -> None:
    for bad in (0, -1, "abc", True):
        with pytest.raises(ConfigurationError):
            HuggingChatClient(base_url="http://127.0.0.1:9", turn_timeout=bad)  # type: ignore[arg-type]


def _endless_after_final(finished: bool, silent: bool = False) -> Any:
    async def handler(req: Any) -> FakeResponse:
        async def body(sink: Any) -> None:
            await sink.write(b'{"type":"status","status":"started"}\n')
            await sink.write(b'{"type":"stream","token":"Hi"}\n')
            await sink.write(b'{"type":"finalAnswer","text":"Hi","interrupted":false}\n')
            if finished:
                await sink.write(b'{"type":"status","status":"finished"}\n')
            for _ in range(200_000):  # far beyond any test timeout at this pace
                if sink.closed:
                    return
                if not silent:
                    await sink.write(b'{"type":"status","status":"keepAlive"}\n')
                await asyncio.sleep(0.005)

        return FakeResponse(200, headers=[("content-type", "application/jsonl")], stream=body)

    return handler


@pytest.mark.parametrize("finished", [True, False], ids=["finished", "no-finished"])
def test_the_turn_ends_after_the_final_answer(
    mode: str, fake: FakeHuggingChat, monkeypatch: pytest.MonkeyPatch, finished: bool
) -> None:
    monkeypatch.setattr(turn_module, "AFTER_FINAL_GRACE", 0.3)
    fake.register_route("POST", r"/conversation/[0-9a-f]{24}", _endless_after_final(finished))
    events = drv(mode, fake).stream("hello")
    end = events[-1]
    assert isinstance(end, TurnEnd) and end.result.text == "Hi"
    assert len(end.result.final_updates) < 1000


def test_an_idle_timeout_stops_the_generation(mode: str, fake: FakeHuggingChat) -> None:
    fake.inject("stall", after_tokens=2, seconds=30)
    with pytest.raises(StreamTimeoutError) as info:
        drv(mode, fake, timeout=(5.0, 0.5)).call("chat", "alpha beta gamma")
    assert info.value.partial_text
    (stop,) = _stops(fake)
    assert stop.data["generationId"] == sends(fake)[0].data["generationId"]


def test_an_error_the_server_reported_needs_no_stop(mode: str, fake: FakeHuggingChat) -> None:
    fake.inject("stream_error", status_code=500, after_tokens=2)
    with pytest.raises(HuggingChatError):
        drv(mode, fake).call("chat", "alpha beta gamma")
    assert _stops(fake) == []


def test_plans_are_immutable_and_resolving_returns_a_new_node() -> None:
    from dataclasses import FrozenInstanceError

    from hfchat.conversations import ConversationIndex, NodeRef

    index = ConversationIndex()
    first = [ChatMessage("user", "q")]
    plan = index.plan(first, "m")
    with pytest.raises(FrozenInstanceError):
        plan.parent_id = "elsewhere"  # type: ignore[misc]
    node = NodeRef("c" * 24, None, "root", "gen", "a")
    index.record(plan, ChatMessage("assistant", "a"), node)
    follow = [*first, ChatMessage("assistant", "a"), ChatMessage("user", "q2")]
    assert index.plan(follow, "m").pending == node
    resolved = index.resolve(node, "message-id")
    assert node.message_id is None and resolved.message_id == "message-id"
    again = index.plan(follow, "m")
    assert again.parent_id == "message-id" and again.pending is None


# -- the real server's HTML refusals (captures head/70 and head/73, byte for byte) --------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chat-ui" / "head"


def _html(name: str) -> bytes:
    return (FIXTURES / f"{name}.html").read_bytes()


def test_the_real_429_page_is_not_retried_and_leaves_nothing(
    mode: str, fake: FakeHuggingChat, sleeps: list[float]
) -> None:
    body = _html("73-rate-limited-429-html")
    fake.inject("http", status=429, route="post", body=body, content_type="text/html")
    with pytest.raises(RateLimitError) as info:
        drv(mode, fake).call("chat", "rate probe")
    # one send, no wait for the window (a read's short backoff under load is not a send retry)
    assert len(sends(fake)) == 1 and not any(s >= 1 for s in sleeps)
    assert fake.conversations == {}
    assert info.value.retry_after == 60 and "wait 60 s" in str(info.value)


def test_the_real_too_long_page_is_answered_with_an_attachment(
    mode: str, fake: FakeHuggingChat
) -> None:
    body = _html("70-post-message-too-long-html")
    fake.inject("http", status=400, route="post", body=body, content_type="text/html")
    r = drv(mode, fake).call("chat", "short, but refused as too long")
    assert r.text.startswith("Echo: ")
    refused, sent = sends(fake)
    assert refused.status == 400 and sent.status == 200
    assert [f["mime"] for f in sent.files] == ["text/plain"]
    assert len(fake.conversations) == 1 and len(user_turns(fake)) == 1


def test_silence_after_the_final_answer_ends_the_turn_after_the_grace(
    mode: str, fake: FakeHuggingChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the idle timeout (200 s) is beyond the test timeout: only the grace can end this turn
    monkeypatch.setattr(turn_module, "AFTER_FINAL_GRACE", 0.3)
    route = _endless_after_final(finished=False, silent=True)
    fake.register_route("POST", r"/conversation/[0-9a-f]{24}", route)
    events = drv(mode, fake, timeout=(5.0, 200.0)).stream("hello")
    assert isinstance(events[-1], TurnEnd) and events[-1].result.text == "Hi"
    assert _stops(fake) == []
