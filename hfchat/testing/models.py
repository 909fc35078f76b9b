"""Deterministic fake models: the catalogue the models routes list, and what each one replies.

A :class:`Reply` is a plan, not I/O: the updates to emit before the answer, the answer tokens, the
final text (or an upstream error), plus ordering hints. ``stream.py`` turns it into bytes.
"""

from __future__ import annotations

import ast
import hashlib
import operator
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..tools import parse_json_prompt, parse_tool_prompt
from .tool_models import TOOL_FAMILIES, family_text
from .wire import UNDEFINED, js_json

__all__ = [
    "CALCULATOR_TOOL_ID",
    "EXA_SERVER",
    "MODELS",
    "ModelSpec",
    "Reply",
    "ReplyRequest",
    "document_prompt",
    "flat_model",
    "legacy_model",
    "models_for",
    "plan_reply",
    "split_spaces",
    "split_words",
    "title_for",
    "unwrap_documents",
    "v2_model",
]

EXA_SERVER = "Web Search (Exa)"
CALCULATOR_TOOL_ID = "00000000000000000000000c"
REASONING = "Thinking about it. Step one. Step two. "
EXA_TEXT = (
    "Title: Example A\nURL: https://example.com/a\nText: Example A is an example page.\n\n"
    "Title: Example B\nURL: https://example.org/b\nText: Example B is another example page.\n"
)
EXA_STRUCTURED = {
    "results": [
        {"url": "https://example.com/a", "title": "Example A"},
        {"url": "https://example.org/b", "title": "Example B"},
    ]
}
CITATIONS = " (sources: [Example A](https://example.com/a), [Example B](https://example.org/b))"
PROVIDER = "fake-provider"


@dataclass(frozen=True)
class ModelSpec:
    id: str
    description: str
    display_name: str | None = None
    multimodal: bool = False
    mimetypes: tuple[str, ...] | None = None
    supports_tools: bool = False
    supports_reasoning: bool = False
    is_router: bool = False
    legacy_tools: bool = True  # the 2024 ``tools`` flag
    generations: tuple[str, ...] = ("2026", "2024")


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "omni",
        "Routes each message to the best fake model",
        display_name="Omni",
        supports_tools=True,
        is_router=True,
        generations=("2026",),
    ),
    ModelSpec("fake/echo", "Echo model", multimodal=True, mimetypes=("image/*",)),
    ModelSpec("fake/reasoner", "Reasoning model", supports_reasoning=True),
    ModelSpec("fake/websearch", "Searches the web (MCP Exa)", supports_tools=True),
    ModelSpec("fake/file", "Generates a text file"),
    ModelSpec("fake/vision", "Counts attached images", multimodal=True, mimetypes=("image/*",)),
    ModelSpec("fake/fast", "Streams many tokens as fast as possible"),
    ModelSpec("fake/slow", "Streams tokens slowly"),
    ModelSpec(
        "fake/tools",
        "Answers the client's tool and JSON prompts",
        multimodal=True,
        mimetypes=("image/*",),
        supports_tools=True,
    ),
    ModelSpec("fake/broken", "Always 500", legacy_tools=False),
    ModelSpec("fake/limited", "Always 429", legacy_tools=False),
    *(ModelSpec(mid, desc, supports_tools=True) for mid, (desc, _) in TOOL_FAMILIES.items()),
)


def models_for(generation: str) -> list[ModelSpec]:
    """The fake models a server of ``generation`` (``"2026"`` or ``"2024"``) lists."""
    return [m for m in MODELS if generation in m.generations]


def v2_model(spec: ModelSpec) -> dict[str, Any]:
    """A model of ``GET /api/v2/models`` (head/34)."""
    return {
        "id": spec.id,
        "name": spec.id,
        "websiteUrl": UNDEFINED,
        "modelUrl": UNDEFINED,
        "datasetName": UNDEFINED,
        "datasetUrl": UNDEFINED,
        "displayName": spec.display_name or spec.id,
        "description": spec.description,
        "logoUrl": UNDEFINED,
        "promptExamples": UNDEFINED,
        "preprompt": UNDEFINED,
        "multimodal": spec.multimodal,
        "multimodalAcceptedMimetypes": list(spec.mimetypes) if spec.mimetypes else UNDEFINED,
        "supportsTools": spec.supports_tools,
        "supportsReasoning": spec.supports_reasoning,
        "supportsArtifacts": False,
        "unlisted": False,
        "hasInferenceAPI": False,
        "isRouter": spec.is_router,
    }


def _listed_model(spec: ModelSpec) -> dict[str, Any]:
    """The fields both flat model lists share."""
    return {
        "id": spec.id,
        "name": spec.id,
        "websiteUrl": "https://huggingface.co",
        "modelUrl": "https://huggingface.co",
        "displayName": spec.display_name or spec.id,
        "description": spec.description,
        "promptExamples": [],
        "preprompt": "",
        "multimodal": spec.multimodal,
    }


def flat_model(spec: ModelSpec) -> dict[str, Any]:
    """A model of the 2026 ``GET /api/models`` (head/35)."""
    return {
        **_listed_model(spec),
        "supportsTools": spec.supports_tools,
        "supportsReasoning": spec.supports_reasoning,
        "supportsArtifacts": False,
        "unlisted": False,
        "hasInferenceAPI": False,
    }


def legacy_model(spec: ModelSpec) -> dict[str, Any]:
    """A model of the 2024 ``GET /api/models`` (v0.9.4/10)."""
    return {
        **_listed_model(spec),
        "unlisted": False,
        "tools": spec.legacy_tools,
        "hasInferenceAPI": False,
    }


_WORDS = re.compile(r"\S+\s*|\s+")
_SPACED = re.compile(r"[^ ]+ *| +")


def split_words(text: str) -> list[str]:
    """Word-by-word tokens, each keeping its trailing whitespace (``"Echo: "``, ``"Hello "``)."""
    return _WORDS.findall(text)


def split_spaces(text: str) -> list[str]:
    """The 2026 fake model's tokens: they end at spaces only, a newline stays inside a token
    (``'type="text/plain">\\nContext '`` in head/75)."""
    return _SPACED.findall(text)


def title_for(prompt: str, generation: str) -> str:
    """The title chat-ui's summariser gives the first turn in the captures."""
    words = prompt.split()
    if generation == "2024":
        return " ".join(words[:5])
    return 'Fake title for: User message: "' + " ".join(words[:2])


@dataclass
class ReplyRequest:
    """What the models need to know about one send."""

    generation: str
    model: str
    prompt: str  # the user text being answered
    preprompt: str = ""  # the conversation's system prompt
    n_files: int = 0
    scripted: str | None = None
    selected_mcp: list[str] | None = None
    web_search: bool = False
    tools: list[str] = field(default_factory=list)
    token_delay: float = 0.0
    fast_tokens: int = 20000
    slow_tokens: int = 50
    slow_delay: float = 0.01


@dataclass
class Reply:
    pre: list[dict[str, Any]] = field(default_factory=list)  # updates before the tokens
    reasoning_tokens: list[str] = field(default_factory=list)  # 2024 ``reasoning`` updates
    tokens: list[str] = field(default_factory=list)
    text: str = ""  # finalAnswer text
    reasoning: str | None = None  # stored on the message (2024)
    error: tuple[int, str] | None = None  # upstream failure: (status code, message)
    token_delay: float = 0.0
    router_metadata: dict[str, Any] | None = None
    router_first: bool = False  # routerMetadata before the tokens (router models)
    title_after_router: bool = False  # the reasoner's tail order (head/13)
    title_prefix: str = ""  # the reasoner's title carries its think block
    title_fallback: bool = False  # failed upstream: the title is the prompt itself
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, mime, bytes)


def _think_tokens(reasoning: str, answer: str) -> list[str]:
    """2026 inline reasoning: ``<think>`` glued to the first reasoning word, ``</think>`` to the
    first answer word (head/13-post-reasoner-stream)."""
    thought = split_spaces(reasoning) or [""]
    spoken = split_spaces(answer) or [""]
    thought[0] = "<think>" + thought[0]
    spoken[0] = "</think>" + spoken[0]
    return [t for t in thought + spoken if t]


_THINK = re.compile(r"^\s*<think>(.*?)</think>(.*)$", re.DOTALL)


def _text_reply(req: ReplyRequest, text: str, reply: Reply) -> Reply:
    """Fill tokens/text for ``text``, honouring an inline ``<think>`` block."""
    match = _THINK.match(text)
    if match is None:
        reply.tokens = split_words(text) if req.generation == "2024" else split_spaces(text)
        reply.text = text
    elif req.generation == "2024":
        reasoning, answer = match.group(1), match.group(2)
        reply.reasoning_tokens = split_words(reasoning)
        reply.reasoning = reasoning
        reply.tokens = split_words(answer)
        reply.text = answer
    else:
        reasoning, answer = match.group(1), match.group(2)
        reply.tokens = _think_tokens(reasoning, answer)
        reply.text = f"<think>{reasoning}</think>{answer}"
    return reply


def _calculate(expression: str) -> str:
    ops: dict[type, Any] = {
        ast.Add: operator.add,
        ast.Sub: operator.sub,
        ast.Mult: operator.mul,
        ast.Div: operator.truediv,
        ast.Pow: operator.pow,
        ast.USub: operator.neg,
        ast.UAdd: operator.pos,
    }

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            return ops[type(node.op)](ev(node.left), ev(node.right))  # type: ignore[no-any-return]
        if isinstance(node, ast.UnaryOp) and type(node.op) in ops:
            return ops[type(node.op)](ev(node.operand))  # type: ignore[no-any-return]
        raise ValueError("unsupported expression")

    try:
        value = ev(ast.parse(expression, mode="eval"))
    except (ValueError, SyntaxError, ZeroDivisionError, OverflowError):
        return "Error"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _exa_updates(query: str) -> list[dict[str, Any]]:
    tool_uuid = str(uuid.uuid4())
    call = {"name": "web_search_exa", "parameters": {"query": query}}
    return [
        {"type": "tool", "subtype": "call", "uuid": tool_uuid, "call": call},
        {
            "type": "tool",
            "subtype": "result",
            "uuid": tool_uuid,
            "result": {
                "status": "success",
                "call": call,
                "outputs": [{"text": EXA_TEXT, "structured": EXA_STRUCTURED}],
            },
        },
    ]


_DOCUMENT = re.compile(r'<document name="[^"]*" type="[^"]*">\n(.*?)\n</document>\n\n', re.DOTALL)


def document_prompt(documents: list[tuple[str, str, str]], text: str) -> str:
    """What the model sees of a user message with text files (2026, head/75): one
    ``<document name="<name>" type="<mime>">\\n<text>\\n</document>`` per file
    (``documents`` holds ``(name, mime, text)``), then the user's text."""
    blocks = [
        f'<document name="{name}" type="{mime}">\n{body}\n</document>'
        for name, mime, body in documents
    ]
    return "\n\n".join([*blocks, text])


def unwrap_documents(prompt: str) -> str:
    """``prompt`` with each document block replaced by its text (for models that read a folded
    history, which a client may send as an attachment)."""
    return _DOCUMENT.sub(lambda m: m.group(1) + "\n\n", prompt)


def plan_reply(req: ReplyRequest) -> Reply:
    """What ``req.model`` answers to ``req.prompt``."""
    reply = Reply(token_delay=req.token_delay)
    if req.generation == "2026":
        reply.router_metadata = {"route": "", "model": "", "provider": PROVIDER}
    model = req.model
    if model in ("fake/broken", "fake/limited"):
        code, why = (500, "fake upstream failure") if model == "fake/broken" else (429, "")
        reply.error = (code, f"{code} {why or 'fake rate limit reached'}")
        reply.title_fallback = True
        return reply

    echo = f"Echo: {req.prompt}"
    exa_wanted = req.selected_mcp is None or EXA_SERVER in req.selected_mcp
    if model == "omni" and req.selected_mcp is not None and EXA_SERVER in req.selected_mcp:
        model = "fake/websearch"
        reply.router_metadata = {"route": "agentic", "model": model, "provider": PROVIDER}
        reply.router_first = True
    elif model == "omni":
        model = "fake/echo"
        reply.router_metadata = {
            "route": "casual_conversation",
            "model": model,
            "provider": PROVIDER,
        }
        reply.router_first = True

    if req.generation == "2024" and req.web_search:
        reply.pre.append(
            {
                "type": "webSearch",
                "subtype": "update",
                "message": "Searching Google",
                "args": [req.prompt],
            }
        )
        if model == "fake/websearch":
            sources = [{"link": r["url"], "title": r["title"]} for r in EXA_STRUCTURED["results"]]
            reply.pre.append(
                {
                    "type": "webSearch",
                    "subtype": "sources",
                    "message": "sources",
                    "sources": sources,
                }
            )
            echo += CITATIONS
        else:
            reply.pre.append(
                {
                    "type": "webSearch",
                    "subtype": "error",
                    "message": "An error occurred",
                    "args": ["fetch failed"],
                }
            )
        reply.pre.append({"type": "webSearch", "subtype": "finished"})
    elif req.generation == "2026" and model == "fake/websearch" and exa_wanted:
        reply.pre.extend(_exa_updates(req.prompt))
        echo += CITATIONS

    if model == "fake/slow":  # its own pace, scripted replies included
        reply.token_delay = req.slow_delay
    if req.scripted is not None:
        text = req.scripted
    elif model == "fake/reasoner":
        text = f"<think>{REASONING}</think>{echo}"
        if req.generation == "2026":
            reply.title_after_router = True
            reply.title_prefix = f"<think>{REASONING}</think>"
    elif model == "fake/tools":
        text = tools_text(req.preprompt, req.prompt)
    elif model in TOOL_FAMILIES:
        text = family_text(model, tools_text(req.preprompt, req.prompt), req.prompt)
    elif model == "fake/vision":
        text = f"{echo} [files: {req.n_files}]"
    elif model == "fake/file":
        content = f"File generated by fake/file for: {req.prompt}\n".encode()
        sha = hashlib.sha256(content).hexdigest()
        reply.files.append(("out.txt", "text/plain", content))
        reply.pre.append({"type": "file", "name": "out.txt", "sha": sha, "mime": "text/plain"})
        text = "Here is your file: out.txt"
    elif model == "fake/fast":
        reply.tokens = ["tok "] * req.fast_tokens
        reply.text = "tok " * req.fast_tokens
        reply.token_delay = 0.0
        return reply
    elif model == "fake/slow":
        reply.tokens = [f"tok{i} " for i in range(req.slow_tokens)]
        reply.text = "".join(reply.tokens)
        return reply
    elif (
        req.generation == "2024"
        and CALCULATOR_TOOL_ID in req.tools
        and "calc" in req.prompt.lower()
    ):
        found = re.search(r"[-+*/().\d\s]*\d[-+*/().\d\s]*", req.prompt)
        equation = found.group(0).strip() if found else "0"
        call = {"name": "calculator", "parameters": {"equation": equation}}
        outputs = [{"calculator": f"{equation} = {_calculate(equation)}"}]
        tool_uuid = str(uuid.uuid4())
        reply.pre.append({"type": "tool", "subtype": "call", "uuid": tool_uuid, "call": call})
        reply.pre.append(
            {
                "type": "tool",
                "subtype": "result",
                "uuid": tool_uuid,
                "result": {"outputs": outputs, "call": call, "status": "success"},
            }
        )
        text = "The calculator says: " + js_json([js_json(outputs)])
    else:
        text = echo
    return _text_reply(req, text, reply)


# --- fake/tools: plays the client's prompt-emulated tool calling (hfchat.tools) ------------------

_BLOCK = re.compile(r"(?:^|\n\n)\[(user|assistant|system|tool result[^\]\n]*)\]\n")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"'([^'\n]+)'|\"([^\"\n]+)\"")


def _last_turn(prompt: str) -> tuple[str, str, str]:
    """(kind of the last folded block, its text, the last user text) of ``inputs``."""
    blocks = list(_BLOCK.finditer(prompt))
    if not blocks:
        return "user", prompt, prompt
    ends = [b.start() for b in blocks[1:]] + [len(prompt)]
    parsed = [(b.group(1), prompt[b.end() : end]) for b, end in zip(blocks, ends, strict=True)]
    users = [text for kind, text in parsed if kind == "user"]
    return parsed[-1][0], parsed[-1][1], users[-1] if users else prompt


class _Filler:
    """Fills a JSON schema from the numbers and quoted strings of a question, in order."""

    def __init__(self, text: str, root: dict[str, Any]) -> None:
        self.text = text.strip()
        self.root = root
        self.numbers = [float(n) for n in _NUMBER.findall(text)]
        self.strings = [a or b for a, b in _QUOTED.findall(text)]

    def fill(self, schema: Any, depth: int = 0) -> Any:
        if not isinstance(schema, dict) or depth > 8:
            return self.text
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            return self.fill(target, depth + 1)
        for key in ("anyOf", "oneOf", "allOf"):
            options = [o for o in schema.get(key) or [] if o.get("type") != "null"]
            if options:
                return self.fill(options[0], depth + 1)
        if schema.get("enum"):
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties") or {}
            return {k: self.fill(v, depth + 1) for k, v in props.items()}
        if kind == "array":
            return [self.fill(schema.get("items") or {"type": "string"}, depth + 1)]
        if kind in ("integer", "number"):
            value = self.numbers.pop(0) if self.numbers else 1.0
            return int(value) if kind == "integer" or value.is_integer() else value
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.strings.pop(0) if self.strings else self.text


def tools_text(preprompt: str, prompt: str) -> str:
    """``fake/tools``: a tool call for the core's tool prompt, plain text for a tool result, a JSON
    object for a JSON instruction, else an echo."""
    prompt = unwrap_documents(prompt)  # a folded history may come as a text attachment
    kind, last, question = _last_turn(prompt)
    if kind.startswith("tool result"):
        return f"The {kind[len('tool result') :].strip(': ') or 'tool'} result is: {last.strip()}"
    tools, forced = parse_tool_prompt(preprompt)
    chosen = None
    lowered = question.lower()
    if forced not in (None, "required"):
        chosen = next((t for t in tools if t.name == forced), None)
    if chosen is None and tools:
        named = [
            t
            for t in tools
            if t.name.lower() in lowered
            or any(len(w) > 3 and w in lowered for w in t.name.lower().split("_"))
        ]
        chosen = named[0] if named else (tools[0] if forced == "required" else None)
    if chosen is not None:
        args = _Filler(question, chosen.parameters).fill(chosen.parameters)
        return js_json({"tool_calls": [{"name": chosen.name, "arguments": args or {}}]})
    wants_json, schema = parse_json_prompt(preprompt)
    if wants_json:
        filler = _Filler(question, schema or {})
        if schema:
            return js_json(filler.fill(schema))
        keys = filler.strings or ["answer"]
        return js_json({key: f"Echo: {question.strip()}" for key in keys})
    return f"Echo: {prompt}"
