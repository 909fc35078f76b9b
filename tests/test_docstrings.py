"""Every public name of the three packages has a docstring, and so has every public method and
property of the public classes (their own, not the ones inherited from a framework)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator

import pytest

PACKAGES = ("hfchat", "langchain_hfchat", "llama_index_hfchat")

#: Known gaps in a module under concurrent change (hfchat/protocol/bodies.py); each entry must
#: still be missing (test_pending_entries_are_still_missing), so the list only shrinks.
PENDING = {
    "ConversationInfo.last_message_id",
    "ConversationInfo.message",
    "ConversationInfo.root_id",
    "ConversationSummary",
    "ModelInfo.accepts_mime",
}


def _own_members(cls: type) -> Iterator[tuple[str, object]]:
    """Public attributes defined by ``cls`` or by a base class from the same packages."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if klass is object or not klass.__module__.startswith(PACKAGES):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            yield f"{klass.__qualname__}.{name}", value


def _undocumented_in(member: object) -> bool:
    if isinstance(member, property):
        return not (member.fget and member.fget.__doc__)
    if isinstance(member, (staticmethod, classmethod)):
        member = member.__func__
    if inspect.isfunction(member) or inspect.isclass(member):
        return not inspect.getdoc(member) if inspect.isclass(member) else not member.__doc__
    return False  # plain values (fields, constants) carry no docstring of their own


def undocumented(package: str) -> list[str]:
    """Names in ``package.__all__`` (and their public methods and properties) without a
    docstring."""
    module = importlib.import_module(package)
    missing: list[str] = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj):
            if not obj.__dict__.get("__doc__"):
                missing.append(name)
            if not obj.__module__.startswith(PACKAGES):
                continue  # a re-exported class of another library
            for qual, member in _own_members(obj):
                if _undocumented_in(member):
                    missing.append(qual)
        elif inspect.isfunction(obj) and not obj.__doc__:
            missing.append(name)
    return sorted(set(missing))


@pytest.mark.parametrize("package", PACKAGES)
def test_public_api_has_docstrings(package: str) -> None:
    assert [name for name in undocumented(package) if name not in PENDING] == []


def test_pending_entries_are_still_missing() -> None:
    assert PENDING <= set(undocumented("hfchat")), "documented now: drop it from PENDING"


def test_checker_finds_a_missing_docstring(monkeypatch: pytest.MonkeyPatch) -> None:
    import hfchat

    def bare() -> None:
        pass

    class Bare:
        """Documented class, undocumented method."""

        def method(self) -> None:
            pass

        @property
        def prop(self) -> int:
            return 1

    Bare.__module__ = bare.__module__ = "hfchat.fake"
    monkeypatch.setattr(hfchat, "bare", bare, raising=False)
    monkeypatch.setattr(hfchat, "Bare", Bare, raising=False)
    monkeypatch.setattr(hfchat, "__all__", [*hfchat.__all__, "bare", "Bare"])
    missing = undocumented("hfchat")
    assert "bare" in missing
    assert any(m.endswith("Bare.method") for m in missing)
    assert any(m.endswith("Bare.prop") for m in missing)
