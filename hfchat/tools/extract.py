"""The tool-call extractor: one scanner for whole replies and for streams.

:class:`ToolCallBuffer` reads the answer left to right, once. Prose passes through as it arrives.
Where a call may begin (``{``, ``[``, ``<``, a code fence) the text is held in a *region* until the
region is complete (its brackets balance, its closing tag or fence arrives, or the reply ends);
then the region is parsed (:mod:`hfchat.tools.formats`) and checked: every call must name an
allowed tool and its arguments must fit the tool's schema (:mod:`hfchat.tools.schema`). A region
that passes becomes tool calls and is dropped from the text (with the white space around it);
any other region is released as text, whole. :func:`extract_tool_calls` runs the same scanner over
a finished reply, so ``invoke`` and ``stream`` agree by construction.

Per token: a precompiled search for the next possible start in the new text only, or a per-char
bracket scan of the new text inside a region. Held text is kept as a list of pieces and joined
once, when its region is decided.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence

from .formats import (
    RawCall,
    parse_json_calls,
    parse_mistral,
    parse_python_tag,
    parse_pythonic,
    parse_tag_body,
)
from .schema import check_arguments
from .spec import ToolCall, ToolSpec

__all__ = ["ToolCallBuffer", "extract_tool_calls", "parse_tool_calls"]


class _State(enum.Enum):
    PROSE = "prose"  # passing text through, looking for a possible start
    OPENING = "opening"  # a possible start seen; reading a few characters to tell which
    BRACKETS = "brackets"  # a JSON or pythonic region: until its brackets balance
    FENCE_INFO = "fence_info"  # after an opening fence: its info string, up to the newline
    FENCE = "fence"  # inside a fence that may hold a call: until the closing fence
    CODE = "code"  # inside any other fence: passed through until the closing fence
    TAG = "tag"  # inside <tool_call> or <function=...>: until the closing tag
    REST = "rest"  # after [TOOL_CALLS] or <|python_tag|>: the rest of the reply


_START = re.compile(r"[{\[<`]")
_TOOL_CALL = "<tool_call>"
_FUNCTION = "<function="
_PYTHON_TAG = "<|python_tag|>"
_MISTRAL = "[TOOL_CALLS]"
_FENCE = "```"
_ANGLE_MARKERS = (_TOOL_CALL, _FUNCTION, _PYTHON_TAG)
_CALL_FENCES = frozenset(("", "json", "json5", "jsonc", "tool_call", "tool_code", "python", "py"))
_IDENT = re.compile(r"[A-Za-z_][\w.\-]*")
_VALUE_START = frozenset("{[,:(=")
_MAX_INFO = 40  # longest fence info string considered
_MAX_PROBE = 80  # longest look-ahead after a possible start before it is taken for prose


class ToolCallBuffer:
    """Streaming tool-call extractor (see the module docstring).

    ``tools``: the allowed tools, as names or :class:`ToolSpec` (specs also give the argument
    schemas); None allows any name. ``forced``: under a forced ``tool_choice``, the only tool
    that may be called (``"auto"``, ``"required"``, ``"any"`` and ``"none"`` force nothing).

    :meth:`feed` takes answer text and returns what may be shown now; :meth:`finish` takes the
    whole answer and returns ``(calls, content)``; afterwards :attr:`held_text` is the text that
    was held back and is content (to be shown last).
    """

    __slots__ = (
        "_after_call",
        "_calls",
        "_closer",
        "_content",
        "_depth",
        "_escape",
        "_fed",
        "_finished_held",
        "_gap",
        "_kind",
        "_last",
        "_names",
        "_out",
        "_pieces",
        "_quote",
        "_schemas",
        "_state",
        "_tail",
        "_ws",
    )

    def __init__(
        self, tools: Iterable[str | ToolSpec] | None = None, *, forced: str | None = None
    ) -> None:
        self._schemas: dict[str, dict[str, object]] = {}
        names: set[str] | None = None
        if tools is not None:
            names = set()
            for t in tools:
                if isinstance(t, ToolSpec):
                    names.add(t.name)
                    self._schemas[t.name] = t.parameters
                else:
                    names.add(t)
        if forced is not None and forced not in ("auto", "required", "any", "none"):
            names = {forced} if names is None or forced in names else set()
        self._names = names
        self._state = _State.PROSE
        self._pieces: list[str] = []  # the held region (or probe), in pieces
        self._kind = ""  # which region: "{", "[", "py", "fence", "tag", "mistral", "python_tag"
        self._closer = ""  # the closing marker of a fence or tag region
        self._tail = ""  # the last characters of the region, for a closer split across pieces
        self._depth = 0
        self._quote = ""
        self._escape = False
        self._last = ""  # the last non-space character outside strings (bracket scan)
        self._ws = ""  # white space held after prose (dropped if a call follows)
        self._after_call = False  # drop the white space that follows a call
        self._gap = ""  # white space seen after a call (the separator if prose follows)
        self._calls: list[ToolCall] = []
        self._content: list[str] = []
        self._out: list[str] = []
        self._fed: list[str] = []  # every piece fed, joined once by finish()
        self._finished_held: str | None = None

    # -- public interface ---------------------------------------------------------------------
    def feed(self, text: str) -> str:
        """Answer text in; the part of the content that can be shown now out."""
        self._fed.append(text)
        self._out = []
        self._run(text)
        out = "".join(self._out)
        self._out = []
        return out

    def _run(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            state = self._state
            if state is _State.PROSE:
                m = _START.search(text, i)
                if m is None:
                    self._emit(text[i:])
                    break
                self._emit(text[i : m.start()])
                i = self._open(text[m.start()], m.start())
            elif state is _State.OPENING:
                i = self._probe(text, i)
            elif state is _State.BRACKETS:
                i = self._brackets(text, i)
            elif state is _State.FENCE_INFO:
                i = self._fence_info(text, i)
            elif state is _State.REST:
                self._pieces.append(text[i:])
                break
            else:  # FENCE, CODE, TAG: until the closing marker
                i = self._until_closer(text, i)

    def finish(self, full_text: str) -> tuple[list[ToolCall], str]:
        """The tool calls of the whole answer and the text that stays content."""
        fed = "".join(self._fed)
        if not full_text.startswith(fed):
            # the final text is not what streamed (the server trimmed or rewrote it): decide on
            # the final text alone; release only what extends the content already shown
            fresh = ToolCallBuffer(None)
            fresh._names, fresh._schemas = self._names, self._schemas
            calls, content = fresh.finish(full_text)
            shown = "".join(self._content)
            self._finished_held = content[len(shown) :] if content.startswith(shown) else ""
            return calls, content
        out = [self.feed(full_text[len(fed) :])] if len(fed) < len(full_text) else []
        self._out = out
        self._end_region()
        if self._ws and not self._calls:
            self._out.append(self._ws)
            self._content.append(self._ws)
        self._ws = ""
        self._finished_held = "".join(self._out)
        self._out = []
        return list(self._calls), "".join(self._content)

    @property
    def held_text(self) -> str:
        """Before :meth:`finish`: the text held so far; after: the held text that is content."""
        if self._finished_held is not None:
            return self._finished_held
        return self._ws + "".join(self._pieces)

    # -- prose ----------------------------------------------------------------------------------
    def _emit(self, text: str) -> None:
        if not text:
            return
        if not (self._after_call or self._ws or text[-1].isspace()):  # the common case
            self._out.append(text)
            self._content.append(text)
            return
        if self._after_call:
            stripped = text.lstrip()
            self._gap += text[: len(text) - len(stripped)]
            if not stripped:
                return
            self._after_call = False
            if self._content:  # prose on both sides of a call: keep them apart
                self._ws = self._ws or self._gap or " "
            self._gap = ""
            text = stripped
        body = text.rstrip()
        if not body:
            self._ws += text
            return
        shown = self._ws + body if self._ws else body
        self._ws = text[len(body) :]
        self._out.append(shown)
        self._content.append(shown)

    def _release(self) -> None:
        """The held region is not a call: it is text."""
        held = "".join(self._pieces)
        self._reset_region()
        self._emit(held)

    def _reset_region(self) -> None:
        self._pieces = []
        self._state = _State.PROSE
        self._kind = self._closer = self._tail = self._quote = self._last = ""
        self._depth = 0
        self._escape = False

    def _accept(self, calls: list[ToolCall]) -> None:
        self._calls.extend(calls)
        self._reset_region()
        if not self._content:
            self._ws = ""  # no white space ahead of the content
        self._after_call = True

    # -- starts ---------------------------------------------------------------------------------
    def _open(self, char: str, at: int) -> int:
        """A possible start at ``at``; returns where to read on."""
        self._pieces = [char]
        if char == "{":
            self._start_brackets("{")
            return at + 1
        self._state = _State.OPENING
        return at + 1

    def _start_brackets(self, kind: str) -> None:
        self._state = _State.BRACKETS
        self._kind = kind
        self._depth = 0
        self._quote = ""
        self._last = ""
        # rescan what is held so far (the opener and any probe) with the bracket counter
        held = "".join(self._pieces)
        self._pieces = []
        self._brackets(held, 0)

    def _probe(self, text: str, i: int) -> int:
        """Read one character at a time until the start is told apart (or ruled out)."""
        n = len(text)
        while i < n:
            self._pieces.append(text[i])
            i += 1
            probe = "".join(self._pieces)
            verdict = self._judge(probe) if len(probe) <= _MAX_PROBE else ""
            if verdict is None:
                continue  # still undecided
            if verdict == "":
                # not a start: release the first character, read the rest again as prose
                self._reset_region()
                self._emit(probe[0])
                self._run(probe[1:])
                return i
            return self._enter(verdict, probe, i)
        return i

    def _judge(self, probe: str) -> str | None:
        """``probe`` (a start plus what follows) is: None undecided, "" no start, else a kind."""
        first = probe[0]
        if first == "<":
            for marker in _ANGLE_MARKERS:
                if probe == marker:
                    return marker
                if marker.startswith(probe):
                    return None
            return ""
        if first == "`":
            if probe == _FENCE:
                return "fence"
            return None if _FENCE.startswith(probe) else ""
        # "[": a JSON list, [TOOL_CALLS], or a pythonic list of calls to allowed tools
        if probe == _MISTRAL:
            return "mistral"
        if _MISTRAL.startswith(probe) and len(probe) > 1:
            return None
        rest = probe[1:].lstrip()
        if not rest:
            return None
        if rest[0] in "{[":
            return "["
        m = _IDENT.match(rest)
        if m is None:
            return ""
        name = m.group(0)
        if m.end() == len(rest):  # the name may go on
            if self._names is None or any(n.startswith(name) for n in self._names):
                return None
            return ""
        after = rest[m.end() :].lstrip()
        if not after:
            return None
        if after[0] == "(" and (self._names is None or name in self._names):
            return "py"
        return ""

    def _enter(self, verdict: str, probe: str, i: int) -> int:
        if verdict in ("[", "py"):
            self._pieces = [probe]
            self._start_brackets(verdict)
        elif verdict == "fence":
            self._state = _State.FENCE_INFO
            self._kind = "fence"
        elif verdict == _TOOL_CALL:
            self._state, self._kind, self._closer = _State.TAG, "tag", "</tool_call>"
        elif verdict == _FUNCTION:
            self._state, self._kind, self._closer = _State.TAG, "function", "</function>"
        elif verdict == _PYTHON_TAG:
            self._state, self._kind = _State.REST, "python_tag"
        else:  # [TOOL_CALLS]
            self._state, self._kind = _State.REST, "mistral"
        return i

    # -- regions --------------------------------------------------------------------------------
    def _brackets(self, text: str, i: int) -> int:
        """Count brackets (outside strings) from ``i``; decide the region when they balance."""
        n = len(text)
        start = i
        depth, quote, escape, last = self._depth, self._quote, self._escape, self._last
        while i < n:
            c = text[i]
            i += 1
            if quote:
                if escape:
                    escape = False
                elif c == "\\":
                    escape = True
                elif c == quote:
                    quote = ""
                    last = c
                continue
            if c == '"' or (c == "'" and (last in _VALUE_START or last == "")):
                quote = c
            elif c in "{[(":
                depth += 1
            elif c in "}])":
                depth -= 1
                if depth <= 0:
                    self._pieces.append(text[start:i])
                    self._decide(at_end=False)
                    return i
            if not c.isspace():
                last = c
        self._pieces.append(text[start:i])
        self._depth, self._quote, self._escape, self._last = depth, quote, escape, last
        return i

    def _fence_info(self, text: str, i: int) -> int:
        """Read the info string after an opening fence (at most ``_MAX_INFO`` characters, the
        same limit in any chunking), then decide whether the fence may hold a call."""
        nl = text.find("\n", i)
        end = nl + 1 if nl >= 0 else len(text)
        room = len(_FENCE) + _MAX_INFO + 1 - sum(map(len, self._pieces))
        if end - i > room:  # too long for an info string: an ordinary fence
            self._pieces.append(text[i : i + room])
            self._code()
            return i + room
        self._pieces.append(text[i:end])
        if nl < 0:
            return end
        info = "".join(self._pieces)[len(_FENCE) :].strip().lower()
        if info in _CALL_FENCES:
            self._state, self._closer, self._tail = _State.FENCE, _FENCE, ""
        else:
            self._code()
        return end

    def _code(self) -> None:
        """A fence that cannot hold a call: shown now, and passed through to its end."""
        held = "".join(self._pieces)
        self._pieces = []
        self._emit(held)
        self._state, self._closer, self._tail = _State.CODE, _FENCE, ""

    def _until_closer(self, text: str, i: int) -> int:
        closer = self._closer
        window = self._tail + text[i:]
        k = window.find(closer)
        if k < 0:
            keep = len(closer) - 1
            self._tail = window[-keep:] if keep else ""
            self._pass_or_hold(text[i:])
            return len(text)
        end = i + k + len(closer) - len(self._tail)
        self._pass_or_hold(text[i:end])
        if self._state is _State.CODE:
            self._reset_region()
        else:
            self._decide(at_end=False)
        return end

    def _pass_or_hold(self, text: str) -> None:
        if self._state is _State.CODE:
            self._emit(text)
        else:
            self._pieces.append(text)

    def _end_region(self) -> None:
        """The reply ended: decide what is still held."""
        if self._state is _State.PROSE or self._state is _State.CODE:
            self._reset_region()
            return
        if self._state in (_State.OPENING, _State.FENCE_INFO):
            self._release()
            return
        self._decide(at_end=True)

    def _decide(self, *, at_end: bool) -> None:
        region = "".join(self._pieces)
        calls = self._check(self._parse(region, at_end))
        if calls:
            self._accept(calls)
        else:
            self._pieces = [region]
            self._release()

    def _parse(self, region: str, at_end: bool) -> list[RawCall] | None:
        kind = self._kind
        if kind == "{" or kind == "[":
            return parse_json_calls(region)
        if kind == "py":
            return parse_pythonic(region)
        if kind == "fence":
            body = region[len(_FENCE) :]
            body = body.split("\n", 1)[1] if "\n" in body else ""
            if body.endswith(_FENCE):
                body = body[: -len(_FENCE)]
            return self._parse_fenced(body)
        if kind == "tag":
            body = region[len(_TOOL_CALL) :]
            if body.endswith("</tool_call>"):
                body = body[: -len("</tool_call>")]
            return parse_tag_body(body)
        if kind == "function":
            return parse_tag_body(region)
        if kind == "python_tag":
            return parse_python_tag(region[len(_PYTHON_TAG) :])
        if kind == "mistral":
            return parse_mistral(region[len(_MISTRAL) :])
        return None

    def _parse_fenced(self, body: str) -> list[RawCall] | None:
        found = parse_json_calls(body) or parse_pythonic(body)
        if found:
            return found
        inner = ToolCallBuffer(None)
        calls, content = inner.finish(body)
        if calls and not content.strip():
            return [(c.name, c.arguments) for c in calls]
        return None

    def _check(self, raw: list[RawCall] | None) -> list[ToolCall] | None:
        if not raw:
            return None
        calls = []
        for name, arguments in raw:
            if self._names is not None and name not in self._names:
                return None
            schema = self._schemas.get(name)
            checked = check_arguments(arguments, schema) if schema else arguments  # type: ignore[arg-type]
            if checked is None:
                return None
            calls.append(ToolCall(name=name, arguments=checked))
        return calls


def extract_tool_calls(
    text: str,
    tools: Iterable[str | ToolSpec] | None = None,
    *,
    forced: str | None = None,
) -> tuple[list[ToolCall], str]:
    """The tool calls in a whole reply, and the text that stays content (the reply itself,
    whole, when it holds no call). Same rules as the streaming :class:`ToolCallBuffer`."""
    buffer = ToolCallBuffer(tools, forced=forced)
    buffer.feed(text)
    return buffer.finish(text)


def parse_tool_calls(
    text: str, names: Iterable[str] | Sequence[ToolSpec] | None = None
) -> list[ToolCall] | None:
    """The tool calls in ``text`` (restricted to ``names``), or None if it holds none."""
    calls, _ = extract_tool_calls(text, names)
    return calls or None
