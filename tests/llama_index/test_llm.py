"""Every LLM method, sync and async, streaming and not, against the emulator: answers,
reasoning, metadata, system prompts, images, conversation reuse and typed errors."""

from __future__ import annotations

import asyncio
import base64
import copy
import logging
import pickle
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    ImageBlock,
    TextBlock,
    ThinkingBlock,
)
from llama_index.core.callbacks import CallbackManager, LlamaDebugHandler
from llama_index.core.callbacks.schema import CBEventType

import hfchat
from hfchat.testing import FakeHuggingChat
from llama_index_hfchat import HuggingChatLLM

from .helpers import creates, posts

USER = [ChatMessage(role="user", content="hello there")]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SECRET = "hf-chat-secret-cookie-value-42"


def thinking_of(response: ChatResponse) -> str | None:
    blocks = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    return blocks[0].content if blocks else None


def check_final(response: ChatResponse, fake: FakeHuggingChat, text: str) -> None:
    assert response.message.role == "assistant"
    assert response.message.content == text
    kw = response.additional_kwargs
    assert kw["conversation_id"] in fake.conversations
    assert kw["model"] == "fake/echo"
    assert kw["finish_reason"] == "stop"
    assert kw["title"]
    assert kw["sources"] == []
    assert isinstance(response.raw, list) and response.raw  # the final updates


# -- chat ------------------------------------------------------------------------------------


def test_chat(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    response = llm.chat(USER)
    check_final(response, fake, "Echo: hello there")
    assert posts(fake)[0].data["inputs"] == "hello there"


async def test_achat(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    response = await llm.achat(USER)
    check_final(response, fake, "Echo: hello there")


def test_stream_chat(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    chunks = list(llm.stream_chat(USER))
    assert len(chunks) > 2  # streamed word by word
    assert "".join(c.delta or "" for c in chunks) == "Echo: hello there"
    assert chunks[-2].message.content == "Echo: hello there"
    check_final(chunks[-1], fake, "Echo: hello there")


async def test_astream_chat(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    chunks = [c async for c in await llm.astream_chat(USER)]
    assert len(chunks) > 2
    assert "".join(c.delta or "" for c in chunks) == "Echo: hello there"
    check_final(chunks[-1], fake, "Echo: hello there")


def test_stream_closed_early(llm: HuggingChatLLM) -> None:
    stream = llm.stream_chat([ChatMessage(role="user", content="a b c d e f g")])
    assert next(stream).delta
    stream.close()  # the connection is released; the LLM keeps working
    assert llm.chat(USER).message.content == "Echo: hello there"


async def test_concurrent_and_early_closed_async(llm: HuggingChatLLM) -> None:
    questions = [f"question {i}" for i in range(5)]
    responses = await asyncio.gather(
        *(llm.achat([ChatMessage(role="user", content=q)]) for q in questions)
    )
    assert [r.message.content for r in responses] == [f"Echo: {q}" for q in questions]
    stream = await llm.astream_chat([ChatMessage(role="user", content="a b c d e f g")])
    async for _ in stream:
        break
    await stream.aclose()
    assert (await llm.achat(USER)).message.content == "Echo: hello there"


def test_copies_and_pickles_after_use(
    llm: HuggingChatLLM, caplog: pytest.LogCaptureFixture
) -> None:
    llm.chat(USER)
    for clone in (copy.deepcopy(llm), pickle.loads(pickle.dumps(llm)), llm.model_copy()):
        assert clone.chat(USER).message.content == "Echo: hello there"
    assert "unpickleable" not in caplog.text
    assert llm.chat(USER).message.content == "Echo: hello there"


# -- completion ------------------------------------------------------------------------------


def test_complete(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    response = llm.complete("complete me")
    assert isinstance(response, CompletionResponse)
    assert response.text == "Echo: complete me"
    assert response.additional_kwargs["conversation_id"] in fake.conversations


async def test_acomplete(llm: HuggingChatLLM) -> None:
    response = await llm.acomplete("complete me")
    assert response.text == "Echo: complete me"


def test_stream_complete(llm: HuggingChatLLM) -> None:
    chunks = list(llm.stream_complete("complete me"))
    assert "".join(c.delta or "" for c in chunks) == "Echo: complete me"
    assert chunks[-1].text == "Echo: complete me"


async def test_astream_complete(llm: HuggingChatLLM) -> None:
    chunks = [c async for c in await llm.astream_complete("complete me")]
    assert "".join(c.delta or "" for c in chunks) == "Echo: complete me"
    assert chunks[-1].text == "Echo: complete me"


def test_predict_applies_the_system_prompt_once(make_llm: Any, fake: FakeHuggingChat) -> None:
    llm = make_llm(system_prompt="You are terse.")
    assert llm.predict(_prompt("Say {x}"), x="hi") == "Echo: Say hi"
    assert llm.chat(USER).message.content == "Echo: hello there"
    assert [c.data["preprompt"] for c in creates(fake)] == ["You are terse.", "You are terse."]


def _prompt(template: str) -> Any:
    from llama_index.core.prompts import PromptTemplate

    return PromptTemplate(template)


# -- reasoning -------------------------------------------------------------------------------


def test_thinking_in_blocks_and_deltas(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.script("<think>First add, then check.</think>The answer is 4.")
    chunks = list(llm.stream_chat(USER))
    thinking = "".join(c.additional_kwargs.get("thinking_delta") or "" for c in chunks)
    assert thinking.strip() == "First add, then check."
    assert "".join(c.delta or "" for c in chunks) == "The answer is 4."
    final = chunks[-1]
    assert final.message.content == "The answer is 4."  # the answer only
    assert (thinking_of(final) or "").strip() == "First add, then check."


async def test_thinking_async_and_non_streamed(make_llm: Any) -> None:
    llm = make_llm(model="fake/reasoner")
    response = await llm.achat(USER)
    assert response.message.content == "Echo: hello there"
    assert "Thinking about it" in (thinking_of(response) or "")
    chunks = [c async for c in await llm.astream_chat([ChatMessage(role="user", content="x")])]
    assert any(c.additional_kwargs.get("thinking_delta") for c in chunks)
    assert all("<think>" not in (c.delta or "") for c in chunks)
    completion = [c async for c in await llm.astream_complete("y")]
    assert any(c.additional_kwargs.get("thinking_delta") for c in completion)


# -- metadata --------------------------------------------------------------------------------


def test_router_model_and_sources(make_llm: Any) -> None:
    routed = make_llm(model="omni").chat(USER)
    assert routed.additional_kwargs["model"] == "fake/echo"
    assert routed.additional_kwargs["router"]["route"] == "casual_conversation"
    searched = make_llm(model="fake/websearch", web_search=True).chat(USER)
    sources = searched.additional_kwargs["sources"]
    assert [s["url"] for s in sources] == ["https://example.com/a", "https://example.org/b"]
    assert all(set(s) >= {"url", "title"} for s in sources)


def test_system_messages_become_the_preprompt(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    llm.chat([ChatMessage(role="system", content="Answer in French."), *USER])
    (create,) = creates(fake)
    assert create.data["preprompt"] == "Answer in French."
    (conv,) = fake.conversations.values()
    assert conv["preprompt"] == "Answer in French."


def test_history_continues_the_server_conversation(
    llm: HuggingChatLLM, fake: FakeHuggingChat
) -> None:
    first = llm.chat(USER)
    history = [*USER, first.message, ChatMessage(role="user", content="and again")]
    second = llm.chat(history)
    assert second.message.content == "Echo: and again"
    assert len(creates(fake)) == 1  # one server conversation for both turns
    assert second.additional_kwargs["conversation_id"] == first.additional_kwargs["conversation_id"]
    assert posts(fake)[-1].data["inputs"] == "and again"


def test_message_ids_on_request(make_llm: Any, fake: FakeHuggingChat) -> None:
    response = make_llm(resolve_message_ids=True).chat(USER)
    (conv,) = [fake.conversations[response.additional_kwargs["conversation_id"]]]
    assert response.additional_kwargs["message_id"] == conv["messages"][-1]["id"]


def test_conversation_id_argument(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    cid = llm.chat(USER).additional_kwargs["conversation_id"]
    response = llm.chat([ChatMessage(role="user", content="more")], conversation_id=cid)
    assert response.additional_kwargs["conversation_id"] == cid
    assert len(creates(fake)) == 1


def test_callbacks_see_every_call(make_llm: Any) -> None:
    handler = LlamaDebugHandler()
    llm = make_llm(callback_manager=CallbackManager([handler]))
    llm.chat(USER)
    list(llm.stream_chat(USER))
    llm.complete("x")
    # complete() runs through chat(): both report, as in LlamaIndex's own integrations
    assert len(handler.get_event_pairs(CBEventType.LLM)) == 4


# -- images ----------------------------------------------------------------------------------


def test_images_go_up_as_files(make_llm: Any, fake: FakeHuggingChat) -> None:
    llm = make_llm(model="fake/vision")
    message = ChatMessage(
        role="user",
        blocks=[TextBlock(text="describe"), ImageBlock(image=PNG, image_mimetype="image/png")],
    )
    response = llm.chat([message])
    assert response.message.content.endswith("[files: 1]")
    (upload,) = posts(fake)[0].files
    assert upload["mime"] == "image/png"


def test_images_refused_for_text_models(make_llm: Any, fake: FakeHuggingChat) -> None:
    llm = make_llm(model="fake/reasoner")
    message = ChatMessage(role="user", blocks=[TextBlock(text="x"), ImageBlock(image=PNG)])
    with pytest.raises(hfchat.ConfigurationError):
        llm.chat([message])
    assert posts(fake) == []


# -- errors ----------------------------------------------------------------------------------


def test_upstream_failure_is_typed(make_llm: Any) -> None:
    with pytest.raises(hfchat.StreamError) as info:
        make_llm(model="fake/broken").chat(USER)
    assert info.value.status_code == 500
    with pytest.raises(hfchat.RateLimitError):
        list(make_llm(model="fake/limited").stream_chat(USER))


async def test_errors_are_typed_async(make_llm: Any, fake: FakeHuggingChat) -> None:
    with pytest.raises(hfchat.RateLimitError):
        await make_llm(model="fake/limited").achat(USER)
    fake.inject("http", status=401, route="post")
    with pytest.raises(hfchat.AuthenticationError):
        await make_llm().acomplete("x")


def test_stream_error_keeps_what_was_streamed(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.inject("stream_error", after_tokens=2)
    seen: list[str] = []
    with pytest.raises(hfchat.StreamError) as info:
        for chunk in llm.stream_chat([ChatMessage(role="user", content="one two three four")]):
            seen.append(chunk.delta or "")
    assert "".join(seen) == info.value.partial_text != ""


async def test_astream_error(llm: HuggingChatLLM, fake: FakeHuggingChat) -> None:
    fake.inject("truncated_final")
    with pytest.raises(hfchat.StreamError):
        async for _ in await llm.astream_chat(USER):
            pass


def test_cookie_never_in_errors_or_logs(
    make_llm: Any, fake: FakeHuggingChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.inject("http", status=401, route="create", body=f"bad session {SECRET}")
    llm = make_llm(hf_chat_cookie=SECRET)
    with pytest.raises(hfchat.AuthenticationError) as info:
        llm.chat(USER)
    err = info.value
    for text in (str(err), repr(err), str(err.body), repr(err.response), repr(llm)):
        assert SECRET not in text
    assert SECRET not in caplog.text
    assert fake.requests[-1].cookies.get("hf-chat") == SECRET  # it was sent, though


# -- 2024 servers ----------------------------------------------------------------------------


async def test_chat_ui_2024(huggingchat_emulator_2024: FakeHuggingChat) -> None:
    fake = huggingchat_emulator_2024
    llm = HuggingChatLLM(base_url=fake.base_url, model="fake/echo", max_retries=0)
    assert llm.chat(USER).message.content == "Echo: hello there"
    chunks = [c async for c in await llm.astream_chat(USER)]
    assert chunks[-1].message.content == "Echo: hello there"
    await llm.aclose()
