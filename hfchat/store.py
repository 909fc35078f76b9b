"""The credential store: cookies saved by ``hfchat login``, one file per base URL.

Files live under the user's config directory (``platformdirs.user_config_dir("hfchat")``, or
``HFCHAT_CONFIG_DIR``), in a folder of mode 0700, each file of mode 0600, written atomically
(a temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["config_dir", "delete", "load", "path_for", "save"]


def config_dir() -> Path:
    override = os.environ.get("HFCHAT_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("hfchat"))


def _key(base_url: str) -> str:
    return hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:16]


def path_for(base_url: str) -> Path:
    return config_dir() / "sessions" / f"{_key(base_url)}.json"


def load(base_url: str) -> dict[str, str] | None:
    """The stored cookies for ``base_url``, or ``None``."""
    path = path_for(base_url)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cookies = record.get("cookies") if isinstance(record, dict) else None
    if not isinstance(cookies, dict):
        return None
    return {k: v for k, v in cookies.items() if isinstance(k, str) and isinstance(v, str)}


def save(base_url: str, cookies: dict[str, str], **extra: Any) -> Path:
    """Save cookies for ``base_url`` (0600 file in a 0700 folder, atomically)."""
    path = path_for(base_url)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    os.chmod(folder.parent, 0o700)
    record = {"base_url": base_url.rstrip("/"), "cookies": dict(cookies), **extra}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def delete(base_url: str) -> bool:
    """Remove the stored cookies for ``base_url``; whether there were any."""
    try:
        path_for(base_url).unlink()
        return True
    except FileNotFoundError:
        return False
