"""What happens after a failed request: whether and when it is sent again (the send route's
own rule included), the one recovery request, and the browser login on an auth error.
"""

from __future__ import annotations

import logging
import random

from ._session import CoreSession
from .errors import (
    AuthenticationError,
    HuggingChatError,
    RateLimitError,
    ServerError,
    TransportError,
)
from .protocol import routes
from .protocol.routes import Request

__all__ = ["RATE_WINDOW", "RetryPolicy"]

log = logging.getLogger("hfchat")

#: chat-ui's per-minute message limit counts every attempt, refused ones too, over 60 s.
RATE_WINDOW = 60.0


class RetryPolicy(CoreSession):
    """The failure policy of :class:`~hfchat._core.ClientCore`."""

    def retry_delay(self, req: Request, attempt: int, exc: HuggingChatError) -> float | None:
        """Seconds to wait before retrying ``req`` after ``exc``, or None (do not retry).

        Only failures before any output are retried, with exponential backoff and jitter
        (:class:`~hfchat.config.Retry`):

        - the send route (posting a message) only when the server cannot have processed it:
          the connection failed before the request was sent, or a 429 refused it before
          anything was stored (honouring ``Retry-After`` up to ``max_retry_wait``). Any other
          failure of a send, 502/503/504 included, is raised: the server may have stored the
          turn and be generating, and a second post would duplicate it;
        - other routes: 429 likewise, 502/503/504, other 5xx on reads, and connection failures
          before the request was sent (on reads, any connection failure).
        """
        retry = self.config.retry
        if attempt >= retry.max_retries:
            return None
        backoff = min(retry.backoff_max, retry.backoff * (2**attempt)) * (0.5 + random.random() / 2)
        if isinstance(exc, RateLimitError):
            if exc.retry_after is not None:
                if exc.retry_after > retry.max_retry_wait:
                    return None
                return max(exc.retry_after, backoff)
            return backoff
        if isinstance(exc, TransportError):
            may = exc.may_retry_send or (req.idempotent and req.route != "send")
            return backoff if may else None
        if req.route == "send" or not isinstance(exc, ServerError):
            return None  # a send the server may have stored is never posted again
        status = exc.status_code or 0
        if status in (502, 503, 504) or req.idempotent:
            return backoff
        return None

    # -- the send route's retry rule ---------------------------------------------------------
    def send_retry_delay(self, req: Request, attempt: int, exc: HuggingChatError) -> float:
        """Seconds to wait before sending a message again after ``exc``; raises the error to
        give the caller when the send must not be repeated.

        A message is sent again only when the server cannot have processed it: the
        connection failed before the request was sent, or a 429 refused it before anything
        was stored. chat-ui's per-minute limit answers 429 without ``Retry-After`` and counts
        every attempt, refused ones too, over 60 s: an early retry only prolongs the block,
        so the only retry waits out the window, when ``max_retry_wait`` allows it.
        """
        if isinstance(exc, TransportError):
            if not exc.nothing_sent:
                raise exc
            delay = self.retry_delay(req, attempt, exc)
            if delay is None:
                raise exc
            return delay
        if not isinstance(exc, RateLimitError) or exc.status_code != 429:
            raise exc
        window = exc.retry_after is None or exc.limit == "messagesPerMinute"
        wait = RATE_WINDOW if exc.retry_after is None else exc.retry_after
        limit = min(1, self.config.max_retries) if window else self.config.max_retries
        if attempt < limit and wait <= self.config.max_retry_wait:
            return wait
        if exc.retry_after is not None:
            raise exc  # the classifier's message already says how long to wait
        raise RateLimitError(
            f"{exc.message}; wait {wait:g} s before sending again (refused attempts count, so"
            " an earlier retry extends the block)",
            retry_after=wait,
            limit=exc.limit,
            status_code=exc.status_code,
            body=exc.body,
            response=exc.response,
            request=exc.request,
        ) from exc

    def recovery_request(self, exc: HuggingChatError) -> Request | None:
        """A request that clears ``exc`` before the failed one is sent again (at most once per
        client): accepting a 2024 server's welcome modal."""
        if getattr(exc, "welcome_modal", False) and not self.welcome_accepted:
            self.welcome_accepted = True
            return routes.accept_welcome()
        return None

    def wants_login(self, exc: HuggingChatError) -> bool:
        """Run the browser login for this error? (``auto_login``; at most once per client)"""
        if not self.config.auto_login or self.login_attempted:
            return False
        if not isinstance(exc, AuthenticationError):
            return False
        self.login_attempted = True
        return True

    @staticmethod
    def stop_failed(exc: HuggingChatError) -> None:
        """Log a stop-generating request that failed (the turn's outcome stands)."""
        log.debug("could not stop an abandoned generation: %s", exc)

    def failure_delay(self, req: Request, attempt: int, exc: HuggingChatError) -> float:
        """Seconds to wait before sending ``req`` again after ``exc``; raises the error to give
        the caller when it must not be sent again (the send route has its own rule)."""
        if req.route == "send":
            return self.send_retry_delay(req, attempt, exc)
        delay = self.retry_delay(req, attempt, exc)
        if delay is None:
            raise exc
        return delay

    def retry_wait_note(self, req: Request, exc: HuggingChatError, delay: float) -> None:
        """Log the wait before ``req`` is sent again."""
        log.info("retrying %s %s in %.2fs after %s", req.method, req.route, delay, exc)
