"""The session cookie never leaks: repr, str, model_dump, dumpd/dumps, tracing, logs, errors."""

from __future__ import annotations

import logging
import traceback
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps, load, loads
from pydantic import SecretStr

import hfchat
from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat

from .conftest import MakeLLM

COOKIE = "s3cr3t-hf-chat-cookie-value-0123456789"


def test_cookie_is_a_secret_in_every_rendering() -> None:
    llm = ChatHuggingChat(model="fake/echo", api_key=COOKIE, base_url="http://127.0.0.1:9")
    assert isinstance(llm.hf_chat_cookie, SecretStr)
    assert llm.hf_chat_cookie.get_secret_value() == COOKIE
    for text in (
        repr(llm),
        str(llm),
        str(llm.model_dump()),
        llm.model_dump_json(),
        str(llm.asdict()),
        str(llm._identifying_params),
        str(llm._get_invocation_params()),
        str(dumpd(llm)),
        dumps(llm),
        dumps(llm, pretty=True),
    ):
        assert COOKIE not in text
    assert dumpd(llm)["kwargs"]["hf_chat_cookie"] == {
        "lc": 1,
        "type": "secret",
        "id": ["HUGGINGCHAT_COOKIE"],
    }
    assert llm.lc_secrets == {"hf_chat_cookie": "HUGGINGCHAT_COOKIE", "proxy": "HUGGINGCHAT_PROXY"}


@pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")
def test_round_trip_restores_the_cookie_from_the_secrets_map() -> None:
    llm = ChatHuggingChat(model="fake/echo", api_key=COOKIE, web_search=True)
    revived = loads(
        dumps(llm),
        secrets_map={"HUGGINGCHAT_COOKIE": COOKIE},
        valid_namespaces=["langchain_hfchat"],
        allowed_objects=[ChatHuggingChat],
    )
    assert isinstance(revived, ChatHuggingChat)
    assert revived.model_name == "fake/echo"
    assert revived.web_search is True
    assert revived.hf_chat_cookie is not None
    assert revived.hf_chat_cookie.get_secret_value() == COOKIE
    assert ChatHuggingChat.get_lc_namespace() == ["langchain_hfchat", "chat_models"]
    assert ChatHuggingChat.is_lc_serializable()
    again = load(
        dumpd(llm),
        valid_namespaces=["langchain_hfchat"],
        allowed_objects=[ChatHuggingChat],
    )
    assert again.hf_chat_cookie is None  # not in the map, not in the environment


def test_cookie_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGCHAT_COOKIE", COOKIE)
    llm = ChatHuggingChat()
    assert llm.hf_chat_cookie is not None
    assert llm.hf_chat_cookie.get_secret_value() == COOKIE
    assert COOKIE not in dumps(llm)


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.seen.append(repr((serialized, messages, kwargs)))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.seen.append(repr((response, kwargs)))


def test_tracing_and_logs_never_carry_the_cookie(
    fake: FakeHuggingChat, make_llm: MakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = fake.new_logged_in_cookie() + "-" + COOKIE
    fake.login_session(cookie)
    llm = make_llm(api_key=cookie)
    recorder = _Recorder()
    with caplog.at_level(logging.DEBUG):
        answer = llm.invoke("hello", config={"callbacks": [recorder]})
        chunks = list(llm.stream("hello again", config={"callbacks": [recorder]}))
    assert answer.content == "Echo: hello"
    assert chunks[-1].chunk_position == "last"
    assert any(r.cookies.get("hf-chat") == cookie for r in fake.requests)  # it was really used
    assert recorder.seen
    assert all(cookie not in seen for seen in recorder.seen)
    assert cookie not in caplog.text
    assert cookie not in repr(answer) and cookie not in repr(chunks)


def _cookie_echoing_failure(fake: FakeHuggingChat, make_llm: MakeLLM) -> tuple[str, Any]:
    cookie = "hf-" + COOKIE
    fake.login_session(cookie)
    # a server that echoes the cookie back in its error body
    fake.inject("http", status=500, route="post", body=f'{{"message": "bad session {cookie}"}}')
    return cookie, make_llm(api_key=cookie, max_retries=0)


def _assert_scrubbed(err: hfchat.HuggingChatError, cookie: str) -> None:
    rendered = [str(err), repr(err), str(err.body), str(err.__dict__)]
    rendered.append("".join(traceback.format_exception(err)))
    assert all(cookie not in text for text in rendered)
    assert "bad session ***" in str(err.body)  # the body arrived, scrubbed


async def test_errors_never_carry_the_cookie(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    cookie, llm = _cookie_echoing_failure(fake, make_llm)
    with pytest.raises(hfchat.HuggingChatError) as info:
        await llm.ainvoke("hello")
    _assert_scrubbed(info.value, cookie)


def test_sync_error_keeps_the_scrubbed_body(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    cookie, llm = _cookie_echoing_failure(fake, make_llm)
    with pytest.raises(hfchat.HuggingChatError) as info:
        llm.invoke("hello")
    _assert_scrubbed(info.value, cookie)
