"""``hfchat serve``: an OpenAI-compatible Chat Completions API in front of HuggingChat.

Modules: :mod:`~hfchat.gateway.schemas` (the request bodies, validated with pydantic),
:mod:`~hfchat.gateway.mapping` (OpenAI messages <-> :class:`hfchat.ChatMessage`, turn results
-> completions and chunks), :mod:`~hfchat.gateway.pump` (one generation, batched, stoppable),
:mod:`~hfchat.gateway.sse`, :mod:`~hfchat.gateway.errors` (OpenAI error objects),
:mod:`~hfchat.gateway.app` (the Starlette app and its routes) and :mod:`~hfchat.gateway.cli`.

Importing this package imports neither Starlette nor uvicorn (they come with the ``serve``
extra: ``pip install "hfchat[serve]"``); :func:`create_app` imports them when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import GatewaySettings

__all__ = ["GatewaySettings", "create_app"]


def create_app(settings: GatewaySettings | None = None, **kwargs: Any) -> Any:
    """The gateway's Starlette application (see :func:`hfchat.gateway.app.create_app`)."""
    from .app import create_app as _create

    return _create(settings, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "GatewaySettings":
        from .app import GatewaySettings

        return GatewaySettings
    raise AttributeError(name)
