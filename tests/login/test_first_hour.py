"""A newcomer's login paths: commands that cannot work fail at once in one line, nodriver's
bare exceptions become typed errors, the browser inherits no credential, the store refuses an
unsafe sessions folder, and the browser tests skip (or fail in CI) without Chromium."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from hfchat import AuthenticationError, ConfigurationError, store
from hfchat import browser as browser_mod
from hfchat import login as login_mod
from hfchat.cli import main

from . import conftest


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv, out=io.StringIO())
    return code, capsys.readouterr().err


def test_headless_without_credentials_fails_at_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_browser(*a: Any, **k: Any) -> Any:
        raise AssertionError("no browser may start")

    monkeypatch.setattr(login_mod, "login", no_browser)
    code, err = _cli(["--base-url", "http://127.0.0.1:9", "login", "--headless"], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "HF_EMAIL" in err and "HF_PASSWORD" in err and "HUGGINGCHAT_COOKIE" in err


def test_no_display_fails_at_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(login_mod, "login", lambda *a, **k: pytest.fail("no browser may start"))
    code, err = _cli(["--base-url", "http://127.0.0.1:9", "login"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "no display" in err and "--headless" in err and "HUGGINGCHAT_COOKIE" in err
    monkeypatch.setenv("DISPLAY", ":0")
    assert browser_mod.display_available()


async def test_nodriver_bare_exception_is_a_typed_error() -> None:
    class FakeProc:
        profile = Path("/nonexistent")

        def read_port(self) -> int:
            return 9

    class FakeNodriver:
        class Config:
            def __init__(self, **kw: Any) -> None:
                self.kw = kw

        @staticmethod
        async def start(config: Any) -> Any:
            raise Exception("Failed to connect to browser")

    with pytest.raises(ConfigurationError, match="could not connect to the browser"):
        await login_mod._connect(FakeNodriver, FakeProc(), "/usr/bin/chromium")  # type: ignore[arg-type]


def test_cli_prints_the_connect_failure_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")

    def fail(*a: Any, **k: Any) -> Any:
        raise ConfigurationError("could not connect to the browser (Exception: Failed)")

    monkeypatch.setattr(login_mod, "login", fail)
    code, err = _cli(["--base-url", "http://127.0.0.1:9", "login"], capsys)
    assert code == 2
    assert (
        err == "hfchat: ConfigurationError: could not connect to the browser (Exception: Failed)\n"
    )


def test_the_browser_inherits_no_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = tmp_path / "env.txt"
    fake_browser = tmp_path / "fake-browser"
    fake_browser.write_text(f"#!/bin/sh\nenv > {dump}\n")
    fake_browser.chmod(0o755)
    for name in browser_mod.SCRUBBED_ENV:
        monkeypatch.setenv(name, f"secret-{name.lower()}")
    monkeypatch.setenv("HFCHAT_HARMLESS", "kept")
    proc = browser_mod.BrowserProcess.launch(str(fake_browser), headless=True)
    try:
        deadline = time.monotonic() + 20
        while not (dump.exists() and "HFCHAT_HARMLESS" in dump.read_text()):
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        proc.close()
    seen = dump.read_text()
    assert "HFCHAT_HARMLESS=kept" in seen
    for name in browser_mod.SCRUBBED_ENV:
        assert f"secret-{name.lower()}" not in seen


def test_store_refuses_a_symlinked_sessions_folder(config_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "sessions").symlink_to(target)
    with pytest.raises(ConfigurationError, match="symbolic link"):
        store.save("http://127.0.0.1:9", {"hf-chat": "abc"})
    assert stat.S_IMODE(target.stat().st_mode) == 0o755  # its target was not chmod-ed
    assert list(target.iterdir()) == []
    (target / f"{store.path_for('http://127.0.0.1:9').name}").write_text(
        '{"cookies": {"hf-chat": "planted"}}'
    )
    assert store.load("http://127.0.0.1:9") is None  # not read through the link


def test_store_refuses_a_sessions_folder_of_another_user(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save("http://127.0.0.1:9", {"hf-chat": "abc"})
    assert store.load("http://127.0.0.1:9") == {"hf-chat": "abc"}
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)
    with pytest.raises(ConfigurationError, match="another user"):
        store.save("http://127.0.0.1:9", {"hf-chat": "abc"})
    assert store.load("http://127.0.0.1:9") is None


def test_browser_tests_skip_with_the_package_name_or_fail_in_ci(tmp_path: Path) -> None:
    """Run a browser-marked test where no browser can be found: a skip naming `chromium`;
    with HFCHAT_REQUIRE_BROWSER=1 a failure."""
    test = tmp_path / "tests" / "login"
    test.mkdir(parents=True)
    (tmp_path / "tests" / "__init__.py").write_text("")
    (test / "__init__.py").write_text("")
    (test / "conftest.py").write_text(Path(conftest.__file__).read_text())
    (test / "test_b.py").write_text(
        "import pytest\n\n@pytest.mark.browser\ndef test_b():\n    pass\n"
    )
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {
        k: v for k, v in os.environ.items() if k not in ("HFCHAT_BROWSER", "HFCHAT_REQUIRE_BROWSER")
    }
    env["PATH"] = str(empty)
    env["HFCHAT_BROWSER"] = ""
    code = (
        "import sys, pytest; from hfchat import browser as b; b._KNOWN_PATHS = (); "
        "sys.exit(pytest.main(['-q', '-rs', '-p', 'no:cacheprovider', 'tests']))"
    )

    def run(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )

    skipped = run({})
    assert skipped.returncode == 0, skipped.stdout
    assert "1 skipped" in skipped.stdout and "`chromium`" in skipped.stdout
    required = run({"HFCHAT_REQUIRE_BROWSER": "1"})
    assert required.returncode == 1 and "HFCHAT_REQUIRE_BROWSER=1 but" in required.stdout


async def test_a_bare_exception_opening_the_page_is_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[bool] = []

    class FakeProc:
        def close(self) -> None:
            closed.append(True)

    class FakeBrowser:
        async def get(self, url: str) -> Any:
            raise Exception("Browser window not found")

    async def connect(*a: Any) -> FakeBrowser:
        return FakeBrowser()

    async def disconnect(*a: Any) -> None:
        return None

    monkeypatch.setattr(login_mod.BrowserProcess, "launch", lambda *a, **k: FakeProc())
    monkeypatch.setattr(login_mod, "_connect", connect)
    monkeypatch.setattr(login_mod, "_disconnect", disconnect)
    watch = login_mod._Watch(base="http://127.0.0.1:9", credentials=None)
    with pytest.raises(ConfigurationError, match="could not open the sign-in page"):
        await login_mod._browser_flow(object(), "/bin/true", watch, headless=True)
    assert closed == [True]  # the browser was ended all the same


def test_ctrl_c_wins_over_an_error_the_teardown_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C under ``asyncio.run`` cancels the login task; when the browser's connection then
    fails under a read and the flow raises a typed error, Ctrl-C must still come out as
    KeyboardInterrupt (the race seen once in the real browser test)."""
    started = threading.Event()

    async def flow(*a: Any, **k: Any) -> Any:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            raise AuthenticationError("the browser was closed mid-sign-in") from None

    monkeypatch.setattr(login_mod, "_import_nodriver", lambda: object())
    monkeypatch.setattr(login_mod, "find_browser", lambda path=None: "/bin/true")
    monkeypatch.setattr(login_mod, "_browser_flow", flow)

    def interrupt() -> None:
        started.wait(10)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt, daemon=True)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        login_mod.login("http://127.0.0.1:9", headless=True, email="a@b.c", password="pw")
    thread.join(5)


async def test_a_typed_error_without_a_cancel_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    async def flow(*a: Any, **k: Any) -> Any:
        raise AuthenticationError("the browser was closed before the sign-in finished")

    monkeypatch.setattr(login_mod, "_import_nodriver", lambda: object())
    monkeypatch.setattr(login_mod, "find_browser", lambda path=None: "/bin/true")
    monkeypatch.setattr(login_mod, "_browser_flow", flow)
    with pytest.raises(AuthenticationError, match="browser was closed"):
        await login_mod.alogin("http://127.0.0.1:9", headless=True, email="a@b.c", password="p")
