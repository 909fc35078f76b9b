"""Shared set-up of the LlamaIndex examples (not an example itself).

* :func:`example_llm`: a :class:`HuggingChatLLM` for the real HuggingChat when
  ``HUGGINGCHAT_COOKIE`` is set, else for the hfchat emulator started in-process, with the
  example's replies scripted (the emulator's models cannot read documents or call tools, so the
  examples tell it what to answer). It prints which one it uses.
* :class:`HashEmbedding`: a tiny offline embedding (feature hashing of words) so that the RAG
  examples download nothing. It is a stand-in: use a real LlamaIndex embedding model in practice.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from llama_index_hfchat import HuggingChatLLM

DATA_DIR = Path(__file__).resolve().parent / "data"


def example_llm(stack: contextlib.ExitStack, *scripted_replies: str) -> HuggingChatLLM:
    """The LLM of an example; closed (and its conversations deleted) when ``stack`` closes."""
    if os.environ.get("HUGGINGCHAT_COOKIE"):
        print("Using HuggingChat (HUGGINGCHAT_COOKIE is set)\n")
        llm = HuggingChatLLM(model=os.environ.get("HUGGINGCHAT_MODEL"), cleanup_on_close=True)
    else:
        from hfchat.testing import FakeHuggingChat

        fake = stack.enter_context(FakeHuggingChat())
        fake.script(*scripted_replies)
        print(f"Using the embedded HuggingChat emulator at {fake.base_url} (scripted replies)\n")
        llm = HuggingChatLLM(base_url=fake.base_url, model="fake/echo")
    stack.callback(llm.close)
    return llm
