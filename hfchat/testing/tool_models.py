"""Fake tool-calling models that answer in the shapes real open models write.

Each ``fake/tools-*`` model decides like ``fake/tools`` (a call for the client's tool prompt
when the question names a tool or a tool is forced, plain text for a tool result, a JSON object
for a JSON instruction) and then writes the call in its family's format, so agents can be tested
offline against real-world reply shapes:

========================  =================================================================
``fake/tools-hermes``     ``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` (Hermes, Qwen)
``fake/tools-mistral``    ``[TOOL_CALLS] [{"name": ..., "arguments": ...}]``
``fake/tools-llama``      ``<|python_tag|>{"name": ..., "parameters": ...}`` (Llama 3)
``fake/tools-qwen-coder`` ``<tool_call><function=NAME><parameter=KEY>value</parameter>...``
``fake/tools-glm``        ``<tool_call>NAME<arg_key>k</arg_key><arg_value>v</arg_value>...``
``fake/tools-pythonic``   ``[get_weather(city="Paris")]``
``fake/tools-fenced``     the requested JSON in a ```json fence, with prose around it
``fake/tools-prose``      the requested JSON inside prose, unfenced, with Python literals
``fake/tools-chatty``     no call and no JSON: prose naming the tool, until it is corrected
========================  =================================================================

``fake/tools-chatty`` answers in the requested shape only when the last user turn is the
corrective follow-up (:func:`hfchat.tools.correction_prompt`), so the structured-output retry can
be tested offline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["TOOL_FAMILIES", "family_text"]

Call = tuple[str, dict[str, Any]]
_CORRECTION = "Your last reply could not be used"


def _hermes(calls: list[Call]) -> str:
    return "\n".join(
        "<tool_call>\n" + json.dumps({"name": n, "arguments": a}) + "\n</tool_call>"
        for n, a in calls
    )


def _mistral(calls: list[Call]) -> str:
    return "[TOOL_CALLS] " + json.dumps([{"name": n, "arguments": a} for n, a in calls])


def _llama(calls: list[Call]) -> str:
    return "<|python_tag|>" + "; ".join(json.dumps({"name": n, "parameters": a}) for n, a in calls)


def _xml_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _qwen_coder(calls: list[Call]) -> str:
    out = []
    for name, args in calls:
        params = "".join(
            f"<parameter={k}>\n{_xml_value(v)}\n</parameter>\n" for k, v in args.items()
        )
        out.append(f"<tool_call>\n<function={name}>\n{params}</function>\n</tool_call>")
    return "\n".join(out)


def _glm(calls: list[Call]) -> str:
    out = []
    for name, args in calls:
        pairs = "".join(
            f"<arg_key>{k}</arg_key>\n<arg_value>{_xml_value(v)}</arg_value>\n"
            for k, v in args.items()
        )
        out.append(f"<tool_call>{name}\n{pairs}</tool_call>")
    return "\n".join(out)


def _pythonic(calls: list[Call]) -> str:
    return (
        "["
        + ", ".join(f"{n}({', '.join(f'{k}={v!r}' for k, v in a.items())})" for n, a in calls)
        + "]"
    )


def _fenced(calls: list[Call]) -> str:
    body = json.dumps({"tool_calls": [{"name": n, "arguments": a} for n, a in calls]}, indent=2)
    return f"Let me look that up.\n\n```json\n{body}\n```\n"


def _prose(calls: list[Call]) -> str:
    items = ", ".join(
        "{'name': %r, 'arguments': %r}" % (n, a)  # noqa: UP031 - Python literals on purpose
        for n, a in calls
    )
    return f"Sure, I will call the tool for you: {{'tool_calls': [{items}]}} One moment."


def _chatty(calls: list[Call]) -> str:
    said = "; ".join(f"{n} with " + ", ".join(f"{k} = {v}" for k, v in a.items()) for n, a in calls)
    return f"To answer that I would use {said}."


TOOL_FAMILIES: dict[str, tuple[str, Callable[[list[Call]], str]]] = {
    "fake/tools-hermes": ("Calls tools in the Hermes/Qwen <tool_call> format", _hermes),
    "fake/tools-mistral": ("Calls tools in the Mistral [TOOL_CALLS] format", _mistral),
    "fake/tools-llama": ("Calls tools in the Llama 3 <|python_tag|> format", _llama),
    "fake/tools-qwen-coder": ("Calls tools in the Qwen3-Coder XML format", _qwen_coder),
    "fake/tools-glm": ("Calls tools in the GLM <arg_key> format", _glm),
    "fake/tools-pythonic": ("Calls tools as a pythonic list", _pythonic),
    "fake/tools-fenced": ("Calls tools with fenced JSON and prose", _fenced),
    "fake/tools-prose": ("Calls tools with almost-JSON inside prose", _prose),
    "fake/tools-chatty": ("Answers in prose until corrected", _chatty),
}
"""Model id → (description, writer of a list of calls)."""


def _calls(text: str) -> list[Call] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("tool_calls"), list):
        return None
    return [(c["name"], c.get("arguments") or {}) for c in value["tool_calls"]]


def family_text(model: str, text: str, prompt: str = "") -> str:
    """``fake/tools``' reply ``text`` to ``prompt`` as ``model`` writes it (calls in its format;
    a JSON answer fenced or in prose for the fenced and prose models; other text unchanged)."""
    _, write = TOOL_FAMILIES[model]
    calls = _calls(text)
    if model == "fake/tools-chatty":
        corrected = _CORRECTION in prompt.rsplit("[user]\n", 1)[-1][: len(_CORRECTION) + 2]
        if corrected or not (calls is not None or text.lstrip().startswith("{")):
            return text
        return write(calls) if calls is not None else "Let me describe it in words instead."
    if calls is not None:
        return write(calls)
    if text.lstrip().startswith("{"):
        if model == "fake/tools-fenced":
            return f"Here is the JSON:\n```json\n{text}\n```"
        if model == "fake/tools-prose":
            return f"Here you go: {text} Hope this helps!"
    return text
