"""The message-update stream of one send: a :class:`Reply` plan turned into timed NDJSON lines.

Framing follows the captures (head/04, v0.9.4/03): ``status: started`` first, NUL-padded tokens,
``keepAlive`` every 100 ms while waiting, 4096 spaces after ``finalAnswer``, then on 2026 the
``title``/``routerMetadata`` tail and ``status: finished``. Stream faults hook in here. The
generation also keeps running (without writing) when the client goes away, as chat-ui does.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .faults import Fault, RandomChunker
from .models import Reply, title_for
from .server import ChunkSink
from .state import Conversation, Generation, Message
from .wire import SPACES_4096, iso, js_json, now, pad_token, update_line, utf16_len, utf16_prefix

__all__ = ["KEEPALIVE_INTERVAL", "StreamRun", "Turn"]

KEEPALIVE_INTERVAL = 0.1
_THINK_TAG = re.compile(r"</?think>", re.IGNORECASE)
_MALFORMED = b'{"type":"stream","token":\n'
_UNKNOWN = {"type": "futureThing", "x": 1}
# stream faults that fire at a token count, in the order they act when due together
_TOKEN_FAULTS = ("stall", "malformed_line", "huge_line", "elicitation", "stream_error", "cut")


def stored_title(title: str) -> str:
    """chat-ui saves titles with the ``<think>`` markers (not their content) removed."""
    return _THINK_TAG.sub("", title).strip()


@dataclass
class Turn:
    conv: Conversation
    message: Message  # the assistant message being written
    generation: Generation
    reply: Reply
    prompt: str
    first_turn: bool
    legacy: bool  # a 2024 (v0.9.4) server
    prior: str = ""  # 2024 continue: the text already in the message


class StreamRun:
    """Callable stream body for :class:`~hfchat.testing.server.WireResponse`."""

    def __init__(
        self,
        turn: Turn,
        faults: list[Fault],
        lock: Any,
        take_title: Callable[[], str | None],
    ) -> None:
        self.turn = turn
        self.reply = turn.reply
        self.gen = turn.generation
        self.msg = turn.message
        self.faults = {f.name: f for f in faults}
        self.fired: set[str] = set()
        self.lock = lock
        self.take_title = take_title
        self.parts: list[str] = []
        self.pending_tokens: list[str] = []
        self.tokens_sent = 0
        self.token_lines: dict[str, bytes] = {}  # encoded stream lines by token
        self.router_sent = False
        self.sink: ChunkSink | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.last_write = 0.0

    # entry point ------------------------------------------------------------------------------

    async def __call__(self, sink: ChunkSink) -> None:
        self.sink = sink
        self.loop = asyncio.get_running_loop()
        self.last_write = self.loop.time()
        chunking = self.faults.get("chunking")
        if chunking is not None:
            sink.splitter = RandomChunker(
                chunking["seed"], chunking["min_size"], chunking["max_size"]
            )
        try:
            await self._run()
        finally:
            if not self.gen.done:
                self._complete("".join(self.parts), True, "interrupted")

    async def _run(self) -> None:
        turn, reply = self.turn, self.reply
        await self.emit({"type": "status", "status": "started"})
        if "unknown_update" in self.faults:
            await self.write(update_line(_UNKNOWN))
        if reply.router_first and reply.router_metadata is not None:
            await self.emit_router()
        if turn.legacy and turn.first_turn:
            await self.emit_title()
        for update in reply.pre:
            await self.emit(update)
        if reply.reasoning_tokens:
            for token in reply.reasoning_tokens:
                if self.gen.stop_requested:
                    break
                await self.emit({"type": "reasoning", "subtype": "stream", "token": token})
                await self.pause(reply.token_delay)
            await self.emit({"type": "reasoning", "subtype": "status", "status": "Done in 1s."})
        every = self.faults["unknown_update"]["every"] if "unknown_update" in self.faults else 0
        for token in reply.tokens:
            if await self.token_faults(final=False) or self.gen.stop_requested:
                break
            await self.emit_token(token, hold=not reply.token_delay)
            if every and self.tokens_sent % every == 0:
                await self.write(update_line(_UNKNOWN))
            if reply.token_delay:
                await self.pause(reply.token_delay)
            elif self.tokens_sent % 64 == 0:
                await self.flush()
                await asyncio.sleep(0)
        if self.gen.done or await self.token_faults(final=True):
            return
        if self.gen.stop_requested:
            await self.finish_stopped()
        elif reply.error is not None:
            await self.finish_error(*reply.error)
        else:
            await self.finish_ok()

    # writing ----------------------------------------------------------------------------------

    async def write(self, data: bytes, hold: bool = False) -> None:
        """Send raw bytes of the stream (``hold``: frame now, send with the next write)."""
        assert self.sink is not None and self.loop is not None
        await self.sink.write(data, hold)
        self.last_write = self.loop.time()

    async def flush(self) -> None:
        """Send what is held back."""
        assert self.sink is not None
        await self.sink.flush()

    async def emit(self, update: dict[str, Any]) -> None:
        """Send one update line and record it in the generation."""
        await self.write(update_line(update))
        self.record(update)

    async def emit_token(self, token: str, hold: bool = False) -> None:
        """Send one ``stream`` token line (padded like chat-ui's)."""
        line = self.token_lines.get(token)
        if line is None:
            line = b'{"type":"stream","token":' + js_json(pad_token(token)).encode() + b"}\n"
            if len(self.token_lines) < 4096:
                self.token_lines[token] = line
        await self.write(line, hold)
        self.parts.append(token)
        self.tokens_sent += 1
        if not self.turn.legacy:
            with self.lock:
                self.msg.updates.append(utf16_len(token))
            self.pending_tokens.append(token)

    async def emit_router(self) -> None:
        """Send the router metadata once, when the reply has some."""
        if self.reply.router_metadata is not None and not self.router_sent:
            self.router_sent = True
            await self.emit({"type": "routerMetadata", **self.reply.router_metadata})

    async def emit_title(self) -> None:
        """Send the conversation's title update (scripted, or made from the prompt)."""
        title = self.take_title()
        if title is None:
            prompt = " ".join(self.turn.prompt.split())
            generation = "2024" if self.turn.legacy else "2026"
            if self.reply.title_fallback and not self.turn.legacy:
                title = prompt
            else:
                title = self.reply.title_prefix + title_for(prompt, generation)
        await self.emit({"type": "title", "title": title})
        with self.lock:
            self.turn.conv.title = stored_title(title)
            self.turn.conv.titled = True

    def record(self, update: dict[str, Any]) -> None:
        """Persist ``update`` on the message and, on 2026, in the replay log."""
        keep_alive = update.get("status") == "keepAlive"
        if self.turn.legacy:
            stored = dict(update)
            if stored.get("type") == "finalAnswer":
                stored["webSources"] = None
            with self.lock:
                self.msg.updates.append(stored)
            return
        if keep_alive:
            return
        with self.lock:
            self.msg.updates.append(dict(update))
        self.flush_tokens()
        self.gen.events.append(dict(update))
        self.gen.notify()

    def flush_tokens(self) -> None:
        """Record the tokens sent so far as one merged update (what replays show)."""
        if self.pending_tokens:
            self.gen.events.append({"type": "stream", "token": "".join(self.pending_tokens)})
            self.pending_tokens.clear()
            self.gen.notify()

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds``, writing ``keepAlive`` every 100 ms; return early on a stop."""
        assert self.loop is not None
        await self.flush()
        self.flush_tokens()
        with self.lock:
            self.msg.content = self.turn.prior + "".join(self.parts)
        end = self.loop.time() + seconds
        while not self.gen.stop_requested:
            current = self.loop.time()
            if current >= end:
                return
            due = self.last_write + KEEPALIVE_INTERVAL
            if current >= due:
                await self.emit({"type": "status", "status": "keepAlive"})
                continue
            await asyncio.sleep(min(end, due) - current)

    # faults -----------------------------------------------------------------------------------

    async def token_faults(self, final: bool) -> bool:
        """Fire token-count faults that are due; True when the stream has ended."""
        if not self.faults:
            return False
        await self.flush()
        for name in _TOKEN_FAULTS:
            fault = self.faults.get(name)
            if fault is None or name in self.fired:
                continue
            if not final and self.tokens_sent < fault["after_tokens"]:
                continue
            self.fired.add(name)
            if name == "stall" and fault["keep_alive"]:  # a slow upstream: keepAlive goes on
                await self.pause(float(fault["seconds"]))
            elif name == "stall":
                await self.stall(float(fault["seconds"]))
            elif name == "malformed_line":
                await self.write(_MALFORMED)
            elif name == "huge_line":
                await self.huge_line(int(fault["size"]))
            elif name == "elicitation":
                await self.elicitation()
                return True
            elif name == "stream_error":
                code = int(fault["status_code"])
                why = "fake rate limit reached" if code == 429 else "fake upstream failure"
                await self.finish_error(code, fault["message"] or f"{code} {why}")
                return True
            elif name == "cut":
                assert self.sink is not None
                self.sink.abort()
        return False

    async def stall(self, seconds: float) -> None:
        """Send nothing at all (no keepAlive) for ``seconds``, unless stopped."""
        assert self.loop is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.gen.stop_signal.wait(), seconds)
        self.last_write = self.loop.time()

    async def huge_line(self, size: int) -> None:
        """Send one ``stream`` line of ``size`` bytes without a newline limit (a fault)."""
        head, tail = b'{"type":"stream","token":"', b'"}\n'
        filler = max(size - len(head) - len(tail), 0)
        await self.write(head)
        block = b"x" * (1 << 20)
        while filler > 0:
            await self.write(block[: min(filler, len(block))])
            filler -= len(block)
        await self.write(tail)

    async def elicitation(self) -> None:
        """Send an MCP tool call that waits for user input (an elicitation) and end there."""
        tool_uuid = str(uuid.uuid4())
        call = {"name": "web_search_exa", "parameters": {"query": self.turn.prompt}}
        await self.emit({"type": "tool", "subtype": "call", "uuid": tool_uuid, "call": call})
        expires = iso(now().replace(microsecond=0)).replace(".000Z", "Z")
        await self.emit(
            {
                "type": "elicitation",
                "subtype": "request",
                "request": {
                    "elicitationId": str(uuid.uuid4()),
                    "server": "Web Search (Exa)",
                    "mode": "form",
                    "message": "Web Search (Exa) needs your confirmation before searching.",
                    "fields": [{"name": "confirm", "type": "boolean", "label": "Allow search?"}],
                },
                "expiresAt": expires,
                "toolUuid": tool_uuid,
            }
        )
        self._complete("".join(self.parts), False, "interrupted")

    # endings ----------------------------------------------------------------------------------

    async def finish_ok(self) -> None:
        """Send the final answer (whole, or cut in half by ``truncated_final``) and complete
        the generation.
        """
        final = {"type": "finalAnswer", "text": self.reply.text, "interrupted": False}
        if "truncated_final" in self.faults:
            line = update_line(final)
            await self.write(line[: len(line) // 2])
            self.record(final)
            self._complete(self.turn.prior + self.reply.text, False, "completed")
            return
        await self.emit(final)
        await self.write(SPACES_4096)
        if not self.turn.legacy:
            await self.tail()
        self._complete(self.turn.prior + self.reply.text, False, "completed")

    async def tail(self) -> None:
        """2026 after ``finalAnswer``: title (first turn), routerMetadata, ``finished``."""
        if self.reply.title_after_router:
            await self.emit_router()
        if self.turn.first_turn:
            await self.emit_title()
        await self.emit_router()
        await self.emit({"type": "status", "status": "finished"})

    async def finish_stopped(self) -> None:
        """End an interrupted generation: the text so far (cut to ``seen_content_length``)
        as an interrupted final answer.
        """
        text = "".join(self.parts)
        if self.gen.seen_content_length is not None:
            text = utf16_prefix(text, self.gen.seen_content_length)
        if not self.turn.legacy:
            await self.emit_router()
        await self.emit({"type": "finalAnswer", "text": text, "interrupted": True})
        await self.write(SPACES_4096)
        if not self.turn.legacy:
            if self.turn.first_turn:
                await self.emit_title()
            await self.emit({"type": "status", "status": "finished"})
        self._complete(self.turn.prior + text, True, "interrupted")

    async def finish_error(self, code: int, message: str) -> None:
        """End with an error status update (``statusCode`` on 2026 servers)."""
        if not self.turn.legacy and self.turn.first_turn:
            await self.emit_title()
        update: dict[str, Any] = {"type": "status", "status": "error", "message": message}
        if not self.turn.legacy:
            update["statusCode"] = code
        await self.emit(update)
        self._complete(self.turn.prior + "".join(self.parts), False, "error")

    def _complete(self, content: str, interrupted: bool, status: str) -> None:
        self.flush_tokens()
        with self.lock:
            msg = self.msg
            msg.content = content
            msg.interrupted = interrupted
            msg.updated_at = now()
            self.turn.conv.updated_at = msg.updated_at
            if not self.turn.legacy:
                if self.reply.router_metadata is not None and self.reply.error is None:
                    msg.router_metadata = dict(self.reply.router_metadata)
                msg.materialized_seq = len(self.gen.events)
            if self.reply.reasoning is not None:
                msg.reasoning = self.reply.reasoning
            self.gen.status = status
        self.gen.notify()
