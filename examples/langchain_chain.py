"""An LCEL chain: prompt | ChatHuggingChat | StrOutputParser.

    python examples/langchain_chain.py "the moon"

Talks to the server the clients would use (base URL, HUGGINGCHAT_COOKIE, `hfchat login`);
with none configured, to the in-process emulator (its fake model echoes the prompt).
"""

from __future__ import annotations

import contextlib

from example_target import parse_args
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_setup import example_model


def main() -> None:
    args = parse_args(__doc__.split("\n")[0])
    topic = " ".join(args.question) or "the moon"
    with contextlib.ExitStack() as stack:
        llm = example_model(stack)
        prompt = ChatPromptTemplate.from_messages(
            [
                ("system", "You are a poet. Answer with one short haiku."),
                ("human", "Write a haiku about {topic}."),
            ]
        )
        chain = prompt | llm | StrOutputParser()
        print(chain.invoke({"topic": topic}))
        print("\nBatch of two:")
        for poem in chain.batch([{"topic": "rain"}, {"topic": "cats"}]):
            print("-", poem)


if __name__ == "__main__":
    main()
