"""``auto_login=True``: a client that meets "log in first" runs the browser login once, stores
the session and sends the request again (real headless Chromium against the emulator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfchat import AsyncHuggingChatClient, HuggingChatClient, store
from hfchat.errors import AuthenticationError
from hfchat.testing import FakeHuggingChat

from .conftest import EMAIL, PASSWORD

pytestmark = pytest.mark.browser

OPTIONS = {"headless": True, "timeout": 30, "email": EMAIL, "password": PASSWORD}


def test_sync_client_logs_in_once_and_retries(fake: FakeHuggingChat, browser_tmp: Path) -> None:
    with HuggingChatClient(
        base_url=fake.base_url, model="fake/echo", auto_login=True, login_options=OPTIONS
    ) as client:
        result = client.chat("after login")
        assert result.text == "Echo: after login"
        assert client.whoami() is not None
    saved = store.load(fake.base_url)
    assert saved and saved["hf-chat"]
    sends = [q for q in fake.requests if q.method == "POST" and q.path == "/conversation"]
    assert [q.status for q in sends] == [401, 200]  # refused anonymously, then sent again


async def test_async_client_logs_in_once_and_retries(
    fake: FakeHuggingChat, browser_tmp: Path
) -> None:
    async with AsyncHuggingChatClient(
        base_url=fake.base_url, model="fake/echo", auto_login=True, login_options=OPTIONS
    ) as client:
        result = await client.chat("async after login")
    assert result.text == "Echo: async after login"
    assert store.load(fake.base_url)


def test_without_auto_login_the_error_names_the_command(fake: FakeHuggingChat) -> None:
    with HuggingChatClient(base_url=fake.base_url, model="fake/echo") as client:
        with pytest.raises(AuthenticationError, match="hfchat login"):
            client.chat("x")
