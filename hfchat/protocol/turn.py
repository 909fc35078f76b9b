"""One answer stream, bytes in, typed events out (sans-I/O, protocol.md §4).

:class:`TurnAssembler` owns a :class:`LineDecoder`, a :class:`ThinkSplitter` and the turn's
metadata. ``feed(bytes)`` returns the events those bytes completed; ``close()`` at EOF returns
the last events, ending in :class:`TurnEnd`, or raises the typed error. Any chunking of the same
bytes gives the same events (text deltas may be split or merged differently; their
concatenation is the same).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..errors import HuggingChatError, StreamError, StreamProtocolError
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
from .decoder import DEFAULT_MAX_LINE_BYTES, LineDecoder, LineTooLong
from .sources import SourceList, is_web_tool, sources_from_tool_outputs
from .sse import SSEDecoder
from .think import ThinkSplitter, split_think, strip_think

__all__ = ["TurnAssembler", "stream_error_from_status"]

log = logging.getLogger("hfchat.stream")

_raw_decode = json.JSONDecoder().raw_decode


def _loads(line: bytes) -> Any:
    """One stripped JSON line (skips json.loads's encoding sniffing and whitespace scan)."""
    text = line.decode()
    value, end = _raw_decode(text)
    if end != len(text):
        raise ValueError("extra data after the JSON value")
    return value


_NUL = "\x00"
_KEEP_FINAL_TYPES = frozenset({"finalAnswer", "title", "routerMetadata", "status", "file"})


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def stream_error_from_status(
    message: str, status_code: Any, *, partial_text: str = "", partial_reasoning: str = ""
) -> HuggingChatError:
    """A ``status: error`` update as a typed error (statusCode 429/402 → rate limit, …); the
    rules are the ``stream`` rows of :data:`hfchat.protocol.classify.RULES`."""
    return classify(
        "stream",
        status=status_code if type(status_code) is int else None,
        route="send",
        message=message,
        partial_text=partial_text,
        partial_reasoning=partial_reasoning,
    )


class TurnAssembler:
    """State of one streamed turn. Not thread-safe; one per stream."""

    __slots__ = (
        "_base",
        "_done",
        "_elicitation",
        "_final",
        "_lines",
        "_raw",
        "_reasoning",
        "_replay",
        "_replay_seen",
        "_replay_skip",
        "_splitter",
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
    ) -> None:
        self._lines = LineDecoder(max_line_bytes)
        self._splitter = ThinkSplitter()
        self._raw: list[str] = []
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._final: dict[str, Any] | None = None
        self._elicitation: dict[str, Any] | None = None
        self._done = False
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

    # -- partial output --------------------------------------------------------------------
    @property
    def partial_text(self) -> str:
        return "".join(self._text)

    @property
    def partial_reasoning(self) -> str:
        return "".join(self._reasoning)

    def stream_error(self, message: str, **kw: Any) -> StreamError:
        return StreamError(
            message,
            partial_text=self.partial_text,
            partial_reasoning=self.partial_reasoning,
            **kw,
        )

    # -- bytes in ----------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[Event]:
        try:
            lines = self._lines.feed(data)
        except LineTooLong as exc:
            raise self._protocol_error(str(exc)) from None
        out: list[Event] = []
        for line in lines:
            # the hot path, inlined: one stream token per line
            try:
                update = _loads(line)
            except ValueError:
                raise self._malformed(line) from None
            if type(update) is dict and update.get("type") == "stream":
                token = update.get("token")
                if type(token) is str and token:
                    if _NUL in token:
                        token = token.replace(_NUL, "")
                        if not token:
                            continue
                    if self._splitter.in_text:
                        self._raw.append(token)
                        self._text.append(token)
                        out.append(TextDelta(token))
                    else:
                        self._token(token, out)
                continue
            self._update(update, out)
        return out

    def close(self) -> list[Event]:
        """End of the byte stream: the last events, ending with :class:`TurnEnd`."""
        out: list[Event] = []
        rest = self._lines.close()
        if rest is not None:
            try:
                update = _loads(rest)
            except ValueError:
                raise self.stream_error(
                    "the stream ended inside an update line (connection cut?)"
                ) from None
            self._update(update, out)
        if self._final is None:
            if self._elicitation is not None:
                raise self.stream_error("tool needs user input (MCP elicitation)")
            raise self.stream_error("the stream ended before the final answer")
        self._finish(out)
        return out

    # -- resuming after a cut (2026 replay route) -----------------------------------------------
    def start_replay(self) -> None:
        """The answer goes on from a replay of the whole generation (SSE, tokens merged):
        what was already streamed is skipped and the rest is emitted once."""
        self._replay = SSEDecoder()
        self._replay_seen = 0
        self._replay_skip = sum(len(t) for t in self._raw)
        self._lines = LineDecoder(self._lines.max_line_bytes)  # the cut line is gone

    def feed_replay(self, data: bytes) -> list[Event]:
        assert self._replay is not None, "start_replay() first"
        out: list[Event] = []
        for sse in self._replay.feed(data):
            if sse.event != "update":
                continue  # "end" closes the stream; close() judges the outcome
            try:
                update = json.loads(sse.data)
            except ValueError:
                raise self._malformed(sse.data.encode()) from None
            if type(update) is not dict:
                raise self._protocol_error("a replayed update that is not an object")
            kind = update.get("type")
            if kind == "stream":
                token = update.get("token")
                if isinstance(token, str) and token:
                    token = token.replace(_NUL, "")
                    start = self._replay_seen
                    self._replay_seen += len(token)
                    if self._replay_seen > self._replay_skip:
                        self._token(token[max(self._replay_skip - start, 0) :], out)
                continue
            if (kind == "title" and self.result.title is not None) or (
                kind == "routerMetadata" and self.result.router is not None
            ):
                continue  # seen before the cut
            self._update(update, out)
        return out

    # -- lines ------------------------------------------------------------------------------
    def _protocol_error(self, message: str) -> StreamProtocolError:
        return StreamProtocolError(
            message, partial_text=self.partial_text, partial_reasoning=self.partial_reasoning
        )

    def _malformed(self, line: bytes) -> StreamProtocolError:
        return self._protocol_error(
            f"malformed update line: {line[:80].decode('utf-8', 'replace')!r}"
        )

    def _token(self, token: str, out: list[Event]) -> None:
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
            raise self._protocol_error(f"an update that is not an object: {str(update)[:80]!r}")
        kind = update.get("type")
        if kind == "stream":
            token = update.get("token")
            if isinstance(token, str) and token:
                token = token.replace(_NUL, "")
                if token:
                    self._token(token, out)
            return
        if self._final is not None and kind in _KEEP_FINAL_TYPES:
            self.result.final_updates.append(update)
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            handler(self, update, out)
        elif kind is None:
            message = update.get("message")
            raise self.stream_error(
                str(message) if message else "an update line without a type",
                status_code=update.get("statusCode")
                if isinstance(update.get("statusCode"), int)
                else None,
                body=json.dumps(update)[:300],
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
            )
        if status == "finished":
            self._done = True

    def _on_final(self, u: dict[str, Any], out: list[Event]) -> None:
        if self._final is None:
            self.result.final_updates.append(u)
        self._final = u
        text = u.get("text")
        if isinstance(text, str):
            text = text.replace(_NUL, "")
            streamed = "".join(self._raw)
            if len(text) > len(streamed) and text.startswith(streamed):
                self._token(text[len(streamed) :], out)
        reasoning, rest = self._splitter.flush()
        if reasoning:
            self._reasoning.append(reasoning)
            out.append(ReasoningDelta(reasoning))
        if rest:
            self._text.append(rest)
            out.append(TextDelta(rest))
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
        if isinstance(text, str):
            inline_reasoning, answer = split_think(text.replace(_NUL, ""))
        else:
            inline_reasoning, answer = "", self.partial_text
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
