"""Every public name of the three packages and of their public modules has a docstring, and so
has every public method and property of their classes (their own, not those inherited from a
framework). Public means: in a module's ``__all__`` (or, without one, defined there without a
leading underscore), in a module whose dotted path has no part starting with ``_``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import pytest

PACKAGES = ("hfchat", "langchain_hfchat", "llama_index_hfchat")


def public_modules(package: str) -> Iterator[ModuleType]:
    """``package`` and its submodules without a private part in their dotted path."""
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            yield importlib.import_module(info.name)


def public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [
        n
        for n, v in vars(module).items()
        if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
    ]


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
            yield f"{klass.__module__}.{klass.__qualname__}.{name}", value


def _undocumented_in(member: object) -> bool:
    if isinstance(member, property):
        return not (member.fget and member.fget.__doc__)
    if isinstance(member, (staticmethod, classmethod)):
        member = member.__func__
    if inspect.isclass(member):
        return not member.__dict__.get("__doc__")
    if inspect.isfunction(member):
        return not member.__doc__
    return False  # plain values (fields, constants) carry no docstring of their own


def undocumented(package: str) -> list[str]:
    """Public names of ``package``'s public modules (and the public methods and properties of
    their classes) without a docstring, by the dotted name where they are defined."""
    missing: set[str] = set()
    for module in public_modules(package):
        for name in public_names(module):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not obj.__module__.startswith(PACKAGES):
                continue  # a re-exported name of another library
            where = f"{obj.__module__}.{obj.__qualname__}"
            if _undocumented_in(obj):
                missing.add(where)
            if inspect.isclass(obj):
                missing.update(q for q, member in _own_members(obj) if _undocumented_in(member))
    return sorted(missing)


@pytest.mark.parametrize("package", PACKAGES)
def test_public_api_has_docstrings(package: str) -> None:
    assert undocumented(package) == []


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
    assert "hfchat.fake.test_checker_finds_a_missing_docstring.<locals>.bare" in missing
    assert any(m.endswith("Bare.method") for m in missing)
    assert any(m.endswith("Bare.prop") for m in missing)
