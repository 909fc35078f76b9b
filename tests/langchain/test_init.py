"""Construction is cheap and silent: no client, no file read, no network until the first call."""

from __future__ import annotations

import pytest

import hfchat
from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat


def test_no_request_and_no_client_in_init(fake: FakeHuggingChat) -> None:
    llm = ChatHuggingChat(model="fake/echo", base_url=fake.base_url, web_search=True)
    assert not llm._lazy.created
    assert fake.requests == []
    assert llm.created_conversations == []  # asking does not build a client either
    assert not llm._lazy.created


def test_unreachable_base_url_fails_only_when_called() -> None:
    llm = ChatHuggingChat(
        model="fake/echo", base_url="http://127.0.0.1:9", max_retries=0, timeout=2
    )
    assert not llm._lazy.created
    with pytest.raises(hfchat.TransportError):
        llm.invoke("hello")


def test_a_bad_base_url_is_a_configuration_error_at_first_use() -> None:
    llm = ChatHuggingChat(base_url="ftp://example.test")
    with pytest.raises(hfchat.ConfigurationError):
        llm.invoke("hello")


def test_aliases_and_identity() -> None:
    llm = ChatHuggingChat(model_name="m1", stop_sequences=["x"], api_key="k")
    assert llm.model_name == "m1"
    assert llm.stop == ["x"]
    assert ChatHuggingChat(model="m2").model_name == "m2"
    assert llm._llm_type == "huggingchat"
    ls = llm._get_ls_params()
    assert ls == {
        "ls_provider": "huggingchat",
        "ls_model_name": "m1",
        "ls_model_type": "chat",
        "ls_stop": ["x"],
    }
    assert llm._get_ls_params(model="m3", stop=["y"])["ls_model_name"] == "m3"
    assert llm._get_ls_params(stop=["y"])["ls_stop"] == ["y"]
    with pytest.warns(UserWarning, match="does not let clients set max_tokens, temperature"):
        tuned = ChatHuggingChat(temperature=0.2, max_tokens=10)
    # accepted, but never reported to tracing as applied: HuggingChat ignores them
    assert "ls_temperature" not in tuned._get_ls_params()
    assert "ls_max_tokens" not in tuned._get_ls_params()
    assert ChatHuggingChat()._get_ls_params()["ls_model_name"] == "default"


def test_clients_are_shared_and_built_once(fake: FakeHuggingChat) -> None:
    llm = ChatHuggingChat(model="fake/echo", base_url=fake.base_url, api_key="abc")
    sync, async_ = llm.client, llm.async_client
    assert llm.client is sync and llm.async_client is async_
    assert sync._core is async_._core  # one state: cookies, detection, conversation index
    assert sync.base_url == fake.base_url
    assert "abc" not in repr(sync)
