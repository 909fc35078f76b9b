"""Tool arguments checked against a tool's JSON schema, with the coercions that are safe.

Safe means lossless and unambiguous: ``"2"`` → ``2`` for an integer, ``"2.5"`` → ``2.5`` for a
number, ``2.0`` → ``2``, ``"true"``/``"false"`` → booleans, ``"null"`` → None, a JSON string
holding an object or array for an object or array, one value for an array of such values. Missing
required properties, unknown enum values and anything not coercible make the arguments invalid
(:func:`check_arguments` returns None). Only the common keywords are read (``type``,
``properties``, ``required``, ``items``, ``enum``, ``const``, ``anyOf``/``oneOf``/``allOf``,
``$ref`` into the same document); others are accepted as they are.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["check_arguments"]

_INVALID = object()
_MAX_DEPTH = 32


def check_arguments(arguments: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any] | None:
    """``arguments`` coerced to ``schema`` (an object schema), or None if they do not fit."""
    if not isinstance(schema, dict) or not schema:
        return arguments
    value = _Checker(schema).check(arguments, schema, 0)
    return value if isinstance(value, dict) else None


class _Checker:
    __slots__ = ("root",)

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, schema: Any, depth: int) -> Any:
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and depth < 8:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                return {}
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            schema = target if isinstance(target, dict) else {}
            depth += 1
        return schema

    def check(self, value: Any, schema: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            return _INVALID
        schema = self.resolve(schema, depth)
        if not isinstance(schema, dict):
            return value
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                # an exact fit first, then a coerced one
                for option in options:
                    if self.check(value, option, depth + 1) == value and _fits(value, option):
                        return value
                for option in options:
                    got = self.check(value, option, depth + 1)
                    if got is not _INVALID:
                        return got
                return _INVALID
        for sub in schema.get("allOf") or []:
            value = self.check(value, sub, depth + 1)
            if value is _INVALID:
                return _INVALID
        if "const" in schema and value != schema["const"]:
            return _INVALID
        kinds = schema.get("type")
        if isinstance(kinds, str):
            kinds = [kinds]
        if isinstance(kinds, list) and kinds:
            for kind in kinds:  # an exact type first
                if _is(value, kind):
                    return self.inner(value, kind, schema, depth)
            for kind in kinds:
                got = _coerce(value, kind)
                if got is not _INVALID:
                    return self.inner(got, kind, schema, depth)
            return _INVALID
        if isinstance(value, dict) and "properties" in schema:
            return self.inner(value, "object", schema, depth)
        return self.enum(value, schema)

    def inner(self, value: Any, kind: str, schema: dict[str, Any], depth: int) -> Any:
        if kind == "object" and isinstance(value, dict):
            props = schema.get("properties")
            required = schema.get("required")
            required = required if isinstance(required, list) else []
            out = dict(value)
            if isinstance(props, dict):
                for key, sub in props.items():
                    if key in out:
                        got = self.check(out[key], sub, depth + 1)
                        if got is _INVALID and out[key] is None and key not in required:
                            del out[key]  # null for an optional argument: not given
                            continue
                        if got is _INVALID:
                            return _INVALID
                        out[key] = got
            if any(k not in out for k in required):
                return _INVALID
            return out
        if kind == "array" and isinstance(value, list):
            items = schema.get("items")
            if isinstance(items, dict):
                out_items = [self.check(v, items, depth + 1) for v in value]
                if any(v is _INVALID for v in out_items):
                    return _INVALID
                return self.enum(out_items, schema)
        return self.enum(value, schema)

    @staticmethod
    def enum(value: Any, schema: dict[str, Any]) -> Any:
        options = schema.get("enum")
        if isinstance(options, list) and value not in options:
            return _INVALID
        return value


def _fits(value: Any, schema: Any) -> bool:
    kinds = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kinds, str):
        return _is(value, kinds)
    if isinstance(kinds, list):
        return any(_is(value, k) for k in kinds)
    return True


def _is(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True  # unknown type keyword: not ours to judge


def _coerce(value: Any, kind: str) -> Any:
    if kind == "integer":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            text = value.strip()
            try:
                return int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    return _INVALID
                return int(number) if number.is_integer() else _INVALID
    elif kind == "number":
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                return _INVALID
            if not math.isfinite(number):
                return _INVALID
            return int(number) if number.is_integer() and "." not in value else number
    elif kind == "boolean":
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
    elif kind == "null":
        if isinstance(value, str) and value.strip().lower() in ("null", "none", ""):
            return None
    elif kind == "string":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    elif kind in ("array", "object") and isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value] if kind == "array" else _INVALID
        return parsed if _is(parsed, kind) else _INVALID
    if kind == "array" and not isinstance(value, list):
        return [value]
    return _INVALID
