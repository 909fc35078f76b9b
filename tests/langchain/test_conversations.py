"""Histories onto server conversations, pinned conversations, cleanup, client-side stop."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from hfchat.testing import FakeHuggingChat

from .conftest import MakeLLM, created_preprompts, sent_inputs


def test_system_message_is_the_preprompt(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    make_llm().invoke([SystemMessage("You are terse."), HumanMessage("hi")])
    assert created_preprompts(fake) == ["You are terse."]
    assert sent_inputs(fake) == ["hi"]


async def test_chat_loop_sends_one_turn_per_call(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    llm = make_llm()
    history: list[object] = [SystemMessage("Be nice."), HumanMessage("first")]
    for question in ("second", "third"):
        answer = await llm.ainvoke(history)  # type: ignore[arg-type]
        history += [answer, HumanMessage(question)]
    last = llm.invoke(history)  # type: ignore[arg-type]
    assert last.content == "Echo: third"
    assert sent_inputs(fake) == ["first", "second", "third"]
    assert len(fake.conversations) == 1


def test_foreign_history_is_folded_into_a_new_conversation(
    fake: FakeHuggingChat, make_llm: MakeLLM
) -> None:
    make_llm().invoke([HumanMessage("hello"), AIMessage("hi!"), HumanMessage("how are you")])
    (inputs,) = sent_inputs(fake)
    assert inputs == "[user]\nhello\n\n[assistant]\nhi!\n\n[user]\nhow are you"


async def test_pinned_conversation(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    cookie = fake.new_logged_in_cookie()  # one session: its conversations are visible to all
    first = make_llm(api_key=cookie).invoke("start")
    cid = first.response_metadata["conversation_id"]
    pinned = make_llm(api_key=cookie, conversation_id=cid)
    answer = await pinned.ainvoke("continue here")
    assert answer.response_metadata["conversation_id"] == cid
    per_call = make_llm(api_key=cookie).invoke("and here", conversation_id=cid)
    assert per_call.response_metadata["conversation_id"] == cid
    assert list(fake.conversations) == [cid]
    assert sent_inputs(fake) == ["start", "continue here", "and here"]


def test_cleanup_on_close(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    keep = make_llm()
    keep.invoke("kept")
    with make_llm(cleanup_on_close=True) as llm:
        llm.invoke("a")
        llm.batch(["b", "c"])
        assert len(llm.created_conversations) == 3
    assert len(fake.conversations) == 1  # only the other model's conversation is left


async def test_delete_created_conversations(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    llm = make_llm()
    await llm.ainvoke("a")
    llm.invoke("b")
    assert await llm.adelete_created_conversations() == 2
    assert fake.conversations == {}
    llm.invoke("c")
    assert llm.delete_created_conversations() == 1
    assert llm.created_conversations == []
    async with make_llm(cleanup_on_close=True) as scoped:
        await scoped.ainvoke("d")
    assert fake.conversations == {}


@pytest.mark.parametrize("mode", ["invoke", "stream", "ainvoke", "astream"])
async def test_stop_sequences_cut_the_answer(
    fake: FakeHuggingChat, make_llm: MakeLLM, mode: str
) -> None:
    fake.script("Hello there. User: do not show this", "Hello there. User: do not show this")
    for llm, kwargs in ((make_llm(), {"stop": ["User:"]}), (make_llm(stop=["User:"]), {})):
        if mode == "invoke":
            text = llm.invoke("hi", **kwargs).text
        elif mode == "ainvoke":
            text = (await llm.ainvoke("hi", **kwargs)).text
        elif mode == "stream":
            text = "".join(c.text for c in llm.stream("hi", **kwargs))
        else:
            text = "".join([c.text async for c in llm.astream("hi", **kwargs)])
        assert text == "Hello there. "


def test_lcel_chain(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "Answer in {lang}."), ("human", "{q}")])
    chain = prompt | make_llm() | StrOutputParser()
    assert chain.invoke({"lang": "French", "q": "Bonjour"}) == "Echo: Bonjour"
    assert "".join(chain.stream({"lang": "French", "q": "Salut"})) == "Echo: Salut"
    assert chain.batch([{"lang": "x", "q": "a"}, {"lang": "x", "q": "b"}]) == [
        "Echo: a",
        "Echo: b",
    ]
    assert created_preprompts(fake)[0] == "Answer in French."
