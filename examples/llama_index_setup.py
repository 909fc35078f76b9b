"""Shared set-up of the LlamaIndex examples (not an example itself).

* :func:`example_llm`: a :class:`HuggingChatLLM` for the server chosen by
  :func:`example_target.pick_target` (the clients' precedence), else for the hfchat emulator
  started in-process, with the example's replies scripted (the emulator's models cannot read
  documents or call tools, so the examples tell it what to answer). It says which one it uses.
* :class:`HashEmbedding` (from ``llama_index_hfchat.testing``): a tiny offline embedding so
  that the RAG examples download nothing; use a real embedding model in practice.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from example_target import announce, pick_target

from llama_index_hfchat import HuggingChatLLM

DATA_DIR = Path(__file__).resolve().parent / "data"


def example_llm(stack: contextlib.ExitStack, *scripted_replies: str) -> HuggingChatLLM:
    """The LLM of an example; closed (and its conversations deleted) when ``stack`` closes."""
    target = pick_target()
    if not target.offline:
        announce(target)
        llm = HuggingChatLLM(base_url=target.base_url, model=target.model, cleanup_on_close=True)
    else:
        from hfchat.testing import FakeHuggingChat

        fake = stack.enter_context(FakeHuggingChat())
        fake.script(*scripted_replies)
        announce(target, fake.base_url, scripted=bool(scripted_replies))
        llm = HuggingChatLLM(base_url=fake.base_url, model="fake/echo")
    stack.callback(llm.close)
    return llm
