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
- :class:`LazyClients`: the sync/async client pair an adapter creates on first use (never in
  its constructor), closes with ``close``/``aclose``, and leaves behind in copies and pickles.
- :data:`CLIENT_KWARGS_ONLY` and :func:`route_deprecated`: client options that both adapters
  take only through ``client_kwargs`` (old first-class keywords still work, with a
  ``DeprecationWarning``).
"""

from __future__ import annotations

import re
import sys
import threading
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .client import AsyncHuggingChatClient, HuggingChatClient

__all__ = [
    "CLIENT_KWARGS_ONLY",
    "SEARCH_DESCRIPTION",
    "UNSUPPORTED_PARAMS",
    "LazyClients",
    "approximate_token_ids",
    "check_client_kwargs",
    "client_kwargs_option",
    "client_options",
    "redact_url",
    "route_deprecated",
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


def warn_unsupported_once(adapter: Any, call_kwargs: Mapping[str, Any]) -> None:
    """Warn once per adapter instance about the parameters HuggingChat ignores that it holds
    (fields set, ``model_kwargs``) or that a call passed; the adapter keeps the flag
    ``_warned_unsupported``."""
    if adapter._warned_unsupported:
        return
    names = [n for n in UNSUPPORTED_PARAMS if getattr(adapter, n, None) is not None]
    names += [n for n in UNSUPPORTED_PARAMS if call_kwargs.get(n) is not None]
    names += list(adapter.model_kwargs)
    if names:
        adapter._warned_unsupported = True
        warn_unsupported(names)


CLIENT_KWARGS_ONLY: tuple[str, ...] = (
    "impersonate",
    "max_connections",
    "max_retry_wait",
    "conversation_cache_size",
)
"""Client options that both adapters take only through ``client_kwargs`` (they used to be
first-class fields of ``HuggingChatLLM``)."""


def route_deprecated(
    owner: str, legacy: Mapping[str, Any], client_kwargs: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``client_kwargs`` with the old first-class keywords of ``legacy`` folded in (one
    ``DeprecationWarning`` naming them); an explicit ``client_kwargs`` entry wins."""
    merged = dict(client_kwargs or {})
    if legacy:
        names = ", ".join(sorted(legacy))
        warnings.warn(
            f"{owner}({names}=...) is deprecated: pass client_kwargs={{...}} instead "
            "(the same options in both adapters).",
            DeprecationWarning,
            stacklevel=3,
        )
        for name, value in legacy.items():
            merged.setdefault(name, value)
    return merged


def check_client_kwargs(client_kwargs: Mapping[str, Any]) -> None:
    """Validate an adapter's ``client_kwargs`` at its construction, without I/O and without
    reading the environment: an unknown option or a bad value (``max_connections=0``,
    ``conversation_cache_size=-1``, ...) raises :class:`~hfchat.errors.ConfigurationError`
    now, not at the first call."""
    from .config import ClientConfig

    if not isinstance(client_kwargs, Mapping):
        raise ConfigurationError("client_kwargs must be a dict of HuggingChatClient options")
    options = {k: v for k, v in client_kwargs.items() if k != "hf_chat_cookie"}
    # a neutral base (no environment read); the options given change it, and are validated
    options.setdefault("config", ClientConfig(base_url="http://127.0.0.1"))
    ClientConfig.from_options(**options)


def client_kwargs_option(owner: str, client_kwargs: Mapping[str, Any], name: str) -> Any:
    """The value of ``name`` (one of :data:`CLIENT_KWARGS_ONLY`) an adapter's clients get:
    from ``client_kwargs``, else the configuration's default. For the deprecated attributes of
    the same names (one ``DeprecationWarning``)."""
    from .config import ClientConfig

    warnings.warn(
        f"{owner}.{name} is deprecated: read client_kwargs (or the client's configuration).",
        DeprecationWarning,
        stacklevel=3,
    )
    if name in client_kwargs:
        return client_kwargs[name]
    return getattr(ClientConfig(base_url="http://127.0.0.1"), name)


def client_options(fields: Mapping[str, Any], client_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`hfchat.client_pair`: an adapter's first-class fields,
    then its ``client_kwargs``, which may refine any of them (never a "multiple values" clash)."""
    return {**fields, **client_kwargs}


class LazyClients:
    """The sync/async client pair of one adapter instance, created on first use.

    ``get(options)`` creates the pair once (thread-safe) from ``options()`` read at that moment;
    ``close``/``aclose`` close it and forget it (the next use creates a fresh pair). Copies
    (``copy.deepcopy``) and pickles carry no clients (sockets and locks stay behind): they
    create their own on first use. A shallow copy shares the pair.
    """

    __slots__ = ("_lock", "_pair")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pair: tuple[HuggingChatClient, AsyncHuggingChatClient] | None = None

    @property
    def created(self) -> bool:
        """Whether the pair exists (was created and not closed since)."""
        return self._pair is not None

    def get(
        self, options: Callable[[], Mapping[str, Any]]
    ) -> tuple[HuggingChatClient, AsyncHuggingChatClient]:
        """The pair, created from ``options()`` on the first call."""
        pair = self._pair
        if pair is None:
            with self._lock:
                pair = self._pair
                if pair is None:
                    from .client import client_pair

                    pair = client_pair(**options())
                    self._pair = pair
        return pair

    def _take(self) -> tuple[HuggingChatClient, AsyncHuggingChatClient] | None:
        with self._lock:
            pair, self._pair = self._pair, None
        return pair

    def close(self) -> None:
        """Close the pair (deleting created conversations if its ``cleanup_on_close``)."""
        pair = self._take()
        if pair is not None:
            pair[0].close()

    async def aclose(self) -> None:
        """Close the pair from async code (the async client's connections too)."""
        pair = self._take()
        if pair is not None:
            await pair[1].aclose()
            pair[0].close()

    def __reduce__(self) -> tuple[type[LazyClients], tuple[()]]:
        return (LazyClients, ())

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyClients:
        return LazyClients()

    def __repr__(self) -> str:
        return f"LazyClients(created={self.created})"
