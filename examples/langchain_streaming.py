"""Streaming: the reasoning apart from the answer, then the web sources.

    python examples/langchain_streaming.py "What is new in Python 3.13?"

With a server configured (base URL, HUGGINGCHAT_COOKIE, `hfchat login`) it asks it once with
web search on. Offline it asks the emulator's fake reasoning and web-search models.
"""

from __future__ import annotations

import contextlib

from example_target import dim, parse_args
from langchain_setup import example_model, is_offline

from langchain_hfchat import ChatHuggingChat


def show(llm: ChatHuggingChat, question: str) -> None:
    print(f"> {question}")
    thinking = False
    answer = None
    for chunk in llm.stream(question):
        reasoning = chunk.additional_kwargs.get("reasoning_content", "")
        if reasoning:
            if not thinking:
                print(dim("[reasoning] "), end="")
                thinking = True
            print(dim(reasoning), end="", flush=True)
        elif chunk.text:
            if thinking:
                print("\n[answer] ", end="")
                thinking = False
            print(chunk.text, end="", flush=True)
        answer = chunk if answer is None else answer + chunk
    assert answer is not None
    meta = answer.response_metadata
    print(f"\n[model: {meta['model_name']}, title: {meta['title']!r}]")
    for source in meta["sources"]:
        print(f"  source: {source['title']} <{source['url']}>")
    print()


def main() -> None:
    args = parse_args(__doc__.split("\n")[0])
    question = " ".join(args.question) or "What is new in Python 3.13?"
    with contextlib.ExitStack() as stack:
        if is_offline():
            show(example_model(stack, offline_model="fake/reasoner"), question)
            show(example_model(stack, offline_model="fake/websearch", web_search=True), question)
        else:
            show(example_model(stack, web_search=True), question)


if __name__ == "__main__":
    main()
