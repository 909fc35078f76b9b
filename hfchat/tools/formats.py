"""The tool-call shapes models write, each parsed into ``(name, arguments)`` pairs.

* JSON (the requested ``{"tool_calls": [...]}``, a bare ``{"name", "arguments" | "parameters"}``
  object, a list of them, OpenAI's ``{"function": {...}}`` nesting, string-encoded arguments),
  also when almost JSON (trailing commas, single quotes, Python literals, raw newlines), repaired
  by ``json-repair``;
* Hermes/Qwen ``<tool_call>{json}</tool_call>``, Qwen3-Coder ``<tool_call><function=NAME>
  <parameter=KEY>value</parameter></function></tool_call>``, GLM ``<tool_call>NAME<arg_key>k
  </arg_key><arg_value>v</arg_value></tool_call>``;
* Mistral ``[TOOL_CALLS] [json, ...]`` and ``[TOOL_CALLS]NAME[ARGS]{json}``;
* Llama 3 ``<|python_tag|>{json}`` (several separated by ``;``);
* pythonic ``[get_weather(city="Paris"), ...]``, read with :mod:`ast` (literals only, never
  evaluated).

Every parser returns None when its text is not entirely that shape: the caller decides.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from .spec import parse_arguments

__all__ = [
    "RawCall",
    "calls_from_value",
    "loads_tolerant",
    "parse_json_calls",
    "parse_mistral",
    "parse_python_tag",
    "parse_pythonic",
    "parse_tag_body",
]

RawCall = tuple[str, dict[str, Any]]

_MAX_REPAIR = 1_000_000  # characters handed to json-repair at most


def loads_tolerant(text: str) -> Any:
    """JSON from ``text``: strict first, then repaired; None if it is not JSON-like at all."""
    text = text.strip()
    if not text or text[0] not in "{[":
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    if len(text) > _MAX_REPAIR:
        return None
    import json_repair  # on first use: it is not needed to import hfchat

    try:
        value = json_repair.loads(text, skip_json_loads=True)
    except Exception:  # json-repair gives up in its own ways
        return None
    return value if isinstance(value, (dict, list)) and value else None


def _one_call(item: Any) -> RawCall | None:
    if not isinstance(item, dict):
        return None
    fn = item["function"] if isinstance(item.get("function"), dict) else item
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        return None
    present = [k for k in ("arguments", "args", "parameters", "input") if k in fn]
    extra = set(fn) - {"name", "id", "type", "index", *present}
    if len(present) > 1 or extra:
        return None  # a data object that happens to have a "name" key
    if not present and fn is item:
        return None  # a bare {"name": ...} is data, not a call
    args = parse_arguments(fn[present[0]]) if present else {}
    return (name, args) if args is not None else None


def calls_from_value(value: Any) -> list[RawCall] | None:
    """The calls a parsed JSON value holds, if it is a tool-call value (and nothing else)."""
    if isinstance(value, dict) and set(value) == {"tool_calls"}:
        value = value["tool_calls"]
        if isinstance(value, dict):
            value = [value]
    items = value if isinstance(value, list) else [value]
    if not items:
        return None
    calls = [_one_call(i) for i in items]
    if any(c is None for c in calls):
        return None
    return [c for c in calls if c is not None]


def parse_json_calls(text: str) -> list[RawCall] | None:
    """Calls written as (almost) JSON."""
    value = loads_tolerant(text)
    return None if value is None else calls_from_value(value)


_QWEN_FUNCTION = re.compile(r"<function=([^>\s]+)>(.*?)(?:</function>|$)", re.S)
_QWEN_PARAM = re.compile(r"<parameter=([^>\s]+)>(.*?)(?:</parameter>|(?=<parameter=)|$)", re.S)
_GLM = re.compile(
    r"^([^\s<]+)\s*((?:<arg_key>.*?</arg_key>\s*<arg_value>.*?</arg_value>\s*)*)$", re.S
)
_GLM_PAIR = re.compile(r"<arg_key>(.*?)</arg_key>\s*<arg_value>(.*?)</arg_value>", re.S)


def _xml_value(raw: str) -> Any:
    """A parameter value written between tags: JSON when it parses, else the text itself."""
    text = raw.strip("\n")
    stripped = text.strip()
    if stripped and (stripped[0] in '{["-0123456789' or stripped in ("true", "false", "null")):
        try:
            return json.loads(stripped)
        except ValueError:
            pass
    return text


def _parse_qwen_coder(body: str) -> list[RawCall] | None:
    calls: list[RawCall] = []
    end = 0
    for m in _QWEN_FUNCTION.finditer(body):
        if body[end : m.start()].strip():
            return None
        end = m.end()
        inner = m.group(2)
        args: dict[str, Any] = {}
        pos = 0
        for p in _QWEN_PARAM.finditer(inner):
            if inner[pos : p.start()].strip():
                return None
            pos = p.end()
            args[p.group(1)] = _xml_value(p.group(2))
        if inner[pos:].strip():
            return None
        calls.append((m.group(1), args))
    if not calls or body[end:].strip():
        return None
    return calls


def _parse_glm(body: str) -> list[RawCall] | None:
    m = _GLM.match(body.strip())
    if m is None:
        return None
    args = {k.strip(): _xml_value(v) for k, v in _GLM_PAIR.findall(m.group(2))}
    return [(m.group(1), args)]


def parse_tag_body(body: str) -> list[RawCall] | None:
    """The inside of a ``<tool_call>`` block: JSON, Qwen3-Coder ``<function=...>`` or GLM."""
    text = body.strip()
    if not text:
        return None
    if text[0] in "{[":
        return parse_json_calls(text)
    if text.startswith("<function="):
        return _parse_qwen_coder(text)
    return _parse_glm(text)


_MISTRAL_ARGS = re.compile(r"\s*([A-Za-z_][\w.\-]*)\s*\[ARGS\]\s*")


def parse_mistral(rest: str) -> list[RawCall] | None:
    """What follows ``[TOOL_CALLS]``: a JSON list, or ``NAME[ARGS]{json}`` (repeated)."""
    text = rest.strip()
    if text.startswith(("[", "{")):
        return parse_json_calls(text)
    calls: list[RawCall] = []
    decoder = json.JSONDecoder()
    pos = 0
    while pos < len(text):
        m = _MISTRAL_ARGS.match(text, pos)
        if m is None:
            return None
        try:
            args, end = decoder.raw_decode(text, m.end())
        except ValueError:
            parsed = parse_arguments(text[m.end() :])
            if parsed is None:
                return None
            calls.append((m.group(1), parsed))
            break
        if not isinstance(args, dict):
            return None
        calls.append((m.group(1), args))
        pos = end
        while pos < len(text) and text[pos] in " \t\r\n;,":
            pos += 1
        if text.startswith("[TOOL_CALLS]", pos):
            pos += len("[TOOL_CALLS]")
    return calls or None


_LLAMA_END = re.compile(r"\s*(?:<\|eom_id\|>|<\|eot_id\|>)\s*$")


def parse_python_tag(rest: str) -> list[RawCall] | None:
    """What follows ``<|python_tag|>``: JSON objects (``;``-separated) or pythonic calls."""
    text = _LLAMA_END.sub("", rest).strip()
    if not text:
        return None
    if not text.startswith("{"):
        return parse_pythonic(text)
    decoder = json.JSONDecoder()
    calls: list[RawCall] = []
    pos = 0
    while pos < len(text):
        try:
            value, pos = decoder.raw_decode(text, pos)
        except ValueError:
            found = parse_json_calls(text[pos:])
            if found is None:
                return None
            calls.extend(found)
            break
        found = calls_from_value(value)
        if found is None:
            return None
        calls.extend(found)
        while pos < len(text) and text[pos] in " \t\r\n;,":
            pos += 1
    return calls or None


def _literal(node: ast.expr) -> Any:
    return ast.literal_eval(node)


def parse_pythonic(text: str) -> list[RawCall] | None:
    """``[f(a=1), g(b="x")]`` (or one bare ``f(a=1)``) read with :mod:`ast`: names and keyword
    literals only; never evaluated."""
    source = text.strip()
    if not source or len(source) > _MAX_REPAIR:
        return None
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    body = tree.body
    nodes = body.elts if isinstance(body, (ast.List, ast.Tuple)) else [body]
    calls: list[RawCall] = []
    for node in nodes:
        if not isinstance(node, ast.Call) or node.args:
            return None
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name = f"{func.value.id}.{func.attr}"
        else:
            return None
        args: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None:
                return None
            try:
                args[kw.arg] = _literal(kw.value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                return None
        calls.append((name, args))
    return calls or None
