"""One chat turn without I/O: :class:`Turn` owns its lifecycle after the plan is made.

The shells drive it mechanically:

1. send :attr:`Turn.request` (a refusal before anything was stored goes to
   :meth:`ClientCore.send_refused <hfchat._core.ClientCore.send_refused>`);
2. while :attr:`Turn.reading`: read chunks with the idle limit :meth:`Turn.wait`, feed each
   to :meth:`Turn.feed`, pass on the events it returns and leave the chunk loop when
   :attr:`Turn.pause` says so; at the end of the byte stream call :meth:`Turn.end_of_stream`,
   on the idle timeout :meth:`Turn.idle`, on a connection failure :meth:`Turn.cut` (it returns
   the request that resumes the answer, or raises the mapped error), and :meth:`Turn.resumed`
   once that answer stream is open;
3. :meth:`Turn.finish` returns the last events (ending with :class:`~hfchat.events.TurnEnd`);
4. whatever happened (an error, the caller leaving, a cancelled task, a ``wait_for`` timeout):
   send :meth:`Turn.stop_request` when it is not None, so the server stops generating.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ._failures import resumable
from ._transport import mapped_error
from .conversations import NodeRef, TurnPlan
from .errors import HuggingChatError, StreamProtocolError, StreamTimeoutError
from .events import Event, TextDelta, TurnEnd, TurnResult
from .protocol import routes
from .protocol.routes import Request
from .protocol.turn import TurnAssembler
from .tools import ToolCallBuffer, ToolSpec

if TYPE_CHECKING:
    from ._turn_ops import TurnOps

__all__ = ["AFTER_FINAL_GRACE", "Turn"]

log = logging.getLogger("hfchat")

#: After the final answer: how long the title and metadata may still take (seconds).
AFTER_FINAL_GRACE = 5.0


class Turn:
    """One turn on its way: the send request, the answer's state, and what to do next."""

    __slots__ = (
        "_feed",
        "assembler",
        "buffer",
        "carried",
        "core",
        "deadline",
        "ended",
        "final_at",
        "finished",
        "model",
        "node",
        "pause",
        "plan",
        "reading",
        "request",
        "result",
        "resuming",
        "server_failed",
        "tool_choice",
        "tools",
        "web_search",
    )

    def __init__(
        self,
        plan: TurnPlan,
        request: Request,
        assembler: TurnAssembler,
        core: TurnOps,
        buffer: ToolCallBuffer | None = None,
        *,
        model: str = "",
        web_search: bool = False,
        tools: Sequence[ToolSpec] | None = None,
        tool_choice: str | None = None,
        deadline: float | None = None,
        carried: bool = False,
    ) -> None:
        self.plan = plan
        self.request = request
        self.assembler = assembler
        self.core = core
        self.buffer = buffer
        self.model = model
        self.web_search = web_search
        self.tools = tools
        self.tool_choice = tool_choice
        self.deadline = deadline  # time.monotonic() by which the turn must end
        self.carried = carried  # the text travels as an attachment
        self.final_at: float | None = None  # when the final answer was first seen
        self.reading = True  # the stream still has something to say
        self.ended = False  # the byte stream ended by itself
        self.finished = False  # finish() ran: the answer is complete
        self.server_failed = False  # the server reported the turn's failure itself
        self.resuming = False  # the answer comes from the 2026 replay route
        self.pause = False  # the shell leaves its chunk loop (to finish, or to wait anew)
        self.result: TurnResult | None = None  # set by finish()
        self.node: NodeRef | None = None  # the server node the answer ends at, once recorded
        self._feed: Callable[[bytes], list[Event]] = (
            assembler.feed if buffer is None else self._buffered_feed
        )

    # -- partial output -----------------------------------------------------------------------
    def partial(self) -> tuple[str, str]:
        """``(text, reasoning)`` streamed so far (what an error keeps)."""
        return self.assembler.partial_text, self.assembler.partial_reasoning

    @property
    def final_seen(self) -> bool:
        """The final answer arrived (what may follow is the title and metadata)."""
        return self.assembler.final_seen

    # -- bytes in -----------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[Event]:
        """Events of one chunk. Sets :attr:`pause` once the shell should leave its chunk loop:
        the final answer arrived (silence now ends the turn after the grace), or the stream
        said all that matters (the ``finished`` status after the final answer, or the grace
        is over). Raises :class:`StreamTimeoutError` past the turn's deadline."""
        if self.final_at is not None:
            if self.assembler.wants_close or time.monotonic() - self.final_at > AFTER_FINAL_GRACE:
                self.reading = False
                self.pause = True
                return []
        elif self.deadline is not None and time.monotonic() > self.deadline:
            raise self._overdue_error()
        try:
            events = self._feed(data)
        except HuggingChatError as exc:
            if not isinstance(exc, StreamProtocolError):
                self.server_failed = True  # the server ended the turn: nothing to stop
            raise
        if self.final_at is None and self.assembler.final_seen:
            self.final_at = time.monotonic()
            self.pause = True  # re-enter the chunk loop with the grace as the idle limit
        return events

    def wait(self, read: float) -> float:
        """The idle limit for the chunk loop the shell (re-)enters: ``read`` until the final
        answer is in, then the grace for the title and metadata."""
        self.pause = False
        return read if self.final_at is None else min(read, AFTER_FINAL_GRACE)

    def _buffered_feed(self, data: bytes) -> list[Event]:
        return self._buffered(self.assembler.feed(data))

    def _buffered(self, events: list[Event]) -> list[Event]:
        if self.buffer is None or not events:
            return events
        out: list[Event] = []
        for ev in events:
            if type(ev) is TextDelta:
                text = self.buffer.feed(ev.text)
                if text:
                    out.append(TextDelta(text) if text is not ev.text else ev)
            else:
                out.append(ev)
        return out

    def end_of_stream(self) -> None:
        """The byte stream ended by itself."""
        self.ended = True
        self.reading = False

    # -- what went wrong ----------------------------------------------------------------------
    def idle(self) -> None:
        """No chunk within the idle timeout: the end when the final answer was seen, else
        raises :class:`StreamTimeoutError`."""
        if self.final_seen:
            self.reading = False  # the answer is complete; the rest was only metadata
            return
        text, reasoning = self.partial()
        raise StreamTimeoutError(
            f"no update from the server for {self.core.config.timeout.read:g} s",
            partial_text=text,
            partial_reasoning=reasoning,
        )

    def cut(self, exc: BaseException) -> Request:
        """The connection failed mid-answer: the replay request that resumes it (2026
        servers, once per turn); raises the mapped error when it cannot be resumed."""
        gid = self.assembler.result.generation_id
        cid = self.plan.conversation_id
        if (
            self.resuming
            or not resumable(exc)  # a closed client, a refused stream: nothing to resume
            or self.core.generation != "2026"
            or not gid
            or not cid
        ):
            raise self.cut_error(exc) from exc
        log.info("the answer stream broke; resuming it from the server's replay")
        return routes.replay_stream(cid, gid)

    def cut_error(self, exc: BaseException) -> HuggingChatError:
        """The error for a connection failure mid-answer (the partial answer kept)."""
        return mapped_error(exc, self.partial)

    def resumed(self) -> None:
        """The replay stream is open: what it sends continues the answer."""
        self.resuming = True
        self.assembler.start_replay()  # the assembler's feed now reads the replay

    def _overdue_error(self) -> StreamTimeoutError:
        text, reasoning = self.partial()
        return StreamTimeoutError(
            f"the turn took longer than turn_timeout ({self.core.config.turn_timeout:g} s)",
            partial_text=text,
            partial_reasoning=reasoning,
        )

    # -- the end ------------------------------------------------------------------------------
    def finish(self, message_id: str | None = None) -> list[Event]:
        """The last events, ending with :class:`TurnEnd`; ``message_id`` is the new message's
        id when a read beside the stream found it."""
        if message_id and self.assembler.result.message_id is None:
            self.assembler.result.message_id = message_id
        self.finished = True
        events = self.assembler.close()
        end = events[-1]
        assert isinstance(end, TurnEnd)
        result = end.result
        out = events[:-1]
        if self.buffer is not None:
            calls, text = self.buffer.finish(result.text)
            result.tool_calls = calls
            if calls:
                result.text = text
            else:
                held = self.buffer.held_text
                if held:
                    out.append(TextDelta(held))
        self.core.finish_turn(self, result)
        out.append(end)
        return out

    def stop_request(self) -> Request | None:
        """The stop-generating request to send when the turn is left unfinished (an error, the
        caller stopped reading, a cancelled task), else None."""
        if self.finished or self.ended or self.server_failed:
            return None
        return routes.stop_generating(
            self.plan.conversation_id or "",
            self.assembler.result.generation_id,
            len(self.assembler.partial_text) if self.core.generation == "2026" else None,
        )
