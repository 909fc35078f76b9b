"""A LlamaIndex chat engine (condense plus context) over a folder of text files, on HuggingChat.

Each turn, the engine rewrites the follow-up question into a standalone one (using the chat
history), retrieves passages from ``examples/data/`` and streams HuggingChat's answer with those
passages in the system prompt. Two turns show the history at work; ``-i`` keeps chatting.

Talks to the real HuggingChat when HUGGINGCHAT_COOKIE is set; otherwise starts the embedded
emulator on loopback with scripted replies. It says which one it uses.

    python examples/llama_index_chat_engine.py
    python examples/llama_index_chat_engine.py -i
"""

from __future__ import annotations

import argparse
import contextlib

from example_target import parse_args
from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.chat_engine.types import BaseChatEngine, ChatMode
from llama_index_setup import DATA_DIR, example_llm

from llama_index_hfchat.testing import HashEmbedding

QUESTIONS = ("When did the Brindle bakery open?", "And what kind of oven does it use?")
SCRIPTED = (
    "The Brindle bakery opened in 1958, on Harbour Lane.",
    # turn two: the condensed standalone question, then the answer
    "What kind of oven does the Brindle bakery use?",
    "It bakes in a brick oven fired with beech wood.",
)


def ask(engine: BaseChatEngine, question: str) -> None:
    print(f"You: {question}\nAssistant: ", end="", flush=True)
    for token in engine.stream_chat(question).response_gen:
        print(token, end="", flush=True)
    print("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-i", "--interactive", action="store_true", help="keep chatting")
    parser.add_argument("--data", default=str(DATA_DIR), help="a folder of text files")
    args = parse_args(parser.description or "", parser, question=False)

    with contextlib.ExitStack() as stack:
        llm = example_llm(stack, *SCRIPTED)
        documents = SimpleDirectoryReader(args.data, required_exts=[".txt", ".md"]).load_data()
        index = VectorStoreIndex.from_documents(documents, embed_model=HashEmbedding())
        engine = index.as_chat_engine(
            chat_mode=ChatMode.CONDENSE_PLUS_CONTEXT, llm=llm, similarity_top_k=2
        )
        for question in QUESTIONS:
            ask(engine, question)
        while args.interactive:
            try:
                question = input("You (empty line to quit): ").strip()
            except EOFError:
                break
            if not question:
                break
            ask(engine, question)


if __name__ == "__main__":
    main()
