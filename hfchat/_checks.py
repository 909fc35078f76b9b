"""Reading a response: the typed error for a failed one (through the classifier), the stream
start check, JSON bodies, and what an error keeps of a request and a response.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from ._response import Response, ResponseInfo
from ._session import CoreSession
from .errors import (
    HuggingChatError,
    ProtocolError,
    RequestInfo,
    scrub_headers,
    strip_userinfo,
)
from .protocol.classify import body_message, classify
from .protocol.routes import Request

__all__ = ["ResponseChecks"]

_STREAM_TYPES = ("application/jsonl", "text/event-stream", "application/x-ndjson")


def _scrub(data: bytes, secrets: Sequence[str]) -> bytes:
    for s in secrets:
        if s and len(s) >= 6:
            data = data.replace(s.encode(), b"***")
    return data


class ResponseChecks(CoreSession):
    """The response checks of :class:`~hfchat._core.ClientCore`."""

    def check(self, req: Request, resp: Response) -> Response:
        """Raise the typed error for a failed response; absorb cookies either way."""
        self.absorb_cookies(resp.set_cookies)
        status = resp.status_code
        if 200 <= status < 300:
            if not req.stream and req.route not in ("file",) and resp.body:
                ctype = resp.content_type
                if "html" in ctype:
                    raise self.error_from(req, resp, html=True)
            return resp
        raise self.error_from(req, resp)

    def error_from(self, req: Request, resp: Response, *, html: bool = False) -> HuggingChatError:
        """The typed error for ``resp`` (``html``: an HTML page where data was expected)."""
        return self._error_from(req, resp, "html" if html else "http")

    def request_info(self, req: Request) -> RequestInfo:
        """What an error keeps of ``req``: method, route and URL without credentials."""
        return RequestInfo.of(req.method, req.route, self.url(req))

    def response_info(self, resp: Response) -> ResponseInfo:
        """What an error keeps of ``resp``: cookie headers dropped, secret values scrubbed."""
        secrets = self.secrets()
        return ResponseInfo(
            resp.status_code, strip_userinfo(resp.url), scrub_headers(resp.headers, secrets)
        )

    def _error_from(self, req: Request, resp: Response, stage: str = "http") -> HuggingChatError:
        return classify(
            stage,
            status=resp.status_code,
            route=req.route,
            headers=resp.headers,
            body=resp.body[:4000],
            request=self.request_info(req),
            response=self.response_info(resp),
            session=self.cookies.source,
            secrets=self.secrets(),
            now=time.time(),
        )

    @staticmethod
    def is_stream_start(resp: Response) -> bool:
        """True when ``resp`` is labelled as an answer stream (JSON lines or event stream)."""
        return resp.content_type.startswith(_STREAM_TYPES)

    def check_stream_start(self, req: Request, resp: Response) -> None:
        """A 200 stream must be JSON lines (or the 2024 event-stream label)."""
        ctype = resp.content_type
        if ctype.startswith(_STREAM_TYPES):
            return
        if "html" in ctype:
            raise self._error_from(req, resp, "html")
        raise ProtocolError(
            f"unexpected content type for the answer stream: {ctype or 'none'}"[:200],
            status_code=resp.status_code,
            body=self._scrubbed_body(resp, 300),
            request=self.request_info(req),
            response=self.response_info(resp),
        )

    def _scrubbed_body(self, resp: Response, limit: int) -> str:
        text = body_message(_scrub(resp.body[:limit], self.secrets()))
        return text or "(empty)"

    def _json(self, resp: Response, req: Request | None = None) -> Any:
        """The JSON of a success body; any parse failure (bad JSON, nesting too deep for the
        parser, a number with too many digits) is a :class:`ProtocolError`."""
        try:
            return json.loads(resp.body)
        except (ValueError, RecursionError) as exc:
            why = "nested too deep" if isinstance(exc, RecursionError) else "not JSON"
            raise ProtocolError(
                f"the server answered with something that is not readable JSON ({why})",
                status_code=resp.status_code,
                body=self._scrubbed_body(resp, 300),
                request=self.request_info(req) if req is not None else None,
                response=self.response_info(resp),
            ) from None
