"""Import time of the packages against their dependencies, and ``import hfchat`` beyond curl_cffi.

Every figure is the wall time of the import statement inside a fresh interpreter (measured in
that interpreter with ``time.perf_counter``, so interpreter start-up is not counted). The
statements are run round by round, interleaved, so that the machine's drift hits all alike; the
headline is the median over rounds of ``import hfchat`` minus ``import curl_cffi`` measured in the
same round (target ≤ 100 ms). ``--tree`` prints what ``import hfchat`` adds beyond curl_cffi,
module by module, from ``python -X importtime`` (self time, median of the rounds).

    python benchmarks/import_time.py [--runs 9] [--tree]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

TARGETS = [
    ("import curl_cffi", "the core's HTTP dependency"),
    ("import pydantic", "pydantic (not imported by `import hfchat`)"),
    ("import hfchat", "the core"),
    ("from langchain_core.language_models import BaseChatModel", "LangChain alone"),
    ("import langchain_hfchat", "the LangChain adapter (framework included)"),
    ("from llama_index.core.llms import LLM", "LlamaIndex alone"),
    ("import llama_index_hfchat", "the LlamaIndex adapter (framework included)"),
]
CORE, DEP = "import hfchat", "import curl_cffi"
TARGET_MS = 100.0


def import_ms(statement: str) -> float:
    """Wall time of ``statement`` in a fresh interpreter, in milliseconds."""
    code = (
        "import time\nt = time.perf_counter()\n"
        f"{statement}\n"
        "print((time.perf_counter() - t) * 1000)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _self_times(statement: str) -> dict[str, int]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].startswith("import time:") and parts[1].strip().isdigit():
            out[parts[2].strip()] = int(parts[0].split(":")[1])
    return out


def tree(runs: int) -> None:
    """What ``import hfchat`` imports beyond ``import curl_cffi``: self time per module."""
    base = set(_self_times(DEP))
    samples: dict[str, list[int]] = {}
    for _ in range(runs):
        for name, us in _self_times(CORE).items():
            if name not in base:
                samples.setdefault(name, []).append(us)
    rows = sorted(((statistics.median(v), k) for k, v in samples.items()), reverse=True)
    print(f"\nmodules `{CORE}` adds beyond `{DEP}`: {len(rows)}, self times (-X importtime)\n")
    print("| module | self ms |")
    print("|---|---:|")
    for us, name in rows[:25]:
        print(f"| `{name}` | {us / 1000:.1f} |")
    print(f"| (sum of all {len(rows)}) | {sum(us for us, _ in rows) / 1000:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--tree", action="store_true", help="also print the per-module tree")
    args = ap.parse_args()
    rounds: list[dict[str, float]] = []
    for _ in range(args.runs):
        rounds.append({statement: import_ms(statement) for statement, _ in TARGETS})
    print(f"\nimport wall time, fresh interpreters, {args.runs} interleaved rounds\n")
    print("| import | what | ms (median) | spread |")
    print("|---|---|---:|---:|")
    for statement, what in TARGETS:
        values = [r[statement] for r in rounds]
        print(
            f"| `{statement}` | {what} | {statistics.median(values):.0f} | "
            f"{min(values):.0f}–{max(values):.0f} |"
        )
    extra = [r[CORE] - r[DEP] for r in rounds]
    print(
        f"\n`{CORE}` beyond `{DEP}` (median of per-round differences): "
        f"{statistics.median(extra):.0f} ms (spread {min(extra):.0f}–{max(extra):.0f}); "
        f"target ≤ {TARGET_MS:.0f} ms"
    )
    if args.tree:
        tree(args.runs)


if __name__ == "__main__":
    main()
