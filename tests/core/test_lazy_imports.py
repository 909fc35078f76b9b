"""`import hfchat` leaves heavy, rarely needed modules for first use; the names still resolve."""

from __future__ import annotations

import subprocess
import sys

import pytest

LAZY = ("pydantic", "json_repair", "html.parser")


def test_import_hfchat_does_not_load_heavy_modules() -> None:
    code = f"import sys, hfchat; print(' '.join(m for m in {LAZY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == []


@pytest.mark.parametrize(
    "name", ["ConversationInfo", "ConversationSummary", "Message", "ModelInfo"]
)
def test_records_resolve_lazily_to_the_pydantic_models(name: str) -> None:
    import pydantic

    import hfchat
    from hfchat.protocol import bodies, records

    cls = getattr(hfchat, name)
    assert cls is getattr(records, name) is getattr(bodies, name)
    assert issubclass(cls, pydantic.BaseModel)
    assert name in hfchat.__all__


def test_unknown_names_still_raise_attribute_error() -> None:
    import hfchat
    from hfchat.protocol import bodies

    with pytest.raises(AttributeError):
        hfchat.NoSuchName  # noqa: B018
    with pytest.raises(AttributeError):
        bodies.NoSuchName  # noqa: B018


def test_parsers_build_records_and_html_errors_read() -> None:
    from hfchat.protocol import bodies
    from hfchat.protocol.classify import read_html_error

    (model,) = bodies.parse_models([{"id": "m", "displayName": "M"}])
    assert (model.id, model.display_name) == ("m", "M")
    page = read_html_error(b"<html><title>T</title><h1>Too many requests</h1></html>")
    assert page.message == "Too many requests"
