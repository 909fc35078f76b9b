"""Parameters HuggingChat cannot honour never vanish silently; the surface matches the
LlamaIndex adapter; token counts are offline; base_url comes from the environment."""

from __future__ import annotations

import warnings

import pytest
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, trim_messages

from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat

from .conftest import MakeLLM


def test_unsupported_parameters_warn_once_per_instance() -> None:
    with pytest.warns(UserWarning) as record:
        llm = ChatHuggingChat(temperature=0.3, top_p=0.9, seed=1, model_kwargs={"x": 1})
    texts = [str(w.message) for w in record if "HuggingChat does not" in str(w.message)]
    assert len(texts) == 1
    for name in ("temperature", "top_p", "seed", "x"):
        assert name in texts[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm._warn_unsupported({"temperature": 0.1})  # already warned: silent


def test_no_warning_without_unsupported_parameters() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChatHuggingChat(model="fake/echo", base_url="http://127.0.0.1:9")


def test_per_call_unsupported_parameter_warns(make_llm: MakeLLM) -> None:
    llm = make_llm()
    with pytest.warns(UserWarning, match="does not let clients set temperature"):
        assert llm.invoke("hi", temperature=0.1).content == "Echo: hi"


def test_unknown_keyword_warns_and_lands_in_model_kwargs() -> None:
    with pytest.warns(UserWarning, match="temprature is not default parameter"):
        llm = ChatHuggingChat(temprature=0.5)
    assert llm.model_kwargs == {"temprature": 0.5}


def test_unsupported_parameters_not_in_tracing() -> None:
    with pytest.warns(UserWarning):
        llm = ChatHuggingChat(temperature=0.2, max_tokens=5, model="m")
    ls = llm._get_ls_params(temperature=0.4, max_tokens=7)
    assert "ls_temperature" not in ls and "ls_max_tokens" not in ls
    assert "temperature" not in llm._identifying_params


def test_token_count_is_offline_and_approximate(fake: FakeHuggingChat) -> None:
    llm = ChatHuggingChat(base_url=fake.base_url, model="fake/echo")
    assert llm.get_num_tokens("Hello, world!") == 6  # Hell o , worl d !
    assert llm.get_num_tokens("") == 0
    n = llm.get_num_tokens_from_messages([HumanMessage("one two three")])
    assert n > 3
    history = [
        SystemMessage("You are terse."),
        HumanMessage("first question " * 20),
        AIMessage("first answer " * 20),
        HumanMessage("latest question"),
    ]
    trimmed = trim_messages(
        history, max_tokens=30, token_counter=llm, strategy="last", include_system=True
    )
    assert trimmed[0] == history[0] and trimmed[-1] == history[-1]
    assert len(trimmed) < len(history)
    assert fake.requests == []  # counting asked the server nothing


def test_base_url_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGCHAT_BASE_URL", "http://127.0.0.1:9/chat")
    assert ChatHuggingChat().base_url == "http://127.0.0.1:9/chat"
    assert ChatHuggingChat(base_url="http://127.0.0.1:8/x").base_url == "http://127.0.0.1:8/x"


def test_base_url_credentials_never_traced_or_dumped() -> None:
    llm = ChatHuggingChat(base_url="http://alice:url-pass-42@127.0.0.1:9/chat")
    assert llm.base_url == "http://alice:url-pass-42@127.0.0.1:9/chat"  # still usable
    for text in (
        repr(llm),
        str(llm.model_dump()),
        llm.model_dump_json(),
        str(llm._identifying_params),
        str(llm._get_invocation_params()),
        str(dumpd(llm)),
        dumps(llm),
    ):
        assert "url-pass-42" not in text
        assert "alice" not in text
    assert "127.0.0.1:9/chat" in str(llm._get_invocation_params())


def test_proxy_password_not_in_model_dump() -> None:
    llm = ChatHuggingChat(proxy="http://u:proxy-pw-77@127.0.0.1:3128")
    for text in (str(llm.model_dump()), llm.model_dump_json(), str(llm._get_invocation_params())):
        assert "proxy-pw-77" not in text


def test_client_kwargs_reach_the_core(fake: FakeHuggingChat) -> None:
    llm = ChatHuggingChat(
        base_url=fake.base_url, model="fake/echo", client_kwargs={"max_retry_wait": 3.5}
    )
    assert llm.client._core.config.max_retry_wait == 3.5
    llm.close()


def test_client_kwargs_may_refine_a_field_without_a_clash(fake: FakeHuggingChat) -> None:
    llm = ChatHuggingChat(
        base_url="http://127.0.0.1:9", model="fake/echo", client_kwargs={"base_url": fake.base_url}
    )
    assert llm.invoke("hi").content == "Echo: hi"  # no "multiple values" TypeError
    llm.close()


def test_the_warning_points_at_the_callers_line() -> None:
    with pytest.warns(UserWarning, match="does not let clients set seed") as record:
        ChatHuggingChat(seed=7)
    assert record[0].filename == __file__
