"""The long fuzz run of the stream parser and the <think> splitter (CI runs a short one).

python benchmarks/fuzz_long.py [--examples 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.fuzzing import (
    TOKENS,
    UPDATES,
    check_think,
    encode,
    outcome,
    split_at,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=20000)
    n = ap.parse_args().examples
    cuts = st.lists(st.integers(min_value=0, max_value=100_000), max_size=40)
    cfg = settings(max_examples=n, deadline=None, database=None)

    @cfg
    @given(data=st.binary(max_size=4000), c=cuts)
    def bytes_case(data: bytes, c: list[int]) -> None:
        outcome(split_at(data, c))

    @cfg
    @given(updates=st.lists(UPDATES, max_size=60), padding=st.booleans(), c=cuts)
    def rechunk_case(updates, padding, c) -> None:  # type: ignore[no-untyped-def]
        data = encode(updates, padding)
        assert outcome(split_at(data, c)) == outcome([data])

    @cfg
    @given(tokens=st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=60))
    def think_case(tokens: list[str]) -> None:
        check_think(tokens)

    for case in (bytes_case, rechunk_case, think_case):
        t0 = time.perf_counter()
        case()
        print(f"{case.__name__}: {n} examples passed in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
