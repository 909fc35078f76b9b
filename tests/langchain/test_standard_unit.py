"""langchain-tests' standard unit suite for ChatHuggingChat (no network)."""

from __future__ import annotations

import importlib
from typing import Any
from unittest import mock

import pytest
from curl_cffi import requests as curl_requests
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_hfchat import ChatHuggingChat

LC_ID = ("langchain_hfchat", "chat_models", "ChatHuggingChat")


@pytest.fixture(autouse=True)
def _partner_allowlisted(monkeypatch: pytest.MonkeyPatch) -> None:
    """langchain-core's ``load(allowed_objects="all")`` admits only the partner classes listed in
    its own mapping, and ``test_serdes`` loads that way. Users load ChatHuggingChat with
    ``allowed_objects=[ChatHuggingChat]`` (see test_secrets.py); here the class is added to the
    mapping for the duration of a test, so the standard round trip runs unchanged."""
    load_module = importlib.import_module("langchain_core.load.load")
    mappings = {**load_module.ALL_SERIALIZABLE_MAPPINGS, LC_ID: LC_ID}
    monkeypatch.setattr(load_module, "ALL_SERIALIZABLE_MAPPINGS", mappings)
    monkeypatch.setattr(load_module, "_default_class_paths_cache", {})


class TestChatHuggingChatUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatHuggingChat]:
        return ChatHuggingChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # an unreachable loopback address: a unit test that touched the network would fail
        return {"model": "fake/echo", "base_url": "http://127.0.0.1:9"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "HUGGINGCHAT_COOKIE": "cookie-from-env",
                "HUGGINGCHAT_BASE_URL": "http://127.0.0.1:9/chat",
            },
            {"model": "fake/echo"},
            {
                "hf_chat_cookie": "cookie-from-env",
                "base_url": "http://127.0.0.1:9/chat",
                "model_name": "fake/echo",
            },
        )

    @property
    def returns_usage_metadata(self) -> bool:
        return False  # HuggingChat reports no token counts

    @property
    def model_override_value(self) -> str:
        return "fake/reasoner"


def test_construction_opens_no_session() -> None:
    """Construction is cheap because it does no I/O: no curl session is opened. (The standard
    suite's test_init_time runs with ``--benchmark-disable``: tests time nothing; the time per
    construction is printed by benchmarks/timings.py.)"""
    opened: list[str] = []
    sync_init = curl_requests.Session.__init__
    async_init = curl_requests.AsyncSession.__init__

    def sync(session: Any, *args: Any, **kwargs: Any) -> None:
        opened.append("Session")
        sync_init(session, *args, **kwargs)

    def asyncs(session: Any, *args: Any, **kwargs: Any) -> None:
        opened.append("AsyncSession")
        async_init(session, *args, **kwargs)

    with (
        mock.patch.object(curl_requests.Session, "__init__", sync),
        mock.patch.object(curl_requests.AsyncSession, "__init__", asyncs),
    ):
        models = [
            ChatHuggingChat(model="fake/echo", base_url="http://127.0.0.1:9") for _ in range(10)
        ]
        assert all(m.model_name == "fake/echo" for m in models)
        assert opened == []
        # the probe sees a session where one is opened (the check above could fail)
        models[0].client._acquire()
        assert opened == ["Session"]
        models[0].client.close()
