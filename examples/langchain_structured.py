"""Structured output into a pydantic model.

    python examples/langchain_structured.py "Inception (2010) by Christopher Nolan"

Offline, the emulator's reply is scripted (the forced tool call a real model would write).
"""

from __future__ import annotations

import contextlib
import json

from example_target import parse_args
from langchain_setup import example_model
from pydantic import BaseModel, Field


class Movie(BaseModel):
    """A movie."""

    title: str = Field(description="the title")
    year: int = Field(description="the release year")
    director: str = Field(description="who directed it")
    genres: list[str] = Field(description="one to three genres")


SCRIPT = json.dumps(
    {
        "tool_calls": [
            {
                "name": "Movie",
                "arguments": {
                    "title": "Inception",
                    "year": 2010,
                    "director": "Christopher Nolan",
                    "genres": ["science fiction", "thriller"],
                },
            }
        ]
    }
)


def main() -> None:
    args = parse_args(__doc__.split("\n")[0])
    text = " ".join(args.question) or "Inception (2010) by Christopher Nolan"
    with contextlib.ExitStack() as stack:
        llm = example_model(stack, SCRIPT)
        extract = llm.with_structured_output(Movie)  # a forced tool call, parsed and validated
        movie = extract.invoke(f"Extract the movie: {text}")
        assert isinstance(movie, Movie)
        print(movie.model_dump_json(indent=2))


if __name__ == "__main__":
    main()
