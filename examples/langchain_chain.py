"""An LCEL chain: prompt | ChatHuggingChat | StrOutputParser.

    python examples/langchain_chain.py "the moon"

Talks to HuggingChat when HUGGINGCHAT_COOKIE is set, else to the in-process emulator.
"""

from __future__ import annotations

import contextlib
import sys

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_setup import example_model


def main() -> None:
    topic = " ".join(sys.argv[1:]) or "the moon"
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
