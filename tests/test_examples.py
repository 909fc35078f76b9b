"""The examples: the clients' precedence for the server, loud about scripted replies, real
argument parsing, no ANSI into pipes, and the README's main-job command offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hfchat import store
from hfchat.testing import FakeHuggingChat

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HUGGINGCHAT_COOKIE", "HUGGINGCHAT_BASE_URL", "HUGGINGCHAT_MODEL", "NO_COLOR")
    }
    env["HFCHAT_CONFIG_DIR"] = str(tmp_path / "config")  # no stored login
    env.update(extra)
    return env


def _run(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_readme_main_job_works_offline_and_says_so(tmp_path: Path) -> None:
    done = _run("quickstart.py", "What is the capital of France?", env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "OFFLINE DEMO" in done.stdout and "not a real model" in done.stdout
    assert "Echo: What is the capital of France?" in done.stdout
    assert "\x1b[" not in done.stdout  # no color into a pipe


def test_help_is_not_a_question(tmp_path: Path) -> None:
    done = _run("quickstart.py", "--help", env=_env(tmp_path))
    assert done.returncode == 0
    assert done.stdout.startswith("usage:") and "--base-url" in done.stdout
    assert "Echo" not in done.stdout and "OFFLINE" not in done.stdout


def test_rag_does_not_answer_another_question_with_the_script(tmp_path: Path) -> None:
    done = _run("llama_index_rag.py", "When did the bakery open?", env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "canned reply" in done.stdout and "does NOT answer it" in done.stdout
    assert "Morag Finlay" not in done.stdout
    own = _run("llama_index_rag.py", env=_env(tmp_path))
    assert "Morag Finlay" in own.stdout and "SCRIPTED" in own.stdout


def test_base_url_from_the_environment_is_used(tmp_path: Path) -> None:
    with FakeHuggingChat() as server:
        env = _env(tmp_path, HUGGINGCHAT_BASE_URL=server.base_url, HUGGINGCHAT_MODEL="fake/echo")
        done = _run("quickstart.py", "hi there", env=env)
        assert done.returncode == 0, done.stderr
        assert f"Using {server.base_url} (HUGGINGCHAT_BASE_URL" in done.stdout
        assert "OFFLINE" not in done.stdout
        assert "Echo: hi there" in done.stdout
        assert any(r.route == "post" for r in server.requests)  # it really talked to it


def test_stored_login_and_cookie_choose_the_real_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import example_target

    from hfchat._core import DEFAULT_BASE_URL

    monkeypatch.setenv("HFCHAT_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("HUGGINGCHAT_COOKIE", raising=False)
    monkeypatch.delenv("HUGGINGCHAT_BASE_URL", raising=False)
    monkeypatch.setattr(example_target, "OPTIONS", example_target.OPTIONS)
    example_target.OPTIONS.emulator = False
    example_target.OPTIONS.base_url = None
    assert example_target.pick_target().offline
    store.save(DEFAULT_BASE_URL, {"hf-chat": "stored"})
    target = example_target.pick_target()
    assert target.base_url == DEFAULT_BASE_URL and "hfchat login" in target.why
    store.delete(DEFAULT_BASE_URL)
    monkeypatch.setenv("HUGGINGCHAT_COOKIE", "c")
    assert example_target.pick_target().why == "HUGGINGCHAT_COOKIE is set"
    example_target.OPTIONS.emulator = True
    assert example_target.pick_target().offline  # --emulator wins
    example_target.OPTIONS.emulator = False
