"""Structured output: one JSON value read tolerantly from an answer, and the corrective turn.

:func:`parse_json_answer` accepts the JSON bare, fenced, or inside prose, also when almost JSON
(repaired by ``json-repair``), and checks it against a schema with the safe coercions of
:mod:`hfchat.tools.schema`. When an answer still cannot be used, the adapters send one
corrective follow-up in the same conversation (:func:`correction_prompt`), then raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..errors import HuggingChatError
from .formats import loads_tolerant
from .schema import check_arguments

__all__ = ["StructuredOutputError", "correction_prompt", "parse_json_answer"]

_FENCED = re.compile(r"```[A-Za-z0-9_+-]*[ \t]*\n(.*?)(?:```|$)", re.S)
_MAX_CANDIDATES = 16


class StructuredOutputError(HuggingChatError, ValueError):
    """The model's answer could not be read as the requested structured output (also after the
    corrective follow-up). ``raw_text`` is the last answer."""

    def __init__(self, message: str, *, raw_text: str = "") -> None:
        super().__init__(message, partial_text=raw_text)
        self.raw_text = raw_text


def _balanced_spans(text: str) -> Iterator[str]:
    """Each top-level ``{...}`` / ``[...]`` span of ``text`` (strings respected), in order; an
    unclosed last one runs to the end."""
    i, n, found = 0, len(text), 0
    while i < n and found < _MAX_CANDIDATES:
        start = min((k for k in (text.find("{", i), text.find("[", i)) if k >= 0), default=-1)
        if start < 0:
            return
        depth, quote, escape, j = 0, "", False, start
        while j < n:
            c = text[j]
            j += 1
            if quote:
                if escape:
                    escape = False
                elif c == "\\":
                    escape = True
                elif c == quote:
                    quote = ""
            elif c == '"':
                quote = c
            elif c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    break
        found += 1
        yield text[start:j]
        i = j if depth == 0 else start + 1


def _candidates(text: str) -> Iterator[str]:
    stripped = text.strip()
    yield stripped
    for m in _FENCED.finditer(text):
        yield m.group(1)
    yield from _balanced_spans(text)


def parse_json_answer(text: str, schema: dict[str, Any] | None = None) -> Any:
    """The JSON value an answer holds (a schema-valid one when ``schema`` is given, coerced
    safely); raises :class:`StructuredOutputError` if there is none."""
    seen: set[str] = set()
    first_error = "the answer holds no JSON object"
    for candidate in _candidates(text):
        if candidate in seen:
            continue
        seen.add(candidate)
        value = loads_tolerant(candidate)
        if value is None:
            continue
        if not schema:
            return value
        if isinstance(value, dict):
            checked = check_arguments(value, schema)
            if checked is not None:
                return checked
        first_error = "the JSON in the answer does not match the schema"
    raise StructuredOutputError(first_error, raw_text=text)


def correction_prompt(problem: str, *, tool_name: str | None = None) -> str:
    """The user turn that asks the model to answer again in the requested shape."""
    if tool_name:
        shape = (
            f'only the JSON object {{"tool_calls": [{{"name": "{tool_name}", "arguments": '
            "{...}}]}, with arguments that fit the tool's schema"
        )
    else:
        shape = "only the JSON object, valid against the schema given before"
    return (
        f"Your last reply could not be used ({problem}). Reply again with {shape}: "
        "no prose, no code fence."
    )
