"""Fixtures for the login tests: a private temp dir for the browser profile (so leftover
browser processes can be found by their command line), a private working directory, and an
emulator that requires login."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hfchat.testing import FakeHuggingChat

EMAIL = "emulator-user@example.com"
PASSWORD = "correct horse battery staple"


def live_processes_mentioning(marker: str) -> list[int]:
    """Pids of running (not zombie) processes whose command line contains ``marker``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            )
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state not in ("Z", "X"):
            pids.append(int(entry.name))
    return pids


def files_containing(root: Path, needle: str) -> list[Path]:
    """Every file under ``root`` whose bytes contain ``needle``."""
    found = []
    data = needle.encode()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            try:
                if data in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


@pytest.fixture
def browser_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Python's temp dir for this test (the browser's profile is created in it)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private current working directory (scanned for leaked secrets)."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def config_dir() -> Path:
    """The per-test ``HFCHAT_CONFIG_DIR`` set by the root conftest."""
    return Path(os.environ["HFCHAT_CONFIG_DIR"])


@pytest.fixture
def fake() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat(require_login=True) as server:
        yield server


def assert_browser_gone(browser_tmp: Path) -> None:
    """No live process runs with a profile under ``browser_tmp``; the profile was deleted."""
    assert live_processes_mentioning(str(browser_tmp)) == []
    assert list(browser_tmp.glob("hfchat-login-*")) == []


@pytest.fixture(autouse=True)
def _no_login_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own sign-in settings never leak into a test."""
    for name in ("HF_EMAIL", "HF_PASSWORD", "HFCHAT_BROWSER"):
        monkeypatch.delenv(name, raising=False)


REQUIRE_BROWSER_ENV = "HFCHAT_REQUIRE_BROWSER"
BROWSER_PACKAGE_HINT = (
    "no Chrome or Chromium found: install the Debian package `chromium` "
    "(apt-get install chromium) or set HFCHAT_BROWSER; .ci/run installs it and sets "
    f"{REQUIRE_BROWSER_ENV}=1 so these tests cannot be skipped there"
)


def browser_unavailable() -> str | None:
    """Why the real-browser tests cannot run here (None when they can)."""
    from hfchat.browser import find_browser
    from hfchat.errors import ConfigurationError

    try:
        import nodriver  # noqa: F401
    except ImportError:
        return 'nodriver is not installed: pip install -e ".[browser]"'
    try:
        find_browser()
    except ConfigurationError:
        return BROWSER_PACKAGE_HINT
    return None


@pytest.fixture(autouse=True)
def _needs_a_browser(request: pytest.FixtureRequest) -> None:
    """Tests marked ``browser`` skip (with the package to install) where no browser exists,
    unless ``HFCHAT_REQUIRE_BROWSER=1`` (CI) turns that into a failure."""
    if request.node.get_closest_marker("browser") is None:
        return
    reason = browser_unavailable()
    if reason is None:
        return
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(f"{REQUIRE_BROWSER_ENV}=1 but {reason}")
    pytest.skip(reason)
