"""Shared set-up of the LangChain examples (not an example itself).

:func:`example_model` returns a :class:`ChatHuggingChat` for the real HuggingChat when
``HUGGINGCHAT_COOKIE`` is set (model from ``HUGGINGCHAT_MODEL``, else the server's default), or
for the hfchat emulator started in-process, with the example's replies scripted where the
emulator's deterministic models cannot play the part. It prints which one it uses.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from langchain_hfchat import ChatHuggingChat


def example_model(
    stack: contextlib.ExitStack,
    *scripted_replies: str,
    offline_model: str = "fake/echo",
    **kwargs: Any,
) -> ChatHuggingChat:
    """The chat model of an example; closed (its conversations deleted) when ``stack`` closes."""
    if os.environ.get("HUGGINGCHAT_COOKIE"):
        print("Using HuggingChat (HUGGINGCHAT_COOKIE is set)\n")
        model = os.environ.get("HUGGINGCHAT_MODEL")
        llm = ChatHuggingChat(model=model, cleanup_on_close=True, **kwargs)
    else:
        from hfchat.testing import FakeHuggingChat

        fake = stack.enter_context(FakeHuggingChat())
        fake.script(*scripted_replies)
        note = " (scripted replies)" if scripted_replies else ""
        print(f"Using the embedded HuggingChat emulator at {fake.base_url}{note}\n")
        llm = ChatHuggingChat(base_url=fake.base_url, model=offline_model, **kwargs)
    stack.callback(llm.close)
    return llm


def is_offline() -> bool:
    return not os.environ.get("HUGGINGCHAT_COOKIE")
