"""Errors as users see them, through both clients against the loopback emulator: HTML error
pages never reach a message, error headers are scrubbed, deep JSON bodies are typed."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hfchat import AsyncHuggingChatClient, HuggingChatClient
from hfchat.errors import (
    HuggingChatError,
    MessageTooLongError,
    ProtocolError,
    RateLimitError,
)
from hfchat.testing import FakeHuggingChat

from ..core.captures import load

COOKIE = "s3cret-session-value-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat() as f:
        yield f


def call(mode: str, fake: FakeHuggingChat, fn: Callable[[Any], Any]) -> HuggingChatError:
    kwargs: dict[str, Any] = {
        "base_url": fake.base_url,
        "model": "fake/echo",
        "hf_chat_cookie": COOKIE,
        "max_retries": 0,
    }

    async def go() -> Any:
        async with AsyncHuggingChatClient(**kwargs) as c:
            return await fn(c)

    with pytest.raises(HuggingChatError) as info:
        if mode == "sync":
            with HuggingChatClient(**kwargs) as c:
                fn(c)
        else:
            asyncio.run(go())
    return info.value


def _chat(c: Any) -> Any:
    return c.chat("hello")


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("capture", "kind"), [("70", MessageTooLongError), ("73", RateLimitError)])
def test_html_error_page_on_the_send_route(
    mode: str, capture: str, kind: type, fake: FakeHuggingChat
) -> None:
    cap = load("head", capture)
    fake.inject(
        "http",
        status=cap.status,
        body=cap.body,
        content_type="text/html; charset=utf-8",
        route="post",
        headers={"x-echo": f"hf-chat={COOKIE}", "authorization": f"Bearer {COOKIE}"},
        times=None,  # "too long" is answered once with an attachment: refuse that too
    )
    err = call(mode, fake, _chat)
    assert type(err) is kind
    for text in (str(err), repr(err), err.message, err.body or ""):
        assert "<" not in text and COOKIE not in text
    assert err.request is not None and err.request.method == "POST"
    assert err.request.route == "send"
    assert err.response is not None
    assert "authorization" not in err.response.headers
    assert err.response.headers["x-echo"] == "hf-chat=***"
    assert COOKIE.encode() not in pickle.dumps(err)
    # the send request accepted JSON for its errors
    send = [r for r in fake.requests if r.method == "POST" and r.path.startswith("/conversation/")]
    assert send and "application/json" in send[-1].headers.get("accept", "")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_deep_json_models_body_is_typed(mode: str, fake: FakeHuggingChat) -> None:
    fake.inject(
        "http",
        status=200,
        body=b"[" * 200_000,
        content_type="application/json",
        route="models",
        times=None,
    )
    err = call(mode, fake, lambda c: c.list_models())
    assert isinstance(err, ProtocolError)
    assert "nested too deep" in str(err)
