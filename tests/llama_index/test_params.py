"""The LlamaIndex surface matches the LangChain one: aliases, unsupported parameters that warn,
unknown keywords that never vanish, client_kwargs, base_url from the environment, masked URL
credentials, offline token counts, metadata on the message too."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage

from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat
from llama_index_hfchat import HuggingChatLLM

USER = [ChatMessage(role="user", content="hello")]


def test_api_key_is_an_alias_of_the_cookie(fake: FakeHuggingChat) -> None:
    cookie = fake.new_logged_in_cookie()
    fake.login_session(cookie)
    llm = HuggingChatLLM(api_key=cookie, base_url=fake.base_url, model="fake/echo")
    assert llm.hf_chat_cookie is not None
    assert llm.hf_chat_cookie.get_secret_value() == cookie
    llm.chat(USER)
    assert any(r.cookies.get("hf-chat") == cookie for r in fake.requests)
    llm.close()
    assert HuggingChatLLM(model_name="m1").model == "m1"


# what each framework adds at its own edge (not hfchat options)
LANGCHAIN_ONLY = {"stop", "streaming"}
LLAMA_INDEX_ONLY = {"context_window", "num_output"}
# one fact, each framework's spelling of it; both spellings are accepted by both adapters
SAME_FACT = {"model_name": "model"}


def _first_class(cls: type, base: type, framework_only: set[str]) -> dict[str, Any]:
    own = set(cls.model_fields) - set(base.model_fields) - framework_only  # type: ignore[attr-defined]
    return {SAME_FACT.get(n, n): cls.model_fields[n] for n in own}  # type: ignore[attr-defined]


def test_same_first_class_fields_as_langchain(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_core.language_models import BaseChatModel
    from llama_index.core.llms.function_calling import FunctionCallingLLM

    for env in ("HUGGINGCHAT_COOKIE", "HUGGINGCHAT_BASE_URL", "HUGGINGCHAT_PROXY"):
        monkeypatch.delenv(env, raising=False)
    lc = _first_class(ChatHuggingChat, BaseChatModel, LANGCHAIN_ONLY)
    li = _first_class(HuggingChatLLM, FunctionCallingLLM, LLAMA_INDEX_ONLY)
    assert set(lc) == set(li)  # the whole set, not a subset
    for name in (
        "model",
        "base_url",
        "hf_chat_cookie",
        "timeout",
        "max_retries",
        "proxy",
        "web_search",
        "conversation_id",
        "structured_output_retries",
        "client_kwargs",
    ):
        assert name in lc, name
    for name in ("impersonate", "max_connections", "max_retry_wait", "conversation_cache_size"):
        assert name not in lc and name not in li  # client_kwargs only, in both
    for name in lc:
        a, b = lc[name], li[name]
        assert a.annotation == b.annotation, name
        assert a.get_default(call_default_factory=True) == b.get_default(
            call_default_factory=True
        ), name
        assert a.metadata == b.metadata, name  # same constraints (ge=0, ...)
    # same values once constructed, from either spelling of the aliases
    aliases: dict[str, Any] = {"api_key": "c1", "model_name": "m1"}
    names: dict[str, Any] = {"hf_chat_cookie": "c2", "model": "m2"}
    lc_llm = ChatHuggingChat(**aliases)
    li_llm = HuggingChatLLM(**aliases)
    for name in lc:
        lc_value = getattr(lc_llm, "model_name" if name == "model" else name)
        assert lc_value == getattr(li_llm, name), name
    assert ChatHuggingChat(**names).model_name == "m2"
    assert HuggingChatLLM(**names).model == "m2"


@pytest.mark.parametrize(
    ("name", "value", "other"),
    [
        ("impersonate", "chrome120", "chrome"),
        ("max_connections", 7, 8),
        ("max_retry_wait", 5.0, 6.0),
        ("conversation_cache_size", 9, 10),
    ],
)
def test_old_client_keywords_still_work_through_client_kwargs(
    name: str, value: Any, other: Any
) -> None:
    for cls in (HuggingChatLLM, ChatHuggingChat):
        with pytest.warns(DeprecationWarning, match=f"{name}=...\\) is deprecated"):
            llm = cls(base_url="http://127.0.0.1:9", **{name: value})
        assert llm.client_kwargs == {name: value}, cls
        assert not llm.model_kwargs  # not an unknown keyword
        config = llm.client._core.config
        assert getattr(config, name) == value, cls
        llm.close()
    # reading the old attribute still works (with a warning): what the clients get
    with pytest.warns(DeprecationWarning):
        old = HuggingChatLLM(**{name: value})
    with pytest.warns(DeprecationWarning, match=f"HuggingChatLLM.{name} is deprecated"):
        assert getattr(old, name) == value
    defaults = {
        "impersonate": "chrome",
        "max_connections": 256,
        "max_retry_wait": 30.0,
        "conversation_cache_size": 512,
    }
    with pytest.warns(DeprecationWarning):
        assert getattr(HuggingChatLLM(), name) == defaults[name]  # the core's default
    # an explicit client_kwargs entry wins over the old keyword
    with pytest.warns(DeprecationWarning):
        llm = HuggingChatLLM(**{name: value, "client_kwargs": {name: other}})
    assert llm.client_kwargs == {name: other}


def test_unsupported_parameters_warn_once() -> None:
    with pytest.warns(UserWarning) as record:
        llm = HuggingChatLLM(temperature=0.1, max_tokens=9, seed=3)
    texts = [str(w.message) for w in record if "HuggingChat does not" in str(w.message)]
    assert len(texts) == 1 and "temperature" in texts[0] and "seed" in texts[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm._warn_unsupported({"top_p": 0.5})
        HuggingChatLLM(model="m")  # nothing unsupported: silent


def test_unknown_keyword_never_vanishes() -> None:
    with pytest.warns(UserWarning, match="temprature is not a parameter of HuggingChatLLM"):
        llm = HuggingChatLLM(temprature=0.5)
    assert llm.model_kwargs == {"temprature": 0.5}


def test_per_call_unsupported_parameter_warns(make_llm: Any) -> None:
    llm = make_llm()
    with pytest.warns(UserWarning, match="does not let clients set temperature"):
        assert llm.chat(USER, temperature=0.2).message.content == "Echo: hello"


def test_client_kwargs_and_conversation_id_reach_the_core(make_llm: Any) -> None:
    llm = make_llm(client_kwargs={"max_retry_wait": 4.5})
    assert llm.client._core.config.max_retry_wait == 4.5
    first = llm.chat(USER)
    llm.conversation_id = first.additional_kwargs["conversation_id"]
    again = llm.chat([ChatMessage(role="user", content="more")])
    assert again.additional_kwargs["conversation_id"] == first.additional_kwargs["conversation_id"]


def test_base_url_from_the_environment_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGCHAT_BASE_URL", "http://bob:url-pw-9@127.0.0.1:9/chat")
    llm = HuggingChatLLM()
    assert llm.base_url == "http://bob:url-pw-9@127.0.0.1:9/chat"
    for text in (repr(llm), str(llm.to_dict()), llm.to_json(), str(llm.model_dump())):
        assert "url-pw-9" not in text and "bob" not in text
    assert "127.0.0.1:9/chat" in llm.to_json()


def test_token_count_is_offline() -> None:
    llm = HuggingChatLLM(base_url="http://127.0.0.1:9")
    assert llm.get_num_tokens("Hello, world!") == 6
    assert not llm._lazy.created


def test_metadata_on_the_message_too(make_llm: Any) -> None:
    response = make_llm(model="omni").chat(USER)
    for kw in (response.additional_kwargs, response.message.additional_kwargs):
        assert kw["model_name"] == "fake/echo"
        assert kw["model"] == "fake/echo"
        assert kw["title"] and kw["conversation_id"]


def test_the_warning_points_at_the_callers_line() -> None:
    with pytest.warns(UserWarning, match="does not let clients set seed") as record:
        HuggingChatLLM(seed=7)
    assert record[0].filename == __file__


@pytest.mark.parametrize(
    "client_kwargs",
    [
        {"max_connections": 0},
        {"max_connections": -1},
        {"conversation_cache_size": -1},
        {"max_retry_wait": -1},
        {"impersonate": ""},
        {"max_conections": 8},  # a typo never vanishes
    ],
)
def test_bad_client_kwargs_fail_at_construction_in_both(client_kwargs: dict[str, Any]) -> None:
    from hfchat.errors import ConfigurationError

    for cls in (HuggingChatLLM, ChatHuggingChat):
        with pytest.raises(ConfigurationError):
            cls(base_url="http://127.0.0.1:9", client_kwargs=client_kwargs)
    name, value = next(iter(client_kwargs.items()))
    if name != "max_conections":  # the old keywords are validated the same way
        with pytest.raises(ConfigurationError), pytest.warns(DeprecationWarning):
            HuggingChatLLM(**{name: value})
