"""HuggingChat (chat-ui) emulator for tests, examples and benchmarks.

``FakeHuggingChat`` serves chat-ui's wire protocol on loopback (2026 HEAD or 2024 v0.9.4) with
deterministic fake models, scripted replies and injectable faults::

    from hfchat.testing import FakeHuggingChat

    with FakeHuggingChat() as fake:
        fake.script("Hello from the emulator")
        fake.inject("stream_error", status_code=429, after_tokens=2)
        ...  # point a client at fake.base_url

Pytest fixtures: ``huggingchat_emulator`` (2026) and ``huggingchat_emulator_2024`` in
``hfchat.testing.pytest_plugin``. Extra routes: ``fake.register_route(method, regex, handler)``
with ``async def handler(request: HandlerRequest) -> WireResponse`` (helpers
:func:`text_response`, :func:`json_response`, :func:`message_error`). Login pages:
:func:`login_pages`. A :class:`ManualClock` drives the per-minute limit without waiting.
"""

from __future__ import annotations

from typing import Any

from .clock import ManualClock
from .emulator import FakeHuggingChat, RecordedRequest, register_extension, serve_forever
from .faults import FAULT_NAMES, FAULT_OPTIONS, ROUTES, Fault
from .handlers import HandlerRequest, json_response, message_error, text_response
from .login_pages import LoginPages, login_pages
from .models import MODELS, ModelSpec
from .server import WireResponse

__all__ = [
    "FAULT_NAMES",
    "FAULT_OPTIONS",
    "MODELS",
    "ROUTES",
    "FakeHuggingChat",
    "Fault",
    "HandlerRequest",
    "LoginPages",
    "ManualClock",
    "ModelSpec",
    "RecordedRequest",
    "WireResponse",
    "huggingchat_emulator",
    "huggingchat_emulator_2024",
    "json_response",
    "login_pages",
    "message_error",
    "model_ids",
    "register_extension",
    "serve_forever",
    "text_response",
]


def model_ids(generation: str = "2026") -> list[str]:
    """The model ids the emulator lists for ``generation``."""
    return [m.id for m in MODELS if generation in m.generations]


def __getattr__(name: str) -> Any:
    # the fixtures need pytest; import them only when asked for
    if name in ("huggingchat_emulator", "huggingchat_emulator_2024"):
        from . import pytest_plugin

        return getattr(pytest_plugin, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
