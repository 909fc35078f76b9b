"""Both adapters share the core's lazy client pair: created on first use only, closed by
close/aclose (the next call opens a new pair), left behind by copies and pickles (a clone
opens its own), one state shared by the sync and async client."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage

from hfchat.adapter_support import LazyClients
from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat
from llama_index_hfchat import HuggingChatLLM


def _ask(llm: Any) -> str:
    if isinstance(llm, ChatHuggingChat):
        return str(llm.invoke("hi").content)
    return str(llm.chat([ChatMessage(role="user", content="hi")]).message.content)


async def _aask(llm: Any) -> str:
    if isinstance(llm, ChatHuggingChat):
        return str((await llm.ainvoke("hi")).content)
    return str((await llm.achat([ChatMessage(role="user", content="hi")])).message.content)


ADAPTERS = [ChatHuggingChat, HuggingChatLLM]


@pytest.mark.parametrize("cls", ADAPTERS)
def test_one_lazy_pair_closed_and_reopened(cls: Any, huggingchat_emulator: FakeHuggingChat) -> None:
    llm = cls(base_url=huggingchat_emulator.base_url, model="fake/echo", max_retries=0)
    assert isinstance(llm._lazy, LazyClients) and not llm._lazy.created
    assert _ask(llm) == "Echo: hi"
    first = llm.client
    assert llm.async_client._core is first._core
    llm.close()
    assert not llm._lazy.created
    assert _ask(llm) == "Echo: hi"  # a new pair, not the closed one
    assert llm.client is not first
    llm.close()


@pytest.mark.parametrize("cls", ADAPTERS)
async def test_aclose_closes_both_and_reopens(
    cls: Any, huggingchat_emulator: FakeHuggingChat
) -> None:
    llm = cls(base_url=huggingchat_emulator.base_url, model="fake/echo", max_retries=0)
    assert await _aask(llm) == "Echo: hi"
    aclient = llm.async_client
    await llm.aclose()
    assert not llm._lazy.created
    assert await _aask(llm) == "Echo: hi"
    assert llm.async_client is not aclient
    await llm.aclose()


@pytest.mark.parametrize("cls", ADAPTERS)
def test_copies_and_pickles_carry_no_clients(
    cls: Any, huggingchat_emulator: FakeHuggingChat
) -> None:
    llm = cls(base_url=huggingchat_emulator.base_url, model="fake/echo", max_retries=0)
    assert _ask(llm) == "Echo: hi"
    for clone in (copy.deepcopy(llm), pickle.loads(pickle.dumps(llm))):
        assert not clone._lazy.created
        assert _ask(clone) == "Echo: hi"
        assert clone.client is not llm.client
        clone.close()
    assert _ask(llm) == "Echo: hi"  # the original keeps its own
    llm.close()


def test_history_tool_arguments_parsed_by_the_core_in_both() -> None:
    """Broken JSON arguments in a history are repaired alike by both adapters (the core's
    ``parse_arguments``), not dropped."""
    from langchain_core.messages import AIMessage
    from llama_index.core.base.llms.types import ToolCallBlock

    from langchain_hfchat._messages import to_core_messages as lc_history
    from llama_index_hfchat._messages import to_core_messages as li_history

    li_call = ChatMessage(
        role="assistant",
        blocks=[ToolCallBlock(tool_call_id="c1", tool_name="w", tool_kwargs='{"city": "Paris",}')],
    )
    openai_shaped = ChatMessage(
        role="assistant",
        content="",
        additional_kwargs={
            "tool_calls": [{"id": "c2", "function": {"name": "w", "arguments": "{'city': 'Rome'"}}]
        },
    )
    lc_call = AIMessage("", tool_calls=[{"name": "w", "args": {"city": "Oslo"}, "id": "c3"}])
    got = [c.arguments for m in li_history([li_call, openai_shaped]) for c in m.tool_calls]
    got += [c.arguments for m in lc_history([lc_call]) for c in m.tool_calls]
    assert got == [{"city": "Paris"}, {"city": "Rome"}, {"city": "Oslo"}]
