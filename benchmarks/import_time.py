"""Import time of the packages against their dependencies, and ``import hfchat`` beyond curl_cffi.

Every figure is the wall time of the import statement inside a fresh interpreter (measured in
that interpreter with ``time.perf_counter``, so interpreter start-up is not counted). The
statements are run round by round, interleaved, so that the machine's drift hits all alike; the
headline is the median over rounds of ``import hfchat`` minus ``import curl_cffi`` measured in the
same round (target ≤ 100 ms). The interpreters run from the repository root (so the packages of
this checkout are the ones imported) with compiled bytecode cached as an installed package has it
(``PYTHONDONTWRITEBYTECODE`` is lifted and the cache goes to a temporary ``PYTHONPYCACHEPREFIX``,
filled by one warm-up round that is not counted). ``--tree`` prints what ``import hfchat`` adds
beyond curl_cffi, module by module, from ``python -X importtime`` (self time, median of the rounds).

    python benchmarks/import_time.py [--runs 9] [--tree]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

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
ROOT = Path(__file__).resolve().parent.parent
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT, env=_ENV)


def import_ms(statement: str) -> float:
    """Wall time of ``statement`` in a fresh interpreter, in milliseconds."""
    code = (
        "import time\nt = time.perf_counter()\n"
        f"{statement}\n"
        "print((time.perf_counter() - t) * 1000)"
    )
    out = _run([sys.executable, "-c", code])
    return float(out.stdout.strip().splitlines()[-1])


def _self_times(statement: str) -> dict[str, int]:
    proc = _run([sys.executable, "-X", "importtime", "-c", statement])
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
    cache = tempfile.TemporaryDirectory(prefix="pycache-")
    _ENV["PYTHONPYCACHEPREFIX"] = cache.name
    for statement, _ in TARGETS:  # warm-up: compile and cache the bytecode
        import_ms(statement)
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
    cache.cleanup()


if __name__ == "__main__":
    main()
