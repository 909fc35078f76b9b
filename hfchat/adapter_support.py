"""What both framework adapters share about their surface (no I/O).

- :data:`UNSUPPORTED_PARAMS`: sampling parameters that chat models usually accept but that
  HuggingChat does not let a client set (the server picks them per model). The adapters accept
  them for compatibility, warn once per instance (:func:`unsupported_warning`) and never report
  them as applied.
- :func:`approximate_token_ids`: an offline, approximate tokenizer (no model download, no
  request): words are cut into pieces of at most four characters and every punctuation mark
  counts as one token, which lands near the count of common BPE tokenizers for English prose.
- :func:`redact_url`: a URL with its userinfo (``user:password@``) masked, for everything an
  adapter prints, traces or serializes.
"""

from __future__ import annotations

import re
import sys
import warnings
import zlib
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "SEARCH_DESCRIPTION",
    "UNSUPPORTED_PARAMS",
    "approximate_token_ids",
    "redact_url",
    "search_answer",
    "unsupported_warning",
    "warn_unsupported",
]

UNSUPPORTED_PARAMS: tuple[str, ...] = (
    "temperature",
    "max_tokens",
    "top_p",
    "top_k",
    "seed",
    "frequency_penalty",
    "presence_penalty",
)

_PIECES = re.compile(r"\w{1,4}|[^\w\s]", re.UNICODE)


def unsupported_warning(names: Iterable[str]) -> str:
    """The warning for parameters HuggingChat ignores."""
    listed = ", ".join(sorted(set(names)))
    return (
        f"HuggingChat does not let clients set {listed}: the server decides them per model. "
        "They are ignored (and not reported to tracing as applied)."
    )


def approximate_token_ids(text: str) -> list[int]:
    """Approximate token ids of ``text`` (offline; one id per piece, see the module doc)."""
    return [zlib.crc32(piece.encode()) & 0xFFFF for piece in _PIECES.findall(text)]


def redact_url(url: str | None) -> str | None:
    """``url`` with any ``user:password@`` replaced by ``***@``; other URLs unchanged."""
    if not url or "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    if not parts.netloc or "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


SEARCH_DESCRIPTION = (
    "Search the web through HuggingChat: ask a question in plain words and get a short "
    "answer written from current web pages, followed by the numbered sources (title and URL). "
    "Use it for recent events and facts you are unsure of."
)


def search_answer(text: str, sources: Iterable[dict[str, str]]) -> str:
    """A web-search answer as a tool returns it: the answer, then its numbered sources."""
    listed = [
        f"[{i}] {s.get('title') or s.get('url')} <{s.get('url')}>" for i, s in enumerate(sources, 1)
    ]
    if not listed:
        return f"{text.strip()}\n\nSources: none (the answer cites no web page)"
    return text.strip() + "\n\nSources:\n" + "\n".join(listed)


_INTERNAL = (
    "pydantic",
    "langchain_core",
    "langchain_hfchat",
    "llama_index",
    "llama_index_hfchat",
    "hfchat",
)


def warn_unsupported(names: Iterable[str]) -> None:
    """Warn (``UserWarning``) about ignored parameters, attributed to the caller's own line
    (the first frame outside pydantic, the frameworks and hfchat)."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.split(".")[0] not in _INTERNAL:
            break
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(unsupported_warning(names), UserWarning, stacklevel=level + 1)
