"""A LlamaIndex RAG query engine over a folder of text files, answered by HuggingChat.

Indexes ``examples/data/`` (or the folder given with ``--data``), retrieves the passages closest
to the question and streams HuggingChat's answer, then lists the passages it was given.

Talks to the server the clients would use (base URL, HUGGINGCHAT_COOKIE, `hfchat login`);
with none configured it starts the embedded emulator, whose reply is scripted for the example's
own question only (any other question gets a canned "cannot answer"). It says which it uses.

    python examples/llama_index_rag.py "Who kept the Kerrow lighthouse?"
    python examples/llama_index_rag.py --data ~/notes "What did I write about X?"
"""

from __future__ import annotations

import argparse
import contextlib

from example_target import parse_args
from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.base.response.schema import StreamingResponse
from llama_index_setup import DATA_DIR, example_llm

from llama_index_hfchat.testing import HashEmbedding

DEFAULT_QUESTION = "Who kept the Kerrow lighthouse, and for how long?"
SCRIPTED = (
    "<think>The lighthouse document names the keeper and her years of service.</think>"
    "The Kerrow lighthouse was kept by Morag Finlay, who kept the lamp burning for forty years, "
    "from 1902 to 1942."
)


def canned(question: str) -> str:
    """The emulator's reply to a question it has no script for: it says it cannot answer."""
    return (
        "[emulator, canned reply] The offline emulator cannot read the documents or answer "
        f"{question!r}; the passages retrieved for it are listed below. For a real answer, "
        "run `hfchat login` (or set HUGGINGCHAT_COOKIE) and ask again."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DATA_DIR), help="a folder of text files")
    args = parse_args(parser.description or "", parser)
    question = " ".join(args.question) or DEFAULT_QUESTION

    with contextlib.ExitStack() as stack:
        # offline, only the example's own question gets the scripted lighthouse answer
        own = question == DEFAULT_QUESTION and args.data == str(DATA_DIR)
        llm = example_llm(stack, SCRIPTED if own else canned(question))
        documents = SimpleDirectoryReader(args.data, required_exts=[".txt", ".md"]).load_data()
        index = VectorStoreIndex.from_documents(documents, embed_model=HashEmbedding())
        engine = index.as_query_engine(llm=llm, streaming=True, similarity_top_k=2)

        print(f"Q: {question}\nA: ", end="", flush=True)
        response = engine.query(question)
        assert isinstance(response, StreamingResponse)
        for token in response.response_gen:
            print(token, end="", flush=True)
        print("\n\nRetrieved passages:")
        for hit in response.source_nodes:
            text = " ".join(hit.node.get_content().split())[:80]
            print(f"  {hit.node.metadata.get('file_name')} (score {hit.score:.2f}): {text}…")


if __name__ == "__main__":
    main()
