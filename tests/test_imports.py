"""Imports go one way (docs/architecture.md): adapters -> hfchat's public modules -> I/O shells
-> core -> protocol -> errors/events. Checked on the source's ``import`` statements (every one,
lazy ones inside functions included), so a forbidden import fails here before it ships.

The protocol layer's purity (no clock, no randomness) is checked in tests/protocol/test_purity.py.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ("langchain", "langchain_core", "llama_index")
ADAPTERS = ("langchain_hfchat", "llama_index_hfchat")
#: The modules that speak HTTP (curl_cffi): the transport and the two shells.
TRANSPORT = {"_transport", "_failures", "_streams", "_fetch", "_http", "client", "login"}
#: What the sans-I/O core may not reach for: the shells, the programs over them, the emulator.
ABOVE_CORE = ("hfchat.client", "hfchat._http", "hfchat.cli", "hfchat.login", "hfchat.gateway")
CORE = ("_core", "_session", "_checks", "_retry", "_ops", "_turn_ops", "_turn", "conversations")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def imports_of(path: Path) -> frozenset[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.add(name)
            out.update(f"{name}.{alias.name}" for alias in node.names)  # submodule imports
    return frozenset(out)


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offending(path: Path, prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in imports_of(path)
        if any(name == p or name.startswith(p + ".") for p in prefixes)
    )


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", sources("hfchat"), ids=_id)
def test_hfchat_never_imports_an_adapter_or_a_framework(path: Path) -> None:
    assert offending(path, ADAPTERS + FRAMEWORKS) == []


@pytest.mark.parametrize("path", sources("hfchat/protocol"), ids=_id)
def test_protocol_imports_no_client_layer_and_no_io(path: Path) -> None:
    allowed = ("hfchat.protocol", "hfchat.errors", "hfchat.events")
    own = [n for n in imports_of(path) if n == "hfchat" or n.startswith("hfchat.")]
    assert [n for n in own if not n.startswith(allowed)] == []
    io = ("curl_cffi", "asyncio", "socket", "threading", "h11", "ssl", "selectors")
    assert offending(path, io) == []


@pytest.mark.parametrize("name", ["errors", "events"])
def test_errors_and_events_import_nothing_of_hfchat(name: str) -> None:
    own = [n for n in imports_of(ROOT / "hfchat" / f"{name}.py") if n.startswith("hfchat")]
    assert own == []


@pytest.mark.parametrize("name", CORE)
def test_the_core_never_imports_the_shells_or_programs(name: str) -> None:
    assert offending(ROOT / "hfchat" / f"{name}.py", ABOVE_CORE) == []


@pytest.mark.parametrize("path", sources("hfchat"), ids=_id)
def test_only_the_transport_and_shells_speak_http(path: Path) -> None:
    if "testing" in path.parts or "gateway" in path.parts or path.stem in TRANSPORT:
        return  # the emulator and the gateway are servers; the transport speaks HTTP
    assert offending(path, ("curl_cffi",)) == []


@pytest.mark.parametrize("path", sources("hfchat"), ids=_id)
def test_the_library_never_loads_the_emulator(path: Path) -> None:
    """Only the programs (the CLI's ``fake`` command, the gateway) may start the emulator."""
    if "testing" in path.parts or "gateway" in path.parts or path.stem == "cli":
        return
    assert offending(path, ("hfchat.testing",)) == []


@pytest.mark.parametrize(
    "path", sources("langchain_hfchat") + sources("llama_index_hfchat"), ids=_id
)
def test_adapters_translate_and_never_speak_http(path: Path) -> None:
    """Adapters use hfchat's public modules only, never each other, never a socket."""
    other = [a for a in ADAPTERS if a not in path.parts]
    assert offending(path, (*other, "curl_cffi", "h11", "socket", "httpx")) == []
    private = [
        n
        for n in imports_of(path)
        if n.startswith("hfchat.")
        and n.split(".")[1].startswith("_")
        and not n.split(".")[1].startswith("__")  # hfchat.__version__ is public
    ]
    assert private == []


def test_the_scanner_sees_relative_and_lazy_imports() -> None:
    """The checks above could fail: relative, nested and lazy imports are all resolved."""
    client = imports_of(ROOT / "hfchat" / "client.py")
    assert {"hfchat._core", "hfchat.login", "curl_cffi"} <= client  # `.login` is imported lazily
    assert "hfchat.testing" in imports_of(ROOT / "hfchat" / "cli.py")
    above = offending(ROOT / "hfchat" / "client.py", ABOVE_CORE)
    assert "hfchat._http" in above and "hfchat.login" in above
