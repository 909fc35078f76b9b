"""The README's figures for limits and defaults are the code's (they drifted once: a turn
deadline documented as 900 s while the code said 600 s)."""

from __future__ import annotations

import re
from pathlib import Path

from hfchat._core import LONG_INPUT
from hfchat._turn import AFTER_FINAL_GRACE
from hfchat.config import ClientConfig

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _number(pattern: str) -> float:
    found = re.findall(pattern, README, flags=re.S)
    assert found, pattern
    values = {float(f.replace(",", "")) for f in found}
    assert len(values) == 1, (pattern, values)  # said once, or always alike
    return values.pop()


def test_readme_defaults_are_the_codes() -> None:
    config = ClientConfig()
    assert _number(r"`turn_timeout` \(default\s+([\d,]+) s") == config.turn_timeout
    assert _number(r"`max_retry_wait`, ([\d,]+) s") == config.max_retry_wait
    assert _number(r"\| `max_retries` \| \| (\d+) ") == config.max_retries
    assert _number(r"([\d,]+) s connect") == config.timeout.connect
    assert _number(r"([\d,]+) s read") == config.timeout.read
    assert _number(r"a turn \(or folded history\) of ([\d,]+) characters") == LONG_INPUT
    assert _number(r"`finished` status, or (\d+) s later") == AFTER_FINAL_GRACE


def test_readme_install_lines_name_real_extras_and_version() -> None:
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text("utf-8")
    block = pyproject.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    extras = set(re.findall(r"^([a-z][a-z-]*) = \[", block, flags=re.M))
    version = re.search(r'^version = "([^"]+)"', pyproject, flags=re.M)
    assert version and extras
    install = README.split("## Install", 1)[1].split("\n## Set up", 1)[0]
    named = set()
    for group in re.findall(r'\[([a-z,-]+)\]"', install):
        named.update(group.split(","))
    assert named and named <= extras, named - extras
    assert f"hfchat-{version.group(1)}-py3-none-any.whl" in install
    assert 'pip install -e ".[dev]"' in README  # the development set-up line
