"""Ask HuggingChat one question and stream the answer (reasoning dimmed, apart).

Talks to the server the clients would use (``--base-url``/``HUGGINGCHAT_BASE_URL``, the cookie
from ``HUGGINGCHAT_COOKIE`` or ``hfchat login``); with none of them it starts the embedded
emulator on loopback, whose fake reasoning model echoes the question, and says so loudly.

    python examples/quickstart.py "What is the capital of France?"
"""

from __future__ import annotations

import contextlib

from example_target import announce, dim, parse_args, pick_target

from hfchat import HuggingChatClient, ReasoningDelta, TextDelta, TurnEnd


def main() -> None:
    args = parse_args(__doc__.split("\n")[0])
    question = " ".join(args.question) or "Hello! What can you do?"
    target = pick_target()
    with contextlib.ExitStack() as stack:
        if not target.offline:
            announce(target)
            client = stack.enter_context(
                HuggingChatClient(
                    base_url=target.base_url, model=target.model, cleanup_on_close=True
                )
            )
        else:
            from hfchat.testing import FakeHuggingChat

            fake = stack.enter_context(FakeHuggingChat())
            announce(target, fake.base_url, scripted=False)
            client = stack.enter_context(
                HuggingChatClient(base_url=fake.base_url, model="fake/reasoner")
            )
        for event in client.stream_chat(question):
            if isinstance(event, ReasoningDelta):
                print(dim(event.text), end="", flush=True)
            elif isinstance(event, TextDelta):
                print(event.text, end="", flush=True)
            elif isinstance(event, TurnEnd):
                result = event.result
                print(f"\n\n[model: {result.model}, title: {result.title!r}]")
                for source in result.sources:
                    print(f"  source: {source['title']} <{source['url']}>")


if __name__ == "__main__":
    main()
