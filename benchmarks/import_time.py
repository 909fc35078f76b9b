"""Import time of the three packages against importing each framework alone.

Each figure is the median over fresh interpreters of ``python -X importtime -c 'import X'``
(the cumulative microseconds of the top-level import).

    python benchmarks/import_time.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

TARGETS = [
    ("curl_cffi + pydantic (core deps)", "import curl_cffi.requests, pydantic"),
    ("hfchat", "import hfchat"),
    ("langchain_core.language_models", "import langchain_core.language_models"),
    ("langchain_hfchat", "import langchain_hfchat"),
    ("llama_index.core.llms", "import llama_index.core.llms"),
    ("llama_index_hfchat", "import llama_index_hfchat"),
]


def cumulative_us(code: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    total = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line.split(":", 1)[1].split("|")]
        if parts[0].isdigit() and not parts[2].startswith(" ") and parts[2] == parts[2].lstrip():
            if not line.split("|")[2].startswith("  "):
                total += int(parts[1])
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print("| import | ms (median) |")
    print("|---|---:|")
    for name, code in TARGETS:
        ms = statistics.median(cumulative_us(code) for _ in range(args.runs)) / 1000
        print(f"| {name} | {ms:.0f} |")


if __name__ == "__main__":
    main()
