"""Browser login end to end: real headless Chromium driven through nodriver against the emulator.

Every test checks that the browser (its whole process group) is gone and its profile deleted.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import stat
import threading
import time
from pathlib import Path

import pytest

from hfchat import AuthenticationError, HuggingChatClient, store
from hfchat.cli import main
from hfchat.login import alogin, login, logout
from hfchat.testing import FakeHuggingChat, login_pages
from langchain_hfchat import ChatHuggingChat

from .conftest import (
    EMAIL,
    PASSWORD,
    assert_browser_gone,
    files_containing,
    live_processes_mentioning,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


def _wait_until(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def _form_shown(fake: FakeHuggingChat) -> bool:
    return any(r.path == "/login/oauth/authorize" and r.status == 200 for r in fake.requests)


def test_unattended_login_store_adapter_and_logout(
    fake: FakeHuggingChat,
    browser_tmp: Path,
    workdir: Path,
    config_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    login_pages(fake).require(EMAIL, PASSWORD)

    cookies = login(fake.base_url, headless=True, timeout=30, email=EMAIL, password=PASSWORD)

    assert set(cookies) == {"hf-chat", "token"}
    assert_browser_gone(browser_tmp)
    # the DevTools transport loggers were held at WARNING only while the browser ran
    assert logging.getLogger("websockets").level == logging.NOTSET
    assert logging.getLogger("nodriver").level == logging.NOTSET
    assert fake.store.sessions[cookies["hf-chat"]].user is not None
    path = store.path_for(fake.base_url)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert store.load(fake.base_url) == cookies
    assert store.load_record(fake.base_url)["username"] == "emulator-user"  # type: ignore[index]
    secrets = [*cookies.values(), PASSWORD]
    for secret in secrets:
        assert files_containing(config_dir, secret) == ([path] if secret != PASSWORD else [])
        assert files_containing(workdir, secret) == []
        assert files_containing(browser_tmp, secret) == []

    # the LangChain adapter picks the stored session up (no cookie passed, no env var)
    model = ChatHuggingChat(base_url=fake.base_url, model="fake/echo")
    assert model.invoke("hello").content == "Echo: hello"
    create = [r for r in fake.requests if r.method == "POST" and r.path == "/conversation"]
    assert create[-1].cookies["hf-chat"] == cookies["hf-chat"]

    assert logout(fake.base_url) is True
    assert not path.exists()
    assert cookies["hf-chat"] not in fake.store.sessions  # the server session is gone too
    with pytest.raises(AuthenticationError) as info:
        ChatHuggingChat(base_url=fake.base_url, model="fake/echo").invoke("hello again")
    assert "hfchat login" in str(info.value)

    with HuggingChatClient(base_url=fake.base_url) as client:
        assert client.whoami() is None
        client_repr = repr(client)
    seen = "\n".join(
        [caplog.text, str(info.value), repr(info.value), repr(model), client_repr]
        + [repr(r.args) for r in caplog.records]
    )
    for secret in secrets:
        assert secret not in seen
        assert files_containing(config_dir, secret) == []
        assert files_containing(workdir, secret) == []


async def test_rejected_credentials_fail_fast(
    fake: FakeHuggingChat, browser_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    login_pages(fake).require(EMAIL, PASSWORD)
    with pytest.raises(AuthenticationError, match="not accepted") as info:
        await alogin(fake.base_url, headless=True, timeout=25, email=EMAIL, password="wrong pw")
    # failing fast: the refusal is reported, not the 25 s timeout (durations: benchmarks/timings.py)
    assert "did not finish" not in str(info.value)
    assert "wrong pw" not in str(info.value) + caplog.text
    assert store.load(fake.base_url) is None
    assert all(s.user is None for s in fake.store.sessions.values())
    assert_browser_gone(browser_tmp)


def test_timeout_without_credentials(fake: FakeHuggingChat, browser_tmp: Path) -> None:
    with pytest.raises(AuthenticationError, match=r"did not finish within 2 s") as info:
        login(fake.base_url, headless=True, timeout=2)
    assert fake.base_url in str(info.value)
    assert store.load(fake.base_url) is None
    assert_browser_gone(browser_tmp)


async def test_cancelling_the_task_closes_the_browser(
    fake: FakeHuggingChat, browser_tmp: Path
) -> None:
    task = asyncio.create_task(alogin(fake.base_url, headless=True, timeout=30))
    for _ in range(400):
        if _form_shown(fake) or task.done():
            break
        await asyncio.sleep(0.05)
    assert _form_shown(fake)
    assert live_processes_mentioning(str(browser_tmp))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_browser_gone(browser_tmp)


def test_ctrl_c_closes_the_browser(fake: FakeHuggingChat, browser_tmp: Path) -> None:
    def interrupt() -> None:
        _wait_until(lambda: _form_shown(fake))
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt, daemon=True)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        login(fake.base_url, headless=True, timeout=30)
    thread.join(5)
    assert_browser_gone(browser_tmp)


def test_cli_login_whoami_logout(
    fake: FakeHuggingChat,
    browser_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_EMAIL", EMAIL)
    monkeypatch.setenv("HF_PASSWORD", PASSWORD)
    base = ["--base-url", fake.base_url]
    out = io.StringIO()
    assert main([*base, "login", "--headless", "--timeout-login", "30"], out=out) == 0
    cookies = store.load(fake.base_url)
    assert cookies
    assert "emulator-user" in out.getvalue()
    assert str(store.path_for(fake.base_url)) in out.getvalue()
    assert_browser_gone(browser_tmp)

    who = io.StringIO()
    assert main([*base, "whoami"], out=who) == 0
    assert "emulator-user" in who.getvalue()

    bye = io.StringIO()
    assert main([*base, "logout"], out=bye) == 0
    assert "Logged out" in bye.getvalue()
    assert store.load(fake.base_url) is None
    assert main([*base, "whoami"], out=io.StringIO()) == 3

    printed = out.getvalue() + who.getvalue() + bye.getvalue() + "".join(capsys.readouterr())
    for secret in cookies.values():
        assert secret not in printed


async def test_sync_login_inside_a_running_loop_2024_with_base_path(browser_tmp: Path) -> None:
    with FakeHuggingChat(generation="2024", base_path="/chat", require_login=True) as fake:
        cookies = login(fake.base_url, headless=True, timeout=30, email=EMAIL, password=PASSWORD)
        assert fake.store.sessions[cookies["hf-chat"]].user is not None
        assert store.load(fake.base_url) == cookies
    assert_browser_gone(browser_tmp)
