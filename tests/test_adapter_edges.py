"""The real server's edges through both adapters, sync and async (issue 12 §1-§3, issue 9 W8):
the real HTML refusal pages become typed errors without markup and leave nothing on the
account; a message over the server's limit reaches the model as a text attachment; bad caller
input is a typed error before any request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.base.llms.types import ChatMessage

from hfchat.errors import ConfigurationError, MessageTooLongError, RateLimitError
from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat
from llama_index_hfchat import HuggingChatLLM

from .core.captures import load

CASES = [
    (adapter, mode)
    for adapter in ("langchain", "llama_index")
    for mode in ("sync", "async", "stream", "astream")
]


@pytest.fixture
def fake() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat(message_length=2000) as f:
        yield f


def ask(adapter: str, mode: str, fake: FakeHuggingChat, text: Any) -> str:
    """One turn through an adapter; the answer's text."""
    if adapter == "langchain":
        lc = ChatHuggingChat(base_url=fake.base_url, model="fake/echo", max_retries=0)
        lc_input = [HumanMessage(text)]

        async def lc_async() -> str:
            if mode == "astream":
                return "".join([str(c.content) async for c in lc.astream(lc_input)])
            return str((await lc.ainvoke(lc_input)).content)

        try:
            if mode == "sync":
                return str(lc.invoke(lc_input).content)
            if mode == "stream":
                return "".join(str(c.content) for c in lc.stream(lc_input))
            return asyncio.run(lc_async())
        finally:
            lc.close()
    li = HuggingChatLLM(base_url=fake.base_url, model="fake/echo", max_retries=0)
    li_input = [ChatMessage(role="user", content=text)]

    async def li_async() -> str:
        if mode == "astream":
            return "".join([r.delta or "" async for r in await li.astream_chat(li_input)])
        return str((await li.achat(li_input)).message.content)

    try:
        if mode == "sync":
            return str(li.chat(li_input).message.content)
        if mode == "stream":
            return "".join(r.delta or "" for r in li.stream_chat(li_input))
        return asyncio.run(li_async())
    finally:
        li.close()


def _sends(fake: FakeHuggingChat) -> list[Any]:
    return [q for q in fake.requests if q.route == "post"]


@pytest.mark.parametrize(("adapter", "mode"), CASES)
@pytest.mark.parametrize(("capture", "kind"), [("73", RateLimitError), ("70", MessageTooLongError)])
def test_real_html_refusals_are_typed_clean_and_leave_nothing(
    adapter: str, mode: str, capture: str, kind: type, fake: FakeHuggingChat
) -> None:
    cap = load("head", capture)
    fake.inject(
        "http",
        status=cap.status,
        body=cap.body,
        content_type="text/html; charset=utf-8",
        route="post",
        times=None,
    )
    with pytest.raises(kind) as info:
        ask(adapter, mode, fake, "hello")
    for text in (str(info.value), repr(info.value)):
        assert "<" not in text and "doctype" not in text.lower()
    assert fake.conversations == {}  # the refused call stored nothing
    if kind is RateLimitError:
        assert len(_sends(fake)) == 1  # never probed again inside the window
        assert "60 s" in str(info.value)


@pytest.mark.parametrize(("adapter", "mode"), CASES)
def test_a_message_over_the_limit_reaches_the_model_as_an_attachment(
    adapter: str, mode: str, fake: FakeHuggingChat
) -> None:
    text = "".join(f"Line {i} of a long pasted document. " for i in range(200))  # ~6,800
    answer = ask(adapter, mode, fake, text)
    assert answer.startswith("Echo: ")
    (post,) = [q for q in _sends(fake) if q.status == 200]
    assert len(post.data["inputs"]) < 2000
    assert [f["mime"] for f in post.files] == ["text/plain"]
    (conv,) = fake.store.conversations.values()
    (data,) = [f.data.decode() for f in conv.files.values()]
    assert data == text


BAD = ["", "   ", "lone \ud800 surrogate"]


@pytest.mark.parametrize(("adapter", "mode"), CASES)
@pytest.mark.parametrize("bad", BAD, ids=range(len(BAD)))
def test_bad_caller_input_is_typed_before_any_request(
    adapter: str, mode: str, bad: str, fake: FakeHuggingChat
) -> None:
    with pytest.raises(ConfigurationError):
        ask(adapter, mode, fake, bad)
    assert fake.requests == [] and fake.conversations == {}


def _assistant_ids(fake: FakeHuggingChat) -> list[str]:
    return [
        m["id"]
        for conv in fake.conversations.values()
        for m in conv["messages"]
        if m["from"] == "assistant"
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_message_ids_by_default_on_a_follow_up_too(mode: str, fake: FakeHuggingChat) -> None:
    """A new conversation and its follow-up: each answer carries the server's id of its
    assistant message (LangChain ``response_metadata``; LlamaIndex both ``additional_kwargs``),
    with ``resolve_message_ids`` left off."""
    lc = ChatHuggingChat(base_url=fake.base_url, model="fake/echo")
    li = HuggingChatLLM(base_url=fake.base_url, model="fake/echo")

    async def turns() -> list[str]:
        first = await lc.ainvoke("one")
        second = await lc.ainvoke([HumanMessage("one"), first, HumanMessage("two")])
        a = await li.achat([ChatMessage(role="user", content="three")])
        b = await li.achat(
            [
                ChatMessage(role="user", content="three"),
                a.message,
                ChatMessage(role="user", content="four"),
            ]
        )
        assert a.message.additional_kwargs["message_id"] == a.additional_kwargs["message_id"]
        assert b.message.additional_kwargs["message_id"] == b.additional_kwargs["message_id"]
        return [
            first.response_metadata["message_id"],
            second.response_metadata["message_id"],
            a.additional_kwargs["message_id"],
            b.additional_kwargs["message_id"],
        ]

    def turns_sync() -> list[str]:
        first = lc.invoke("one")
        second = lc.invoke([HumanMessage("one"), first, HumanMessage("two")])
        a = li.chat([ChatMessage(role="user", content="three")])
        b = li.chat(
            [
                ChatMessage(role="user", content="three"),
                a.message,
                ChatMessage(role="user", content="four"),
            ]
        )
        assert a.message.additional_kwargs["message_id"] == a.additional_kwargs["message_id"]
        assert b.message.additional_kwargs["message_id"] == b.additional_kwargs["message_id"]
        return [
            first.response_metadata["message_id"],
            second.response_metadata["message_id"],
            a.additional_kwargs["message_id"],
            b.additional_kwargs["message_id"],
        ]

    ids = turns_sync() if mode == "sync" else asyncio.run(turns())
    assert len(fake.conversations) == 2  # each follow-up continued its conversation
    assert sorted(ids) == sorted(_assistant_ids(fake)) and None not in ids
    lc.close()
    li.close()
