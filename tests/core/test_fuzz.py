"""Short property runs (CI). The long run: ``python benchmarks/fuzz_long.py``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from .fuzzing import TOKENS, UPDATES, check_think, encode, outcome, split_at

CUTS = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400), cuts=CUTS)
def test_any_bytes_give_events_or_a_typed_error(data: bytes, cuts: list[int]) -> None:
    outcome(split_at(data, cuts))  # raises only if something untyped escapes


@settings(max_examples=300, deadline=None)
@given(updates=st.lists(UPDATES, max_size=12), padding=st.booleans(), cuts=CUTS)
def test_rechunking_never_changes_the_events(updates, padding, cuts) -> None:  # type: ignore[no-untyped-def]
    data = encode(updates, padding)
    assert outcome(split_at(data, cuts)) == outcome([data])


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.one_of(TOKENS, st.text(max_size=6)), max_size=16))
def test_think_splitter_is_chunking_independent(tokens: list[str]) -> None:
    check_think(tokens)
