"""Every fault the emulator injects, through every surface: the core clients,
``ChatHuggingChat`` (invoke/stream/ainvoke/astream/batch) and ``HuggingChatLLM``
(chat/stream_chat/achat/astream_chat).

Each case checks: the typed error or the documented recovery; the partial text kept when a
stream broke (streaming surfaces saw it as chunks before the error); no duplicated turn on the
server (the emulator's log); the call returns within the test timeout (no hang).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from llama_index.core.llms import ChatMessage as LIMessage

from hfchat import AsyncHuggingChatClient, HuggingChatClient, TextDelta, TurnEnd
from hfchat.errors import (
    AuthenticationError,
    ConversationNotFoundError,
    HuggingChatError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    StreamError,
    StreamProtocolError,
    StreamTimeoutError,
)
from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat
from llama_index_hfchat import HuggingChatLLM

PROMPT = "alpha beta gamma delta epsilon"
ANSWER = f"Echo: {PROMPT}"
IDLE = 1.0


@dataclass
class Case:
    fault: str
    options: dict[str, Any]
    error: type[BaseException] | None  # None: the call recovers with the whole answer
    exact: bool = False  # the error type must be exactly this class
    partial: bool = False  # some text was streamed before the failure
    sends: int = 1  # message POSTs the emulator must see (retries included)
    accepted_sends: int = 1  # of which answered 200 (never more than one turn)
    extra: dict[str, Any] = field(default_factory=dict)


CASES = {
    "401": Case("http", {"status": 401}, AuthenticationError, accepted_sends=0),
    "403-no-access": Case("http", {"status": 403}, ConversationNotFoundError, accepted_sends=0),
    "403-edge-html": Case(
        "http",
        {"status": 403, "body": "<html>blocked</html>", "content_type": "text/html"},
        HuggingChatError,
        exact=True,
        accepted_sends=0,
    ),
    "404": Case("http", {"status": 404}, ConversationNotFoundError, accepted_sends=0),
    "410": Case("http", {"status": 410}, ModelNotFoundError, accepted_sends=0),
    "429-retry-after": Case("http", {"status": 429, "retry_after": 1}, None, sends=2),
    "429-no-retry-after": Case("http", {"status": 429}, RateLimitError, accepted_sends=0),
    "500-before-stream": Case("http", {"status": 500}, ProtocolError, accepted_sends=0),
    # the server may have processed the send: it is never posted again (one turn per call)
    "502-before-stream": Case("http", {"status": 502}, HuggingChatError, accepted_sends=0),
    "503-before-stream": Case("http", {"status": 503}, HuggingChatError, accepted_sends=0),
    "504-after-processing": Case(
        "http", {"status": 504, "processed": True}, HuggingChatError, accepted_sends=0
    ),
    "status-error-429": Case(
        "stream_error", {"status_code": 429, "after_tokens": 2}, RateLimitError, partial=True
    ),
    "status-error-500": Case(
        "stream_error", {"status_code": 500, "after_tokens": 2}, StreamError, partial=True
    ),
    # a cut answer is resumed from the 2026 replay route: the whole answer, sent once
    "cut": Case("cut", {"after_tokens": 2}, None),
    "truncated-final": Case("truncated_final", {}, StreamError, partial=True),
    "malformed-line": Case(
        "malformed_line", {"after_tokens": 2}, StreamProtocolError, partial=True
    ),
    "10MB-line": Case("huge_line", {"after_tokens": 2}, StreamProtocolError, partial=True),
    "stall": Case("stall", {"after_tokens": 2, "seconds": 30}, StreamTimeoutError, partial=True),
    # a 200 HTML sign-in page where the stream was expected (nothing written on the server)
    "html-login": Case("html_login", {"route": "post"}, AuthenticationError),
    "unknown-updates": Case("unknown_update", {}, None),
    "elicitation": Case("elicitation", {"after_tokens": 2}, StreamError, partial=True),
}


# -- surfaces: each returns (streamed text, final text or None) or raises ---------------------


class Outcome:
    streamed = ""


def _kw(fake: FakeHuggingChat) -> dict[str, Any]:
    return {"base_url": fake.base_url, "model": "fake/echo", "timeout": (5.0, IDLE)}


def core_sync(fake: FakeHuggingChat, out: Outcome) -> str:
    with HuggingChatClient(**_kw(fake)) as c:
        for ev in c.stream_chat(PROMPT):
            if isinstance(ev, TextDelta):
                out.streamed += ev.text
            elif isinstance(ev, TurnEnd):
                return ev.result.text
    raise AssertionError("no TurnEnd")


def core_async(fake: FakeHuggingChat, out: Outcome) -> str:
    async def go() -> str:
        async with AsyncHuggingChatClient(**_kw(fake)) as c:
            async for ev in c.stream_chat(PROMPT):
                if isinstance(ev, TextDelta):
                    out.streamed += ev.text
                elif isinstance(ev, TurnEnd):
                    return ev.result.text
        raise AssertionError("no TurnEnd")

    return asyncio.run(go())


def _lc(fake: FakeHuggingChat) -> ChatHuggingChat:
    return ChatHuggingChat(base_url=fake.base_url, model="fake/echo", timeout=IDLE)


def lc_invoke(fake: FakeHuggingChat, out: Outcome) -> str:
    return str(_lc(fake).invoke(PROMPT).content)


def lc_ainvoke(fake: FakeHuggingChat, out: Outcome) -> str:
    return str(asyncio.run(_lc(fake).ainvoke(PROMPT)).content)


def lc_batch(fake: FakeHuggingChat, out: Outcome) -> str:
    return str(_lc(fake).batch([PROMPT])[0].content)


def lc_stream(fake: FakeHuggingChat, out: Outcome) -> str:
    for chunk in _lc(fake).stream(PROMPT):
        out.streamed += str(chunk.content)
    return out.streamed


def lc_astream(fake: FakeHuggingChat, out: Outcome) -> str:
    async def go() -> str:
        async for chunk in _lc(fake).astream(PROMPT):
            out.streamed += str(chunk.content)
        return out.streamed

    return asyncio.run(go())


def _li(fake: FakeHuggingChat) -> HuggingChatLLM:
    return HuggingChatLLM(base_url=fake.base_url, model="fake/echo", timeout=(5.0, IDLE))


MSGS = [LIMessage(role="user", content=PROMPT)]


def li_chat(fake: FakeHuggingChat, out: Outcome) -> str:
    return str(_li(fake).chat(MSGS).message.content)


def li_achat(fake: FakeHuggingChat, out: Outcome) -> str:
    return str(asyncio.run(_li(fake).achat(MSGS)).message.content)


def li_stream_chat(fake: FakeHuggingChat, out: Outcome) -> str:
    for r in _li(fake).stream_chat(MSGS):
        out.streamed += r.delta or ""
    return out.streamed


def li_astream_chat(fake: FakeHuggingChat, out: Outcome) -> str:
    async def go() -> str:
        gen = await _li(fake).astream_chat(MSGS)
        async for r in gen:
            out.streamed += r.delta or ""
        return out.streamed

    return asyncio.run(go())


SURFACES: dict[str, tuple[Callable[[FakeHuggingChat, Outcome], str], bool]] = {
    # name: (call, streams chunks to the caller)
    "core.stream_chat": (core_sync, True),
    "core.astream_chat": (core_async, True),
    "ChatHuggingChat.invoke": (lc_invoke, False),
    "ChatHuggingChat.ainvoke": (lc_ainvoke, False),
    "ChatHuggingChat.batch": (lc_batch, False),
    "ChatHuggingChat.stream": (lc_stream, True),
    "ChatHuggingChat.astream": (lc_astream, True),
    "HuggingChatLLM.chat": (li_chat, False),
    "HuggingChatLLM.achat": (li_achat, False),
    "HuggingChatLLM.stream_chat": (li_stream_chat, True),
    "HuggingChatLLM.astream_chat": (li_astream_chat, True),
}


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits are recorded, not slept: no case waits real seconds."""
    waited: list[float] = []

    async def asleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(HuggingChatClient, "_sleep", staticmethod(waited.append))
    monkeypatch.setattr(AsyncHuggingChatClient, "_sleep", staticmethod(asleep))
    return waited


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("case_name", list(CASES))
def test_fault(case_name: str, surface: str, waits: list[float]) -> None:
    case = CASES[case_name]
    call, streams = SURFACES[surface]
    with FakeHuggingChat() as fake:
        options = dict(case.options)
        route = options.pop("route", None)
        fake.inject(case.fault, times=1, route=route, **options)
        out = Outcome()
        if case.error is None:
            assert call(fake, out) == ANSWER
        else:
            with pytest.raises(case.error) as info:
                call(fake, out)
            err = info.value
            if case.exact:
                assert type(err) is case.error
            if case.partial:
                assert isinstance(err, HuggingChatError)
                assert err.partial_text and ANSWER.startswith(err.partial_text)
                if streams:  # chunks reached the caller before the error
                    assert out.streamed and err.partial_text.startswith(out.streamed)
        sends = [q for q in fake.requests if q.method == "POST" and q.path.count("/") == 2]
        assert len(sends) == case.sends, [q.status for q in sends]
        if case_name == "429-retry-after":
            assert waits == [1]  # the Retry-After the server gave, waited once
        assert len([q for q in sends if q.status == 200]) == case.accepted_sends
        user_turns = [
            m
            for conv in fake.conversations.values()
            for m in conv["messages"]
            if m["from"] == "user"
        ]
        assert len(user_turns) <= 1  # never a duplicated turn on the server
        if case.error is not None and not case.partial and case.accepted_sends == 0:
            # refused before the stream: the conversation the call created is gone
            assert fake.conversations == {}
