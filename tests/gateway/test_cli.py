"""``hfchat serve``: the loopback rule, the ready line, lazy imports, shutdown and disconnects
stopping the generations in flight."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO

import httpx
import pytest

from hfchat.cli import main
from hfchat.gateway import cli as gateway_cli
from hfchat.testing import FakeHuggingChat

from .conftest import run_gateway

KEY = "cli-secret-key-77a1"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_non_loopback_without_key_refuses(
    host: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HFCHAT_API_KEY", raising=False)
    bound: list[object] = []
    monkeypatch.setattr(gateway_cli, "_bind", lambda *a: bound.append(a))
    code = main(["serve", "--host", host, "--port", "0"])
    err = capsys.readouterr().err
    assert code != 0
    assert "API key" in err and "HFCHAT_API_KEY" in err
    assert not bound  # refused before binding anything


@pytest.mark.parametrize("source", ["flag", "env"])
def test_non_loopback_with_key_goes_on_to_bind(
    source: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(host: str, port: int) -> None:
        raise OSError("not in tests")

    monkeypatch.setattr(gateway_cli, "_bind", refuse)  # never bind a public interface in tests
    argv = ["serve", "--host", "0.0.0.0", "--port", "0"]
    if source == "flag":
        argv += ["--api-key", KEY]
    else:
        monkeypatch.setenv("HFCHAT_API_KEY", KEY)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1 and "cannot listen on 0.0.0.0" in err
    assert KEY not in err


def test_loopback_hosts() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert gateway_cli.is_loopback(host), host
    for host in ("0.0.0.0", "::", "10.0.0.1", "example.org", ""):
        assert not gateway_cli.is_loopback(host), host


def test_missing_extra_is_one_clean_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    code = main(["serve", "--port", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "hfchat[serve]" in err and "Traceback" not in err


def test_importing_hfchat_does_not_import_starlette() -> None:
    code = (
        "import sys, hfchat, hfchat.cli, hfchat.gateway, hfchat.gateway.cli; "
        "bad = [m for m in ('starlette', 'uvicorn') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def _lines(stream: IO[str]) -> queue.Queue[str]:
    q: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            q.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return q


@pytest.fixture
def slow_emulator() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat(slow_tokens=3000, slow_delay=0.01) as fake:
        yield fake


def _start(
    fake: FakeHuggingChat, *extra: str
) -> tuple[subprocess.Popen[str], str, queue.Queue[str]]:
    env = {**os.environ, "HUGGINGCHAT_BASE_URL": fake.base_url, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hfchat.cli", "serve", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    try:
        line = _lines(proc.stdout).get(timeout=30)
    except queue.Empty:
        proc.kill()
        raise AssertionError("no ready line within 30 s") from None
    assert proc.stderr is not None
    return proc, line, _lines(proc.stderr)


def _stop_requests(fake: FakeHuggingChat, wait: float = 10.0) -> int:
    """Stop-generating requests the emulator received (waiting up to ``wait`` s for one)."""
    deadline = time.monotonic() + wait
    while True:
        n = len([r for r in fake.requests if r.route == "stop"])
        if n or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


def test_port_zero_prints_ready_line_and_serves(slow_emulator: FakeHuggingChat) -> None:
    proc, line, err_lines = _start(slow_emulator, "--api-key", KEY)
    try:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/v1", line)
        assert m, line
        url = m.group(0)
        assert int(m.group(1)) > 0
        assert httpx.get(url.replace("/v1", "/health"), timeout=30).status_code == 200
        resp = httpx.get(f"{url}/models", headers={"authorization": f"Bearer {KEY}"}, timeout=30)
        assert resp.status_code == 200 and resp.json()["data"]
        assert httpx.get(f"{url}/models", timeout=30).status_code == 401
        # an in-flight stream is stopped (server side too) when the gateway shuts down
        with httpx.stream(
            "POST",
            f"{url}/chat/completions",
            headers={"authorization": f"Bearer {KEY}"},
            json={
                "model": "fake/slow",
                "messages": [{"role": "user", "content": "long"}],
                "stream": True,
            },
            timeout=30,
        ) as stream:
            lines = stream.iter_lines()
            got = [next(lines) for _ in range(6)]
            assert any('"content"' in g for g in got)
            proc.send_signal(signal.SIGINT)
            tail = list(lines)  # the stream ends (not after 3000 tokens)
        assert proc.wait(30) is not None
        assert tail and not any("[DONE]" in t for t in tail[-1:])
        assert _stop_requests(slow_emulator) >= 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    logged = []
    while not err_lines.empty():
        logged.append(err_lines.get())
    text = "".join(logged)
    assert "GET /v1/models 200" in text and "GET /v1/models 401" in text  # request log
    assert KEY not in text  # ... without secrets


def test_client_disconnect_stops_the_generation(slow_emulator: FakeHuggingChat) -> None:
    with run_gateway(slow_emulator) as gw:
        with httpx.stream(
            "POST",
            f"{gw.url}/chat/completions",
            json={
                "model": "fake/slow",
                "messages": [{"role": "user", "content": "long"}],
                "stream": True,
            },
            timeout=30,
        ) as stream:
            lines = stream.iter_lines()
            for _ in range(6):
                next(lines)
        # the client went away after a few tokens: the server's generation is stopped
        assert _stop_requests(slow_emulator) == 1
        deadline = time.monotonic() + 10
        while len(gw.gateway.generations) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(gw.gateway.generations) == 0


def test_command_refuses_public_host_without_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "HFCHAT_API_KEY"}
    done = subprocess.run(
        [sys.executable, "-m", "hfchat.cli", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode != 0
    assert "API key" in done.stderr
    assert "http://" not in done.stdout  # no ready line: nothing was served


def test_client_disconnect_stops_a_whole_completion(slow_emulator: FakeHuggingChat) -> None:
    with run_gateway(slow_emulator) as gw:
        body = {"model": "fake/slow", "messages": [{"role": "user", "content": "long"}]}
        with pytest.raises(httpx.ReadTimeout):  # the caller gives up long before 3000 tokens
            httpx.post(f"{gw.url}/chat/completions", json=body, timeout=httpx.Timeout(30, read=1))
        assert _stop_requests(slow_emulator) == 1
        deadline = time.monotonic() + 10
        while len(gw.gateway.generations) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(gw.gateway.generations) == 0
