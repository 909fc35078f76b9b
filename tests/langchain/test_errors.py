"""Typed core errors surface unchanged through invoke, ainvoke, stream, astream and batch."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage

import hfchat
from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat

from .conftest import MakeLLM

MODES = ["invoke", "ainvoke", "stream", "astream", "batch", "abatch"]


async def call(llm: ChatHuggingChat, mode: str, prompt: Any = "one two three") -> list[str]:
    """Run one call; the texts of the chunks seen before it raised (streaming modes)."""
    seen: list[str] = []
    if mode == "invoke":
        llm.invoke(prompt)
    elif mode == "ainvoke":
        await llm.ainvoke(prompt)
    elif mode == "batch":
        llm.batch([prompt])
    elif mode == "abatch":
        await llm.abatch([prompt])
    elif mode == "stream":
        for chunk in llm.stream(prompt):
            seen.append(chunk.text)
    else:
        async for chunk in llm.astream(prompt):
            seen.append(chunk.text)
    return seen


REQUEST_FAULTS = [
    (dict(status=401), hfchat.AuthenticationError),
    (dict(status=429, retry_after=3600), hfchat.RateLimitError),
    (dict(status=410), hfchat.ModelNotFoundError),
    (dict(status=404), hfchat.ConversationNotFoundError),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("options", "error"), REQUEST_FAULTS)
async def test_request_errors(
    fake: FakeHuggingChat,
    make_llm: MakeLLM,
    mode: str,
    options: dict[str, Any],
    error: type[Exception],
) -> None:
    fake.inject("http", route="post", **options)
    llm = make_llm(max_retries=0)
    with pytest.raises(error) as info:
        await call(llm, mode)
    assert info.value.status_code == options["status"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
async def test_login_page_is_an_authentication_error(
    fake: FakeHuggingChat, make_llm: MakeLLM, mode: str
) -> None:
    fake.inject("html_login", route="any", times=None)
    with pytest.raises(hfchat.AuthenticationError):
        await call(make_llm(max_retries=0), mode)


@pytest.mark.parametrize("mode", MODES)
async def test_unknown_model(make_llm: MakeLLM, mode: str) -> None:
    with pytest.raises(hfchat.ModelNotFoundError):
        await call(make_llm(model="fake/does-not-exist"), mode)


@pytest.mark.parametrize("mode", MODES)
async def test_pinned_conversation_that_does_not_exist(make_llm: MakeLLM, mode: str) -> None:
    llm = make_llm(conversation_id="0" * 24)
    with pytest.raises(hfchat.ConversationNotFoundError):
        await call(llm, mode)


@pytest.mark.parametrize("mode", MODES)
async def test_image_for_a_model_that_is_not_multimodal(make_llm: MakeLLM, mode: str) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nxx").decode()
    message = HumanMessage(
        [
            {"type": "text", "text": "see"},
            {"type": "image", "base64": png, "mime_type": "image/png"},
        ]
    )
    with pytest.raises(hfchat.ConfigurationError, match="not multimodal"):
        await call(make_llm(model="fake/reasoner"), mode, [message])


STREAM_FAULTS = [
    ("stream_error", dict(status_code=500, after_tokens=2), hfchat.StreamError),
    ("stream_error", dict(status_code=429, after_tokens=2), hfchat.RateLimitError),
    ("malformed_line", dict(after_tokens=2), hfchat.StreamProtocolError),
]


@pytest.mark.parametrize("mode", ["stream", "astream"])
@pytest.mark.parametrize(("fault", "options", "error"), STREAM_FAULTS)
async def test_mid_stream_failure_after_the_partial_chunks(
    fake: FakeHuggingChat,
    make_llm: MakeLLM,
    mode: str,
    fault: str,
    options: dict[str, Any],
    error: type[hfchat.HuggingChatError],
) -> None:
    fake.inject(fault, **options)
    with pytest.raises(error) as info:
        await _collect(make_llm(max_retries=0), mode)
    assert info.value.partial_text == "Echo: one "
    assert isinstance(info.value, hfchat.HuggingChatError)


async def _collect(llm: ChatHuggingChat, mode: str) -> list[str]:
    seen: list[str] = []
    try:
        await _fill(llm, mode, seen)
    except hfchat.HuggingChatError as exc:
        # the partial chunks reached the caller before the error
        assert seen == ["Echo: ", "one "], seen
        raise exc
    return seen


async def _fill(llm: ChatHuggingChat, mode: str, seen: list[str]) -> None:
    if mode == "stream":
        for chunk in llm.stream("one two three"):
            assert isinstance(chunk, AIMessageChunk)
            seen.append(chunk.text)
    else:
        async for chunk in llm.astream("one two three"):
            seen.append(chunk.text)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "batch", "abatch"])
async def test_mid_stream_failure_without_streaming(
    fake: FakeHuggingChat, make_llm: MakeLLM, mode: str
) -> None:
    fake.inject("stream_error", status_code=500, after_tokens=2)
    with pytest.raises(hfchat.StreamError) as info:
        await call(make_llm(max_retries=0), mode)
    assert info.value.partial_text == "Echo: one "


async def test_batch_returns_each_typed_error(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    llm = make_llm(max_retries=0)
    fake.inject("http", route="post", status=401)
    results = llm.batch(["a", "b"], config={"max_concurrency": 1}, return_exceptions=True)
    assert sum(isinstance(r, hfchat.AuthenticationError) for r in results) == 1
    assert sum(getattr(r, "content", None) in ("Echo: a", "Echo: b") for r in results) == 1
    fake.inject("http", route="post", status=429, retry_after=3600)
    results = await llm.abatch(["a", "b"], config={"max_concurrency": 1}, return_exceptions=True)
    assert sum(isinstance(r, hfchat.RateLimitError) for r in results) == 1


async def test_async_stream_idle_timeout(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.inject("stall", after_tokens=2, seconds=2.0)
    with pytest.raises(hfchat.StreamTimeoutError) as info:
        await _collect(make_llm(timeout=0.3, max_retries=0), "astream")
    assert info.value.partial_text == "Echo: one "


async def test_sync_stream_idle_timeout(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    fake.inject("stall", after_tokens=2, seconds=1.0)
    with pytest.raises(hfchat.StreamTimeoutError) as info:
        await _collect(make_llm(timeout=0.3, max_retries=0), "stream")
    assert info.value.partial_text == "Echo: one "


async def test_retries_before_output_are_invisible(
    fake: FakeHuggingChat, make_llm: MakeLLM
) -> None:
    # a 429 refused the send before storing it (a 5xx send is never repeated: it may have
    # been processed)
    fake.inject("http", route="post", status=429, retry_after=0)
    llm = make_llm(max_retries=2)
    assert llm.invoke("x").content == "Echo: x"
    assert [r.status for r in fake.requests if r.route == "post"] == [429, 200]
