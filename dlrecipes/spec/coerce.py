"""Plain data <-> specs: :func:`to_dict`, :func:`from_dict` and type coercion.

TOML files, ``--set`` values and profiles arrive as plain data (strings,
numbers, lists, tables); :func:`from_dict` coerces each value to its field's
annotated type (``"0.01"`` -> ``0.01`` for a float, ``"true"`` -> ``True``)
and raises a one-line :class:`~dlrecipes.spec.errors.RecipeError` otherwise.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any

from dlrecipes.spec.errors import RecipeError, suggest
from dlrecipes.spec.frozen import freeze


def to_dict(recipe: Any) -> dict[str, Any]:
    """A recipe (or any spec) as plain TOML-ready data: dicts, lists, scalars; no None."""
    if dataclasses.is_dataclass(recipe):
        out = {}
        for f in dataclasses.fields(recipe):
            value = to_dict(getattr(recipe, f.name))
            if value is not None:
                out[f.name] = value
        return out
    if isinstance(recipe, Mapping):
        return {str(k): to_dict(v) for k, v in recipe.items() if v is not None}
    if isinstance(recipe, (tuple, list)):
        return [to_dict(v) for v in recipe]
    return recipe


def hints(cls: type) -> dict[str, Any]:
    """The resolved field annotations of a spec class."""
    return typing.get_type_hints(cls)


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def from_dict(cls: type, data: Mapping[str, Any], where: str = "") -> Any:
    """Build the spec ``cls`` from plain data, coercing and validating each field."""
    if not isinstance(data, Mapping):
        raise RecipeError(
            f"{where or cls.__name__} must be a table. Received: {type(data).__name__} {data!r}"
        )
    fields = hints(cls)
    unknown = [k for k in data if k not in fields]
    if unknown:
        key = unknown[0]
        path = f"{where}.{key}" if where else key
        raise RecipeError(
            f"unknown recipe key {path!r}"
            + suggest(key, fields)
            + f" Valid keys{' in ' + repr(where) if where else ''}: {', '.join(fields)}"
        )
    kwargs = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else key
        kwargs[key] = coerce(value, fields[key], path)
    try:
        return cls(**kwargs)
    except TypeError as error:  # a required field is missing
        raise RecipeError(f"{where or cls.__name__}: {error}") from None


def coerce(value: Any, tp: Any, path: str) -> Any:
    """Coerce ``value`` to the annotated type ``tp`` or raise a one-line RecipeError."""
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return value if isinstance(value, tp) else from_dict(tp, value, path)
    if origin is tuple:
        (item_type, *_rest) = typing.get_args(tp) or (Any,)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            value = [value]
        return tuple(coerce(v, item_type, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise RecipeError(f"{path} expects a table. Received: {value!r}")
        return freeze(value)
    if tp is Any:
        return plain(value)
    return coerce_scalar(value, tp, path)


def plain(value: Any) -> Any:
    """Free-form data (an options table, a list from TOML) as frozen spec data."""
    return freeze(value)


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def coerce_scalar(value: Any, tp: Any, path: str) -> Any:
    """Coerce a scalar to ``bool``, ``int``, ``float`` or ``str``, or raise a one-line error."""

    def fail(expected: str):
        raise RecipeError(f"{path} expects {expected}. Received: {value!r}")

    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        fail("true or false")
    if tp is int:
        if isinstance(value, bool):
            fail("an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.replace("_", ""))
            except ValueError:
                pass
        fail("an integer")
    if tp is float:
        if isinstance(value, bool):
            fail("a number")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        fail("a number")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        fail("a string")
    return value
