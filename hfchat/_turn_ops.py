"""The client side of one chat turn: the plan becomes a :class:`~hfchat._turn.Turn` (its send
request, assembler and tool buffer), a refused send becomes an attachment resend or a
discarded conversation, the new message's id is read, and the finished turn is recorded.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace

from ._ops import ConversationOps, Op
from ._turn import Turn
from .conversations import (
    ChatMessage,
    NodeRef,
    TurnPlan,
    carry_as_attachment,
    check_turn_input,
    fold_turns,
    input_length,
)
from .errors import (
    ConfigurationError,
    ConversationNotFoundError,
    HuggingChatError,
    MessageTooLongError,
    ProtocolError,
)
from .events import TurnResult
from .protocol import routes
from .protocol.think import split_think
from .protocol.turn import TurnAssembler
from .tools import ToolCallBuffer, ToolSpec, tool_prompt

__all__ = ["LONG_INPUT", "TurnOps"]

log = logging.getLogger("hfchat")

#: chat-ui's web client turns a paste of this many characters or more into a text file; a turn
#: this long goes as a ``text/plain`` attachment on 2026 servers (the server's limit is not
#: published; a lower one is learned from its "Message too long." refusal).
LONG_INPUT = 3984


def _too_long(exc: HuggingChatError) -> bool:
    """chat-ui's ``Message too long.`` refusal (400, before anything is stored)."""
    if isinstance(exc, MessageTooLongError):
        return True
    if exc.status_code != 400:
        return False
    text = f"{exc.message} {exc.body or ''}".lower()
    return "message too long" in text


class TurnOps(ConversationOps):
    """The turn path of :class:`~hfchat._core.ClientCore`."""

    # -- one chat turn ---------------------------------------------------------------------------
    def op_begin_turn(
        self,
        messages: str | Sequence[ChatMessage],
        *,
        model: str | None = None,
        tools: Sequence[ToolSpec] | None = None,
        tool_choice: str | None = None,
        web_search: bool | None = None,
        conversation_id: str | None = None,
    ) -> Op[Turn]:
        """The :class:`~hfchat._turn.Turn` for ``messages``, ready to send: input checked before
        any I/O, model chosen, plan made (a pending node resolved, a conversation created or
        read), files checked against the model, a long text carried as an attachment.
        """
        msgs = check_turn_input(messages)  # before any I/O: nothing reaches the account
        model = model or (yield from self.op_default_model())
        extra = tool_prompt(list(tools or []), tool_choice)
        if conversation_id is not None:
            routes.check_conversation_id(conversation_id)
            with self.lock:
                plan = self.index.plan(msgs, model, extra)
            conv = yield from self.op_read(conversation_id)
            tail: list[ChatMessage] = []
            for m in reversed([m for m in msgs if m.role != "system"]):
                if m.role == "assistant":
                    break
                tail.insert(0, m)
            # the conversation's system prompt is fixed on the server: tool instructions for
            # this call travel with the message instead
            plan = replace(
                plan,
                conversation_id=conversation_id,
                parent_id=conv.last_message_id,
                pending=None,
                inputs=f"{extra}\n\n{fold_turns(tail)}" if extra else fold_turns(tail),
                files=[f for m in tail for f in m.files],
            )
        else:
            with self.lock:
                plan = self.index.plan(msgs, model, extra)
        if plan.files:
            info = yield from self.op_model_info(model)
            for f in plan.files:
                if not info.accepts_mime(f.mime):
                    raise ConfigurationError(
                        f"the model {model!r} does not accept {f.mime} files"
                        + ("" if info.multimodal else " (it is not multimodal)")
                    )
        if plan.pending is not None:
            resolved = yield from self._op_resolve_pending(plan)
            if resolved is None:
                with self.lock:
                    self.index.forget_conversation(plan.pending.conversation_id)
                    plan = self.index.plan(msgs, model, extra)
            else:
                plan = resolved
        if plan.conversation_id is None:
            cid, created = yield from self.op_create(model, plan.system_prompt)
            if created is None:
                try:
                    created = yield from self.op_read(cid)
                except HuggingChatError:
                    yield from self.op_discard_created(cid)
                    raise
            plan = replace(plan, conversation_id=cid, parent_id=created.root_id, created=True)
        generation = yield from self.op_generation()
        if not plan.parent_id:
            raise ProtocolError("could not find the conversation's root message")
        carried = generation == "2026" and self.is_long(plan.inputs)
        if carried:
            plan = self.carried(plan)
        want_search = self.config.web_search if web_search is None else web_search
        turn = self._turn(plan, model, want_search, tools, tool_choice)
        turn.carried = carried
        if self.config.turn_timeout is not None:
            turn.deadline = time.monotonic() + self.config.turn_timeout
        return turn

    def is_long(self, inputs: str) -> bool:
        """Should ``inputs`` travel as an attachment?"""
        size = input_length(inputs)
        return size >= LONG_INPUT or (self.message_limit is not None and size > self.message_limit)

    @staticmethod
    def carried(plan: TurnPlan) -> TurnPlan:
        """``plan`` with its text in a ``text/plain`` attachment and a short ``inputs``."""
        inputs, files = carry_as_attachment(plan.inputs)
        return replace(plan, inputs=inputs, files=[*plan.files, *files])

    def _turn(
        self,
        plan: TurnPlan,
        model: str,
        web_search: bool,
        tools: Sequence[ToolSpec] | None,
        tool_choice: str | None,
    ) -> Turn:
        assert plan.conversation_id is not None and plan.parent_id is not None
        generation = self.generation or "2026"
        req, generation_id = routes.send_message(
            plan.conversation_id,
            parent_id=plan.parent_id,
            inputs=plan.inputs,
            generation=generation,
            web_search=web_search,
            files=plan.files,
            generation_id=str(uuid.uuid4()),
            boundary="----hfchat" + os.urandom(12).hex(),
        )
        assembler = TurnAssembler(
            base_url=self.config.base_url,
            conversation_id=plan.conversation_id,
            requested_model=model,
            generation_id=generation_id,
            parent_id=plan.parent_id,
            max_line_bytes=self.config.limits.max_line_bytes,
            request=self.request_info(req),
        )
        buffer = (
            ToolCallBuffer(tools, forced=tool_choice) if tools and tool_choice != "none" else None
        )
        return Turn(
            plan,
            req,
            assembler,
            self,
            buffer,
            model=model,
            web_search=web_search,
            tools=tools,
            tool_choice=tool_choice,
        )

    # -- a send that was refused before anything was stored ----------------------------------
    def send_refused(self, turn: Turn, exc: HuggingChatError) -> Turn | None:
        """The turn to send instead after ``exc`` refused ``turn``'s send: the same turn with
        its text as an attachment after a "Message too long." (2026 servers, once), else None."""
        if not _too_long(exc):
            return None
        size = input_length(turn.plan.inputs)
        with self.lock:  # the limit is below this size: later texts over half of it go as files
            if self.message_limit is None or size // 2 < self.message_limit:
                self.message_limit = size // 2
        if self.generation != "2026" or turn.carried:
            return None
        log.info("the server refused a %d-character message; sending it as a file", size)
        new = self._turn(
            self.carried(turn.plan), turn.model, turn.web_search, turn.tools, turn.tool_choice
        )
        new.deadline, new.carried = turn.deadline, True
        return new

    def refusal_error(self, turn: Turn, exc: HuggingChatError) -> HuggingChatError:
        """The error a caller gets for a refused send (typed when the message was too long)."""
        if not _too_long(exc) or isinstance(exc, MessageTooLongError):
            return exc
        limit = getattr(exc, "limit", None)
        return MessageTooLongError(
            "the server refused the message as too long"
            + ("" if self.generation == "2026" else " (this server takes no text attachments)"),
            limit=limit if isinstance(limit, int) else None,
            status_code=exc.status_code,
            body=exc.body,
            response=exc.response,
        )

    def op_discard(self, turn: Turn) -> Op[None]:
        """After a send that failed before its stream started: delete the conversation this
        turn created (it holds nothing of the caller's), so nothing is left on the account."""
        if turn.plan.created and turn.plan.conversation_id:
            yield from self.op_discard_created(turn.plan.conversation_id)

    def op_discard_created(self, cid: str) -> Op[None]:
        """Delete the conversation ``cid`` this client created for a turn that stored nothing
        (a failure to delete is only logged).
        """
        try:
            yield from self.op_delete(cid)
        except HuggingChatError as exc:
            log.debug("could not delete the unused conversation %s: %s", cid, exc)

    def find_message_request(self, turn: Turn) -> Op[str | None] | None:
        """The read that learns the new assistant message's id while its answer streams
        (2026 servers store both messages, stamped with the generation id, before they
        stream), or None where it cannot be read that way."""
        gid = turn.assembler.result.generation_id
        if self.generation != "2026" or not gid or not turn.plan.conversation_id:
            return None
        return self.op_find_message(turn.plan.conversation_id, gid)

    def op_find_message(self, cid: str, generation_id: str) -> Op[str | None]:
        try:
            conv = yield from self.op_read(cid)
        except HuggingChatError as exc:  # the answer stands; the id stays unknown
            log.debug("could not read the new message id: %s", exc)
            return None
        for m in conv.messages:
            if m.role == "assistant" and m.generation_id == generation_id:
                return m.id
        return None

    def _op_resolve_pending(self, plan: TurnPlan) -> Op[TurnPlan | None]:
        """``plan`` with its pending node's message id read from the server (a new plan), or
        None when the node is gone."""
        node = plan.pending
        assert node is not None
        try:
            conv = yield from self.op_read(node.conversation_id)
        except ConversationNotFoundError:
            return None
        found = None
        flat = not any(m.ancestors for m in conv.messages)  # 2024 /api/conversation
        for m in conv.messages:
            if m.role != "assistant":
                continue
            if node.generation_id and m.generation_id == node.generation_id:
                found = m
                break
            if node.parent_id and node.parent_id in m.ancestors:
                found = m  # the last such message wins (insertion order)
            elif flat and (node.text is None or split_think(m.content)[1] == node.text):
                found = m
        if found is None:
            return None
        with self.lock:
            self.index.resolve(node, found.id)
        return replace(plan, parent_id=found.id, pending=None)

    def op_resolve_message_id(self, turn: Turn) -> Op[None]:
        """After a turn: read the conversation once to learn the new message's id."""
        node = turn.node
        if node is None or node.message_id is not None:
            return
        try:
            resolved = yield from self._op_resolve_pending(replace(turn.plan, pending=node))
        except HuggingChatError as exc:  # the answer stands; the id stays unknown
            log.debug("could not read the new message id: %s", exc)
            return
        if resolved is not None and turn.result is not None:
            turn.result.message_id = resolved.parent_id

    def finish_turn(self, turn: Turn, result: TurnResult) -> None:
        """Record the finished turn's answer node in the conversation index (the next call with
        this history continues it) and keep the result on ``turn``.
        """
        plan = turn.plan
        answer = ChatMessage("assistant", result.text, tool_calls=list(result.tool_calls))
        node = NodeRef(
            conversation_id=plan.conversation_id or "",
            message_id=result.message_id,
            parent_id=plan.parent_id,
            generation_id=result.generation_id,
            text=result.text,
        )
        with self.lock:
            self.index.record(plan, answer, node)
        turn.node = node
        turn.result = result
