"""Web sources from the three wire shapes, normalised to ``{"url", "title"}`` (protocol.md §5).

Legacy ``webSearch`` sources (``link``), ``finalAnswer.webSources`` (``uri``) and MCP web-search
tool results (``structured`` entries, ``Title:``/``URL:`` pairs, or bare URLs in the text) all
land in one :class:`SourceList`: deduplicated by URL, first title kept, arrival order kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["SourceList", "is_web_tool", "sources_from_tool_outputs"]

_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+")
_TITLE_URL = re.compile(r"^\s*Title:\s*(?P<title>.*?)\s*$\s*^\s*URL:\s*(?P<url>\S+)", re.M)
_WEB_TOOL = re.compile(r"search|crawl|fetch|browse|web|exa", re.I)


def is_web_tool(name: str | None) -> bool:
    """Whether a server-side tool's results are web sources."""
    return bool(name) and bool(_WEB_TOOL.search(name or ""))


class SourceList:
    """The web sources of one answer: http(s) URLs in order of arrival, each once."""

    __slots__ = ("_items", "_seen")

    def __init__(self) -> None:
        self._items: list[dict[str, str]] = []
        self._seen: set[str] = set()

    def add(self, url: Any, title: Any = None) -> bool:
        """Add ``url`` (with its title, when it is a string); False when it is no http(s) URL
        or was seen already.
        """
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return False
        url = url.strip()
        if url in self._seen:
            return False
        self._seen.add(url)
        self._items.append(
            {"url": url, "title": title if isinstance(title, str) and title else url}
        )
        return True

    def add_links(self, items: Any, key: str) -> list[dict[str, str]]:
        """Add ``[{key: url, "title": …}]`` entries; return the new ones."""
        added = []
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and self.add(item.get(key), item.get("title")):
                    added.append(self._items[-1])
        return added

    def extend(self, pairs: Iterable[tuple[str, str | None]]) -> list[dict[str, str]]:
        """Add ``(url, title)`` pairs; the entries that were new."""
        added = []
        for url, title in pairs:
            if self.add(url, title):
                added.append(self._items[-1])
        return added

    def to_list(self) -> list[dict[str, str]]:
        """Copies of the sources as ``{"url": ..., "title": ...}`` dicts."""
        return [dict(s) for s in self._items]

    def __len__(self) -> int:
        return len(self._items)


def _structured_pairs(value: Any) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    if isinstance(value, dict):
        url = value.get("url") or value.get("link") or value.get("uri")
        if isinstance(url, str):
            title = value.get("title")
            pairs.append((url, title if isinstance(title, str) else None))
        for v in value.values():
            if isinstance(v, (list, dict)):
                pairs.extend(_structured_pairs(v))
    elif isinstance(value, list):
        for v in value:
            pairs.extend(_structured_pairs(v))
    return pairs


def sources_from_tool_outputs(outputs: Any) -> list[tuple[str, str | None]]:
    """``(url, title)`` pairs from MCP tool outputs, best shape first."""
    if not isinstance(outputs, list):
        return []
    pairs: list[tuple[str, str | None]] = []
    for out in outputs:
        if not isinstance(out, dict):
            continue
        found = _structured_pairs(out.get("structured"))
        if not found:
            text = out.get("text")
            if not isinstance(text, str):
                blocks = out.get("content")
                if isinstance(blocks, list):
                    text = "\n".join(
                        b["text"]
                        for b in blocks
                        if isinstance(b, dict) and isinstance(b.get("text"), str)
                    )
            if isinstance(text, str):
                found = [(m["url"], m["title"] or None) for m in _TITLE_URL.finditer(text)]
                if not found:
                    found = [(u.rstrip(".,;:"), None) for u in _URL.findall(text)]
        pairs.extend(found)
    return pairs
