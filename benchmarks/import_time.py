"""Import time of the three packages against importing each framework alone.

Each figure is the median over fresh interpreters of the cumulative time ``python -X
importtime`` reports for the top-level import (in milliseconds).

    python benchmarks/import_time.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

TARGETS = [
    ("import curl_cffi.requests", "the core's HTTP dependency"),
    ("import pydantic", "the core's model dependency"),
    ("import hfchat", "the core"),
    ("from langchain_core.language_models import BaseChatModel", "LangChain alone"),
    ("import langchain_hfchat", "the LangChain adapter (framework included)"),
    ("from llama_index.core.llms import LLM", "LlamaIndex alone"),
    ("import llama_index_hfchat", "the LlamaIndex adapter (framework included)"),
]


def _top_level_us(code: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    total = 0
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and parts[2][:2] != "  ":
            total += int(parts[1])  # a top-level (not nested) import: its cumulative time
    return total


def cumulative_ms(statement: str) -> float:
    """Import time of ``statement`` above what the interpreter imports at start-up anyway."""
    return (_top_level_us(statement) - _top_level_us("pass")) / 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    runs = ap.parse_args().runs
    print("| import | what | ms (median) |")
    print("|---|---|---:|")
    for statement, what in TARGETS:
        ms = statistics.median(cumulative_ms(statement) for _ in range(runs))
        print(f"| `{statement}` | {what} | {ms:.0f} |")


if __name__ == "__main__":
    main()
