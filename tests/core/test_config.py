"""The one client configuration (hfchat.config): validated at construction, before any I/O,
frozen, applied to both shells, and never showing a credential."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import hfchat
from hfchat import (
    AsyncHuggingChatClient,
    ClientConfig,
    ConfigurationError,
    HuggingChatClient,
    Limits,
    Retry,
    Timeout,
    client_pair,
)
from hfchat._transport import Timeout as TransportTimeout
from hfchat.auth import SessionCookies, parse_cookie_input
from hfchat.testing import FakeHuggingChat

from .hostile import free_port

# nothing listens there: a constructor that did I/O would fail or hang
DEAD = f"http://127.0.0.1:{free_port()}"


@pytest.mark.parametrize("shell", [HuggingChatClient, AsyncHuggingChatClient])
@pytest.mark.parametrize(
    "options",
    [
        {"max_connections": 0},
        {"max_connections": -1},
        {"max_connections": "8"},
        {"timeout": -1},
        {"timeout": 0},
        {"timeout": "abc"},
        {"timeout": float("nan")},
        {"timeout": (1, -1)},
        {"timeout": (1, 2, 3)},
        {"conversation_cache_size": -1},
        {"conversation_cache_size": 0},
        {"max_retries": -1},
        {"max_retries": "2"},
        {"max_retries": 2.5},
        {"max_retries": True},
        {"max_retry_wait": -1},
        {"web_search": "yes"},
        {"limits": "many"},
        {"base_url": "ftp://example.com"},
        {"base_url": "https://example.com/chat?x=1"},
        {"base_url": "https://example.com/chat#top"},
        {"base_url": "https://example.com/chat?"},
        {"base_url": "https://exa mple.com/chat"},
        {"proxy": "http://127.0.0.1:3128\r\nX-Evil: 1"},
        {"not_an_option": 1},
    ],
)
def test_bad_options_raise_configuration_error_at_construction(
    shell: Any, options: dict[str, Any]
) -> None:
    options.setdefault("base_url", DEAD)
    with pytest.raises(ConfigurationError):
        shell(**options)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Timeout(connect=0),
        lambda: Timeout(read=-5),
        lambda: Timeout(total=0),
        lambda: Retry(max_retries=-1),
        lambda: Retry(backoff=-1),
        lambda: Limits(max_connections=0),
        lambda: Limits(max_body_bytes=0),
        lambda: Limits(max_line_bytes=-1),
        lambda: ClientConfig(base_url="not a url"),
        lambda: ClientConfig(base_url=DEAD, model=""),
    ],
)
def test_config_objects_validate(build: Any) -> None:
    with pytest.raises(ConfigurationError):
        build()


def test_config_is_frozen_and_shared_by_both_shells() -> None:
    sync, aio = client_pair(base_url=DEAD, timeout=(2, 30), max_retries=0, max_connections=4)
    cfg = sync.config
    assert aio.config is cfg
    assert cfg.timeout == Timeout(2, 30) and cfg.max_retries == 0
    assert cfg.limits.max_connections == cfg.max_connections == 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.base_url = "http://elsewhere"  # type: ignore[misc]
    changed = cfg.replace(model="m")
    assert changed.model == "m" and cfg.model is None


def test_grouped_and_flat_options_build_the_same_config() -> None:
    flat = HuggingChatClient(
        base_url=DEAD, max_retries=5, max_retry_wait=3, conversation_cache_size=7
    ).config
    grouped = HuggingChatClient(
        base_url=DEAD,
        retry=Retry(max_retries=5, max_retry_wait=3),
        limits=Limits(conversation_cache_size=7),
    ).config
    assert flat == grouped
    whole = HuggingChatClient(config=grouped).config
    assert whole == grouped


def test_defaults_and_names() -> None:
    cfg = ClientConfig()
    assert cfg.base_url == "https://huggingface.co/chat"
    assert cfg.timeout == Timeout(connect=10.0, read=120.0, total=600.0)
    assert cfg.retry == Retry(max_retries=2, max_retry_wait=30.0, backoff=0.5, backoff_max=8.0)
    assert cfg.limits.max_body_bytes == 8 * 1024 * 1024
    assert Timeout.of(5) == Timeout(5, 5) and Timeout.of(60) == Timeout(10, 60)
    # the old import paths keep working
    assert TransportTimeout is Timeout and hfchat.Timeout is Timeout


def test_env_base_url_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGCHAT_BASE_URL", "https://example.com/chat?x=1")
    with pytest.raises(ConfigurationError):
        HuggingChatClient()


def test_proxy_password_is_in_no_repr() -> None:
    proxy = "http://user:proxy-pass-123@127.0.0.1:3128"
    c = HuggingChatClient(base_url=DEAD, proxy=proxy)
    assert c.config.proxy == proxy  # still usable
    for text in (repr(c), repr(c.config), repr(c._core), str(c.config), repr(c._core.__dict__)):
        assert "proxy-pass-123" not in text
    assert "127.0.0.1:3128" in repr(c.config)


def test_base_url_userinfo_is_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    c = HuggingChatClient(base_url="http://alice:url-secret-99@127.0.0.1:9/chat")
    assert c.base_url == "http://127.0.0.1:9/chat"
    assert c._core.origin == "http://127.0.0.1:9"
    assert c.config.basic_auth == ("alice", "url-secret-99")
    for text in (repr(c), repr(c.config), str(c.config), repr(c._core)):
        assert "url-secret-99" not in text and "alice" not in text
    with pytest.raises(ConfigurationError) as info:
        HuggingChatClient(base_url="ftp://alice:url-secret-99@127.0.0.1:9/chat")
    assert "url-secret-99" not in str(info.value)


@pytest.mark.parametrize(
    "cookie",
    [
        "abc\r\nX-Injected: 1",
        "abc\ndef",
        {"hf-chat": "abc\r\nX-Injected: 1"},
        {"hf-chat": "a;b"},
        '[{"name": "hf-chat", "value": "a\\r\\nb"}]',
    ],
)
def test_control_characters_in_cookie_values_are_refused(cookie: Any) -> None:
    with pytest.raises(ConfigurationError):
        parse_cookie_input(cookie)
    with pytest.raises(ConfigurationError):
        HuggingChatClient(base_url=DEAD, hf_chat_cookie=cookie)


def test_a_set_cookie_with_control_characters_is_not_absorbed() -> None:
    jar = SessionCookies({"hf-chat": "given-value-1"}, "anonymous")
    jar.absorb(['hf-chat="evil\\015\\012X: 1"; Path=/'])  # octal escapes unquote to CR LF
    header = jar.header() or ""
    assert "\r" not in header and "\n" not in header
    assert header == "hf-chat=given-value-1"


def test_created_conversation_ids_are_bounded_without_cleanup() -> None:
    limits = Limits(max_tracked_conversations=3)
    with FakeHuggingChat() as fake:
        with HuggingChatClient(base_url=fake.base_url, model="fake/echo", limits=limits) as c:
            for i in range(5):
                c.chat(f"turn {i}")
            assert len(c.created_conversations) == 3
        with HuggingChatClient(
            base_url=fake.base_url, model="fake/echo", limits=limits, cleanup_on_close=True
        ) as c:
            for i in range(5):
                c.chat(f"turn {i}")
            assert len(c.created_conversations) == 5  # every one is deleted on close
        assert len(fake.conversations) == 5  # the first client's 5 remain, the second's are gone
