"""The ``hfchat`` command line: models, chat, emulator; one-line errors and exit codes."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from typing import Any

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


# -- issue 11: version, help, stdin, --json, --quiet, helpful errors, emulator, interactive ----


def _run(
    *argv: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hfchat.cli", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_version() -> None:
    import hfchat

    done = _run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"hfchat {hfchat.__version__}"


def test_help_lists_exit_codes_and_every_option_has_help() -> None:
    import argparse

    from hfchat.cli import _parser

    parser = _parser()
    assert "exit codes:" in parser.format_help() and "130" in parser.format_help()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in [("hfchat", parser), *subparsers.choices.items()]:
        assert "exit codes:" in sub.format_help(), name
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_chat_dash_reads_standard_input(huggingchat_emulator: FakeHuggingChat) -> None:
    url = huggingchat_emulator.base_url
    done = _run("--base-url", url, "chat", "-m", "fake/echo", "-q", "-", stdin="from stdin\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: from stdin\n"  # --quiet: the answer only, no ANSI in a pipe


def test_no_prompt_off_a_terminal_is_a_usage_error(huggingchat_emulator: FakeHuggingChat) -> None:
    done = _run("--base-url", huggingchat_emulator.base_url, "chat", stdin="")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "pass - to read standard input" in done.stderr


def test_json_prints_one_object(huggingchat_emulator: FakeHuggingChat) -> None:
    import json

    out = io.StringIO()
    args = ["--base-url", huggingchat_emulator.base_url, "chat", "-m", "fake/websearch"]
    assert main([*args, "--web-search", "--json", "news"], out=out) == 0
    data = json.loads(out.getvalue())
    assert set(data) == {"text", "reasoning", "title", "sources", "conversation_id", "model"}
    assert data["text"].startswith("Echo: news")
    assert data["sources"][0] == {"url": "https://example.com/a", "title": "Example A"}
    assert data["conversation_id"] in huggingchat_emulator.conversations
    assert data["model"] == "fake/websearch" and data["title"]


def test_quiet_hides_reasoning_and_footer(huggingchat_emulator: FakeHuggingChat) -> None:
    out = TTY()
    args = ["--base-url", huggingchat_emulator.base_url, "chat", "-m", "fake/reasoner", "-q"]
    assert main([*args, "why"], out=out) == 0
    assert out.getvalue() == "Echo: why\n"


def test_unknown_model_names_it_and_suggests_models(
    huggingchat_emulator: FakeHuggingChat, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--base-url", huggingchat_emulator.base_url, "chat", "-m", "no/such-model", "hi"]
    assert main(argv, out=io.StringIO()) == 5
    err = capsys.readouterr().err
    assert "'no/such-model'" in err and "hfchat models" in err and err.count("\n") == 1


def test_wrong_base_path_names_the_url_and_suggests_chat(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeHuggingChat(base_path="/chat") as fake:
        assert main(["--base-url", fake.origin, "models"], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert fake.origin in err and "/chat" in err and "404" in err and err.count("\n") == 1


def test_https_against_plain_http_says_so(
    huggingchat_emulator: FakeHuggingChat, capsys: pytest.CaptureFixture[str]
) -> None:
    https = huggingchat_emulator.base_url.replace("http://", "https://")
    assert main(["--base-url", https, "models"], out=io.StringIO()) == 6
    err = capsys.readouterr().err
    assert "does not speak TLS" in err and huggingchat_emulator.base_url in err
    assert not any(r.route == "models" for r in huggingchat_emulator.requests)


def test_emulator_busy_port_is_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        done = _run("emulator", "--port", str(s.getsockname()[1]), timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith("hfchat: cannot listen on 127.0.0.1:")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""  # no banner before the bind


def test_emulator_invalid_port_is_one_line() -> None:
    done = _run("emulator", "--port", "70000", timeout=30)
    assert done.returncode == 2
    assert done.stderr == "hfchat: invalid port 70000: use 0-65535 (0 picks a free one)\n"


def test_emulator_banner_after_bind_with_export_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hfchat.cli", "emulator", "--port", "0", "--base-path", "chat"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        export = next(line for line in lines if "export HUGGINGCHAT_BASE_URL=" in line)
        url = export.split("=", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/chat")
        assert "//chat" not in url and ":0/" not in url
        assert "scripted" in "".join(lines) and "\x1b[" not in "".join(lines)
        from hfchat import HuggingChatClient

        with HuggingChatClient(base_url=url, model="fake/echo") as c:  # bound before printing
            assert c.chat("hi").text == "Echo: hi"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


# -- the interactive session, through a pseudo-terminal ----------------------------------------


def _spawn(*argv: str) -> Any:
    import os

    import pexpect

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm"
    return pexpect.spawn(
        sys.executable,
        ["-m", "hfchat.cli", *argv],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )


def test_interactive_session_is_one_conversation(huggingchat_emulator: FakeHuggingChat) -> None:
    import pexpect

    fake = huggingchat_emulator
    child = _spawn("--base-url", fake.base_url, "chat", "-m", "fake/reasoner", "--web-search")
    try:
        child.expect_exact(">>> ")
        child.sendline("first question")
        child.expect_exact("\x1b[2m[reasoning] ")  # reasoning dimmed and apart
        child.expect_exact("Echo: first question")
        child.expect_exact("Title: ")
        child.expect_exact(">>> ")
        child.sendline("second question")
        child.expect_exact("Echo: second question")
        child.expect_exact(">>> ")
        creates = [r for r in fake.requests if r.route == "create"]
        posts = [r for r in fake.requests if r.route == "post"]
        assert len(creates) == 1 and len(posts) == 2  # one conversation, the follow-up in it
        assert posts[1].data["inputs"] == "second question"  # only the new turn was sent
        child.sendline("/model fake/websearch")
        child.expect_exact("(model fake/websearch; new conversation)")
        child.sendline("news")
        child.expect_exact("Sources:")
        child.expect_exact("[1] Example A <https://example.com/a>")
        child.expect_exact(">>> ")
        assert len([r for r in fake.requests if r.route == "create"]) == 2
        child.sendline("/new")
        child.expect_exact("(new conversation)")
        child.sendline("/bogus")
        child.expect_exact("unknown command /bogus")
        child.sendeof()  # Ctrl-D ends it
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_interactive_ctrl_c_stops_the_answer_and_the_server() -> None:
    import pexpect

    with FakeHuggingChat(slow_tokens=400, slow_delay=0.05) as fake:
        child = _spawn("--base-url", fake.base_url, "chat", "-m", "fake/slow")
        try:
            child.expect_exact(">>> ")
            child.sendline("go")
            child.expect_exact("tok3 ")
            child.sendintr()  # Ctrl-C
            child.expect_exact("(stopped)")
            child.expect_exact(">>> ")
            child.sendline("/exit")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 0
        assert "tok399" not in (child.before or "")
        deadline = time.monotonic() + 10
        while not any(r.route == "stop" for r in fake.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(r.route == "stop" for r in fake.requests)  # the server's generation stopped


def test_one_shot_ctrl_c_stops_the_server_and_exits_130() -> None:
    import pexpect

    with FakeHuggingChat(slow_tokens=400, slow_delay=0.05) as fake:
        child = _spawn("--base-url", fake.base_url, "chat", "-m", "fake/slow", "go")
        try:
            child.expect_exact("tok3 ")
            child.sendintr()
            child.expect_exact("hfchat: interrupted")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 130
        assert "Traceback" not in (child.before or "")
        deadline = time.monotonic() + 10
        while not any(r.route == "stop" for r in fake.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(r.route == "stop" for r in fake.requests)


def test_interactive_unknown_model_is_one_line_and_the_session_goes_on(
    huggingchat_emulator: FakeHuggingChat,
) -> None:
    import pexpect

    child = _spawn("--base-url", huggingchat_emulator.base_url, "chat", "-m", "fake/echo")
    try:
        child.expect_exact(">>> ")
        child.sendline("/model no/such-model")
        child.expect_exact("(model no/such-model; new conversation)")
        child.sendline("hello")
        child.expect_exact("ModelNotFoundError: model 'no/such-model'")
        child.expect_exact("hfchat models")
        child.expect_exact(">>> ")
        child.sendline("/model fake/echo")
        child.sendline("again")
        child.expect_exact("Echo: again")
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_interactive_line_editing_and_history(huggingchat_emulator: FakeHuggingChat) -> None:
    import pexpect

    child = _spawn("--base-url", huggingchat_emulator.base_url, "chat", "-m", "fake/echo")
    try:
        child.expect_exact(">>> ")
        child.sendline("one two")
        child.expect_exact("Echo: one two")
        child.expect_exact(">>> ")
        child.send("\x1b[A")  # arrow up: the previous line comes back (readline history)
        child.send("\x7fX\r")  # backspace edits it
        child.expect_exact("Echo: one twX")
        child.expect_exact(">>> ")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
