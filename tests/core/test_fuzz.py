"""Short property runs (CI). The long run: ``python benchmarks/fuzz_long.py``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from .fuzzing import HOSTILE, TOKENS, UPDATES, check_think, encode, outcome, split_at

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


@settings(max_examples=60, deadline=None)
@given(updates=st.lists(UPDATES, max_size=6), hostile=HOSTILE, cuts=CUTS)
def test_deep_nesting_and_huge_numbers_are_typed(updates, hostile, cuts) -> None:  # type: ignore[no-untyped-def]
    data = encode(updates, False) + hostile + b"\n"
    whole = outcome([data])  # events or a typed error keeping the partial text
    assert outcome(split_at(data, cuts)) == whole


@settings(max_examples=60, deadline=None)
@given(hostile=HOSTILE)
def test_hostile_bodies_are_typed(hostile: bytes) -> None:
    from hfchat._core import ClientCore
    from hfchat._transport import Response
    from hfchat.errors import HuggingChatError, ProtocolError
    from hfchat.protocol import routes
    from hfchat.protocol.classify import classify_error

    core = ClientCore(base_url="http://127.0.0.1:1")
    req = routes.list_models()
    resp = Response(200, {"content-type": "application/json"}, [], hostile, core.url(req))
    try:
        core._json(resp, req)
    except ProtocolError:
        pass
    for status in (400, 429, 500):
        err = classify_error(status, {"content-type": "application/json"}, hostile, route="send")
        assert isinstance(err, HuggingChatError) and len(err.message) <= 400
