"""Shared by the examples (not an example itself): which HuggingChat to talk to, command-line
parsing, and printing.

Target, with the same precedence as the clients: ``--base-url`` / ``HUGGINGCHAT_BASE_URL``,
and the cookie from ``HUGGINGCHAT_COOKIE`` or the ``hfchat login`` store (else an anonymous
session). Only when none of these is present, or with ``--emulator``, an example starts the
embedded emulator on loopback, and says loudly that its replies are scripted, not a model's.
Colors only on a terminal (and never with ``NO_COLOR``).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from hfchat import store
from hfchat._core import DEFAULT_BASE_URL

__all__ = ["OPTIONS", "Target", "announce", "dim", "parse_args", "pick_target"]


@dataclass
class Target:
    """Where an example sends its questions."""

    base_url: str | None  # None: start the emulator
    why: str
    model: str | None = None
    custom_question: bool = False

    @property
    def offline(self) -> bool:
        return self.base_url is None


OPTIONS = argparse.Namespace(base_url=None, model=None, emulator=False, custom_question=False)


def parse_args(
    description: str, parser: argparse.ArgumentParser | None = None, *, question: bool = True
) -> argparse.Namespace:
    """Parse the example's command line (``--help`` prints help; it is never a question)."""
    parser = parser or argparse.ArgumentParser(description=description)
    if question:
        parser.add_argument("question", nargs="*", help="your question (default: the example's)")
    parser.add_argument(
        "--base-url", default=None, help="chat-ui base URL (env HUGGINGCHAT_BASE_URL)"
    )
    parser.add_argument("--model", default=None, help="model id (env HUGGINGCHAT_MODEL)")
    parser.add_argument(
        "--emulator", action="store_true", help="use the embedded emulator (scripted replies)"
    )
    args = parser.parse_args()
    OPTIONS.base_url = args.base_url
    OPTIONS.model = args.model
    OPTIONS.emulator = args.emulator
    OPTIONS.custom_question = bool(getattr(args, "question", None))
    return args


def _safe(url: str) -> str:
    from hfchat.adapter_support import redact_url

    return redact_url(url) or url


def pick_target() -> Target:
    """The example's target by the clients' precedence (see the module doc)."""
    model = OPTIONS.model or os.environ.get("HUGGINGCHAT_MODEL") or None
    custom = bool(OPTIONS.custom_question)
    if OPTIONS.emulator:
        return Target(None, "--emulator was given", None, custom)
    base = OPTIONS.base_url or os.environ.get("HUGGINGCHAT_BASE_URL") or None
    if os.environ.get("HUGGINGCHAT_COOKIE"):
        return Target(base or DEFAULT_BASE_URL, "HUGGINGCHAT_COOKIE is set", model, custom)
    if store.load(base or DEFAULT_BASE_URL):
        return Target(base or DEFAULT_BASE_URL, "the `hfchat login` session", model, custom)
    if base:
        why = "--base-url" if OPTIONS.base_url else "HUGGINGCHAT_BASE_URL"
        return Target(base, f"{why} is set (no cookie: anonymous session)", model, custom)
    return Target(None, "no cookie, no `hfchat login` session and no base URL", None, custom)


def color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def dim(text: str) -> str:
    """``text`` dimmed on a terminal, plain elsewhere."""
    return f"\x1b[2m{text}\x1b[0m" if color() else text


def announce(target: Target, emulator_url: str | None = None, *, scripted: bool = True) -> None:
    """Say which server the example talks to; loudly when the replies are not a model's."""
    if not target.offline:
        print(f"Using {_safe(target.base_url or '')} ({target.why})\n")
        return
    kind = "SCRIPTED replies" if scripted else "replies from the emulator's fake models"
    print(
        f"*** OFFLINE DEMO: the embedded HuggingChat emulator at {emulator_url} ({target.why}).\n"
        f"*** These are {kind}, not a real model's answers.\n"
        "*** For real answers: `hfchat login` (or set HUGGINGCHAT_COOKIE), then run this again."
    )
    if target.custom_question and scripted:
        print("*** Your own question gets the example's canned reply: it does NOT answer it.")
    print()
