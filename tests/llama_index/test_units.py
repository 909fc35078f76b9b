"""Offline units: the class's place in LlamaIndex, its configuration and secret, and the
translations (messages in, events out, tools) without a server."""

from __future__ import annotations

import base64
import json
import logging
import pickle

import pytest
from llama_index.core.base.llms.base import BaseLLM
from llama_index.core.base.llms.types import (
    CacheControl,
    CachePoint,
    ChatMessage,
    ChatResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.tools import FunctionTool

import hfchat
from hfchat.events import Event, ReasoningDelta, Sources, TextDelta, Title, TurnEnd, TurnResult
from hfchat.tools import ToolCall, ToolSpec
from llama_index_hfchat import HuggingChatLLM
from llama_index_hfchat._messages import to_core_messages
from llama_index_hfchat._responses import TurnChunks, response_from_result
from llama_index_hfchat._tools import resolve_tool_choice, to_tool_specs

SECRET = "hf-chat-secret-value-0123456789"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def test_is_a_llama_index_function_calling_llm() -> None:
    names = [c.__name__ for c in HuggingChatLLM.__mro__]
    assert BaseLLM.__name__ in names
    assert issubclass(HuggingChatLLM, FunctionCallingLLM)
    assert HuggingChatLLM.class_name() == "HuggingChatLLM"


def test_metadata() -> None:
    llm = HuggingChatLLM(model="omni")
    meta = llm.metadata
    assert meta.is_chat_model and meta.is_function_calling_model
    assert meta.model_name == "omni"
    assert meta.context_window == 32768 and meta.num_output == 4096
    assert meta.system_role == MessageRole.SYSTEM
    assert HuggingChatLLM().metadata.model_name == "huggingchat"
    assert HuggingChatLLM(context_window=8000).metadata.context_window == 8000


def test_constructor_does_no_io() -> None:
    # an address nothing listens on: constructing (and reading metadata) must not connect
    llm = HuggingChatLLM(base_url="http://127.0.0.1:9", model="m", timeout=0.5)
    assert llm.metadata.model_name == "m"
    assert not llm._lazy.created


def test_fields_mirror_the_core_configuration() -> None:
    llm = HuggingChatLLM(
        base_url="http://127.0.0.1:9",
        model="m",
        timeout=(2, 30),
        max_retries=0,
        web_search=True,
        client_kwargs={"conversation_cache_size": 8},
        resolve_message_ids=True,
    )
    client = llm.client  # created lazily, no I/O
    assert client.base_url == "http://127.0.0.1:9"
    assert client.model == "m"
    cfg = client._core.config
    assert (cfg.timeout.connect, cfg.timeout.read) == (2, 30)
    assert cfg.max_retries == 0 and cfg.web_search is True and cfg.resolve_message_ids
    assert cfg.conversation_cache_size == 8
    assert llm.async_client._core is client._core  # one shared state
    llm.close()
    assert not llm._lazy.created


def test_cookie_is_secret_everywhere(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    llm = HuggingChatLLM(hf_chat_cookie=SECRET, model="omni")
    assert llm.hf_chat_cookie is not None
    assert llm.hf_chat_cookie.get_secret_value() == SECRET
    shown = [
        repr(llm),
        str(llm),
        json.dumps(llm.model_dump(), default=str),
        json.dumps(llm.model_dump(mode="json")),
        json.dumps(llm.to_dict(), default=str),
        llm.to_json(),
        llm.model_dump_json(),
        repr(llm.client),
        str(llm.metadata),
    ]
    for text in shown:
        assert SECRET not in text
    assert "hf_chat_cookie" not in llm.to_dict()
    assert SECRET not in caplog.text
    # it survives pickling (agents and workflows copy LLMs)
    clone = pickle.loads(pickle.dumps(llm))
    assert clone.hf_chat_cookie is not None
    assert clone.hf_chat_cookie.get_secret_value() == SECRET


def test_cookie_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert HuggingChatLLM().hf_chat_cookie is None
    monkeypatch.setenv("HUGGINGCHAT_COOKIE", SECRET)
    llm = HuggingChatLLM()
    assert llm.hf_chat_cookie is not None
    assert llm.hf_chat_cookie.get_secret_value() == SECRET
    assert SECRET not in repr(llm) and SECRET not in llm.to_json()


def test_configuration_errors_are_typed() -> None:
    llm = HuggingChatLLM(base_url="ftp://example.org")
    with pytest.raises(hfchat.ConfigurationError):
        llm.chat([ChatMessage(role="user", content="hi")])


# -- messages in -------------------------------------------------------------------------------


def test_system_prompt_and_system_messages_become_system_messages() -> None:
    msgs = [
        ChatMessage(role="system", content="Be brief."),
        ChatMessage(role="user", content="Hi"),
    ]
    out = to_core_messages(msgs, "You are a pirate.")
    assert [(m.role, m.content) for m in out] == [
        ("system", "You are a pirate."),
        ("system", "Be brief."),
        ("user", "Hi"),
    ]
    # not twice when the history already carries it (LLM.predict adds it itself)
    again = to_core_messages(
        [ChatMessage(role="system", content="Be brief."), msgs[1]], "Be brief."
    )
    assert [m.role for m in again] == ["system", "user"]


def test_blocks_in() -> None:
    msgs = [
        ChatMessage(
            role="user",
            blocks=[
                TextBlock(text="What is this?"),
                ImageBlock(image=PNG, image_mimetype="image/png"),
                CachePoint(cache_control=CacheControl(type="ephemeral")),
            ],
        ),
        ChatMessage(
            role="assistant",
            blocks=[
                ThinkingBlock(content="private reasoning"),
                TextBlock(text="Let me check."),
                ToolCallBlock(tool_call_id="call_1", tool_name="add", tool_kwargs={"a": 1}),
            ],
        ),
        ChatMessage(role="tool", content="2", additional_kwargs={"tool_call_id": "call_1"}),
    ]
    user, assistant, tool = to_core_messages(msgs)
    assert user.content == "What is this?"
    assert len(user.files) == 1
    assert user.files[0].mime == "image/png" and user.files[0].data == PNG
    assert assistant.content == "Let me check."  # reasoning is not sent back
    assert assistant.tool_calls == [ToolCall("add", {"a": 1}, "call_1")]
    assert (tool.role, tool.content, tool.tool_call_id, tool.name) == ("tool", "2", "call_1", "add")


def test_openai_shaped_tool_calls_in_additional_kwargs() -> None:
    msg = ChatMessage(
        role="assistant",
        content="",
        additional_kwargs={
            "tool_calls": [
                {"id": "c9", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}}
            ]
        },
    )
    (out,) = to_core_messages([msg])
    assert out.tool_calls == [ToolCall("add", {"a": 1, "b": 2}, "c9")]


def test_image_urls_are_not_fetched() -> None:
    msg = ChatMessage(role="user", blocks=[ImageBlock(url="https://example.org/cat.png")])
    with pytest.raises(hfchat.ConfigurationError):
        to_core_messages([msg])
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    (out,) = to_core_messages([ChatMessage(role="user", blocks=[ImageBlock(url=data_url)])])
    assert out.files[0].data == PNG


def test_files_only_in_user_messages() -> None:
    msg = ChatMessage(role="assistant", blocks=[ImageBlock(image=PNG)])
    with pytest.raises(hfchat.ConfigurationError):
        to_core_messages([msg])


# -- events out -------------------------------------------------------------------------------


def _result(**kw: object) -> TurnResult:
    base: dict[str, object] = {
        "text": "Paris.",
        "reasoning": "The capital of France.",
        "title": "Capital",
        "sources": [{"url": "https://a.example", "title": "A"}],
        "conversation_id": "0" * 24,
        "message_id": "m1",
        "model": "fake/routed",
        "requested_model": "omni",
        "final_updates": [{"type": "finalAnswer", "text": "Paris."}],
    }
    base.update(kw)
    return TurnResult(**base)  # type: ignore[arg-type]


def test_response_from_result() -> None:
    resp = response_from_result(_result())
    assert resp.message.role == MessageRole.ASSISTANT
    assert resp.message.content == "Paris."
    (thinking,) = [b for b in resp.message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking.content == "The capital of France."
    kw = resp.additional_kwargs
    assert kw["model"] == "fake/routed"
    assert kw["title"] == "Capital"
    assert kw["conversation_id"] == "0" * 24
    assert kw["sources"] == [{"url": "https://a.example", "title": "A"}]
    assert resp.raw == [{"type": "finalAnswer", "text": "Paris."}]


def test_tool_calls_out() -> None:
    call = ToolCall("add", {"a": 1, "b": 2}, "call_7")
    resp = response_from_result(_result(text="", reasoning="", tool_calls=[call]))
    (block,) = [b for b in resp.message.blocks if isinstance(b, ToolCallBlock)]
    assert (block.tool_call_id, block.tool_name, block.tool_kwargs) == (
        "call_7",
        "add",
        {"a": 1, "b": 2},
    )
    (oa,) = resp.message.additional_kwargs["tool_calls"]
    assert oa["id"] == "call_7" and json.loads(oa["function"]["arguments"]) == {"a": 1, "b": 2}
    llm = HuggingChatLLM()
    (sel,) = llm.get_tool_calls_from_response(resp)
    assert (sel.tool_id, sel.tool_name, sel.tool_kwargs) == ("call_7", "add", {"a": 1, "b": 2})
    # and back in: the same call, so the server conversation can continue
    (back,) = to_core_messages([resp.message])
    assert back.tool_calls == [call]


def test_no_tool_call_raises_or_returns_empty() -> None:
    llm = HuggingChatLLM()
    resp = response_from_result(_result())
    with pytest.raises(ValueError):
        llm.get_tool_calls_from_response(resp)
    assert llm.get_tool_calls_from_response(resp, error_on_no_tool_call=False) == []


def test_stream_chunks() -> None:
    chunks = TurnChunks()
    events: list[Event] = [
        Title("t"),
        ReasoningDelta("Think"),
        ReasoningDelta("ing."),
        TextDelta("Hel"),
        Sources([]),
        TextDelta("lo"),
        TurnEnd(_result(text="Hello", reasoning="Thinking.")),
    ]
    out = [r for r in map(chunks.feed, events) if r is not None]
    assert all(isinstance(r, ChatResponse) for r in out)
    assert [r.additional_kwargs.get("thinking_delta") for r in out[:2]] == ["Think", "ing."]
    assert [r.delta for r in out] == ["", "", "Hel", "lo", ""]
    assert out[3].message.content == "Hello"
    thinking = [b for b in out[3].message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking[0].content == "Thinking."
    assert out[-1].additional_kwargs["title"] == "Capital"


# -- tools ------------------------------------------------------------------------------------


def test_tool_specs_and_choice() -> None:
    (spec,) = to_tool_specs([FunctionTool.from_defaults(fn=add)])
    assert spec.name == "add"
    assert "Add two integers" in spec.description
    assert set(spec.parameters["properties"]) == {"a", "b"}
    assert to_tool_specs([ToolSpec("x")])[0].name == "x"
    openai = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    assert to_tool_specs([openai])[0].name == "f"
    assert resolve_tool_choice() == "auto"
    assert resolve_tool_choice(None, tool_required=True) == "required"
    assert resolve_tool_choice("any") == "required"
    assert resolve_tool_choice("none") == "none"
    assert resolve_tool_choice("add") == "add"
    assert resolve_tool_choice({"type": "function", "function": {"name": "add"}}) == "add"


def test_prepare_chat_with_tools() -> None:
    llm = HuggingChatLLM()
    history = [ChatMessage(role="user", content="first")]
    kw = llm._prepare_chat_with_tools(
        [FunctionTool.from_defaults(fn=add)],
        user_msg="2+2?",
        chat_history=history,
        tool_required=True,
    )
    assert [m.content for m in kw["messages"]] == ["first", "2+2?"]
    assert len(history) == 1  # the caller's list is left alone
    assert kw["tool_choice"] == "required"
    assert kw["tools"][0].name == "add"


def test_single_tool_call_unless_parallel() -> None:
    llm = HuggingChatLLM()
    calls = [ToolCall("add", {"a": 1, "b": 2}), ToolCall("add", {"a": 3, "b": 4})]
    tools = [FunctionTool.from_defaults(fn=add)]
    resp = response_from_result(_result(text="", tool_calls=list(calls)))
    kept = llm._validate_chat_with_tools_response(resp, tools, allow_parallel_tool_calls=True)
    assert len(llm.get_tool_calls_from_response(kept)) == 2
    resp = response_from_result(_result(text="", tool_calls=list(calls)))
    one = llm._validate_chat_with_tools_response(resp, tools, allow_parallel_tool_calls=False)
    assert len(llm.get_tool_calls_from_response(one)) == 1
    assert len(one.message.additional_kwargs["tool_calls"]) == 1
