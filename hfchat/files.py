"""Files the user attaches (images for multimodal models), from the shapes frameworks use."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re

from .errors import ConfigurationError
from .protocol.routes import FileUpload

__all__ = ["MAX_FILE_BYTES", "file_from_base64", "file_from_bytes", "file_from_data_url"]

MAX_FILE_BYTES = 10 * 1024 * 1024
_DATA_URL = re.compile(
    r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*?),(?P<data>.*)$", re.S
)


def file_from_bytes(data: bytes, mime: str | None = None, name: str | None = None) -> FileUpload:
    """A file to upload; refuses more than the server's 10 MB limit."""
    if len(data) > MAX_FILE_BYTES:
        raise ConfigurationError(
            f"file {name or ''} is {len(data)} bytes; the server accepts at most 10 MB"
        )
    mime = mime or (mimetypes.guess_type(name)[0] if name else None) or "application/octet-stream"
    ext = mimetypes.guess_extension(mime) or ".bin"
    return FileUpload(name=name or f"file{ext}", mime=mime, data=data)


def file_from_base64(b64: str, mime: str | None = None, name: str | None = None) -> FileUpload:
    """A :class:`FileUpload` from base64 text, as :func:`file_from_bytes` (10 MB cap);
    raises :class:`~hfchat.errors.ConfigurationError` for invalid base64."""
    try:
        data = base64.b64decode(b64, validate=False)
    except (binascii.Error, ValueError):
        raise ConfigurationError("the file is not valid base64") from None
    return file_from_bytes(data, mime, name)


def file_from_data_url(url: str, name: str | None = None) -> FileUpload:
    """A ``data:<mime>;base64,<data>`` URL as a file. http(s) URLs are refused (download the
    file and pass its bytes): the client sends nothing but HuggingChat traffic."""
    m = _DATA_URL.match(url.strip())
    if not m:
        if url.startswith(("http://", "https://")):
            raise ConfigurationError(
                "image URLs are not fetched; pass the image as base64 or a data URL"
            )
        raise ConfigurationError("not a data URL")
    mime = m.group("mime") or "application/octet-stream"
    if ";base64" not in (m.group("params") or ""):
        from urllib.parse import unquote_to_bytes

        return file_from_bytes(unquote_to_bytes(m.group("data")), mime, name)
    return file_from_base64(m.group("data"), mime, name)
