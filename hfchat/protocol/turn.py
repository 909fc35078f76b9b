"""One answer stream, bytes in, typed events out (sans-I/O, protocol.md §4).

:class:`TurnAssembler` owns a :class:`LineBuffer`, a :class:`ThinkSplitter` and the turn's
metadata. ``feed(bytes)`` returns the events those bytes completed; ``close()`` at EOF returns
the last events, ending in :class:`TurnEnd`, or raises the typed error. Any chunking of the same
bytes gives the same events (text deltas may be split or merged differently; their
concatenation is the same).
"""

from __future__ import annotations

import enum
import json
import logging
import re
from typing import Any

from ..errors import HuggingChatError, RequestInfo, StreamError, StreamProtocolError
from ..events import (
    Elicitation,
    Event,
    FileOutput,
    ReasoningDelta,
    ReasoningStatus,
    RouterInfo,
    Sources,
    TextDelta,
    Title,
    ToolActivity,
    TurnEnd,
    TurnResult,
    WebSearchStatus,
)
from .classify import classify
from .decoder import DEFAULT_MAX_LINE_BYTES, LineBuffer, LineTooLong, clean_line
from .sources import SourceList, is_web_tool, sources_from_tool_outputs
from .sse import SSEDecoder
from .think import ThinkSplitter, split_think, strip_think

__all__ = [
    "MAX_UPDATES_AFTER_FINAL",
    "TurnAssembler",
    "TurnState",
    "stream_error_from_status",
]

log = logging.getLogger("hfchat.stream")

_raw_decode = json.JSONDecoder().raw_decode


def _loads(line: bytes | str) -> Any:
    """One stripped JSON line (skips json.loads's encoding sniffing and whitespace scan)."""
    text = line.decode() if isinstance(line, bytes) else line.strip()
    value, end = _raw_decode(text)
    if end != len(text):
        raise ValueError("extra data after the JSON value")
    return value


_NUL = "\x00"

#: chat-ui's stream-token line exactly as ``JSON.stringify`` writes it (``type`` first, the
#: token right-padded with NULs): group 1 is the token's UTF-8 when it holds no escape, quote
#: or control character. Such a line means the same as its ``json.loads``; any other line
#: (other key order, escapes inside the token, white space) takes the general path.
_token_line = re.compile(rb'\{"type":"stream","token":"([^"\\\x00-\x1f]*)(?:\\u0000)*"\}').fullmatch
_KEEP_FINAL_TYPES = frozenset({"finalAnswer", "title", "routerMetadata", "status", "file"})


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def stream_error_from_status(
    message: str,
    status_code: Any,
    *,
    partial_text: str = "",
    partial_reasoning: str = "",
    request: RequestInfo | None = None,
) -> HuggingChatError:
    """A ``status: error`` update as a typed error (statusCode 429/402 → rate limit, …); the
    rules are the ``stream`` rows of :data:`hfchat.protocol.classify.RULES`."""
    return classify(
        "stream",
        status=status_code if type(status_code) is int else None,
        route="send",
        message=message,
        request=request,
        partial_text=partial_text,
        partial_reasoning=partial_reasoning,
    )


class TurnState(enum.Enum):
    """Where a :class:`TurnAssembler` is in its turn."""

    STREAMING = "streaming"
    """Reading the answer stream; no final answer yet."""
    FINAL_SEEN = "final seen"
    """The final answer arrived; only title and metadata may follow (bounded)."""
    REPLAYING = "replaying"
    """Reading the 2026 replay of the generation (SSE) after a cut, before its final answer."""
    DONE = "done"
    """:meth:`TurnAssembler.close` returned the :class:`TurnEnd`; nothing more is accepted."""
    FAILED = "failed"
    """A typed error was raised; nothing more is accepted."""


STREAMING = TurnState.STREAMING
FINAL_SEEN = TurnState.FINAL_SEEN
REPLAYING = TurnState.REPLAYING
DONE = TurnState.DONE
FAILED = TurnState.FAILED

MAX_UPDATES_AFTER_FINAL = 100
"""Updates read after the final answer before the assembler asks to close (``wants_close``)."""


class TurnAssembler:
    """State of one streamed turn. Not thread-safe; one per stream.

    States (:class:`TurnState`): ``STREAMING`` → ``FINAL_SEEN`` on the first ``finalAnswer``;
    :meth:`start_replay` (after a cut) → ``REPLAYING`` (SSE framing from then on, what was
    already streamed skipped) → ``FINAL_SEEN``; :meth:`close` → ``DONE`` with exactly one
    :class:`TurnEnd`; any typed error → ``FAILED``. ``feed``/``close`` after ``DONE`` or
    ``FAILED`` raise :class:`~hfchat.errors.StreamError`.

    Rules: the first ``finalAnswer`` wins (later ones are ignored, as are stream tokens after
    it); the answer text is the first final answer's (think-split), and the streamed deltas are
    completed to it when it extends them. After the final answer the assembler keeps at most
    :data:`MAX_UPDATES_AFTER_FINAL` updates and sets :attr:`wants_close` at the server's end
    marker (``status: finished``, or the replay's ``end`` event) or at that cap; the shell
    should then stop reading and call :meth:`close`. :attr:`final_seen` tells the shell it may
    give the stream a short grace (title, metadata) and then close it.

    ``request`` (the send request's :class:`~hfchat.errors.RequestInfo`) is carried by every
    error the assembler raises.
    """

    __slots__ = (
        "_after_final",
        "_base",
        "_elicitation",
        "_ended",
        "_final",
        "_lines",
        "_raw",
        "_reasoning",
        "_replay",
        "_replay_seen",
        "_replay_skip",
        "_request",
        "_splitter",
        "_state",
        "_text",
        "result",
        "sources",
    )

    def __init__(
        self,
        *,
        base_url: str = "",
        conversation_id: str | None = None,
        requested_model: str | None = None,
        generation_id: str | None = None,
        parent_id: str | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        request: RequestInfo | None = None,
    ) -> None:
        self._lines = LineBuffer(max_line_bytes)
        self._splitter = ThinkSplitter()
        self._raw: list[str] = []
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._final: dict[str, Any] | None = None
        self._elicitation: dict[str, Any] | None = None
        self._state = STREAMING
        self._ended = False
        self._after_final = 0
        self._replay: SSEDecoder | None = None
        self._replay_seen = 0
        self._replay_skip = 0
        self.sources = SourceList()
        self.result = TurnResult(
            conversation_id=conversation_id,
            requested_model=requested_model,
            generation_id=generation_id,
            parent_id=parent_id,
        )
        self._base = base_url.rstrip("/")
        self._request = request

    # -- state ---------------------------------------------------------------------------------
    @property
    def state(self) -> TurnState:
        """Where the turn is (see :class:`TurnState`)."""
        return self._state

    @property
    def final_seen(self) -> bool:
        """The final answer arrived (the shell may allow a short grace, then close)."""
        return self._final is not None

    @property
    def wants_close(self) -> bool:
        """Nothing more is needed from the stream: stop reading and call :meth:`close`."""
        return self._ended

    @property
    def done(self) -> bool:
        """:meth:`close` returned the turn's :class:`TurnEnd`."""
        return self._state is DONE

    # -- partial output --------------------------------------------------------------------
    @property
    def partial_text(self) -> str:
        """The answer text streamed so far."""
        return "".join(self._text)

    @property
    def partial_reasoning(self) -> str:
        """The reasoning streamed so far."""
        return "".join(self._reasoning)

    def stream_error(self, message: str, **kw: Any) -> StreamError:
        """A :class:`StreamError` carrying the partial output."""
        kw.setdefault("request", self._request)
        return StreamError(
            message,
            partial_text=self.partial_text,
            partial_reasoning=self.partial_reasoning,
            **kw,
        )

    def _check_open(self, what: str) -> None:
        if self._state is DONE or self._state is FAILED:
            raise self.stream_error(f"{what}() after the turn ended ({self._state.value})")

    # -- bytes in ----------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[Event]:
        """The events ``data`` completes (NDJSON lines, or SSE events while replaying)."""
        state = self._state
        if state is DONE or state is FAILED:
            self._check_open("feed")
        if self._ended:
            return []  # the server's end marker (or the cap after the final answer) was read
        try:
            out: list[Event] = []
            if self._replay is not None:
                for item in self._replay_items(data):
                    if self._line(item, out):
                        break
                return out
            for line in self._lines.split(data):
                match = _token_line(line)
                if match is None:  # any other update
                    if self._line(line, out):
                        break
                    continue
                # the one token path; its common case inlined (one stream token per line)
                raw = match.group(1)
                if not raw:
                    continue  # padding only
                try:
                    token = raw.decode()
                except UnicodeDecodeError as exc:
                    raise self._malformed(line, exc) from None
                if self._state is STREAMING and self._splitter.in_text:
                    self._raw.append(token)
                    self._text.append(token)
                    out.append(TextDelta(token))
                else:
                    self._token(token, out)
            return out
        except LineTooLong as exc:
            self._state = FAILED
            raise self._protocol_error(str(exc)) from None
        except HuggingChatError:
            self._state = FAILED
            raise

    def _line(self, line: bytes | str, out: list[Event]) -> bool:
        """One update line (NDJSON bytes or a replay event's data) into ``out``; True once the
        stream said all that matters."""
        if type(line) is bytes:
            line = clean_line(line)
            if not line:
                return False
        try:
            update = _loads(line)
        except (ValueError, RecursionError) as exc:
            raise self._malformed(line, exc) from None
        self._update(update, out)
        return self._ended

    def close(self) -> list[Event]:
        """End of the byte stream: the last events, ending with the turn's one :class:`TurnEnd`."""
        self._check_open("close")
        try:
            out: list[Event] = []
            rest = self._lines.close().strip() if self._replay is None and not self._ended else None
            if rest:
                try:
                    update = _loads(rest)
                except (ValueError, RecursionError):
                    raise self.stream_error(
                        "the stream ended inside an update line (connection cut?)"
                    ) from None
                self._update(update, out)
            if self._final is None:
                if self._elicitation is not None:
                    raise self.stream_error("tool needs user input (MCP elicitation)")
                raise self.stream_error("the stream ended before the final answer")
            self._finish(out)
        except HuggingChatError:
            self._state = FAILED
            raise
        self._state = DONE
        return out

    # -- resuming after a cut (2026 replay route) -----------------------------------------------
    def start_replay(self) -> None:
        """The answer goes on from a replay of the whole generation (SSE, tokens merged): from
        now on :meth:`feed` reads SSE; what was already streamed is skipped and the rest is
        emitted once."""
        self._check_open("start_replay")
        self._replay = SSEDecoder(self._lines.max_line_bytes)
        self._replay_seen = 0
        self._replay_skip = sum(len(t) for t in self._raw)
        self._lines = LineBuffer(self._lines.max_line_bytes)  # the cut line is gone
        if self._final is None:
            self._state = REPLAYING
        self._ended = False

    def feed_replay(self, data: bytes) -> list[Event]:
        """Deprecated alias of :meth:`feed` (replay is a state: call :meth:`start_replay`, then
        :meth:`feed`). Kept for one release."""
        if self._replay is None:
            raise self.stream_error("feed_replay() before start_replay()")
        return self.feed(data)

    def _replay_items(self, data: bytes) -> list[str]:
        assert self._replay is not None
        items: list[str] = []
        for sse in self._replay.feed(data):
            if sse.event == "update":
                items.append(sse.data)
            elif sse.event == "end":
                # the replay is over; close() judges the outcome
                if self._final is not None:
                    self._ended = True
                break
        return items

    # -- lines ------------------------------------------------------------------------------
    def _protocol_error(self, message: str) -> StreamProtocolError:
        return StreamProtocolError(
            message,
            partial_text=self.partial_text,
            partial_reasoning=self.partial_reasoning,
            request=self._request,
        )

    def _malformed(
        self, line: bytes | str, exc: BaseException | None = None
    ) -> StreamProtocolError:
        text = line[:80].decode("utf-8", "replace") if isinstance(line, bytes) else line[:80]
        why = " (nested too deep)" if isinstance(exc, RecursionError) else ""
        return self._protocol_error(f"malformed update line{why}: {text!r}")

    def _token(self, token: str, out: list[Event]) -> None:
        state = self._state
        if state is FINAL_SEEN:
            return  # the first final answer fixed the text
        if self._replay is not None:
            start = self._replay_seen
            self._replay_seen += len(token)
            if self._replay_seen <= self._replay_skip:
                return  # streamed before the cut
            token = token[max(self._replay_skip - start, 0) :]
        self._emit(token, out)

    def _emit(self, token: str, out: list[Event]) -> None:
        self._raw.append(token)
        splitter = self._splitter
        if splitter.in_text:
            self._text.append(token)
            out.append(TextDelta(token))
            return
        reasoning, text = splitter.feed(token)
        if reasoning:
            self._reasoning.append(reasoning)
            out.append(ReasoningDelta(reasoning))
        if text:
            self._text.append(text)
            out.append(TextDelta(text))

    def _update(self, update: Any, out: list[Event]) -> None:
        if type(update) is not dict:
            raise self._protocol_error(f"an update that is not an object ({type(update).__name__})")
        kind = update.get("type")
        if kind == "stream":
            token = update.get("token")
            if isinstance(token, str) and token:
                token = token.replace(_NUL, "")
                if token:
                    self._token(token, out)
            return
        if self._final is not None and kind != "finalAnswer":
            self._after_final += 1
            if self._after_final > MAX_UPDATES_AFTER_FINAL:
                self._ended = True
                return
            if kind in _KEEP_FINAL_TYPES and update.get("status") != "keepAlive":
                self.result.final_updates.append(update)
        if self._replay is not None and (
            (kind == "title" and self.result.title is not None)
            or (kind == "routerMetadata" and self.result.router is not None)
        ):
            return  # seen before the cut
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            handler(self, update, out)
        elif kind is None:
            message = update.get("message")
            code = update.get("statusCode")
            raise classify(
                "stream",
                status=code if type(code) is int else None,
                route="send",
                message=str(message)[:300] if message else "an update line without a type",
                request=self._request,
                partial_text=self.partial_text,
                partial_reasoning=self.partial_reasoning,
            )
        else:
            log.debug("ignoring unknown update type %r", kind)

    # -- update handlers ------------------------------------------------------------------------
    def _on_status(self, u: dict[str, Any], out: list[Event]) -> None:
        status = u.get("status")
        if status == "error":
            raise stream_error_from_status(
                str(u.get("message") or "the server reported an error"),
                u.get("statusCode"),
                partial_text=self.partial_text,
                partial_reasoning=self.partial_reasoning,
                request=self._request,
            )
        if status == "finished" and self._final is not None:
            self._ended = True  # the server's end marker: nothing more is needed

    def _on_final(self, u: dict[str, Any], out: list[Event]) -> None:
        if self._final is not None:
            log.debug("ignoring a second finalAnswer (the first one wins)")
            return
        self.result.final_updates.append(u)
        self._final = u
        self._state = FINAL_SEEN
        text = u.get("text")
        if isinstance(text, str):
            text = text.replace(_NUL, "")
            streamed = "".join(self._raw)
            if len(text) > len(streamed) and text.startswith(streamed):
                self._emit(text[len(streamed) :], out)
        reasoning, rest = self._splitter.flush()
        if reasoning:
            self._reasoning.append(reasoning)
            out.append(ReasoningDelta(reasoning))
        if rest:
            self._text.append(rest)
            out.append(TextDelta(rest))
        if isinstance(text, str):
            # complete the streamed text to the final answer's text when it extends it
            answer = split_think(text)[1]
            streamed = self.partial_text
            if len(answer) > len(streamed) and answer.startswith(streamed):
                tail = answer[len(streamed) :]
                self._text.append(tail)
                out.append(TextDelta(tail))
        added = self.sources.add_links(u.get("webSources"), "uri")
        if added:
            out.append(Sources(added))

    def _on_title(self, u: dict[str, Any], out: list[Event]) -> None:
        title = u.get("title")
        if isinstance(title, str):
            clean = strip_think(title.replace(_NUL, ""))
            self.result.title = clean
            out.append(Title(clean))

    def _on_router(self, u: dict[str, Any], out: list[Event]) -> None:
        prev = self.result.router
        info = RouterInfo(
            route=u.get("route") or (prev.route if prev else None) or None,
            model=u.get("model") or (prev.model if prev else None) or None,
            provider=u.get("provider") or (prev.provider if prev else None) or None,
        )
        self.result.router = info
        out.append(info)

    def _on_reasoning(self, u: dict[str, Any], out: list[Event]) -> None:
        sub = u.get("subtype")
        if sub == "stream":
            token = u.get("token")
            if isinstance(token, str):
                token = token.replace(_NUL, "")
                if token:
                    self._reasoning.append(token)
                    out.append(ReasoningDelta(token))
        elif sub == "status":
            status = u.get("status")
            if isinstance(status, str):
                self.result.reasoning_status.append(status)
                out.append(ReasoningStatus(status))

    def _on_web_search(self, u: dict[str, Any], out: list[Event]) -> None:
        sub = u.get("subtype")
        if sub == "sources":
            added = self.sources.add_links(u.get("sources"), "link")
            if added:
                out.append(Sources(added))
        elif isinstance(sub, str):
            args = u.get("args")
            message = u.get("message")
            if sub == "error":
                log.warning("web search failed on the server: %s %s", message, args or "")
            out.append(
                WebSearchStatus(
                    sub,
                    message if isinstance(message, str) else None,
                    args if isinstance(args, list) else None,
                )
            )

    def _on_tool(self, u: dict[str, Any], out: list[Event]) -> None:
        sub = u.get("subtype")
        uuid = str(u.get("uuid") or "")
        activity: ToolActivity | None = None
        if sub == "call":
            call = _obj(u.get("call"))
            params = call.get("parameters")
            activity = ToolActivity(
                "call",
                uuid,
                name=call.get("name"),
                arguments=params if isinstance(params, dict) else None,
            )
        elif sub == "result":
            res = _obj(u.get("result"))
            call = _obj(res.get("call"))
            outputs = res.get("outputs")
            status = res.get("status")
            activity = ToolActivity(
                "result",
                uuid,
                name=call.get("name"),
                arguments=call.get("parameters")
                if isinstance(call.get("parameters"), dict)
                else None,
                status=status if isinstance(status, str) else None,
                outputs=outputs if isinstance(outputs, list) else None,
                message=res.get("message") if isinstance(res.get("message"), str) else None,
            )
            if status != "error" and is_web_tool(activity.name):
                added = self.sources.extend(sources_from_tool_outputs(outputs))
                if added:
                    self.result.tool_activity.append(activity)
                    out.append(activity)
                    out.append(Sources(added))
                    return
        elif sub in ("error", "eta", "progress"):
            message = u.get("message")
            activity = ToolActivity(
                sub, uuid, message=message if isinstance(message, str) else None
            )
            if sub == "error":
                log.warning("a server-side tool failed: %s", message)
        if activity is not None:
            self.result.tool_activity.append(activity)
            out.append(activity)

    def _on_file(self, u: dict[str, Any], out: list[Event]) -> None:
        sha = u.get("sha")
        if not isinstance(sha, str):
            return
        cid = self.result.conversation_id
        url = f"{self._base}/conversation/{cid}/output/{sha}" if cid else None
        f = FileOutput(str(u.get("name") or sha[:8]), sha, str(u.get("mime") or ""), url)
        self.result.files.append(f)
        out.append(f)

    def _on_elicitation(self, u: dict[str, Any], out: list[Event]) -> None:
        sub = str(u.get("subtype") or "")
        if sub == "request":
            self._elicitation = u
        elif sub == "resolved":
            self._elicitation = None
        out.append(Elicitation(sub, u))

    # -- the end -------------------------------------------------------------------------------
    def _finish(self, out: list[Event]) -> None:
        final = self._final or {}
        result = self.result
        text = final.get("text")
        streamed = self.partial_text
        if isinstance(text, str):
            inline_reasoning, answer = split_think(text.replace(_NUL, ""))
            if not streamed.startswith(answer):
                # the final text contradicts the stream: the streamed text stands (a final
                # text that is a prefix of it is a clamp, e.g. after stop-generating)
                log.debug("the final answer contradicts the streamed text; keeping the stream")
                answer = streamed
        else:
            inline_reasoning, answer = "", streamed
        streamed_reasoning = self.partial_reasoning
        result.text = answer
        result.reasoning = streamed_reasoning or inline_reasoning
        result.finish_reason = "interrupted" if final.get("interrupted") is True else "stop"
        result.sources = self.sources.to_list()
        router = result.router
        result.model = (router.model if router and router.model else None) or (
            result.requested_model
        )
        out.append(TurnEnd(result))


_HANDLERS = {
    "status": TurnAssembler._on_status,
    "finalAnswer": TurnAssembler._on_final,
    "title": TurnAssembler._on_title,
    "routerMetadata": TurnAssembler._on_router,
    "reasoning": TurnAssembler._on_reasoning,
    "webSearch": TurnAssembler._on_web_search,
    "tool": TurnAssembler._on_tool,
    "file": TurnAssembler._on_file,
    "elicitation": TurnAssembler._on_elicitation,
}
