"""The credential store: cookies saved by ``hfchat login``, one file per base URL.

Files live under the user's config directory (``platformdirs.user_config_dir("hfchat")``, or
``HFCHAT_CONFIG_DIR``) in ``sessions/<hash of the base URL>.json``. The ``sessions`` folder has
mode 0700 and each file mode 0600 (on POSIX systems); a file is written atomically (a temporary
file in the same folder, flushed to disk, then ``os.replace``), so a reader never sees half a file
and a crash never leaves a readable temporary copy behind.

A record is ``{"base_url": ..., "cookies": {"hf-chat": ..., "token": ...}, ...extra}``; the extra
keys (e.g. ``username``, ``saved_at``) are informational. Cookie values are never logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

__all__ = ["config_dir", "delete", "load", "load_record", "path_for", "save"]

log = logging.getLogger("hfchat.store")

_DIR_MODE = 0o700
_FILE_MODE = 0o600


def config_dir() -> Path:
    """``HFCHAT_CONFIG_DIR`` when set, else the platform's user config dir for ``hfchat``."""
    override = os.environ.get("HFCHAT_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("hfchat"))


def _normalize(base_url: str) -> str:
    return base_url.strip().rstrip("/")


def _key(base_url: str) -> str:
    return hashlib.sha256(_normalize(base_url).encode()).hexdigest()[:16]


def path_for(base_url: str) -> Path:
    """The file that holds (or would hold) the session of ``base_url``."""
    return config_dir() / "sessions" / f"{_key(base_url)}.json"


def _unsafe_folder(folder: Path) -> str | None:
    """Why ``folder`` must not hold sessions (a symlink, or owned by someone else), or None."""
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot inspect it ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        return "it is owned by another user"
    return None


def load_record(base_url: str) -> dict[str, Any] | None:
    """The whole stored record for ``base_url`` (cookies plus extra keys), or ``None``.

    A sessions folder that is a symbolic link or belongs to another user is not read (a
    warning is logged): it is treated as holding no session."""
    path = path_for(base_url)
    reason = _unsafe_folder(path.parent)
    if reason:
        log.warning("not reading sessions from %s: %s", path.parent, reason)
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    _warn_if_exposed(path)
    return record


def load(base_url: str) -> dict[str, str] | None:
    """The stored cookies for ``base_url``, or ``None``."""
    record = load_record(base_url)
    cookies = record.get("cookies") if record else None
    if not isinstance(cookies, dict):
        return None
    found = {k: v for k, v in cookies.items() if isinstance(k, str) and isinstance(v, str) and v}
    return found or None


def _warn_if_exposed(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            log.warning("the session file %s is readable by other users; run chmod 600", path)


def _private_dir(folder: Path) -> None:
    """Create ``folder`` (and a missing config dir above it) with mode 0700; refuse a folder
    that is a symbolic link or belongs to another user (never chmod what it points at)."""
    for level in (folder.parent, folder):
        if not level.exists() and not level.is_symlink():
            level.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
    reason = _unsafe_folder(folder)
    if reason:
        raise ConfigurationError(
            f"refusing to store the session in {folder}: {reason}; remove it or point "
            "HFCHAT_CONFIG_DIR at a private folder"
        )
    with contextlib.suppress(NotImplementedError):
        os.chmod(folder, _DIR_MODE)


def save(base_url: str, cookies: dict[str, str], **extra: Any) -> Path:
    """Save cookies for ``base_url`` (0600 file in a 0700 folder, atomically); returns the path."""
    path = path_for(base_url)
    folder = path.parent
    _private_dir(folder)
    record = {**extra, "base_url": _normalize(base_url), "cookies": dict(cookies)}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def delete(base_url: str) -> bool:
    """Remove the stored cookies for ``base_url``; whether there were any."""
    try:
        path_for(base_url).unlink()
        return True
    except FileNotFoundError:
        return False
