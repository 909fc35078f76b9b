"""A proxy URL may carry credentials: neither adapter prints or serializes it."""

from __future__ import annotations

from langchain_core.load import dumps

from langchain_hfchat import ChatHuggingChat
from llama_index_hfchat import HuggingChatLLM

PROXY = "http://user:proxy-pass-123@127.0.0.1:3128"


def test_langchain_hides_the_proxy() -> None:
    llm = ChatHuggingChat(base_url="http://127.0.0.1:9", proxy=PROXY)
    assert llm.proxy == PROXY
    for text in (repr(llm), str(llm), dumps(llm)):
        assert "proxy-pass-123" not in text


def test_llama_index_hides_the_proxy() -> None:
    llm = HuggingChatLLM(base_url="http://127.0.0.1:9", proxy=PROXY)
    assert llm.proxy == PROXY
    for text in (repr(llm), str(llm), llm.to_json(), str(llm.model_dump())):
        assert "proxy-pass-123" not in text


def test_the_core_client_hides_the_proxy() -> None:
    from hfchat import AsyncHuggingChatClient, HuggingChatClient, TransportError

    for shell in (HuggingChatClient, AsyncHuggingChatClient):
        c = shell(base_url="http://127.0.0.1:9", proxy=PROXY)
        assert c.config.proxy == PROXY  # used as given
        for text in (repr(c), repr(c.config), str(c.config), repr(c._core), repr(vars(c._core))):
            assert "proxy-pass-123" not in text
    # a curl message naming the proxy URL is scrubbed when mapped
    from curl_cffi import CurlError

    from hfchat._transport import mapped_error

    err = mapped_error(CurlError(f"Could not resolve proxy: {PROXY}", 5))
    assert isinstance(err, TransportError) and "proxy-pass-123" not in str(err)
