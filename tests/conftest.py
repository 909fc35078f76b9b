"""Shared test set-up: isolation from the developer's credentials, and the opt-in live tests
(marker ``live``; they run only when ``HUGGINGCHAT_COOKIE`` is set). The emulator fixtures
(``huggingchat_emulator``, ``huggingchat_emulator_2024``) come from the package's pytest plugin
(entry point ``pytest11``), as they do in users' own test suites."""

from __future__ import annotations

import os

import pytest

LIVE_COOKIE = os.environ.get("HUGGINGCHAT_COOKIE") or None


@pytest.fixture(autouse=True)
def _isolated_credentials(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's cookie store or environment by accident."""
    monkeypatch.setenv("HFCHAT_CONFIG_DIR", str(tmp_path_factory.mktemp("hfchat-config")))
    for name in ("HUGGINGCHAT_BASE_URL", "HUGGINGCHAT_PROXY", "HUGGINGCHAT_COOKIE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def live_cookie() -> str:
    """The real HuggingChat cookie for live tests (they are skipped without it)."""
    if not LIVE_COOKIE:
        pytest.skip("live test: set HUGGINGCHAT_COOKIE to run against HuggingChat")
    return LIVE_COOKIE


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LIVE_COOKIE:
        return
    skip = pytest.mark.skip(reason="live test: set HUGGINGCHAT_COOKIE to run against HuggingChat")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)
