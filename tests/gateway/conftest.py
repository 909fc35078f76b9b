"""The gateway served in-process (uvicorn in a thread, on a free loopback port) in front of the
emulator; tests talk to it with the official ``openai`` client, httpx and the frameworks."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from hfchat.gateway.app import Gateway, GatewaySettings, create_app
from hfchat.testing import FakeHuggingChat

API_KEY = "gw-test-key-5f0c2a9e"


@dataclass
class RunningGateway:
    """A gateway listening on loopback."""

    url: str  # .../v1
    origin: str
    api_key: str | None
    gateway: Gateway
    fake: FakeHuggingChat
    server: uvicorn.Server

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"} if self.api_key else {}


@contextlib.contextmanager
def run_gateway(fake: FakeHuggingChat, **settings: Any) -> Iterator[RunningGateway]:
    settings.setdefault("base_url", fake.base_url)
    app = create_app(GatewaySettings(**settings))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.01)
    origin = f"http://127.0.0.1:{port}"
    try:
        yield RunningGateway(
            f"{origin}/v1", origin, settings.get("api_key"), app.state.gateway, fake, server
        )
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


@pytest.fixture
def gateway(huggingchat_emulator: FakeHuggingChat) -> Iterator[RunningGateway]:
    """A gateway with an API key in front of a 2026 emulator."""
    with run_gateway(huggingchat_emulator, api_key=API_KEY) as gw:
        yield gw


@pytest.fixture
def open_gateway(huggingchat_emulator: FakeHuggingChat) -> Iterator[RunningGateway]:
    """A gateway without an API key (loopback only)."""
    with run_gateway(huggingchat_emulator) as gw:
        yield gw
