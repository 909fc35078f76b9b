"""Shared set-up of the LangChain examples (not an example itself).

:func:`example_model` returns a :class:`ChatHuggingChat` for the server chosen by
:func:`example_target.pick_target` (the clients' precedence: base URL, ``HUGGINGCHAT_COOKIE``,
the ``hfchat login`` store), or for the hfchat emulator started in-process when none is
configured, with the example's replies scripted where the emulator's deterministic models
cannot play the part. It says which one it uses.
"""

from __future__ import annotations

import contextlib
from typing import Any

from example_target import announce, pick_target

from langchain_hfchat import ChatHuggingChat


def example_model(
    stack: contextlib.ExitStack,
    *scripted_replies: str,
    offline_model: str = "fake/echo",
    **kwargs: Any,
) -> ChatHuggingChat:
    """The chat model of an example; closed (its conversations deleted) when ``stack`` closes."""
    target = pick_target()
    if not target.offline:
        announce(target)
        llm = ChatHuggingChat(
            base_url=target.base_url, model=target.model, cleanup_on_close=True, **kwargs
        )
    else:
        from hfchat.testing import FakeHuggingChat

        fake = stack.enter_context(FakeHuggingChat())
        fake.script(*scripted_replies)
        announce(target, fake.base_url, scripted=bool(scripted_replies))
        llm = ChatHuggingChat(base_url=fake.base_url, model=offline_model, **kwargs)
    stack.callback(llm.close)
    return llm


def is_offline() -> bool:
    return pick_target().offline
