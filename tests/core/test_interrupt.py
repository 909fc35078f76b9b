"""Ctrl-C (``KeyboardInterrupt``) while the sync client reads an answer stops the server's
generation: the turn's abandonment path sends stop-generating whether the interrupt arrives
inside the read (a real SIGINT while the client waits for the next chunk, or raised by the
transport) or in the caller's loop body."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import hfchat.client as client_module
from hfchat import HuggingChatClient, TextDelta
from hfchat.testing import FakeHuggingChat


@pytest.fixture
def fake() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat() as f:
        yield f


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _stops(fake: FakeHuggingChat) -> list[Any]:
    return [q for q in fake.requests if q.route == "stop"]


def _one_stop_for_the_send(fake: FakeHuggingChat) -> None:
    (send,) = [q for q in fake.requests if q.route == "post"]
    (stop,) = _stops(fake)
    assert stop.data["generationId"] == send.data["generationId"]


def test_caller_interrupt_after_the_first_token_stops(fake: FakeHuggingChat) -> None:
    fake.inject("stall", after_tokens=2, seconds=30, keep_alive=True)
    with HuggingChatClient(base_url=fake.base_url, model="fake/echo", timeout=(5, 20)) as c:
        with pytest.raises(KeyboardInterrupt):
            for ev in c.stream_chat("one two three four five"):
                if isinstance(ev, TextDelta):
                    raise KeyboardInterrupt
        _one_stop_for_the_send(fake)


def test_sigint_while_waiting_for_the_next_chunk_stops(
    fake: FakeHuggingChat, sigint_raises: None
) -> None:
    fake.inject("stall", after_tokens=2, seconds=30, keep_alive=False)
    pid = os.getpid()
    with HuggingChatClient(base_url=fake.base_url, model="fake/echo", timeout=(5, 20)) as c:
        received: list[str] = []
        with pytest.raises(KeyboardInterrupt):
            for ev in c.stream_chat("one two three four five"):
                if isinstance(ev, TextDelta) and not received:
                    # Ctrl-C from the terminal, while the stream is stalled
                    threading.Timer(0.2, os.kill, (pid, signal.SIGINT)).start()
                if isinstance(ev, TextDelta):
                    received.append(ev.text)
        assert received  # output had started
        _one_stop_for_the_send(fake)


@pytest.mark.parametrize("call", ["stream_chat", "chat"])
def test_interrupt_raised_inside_the_read_stops(
    call: str, fake: FakeHuggingChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = client_module.iter_stream

    def interrupted(raw: Any, idle: float) -> Iterator[bytes]:
        chunks = real(raw, idle)
        yield next(chunks)
        raise KeyboardInterrupt

    monkeypatch.setattr(client_module, "iter_stream", interrupted)
    fake.inject("stall", after_tokens=2, seconds=30, keep_alive=True)
    with HuggingChatClient(base_url=fake.base_url, model="fake/echo", timeout=(5, 20)) as c:
        with pytest.raises(KeyboardInterrupt):
            if call == "chat":
                c.chat("one two three four five")
            else:
                for _ in c.stream_chat("one two three four five"):
                    pass
        _one_stop_for_the_send(fake)


def test_interactive_double_ctrl_c_still_stops_the_server() -> None:
    """The CLI's second Ctrl-C interrupts at once (a ``KeyboardInterrupt`` inside the read):
    the same abandonment path still tells the server to stop generating."""
    import time

    import pexpect

    from .test_cli import _spawn

    with FakeHuggingChat(slow_tokens=400, slow_delay=0.05) as fake:
        child = _spawn("--base-url", fake.base_url, "chat", "-m", "fake/slow")
        try:
            child.expect_exact(">>> ")
            child.sendline("go")
            child.expect_exact("tok3 ")
            child.sendintr()
            child.sendintr()  # twice, before the first is noticed
            child.expect([r">>> ", pexpect.EOF])
            if child.isalive():
                child.sendline("/exit")
                child.expect(pexpect.EOF)
        finally:
            child.close()
        assert "Traceback" not in (child.before or "")
        assert "tok399" not in (child.before or "")
        deadline = time.monotonic() + 10  # bounded wait for the server to log the request
        while not any(r.route == "stop" for r in fake.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [r.route for r in fake.requests].count("stop") == 1
