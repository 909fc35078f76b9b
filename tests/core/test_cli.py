"""The ``hfchat`` command line: models, chat, emulator; one-line errors and exit codes."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time

import pytest

from hfchat.cli import main
from hfchat.testing import FakeHuggingChat


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_models(huggingchat_emulator: FakeHuggingChat) -> None:
    out = io.StringIO()
    assert main(["--base-url", huggingchat_emulator.base_url, "models"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("omni") and "router" in lines[0]
    assert any(line.startswith("fake/vision") and "multimodal" in line for line in lines)


def test_chat_streams_reasoning_apart_and_dimmed(huggingchat_emulator: FakeHuggingChat) -> None:
    out = TTY()
    code = main(
        ["--base-url", huggingchat_emulator.base_url, "chat", "-m", "fake/reasoner", "why", "so"],
        out=out,
    )
    text = out.getvalue()
    assert code == 0
    assert "\x1b[2m[reasoning] Thinking" in text and "\x1b[0m" in text
    assert text.index("Thinking") < text.index("Echo: why so")
    assert "Title: Fake title" in text and "<think>" not in text


def test_chat_lists_sources_and_plain_output_off_a_tty(
    huggingchat_emulator: FakeHuggingChat,
) -> None:
    out = io.StringIO()
    args = ["--base-url", huggingchat_emulator.base_url, "chat", "-m", "fake/websearch"]
    assert main([*args, "--web-search", "--delete", "news"], out=out) == 0
    text = out.getvalue()
    assert "Sources:\n  [1] Example A <https://example.com/a>" in text
    assert "\x1b[" not in text
    assert huggingchat_emulator.conversations == {}  # --delete


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--base-url", "http://127.0.0.1:9", "models"], 6, "TransportError"),
        (["--base-url", "ftp://x", "models"], 2, "ConfigurationError"),
    ],
)
def test_errors_are_one_line_with_exit_codes(
    argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv, out=io.StringIO()) == code
    err = capsys.readouterr().err
    assert err.startswith(f"hfchat: {message}") and err.count("\n") == 1


def test_auth_error_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeHuggingChat(require_login=True) as fake:
        code = main(
            ["--base-url", fake.base_url, "chat", "-m", "fake/echo", "hi"], out=io.StringIO()
        )
    assert code == 3
    assert "hfchat login" in capsys.readouterr().err


def test_emulator_command_serves_until_stopped() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hfchat.cli", "emulator", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        from hfchat import HuggingChatClient

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        with HuggingChatClient(base_url=f"http://127.0.0.1:{port}", model="fake/echo") as c:
            assert c.chat("over the CLI emulator").text == "Echo: over the CLI emulator"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in out
