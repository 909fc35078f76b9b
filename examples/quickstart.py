"""Ask HuggingChat one question and stream the answer.

Talks to the real HuggingChat when HUGGINGCHAT_COOKIE is set; otherwise starts the embedded
emulator on loopback and talks to that. It says which one it uses.

    python examples/quickstart.py "What is the capital of France?"
"""

from __future__ import annotations

import contextlib
import os
import sys

from hfchat import HuggingChatClient, ReasoningDelta, TextDelta, TurnEnd


def main() -> None:
    question = " ".join(sys.argv[1:]) or "Hello! What can you do?"
    with contextlib.ExitStack() as stack:
        if os.environ.get("HUGGINGCHAT_COOKIE"):
            print("Using HuggingChat (HUGGINGCHAT_COOKIE is set)")
            client = stack.enter_context(HuggingChatClient(cleanup_on_close=True))
        else:
            from hfchat.testing import FakeHuggingChat

            fake = stack.enter_context(FakeHuggingChat())
            print(f"Using the embedded HuggingChat emulator at {fake.base_url}")
            client = stack.enter_context(
                HuggingChatClient(base_url=fake.base_url, model="fake/reasoner")
            )
        for event in client.stream_chat(question):
            if isinstance(event, ReasoningDelta):
                print(f"\x1b[2m{event.text}\x1b[0m", end="", flush=True)
            elif isinstance(event, TextDelta):
                print(event.text, end="", flush=True)
            elif isinstance(event, TurnEnd):
                result = event.result
                print(f"\n\n[model: {result.model}, title: {result.title!r}]")
                for source in result.sources:
                    print(f"  source: {source['title']} <{source['url']}>")


if __name__ == "__main__":
    main()
