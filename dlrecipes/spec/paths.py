"""The dotted-path language: ``a.b=value`` overrides, get, set and flatten.

This is the one place that reads an override. The CLI's ``--set``, TOML config
files, profiles, variants, search spaces and notebooks all go through it, so a
path means the same thing everywhere and a mistake reads the same everywhere::

    train.learning_rate=0.01        a field of a section (coerced to its type: float)
    model.options.hidden_units=[64, 32]
    model.hidden_units=[64, 32]     shorthand for a builder option
    data.options.length=50          a data-source option
    train.optimizer_options.momentum=0.9   a key of a table field
    seed=3                          a top-level field

Values are TOML literals (``0.01``, ``true``, ``[64, 32]``, ``"text"``); anything
that is not a TOML literal is a plain string (``adam``).

    >>> parse_override("train.epochs=3")
    ('train.epochs', 3)
    >>> parse_override("train.epochs")
    Traceback (most recent call last):
    RecipeError: --set expects key=value. Received: 'train.epochs'
"""

from __future__ import annotations

import tomllib
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from dlrecipes.spec.coerce import coerce, coerce_scalar, hints, plain, to_dict
from dlrecipes.spec.errors import RecipeError, suggest
from dlrecipes.spec.schema import OPTION_FIELDS, SECTIONS, Recipe

Overrides = Iterable[str] | Mapping[str, Any]


def parse_value(text: str) -> Any:
    """Parse an override value as a TOML literal; anything else is a plain string.

    ``"0.01" -> 0.01``, ``"true" -> True``, ``"[64, 32]" -> [64, 32]``, ``"adam" -> "adam"``.
    """
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_override(item: str, flag: str = "--set") -> tuple[str, Any]:
    """``"a.b=value"`` -> ``("a.b", parsed value)``; a missing ``=`` or key is an error."""
    if not isinstance(item, str) or "=" not in item:
        raise RecipeError(f"{flag} expects key=value. Received: {item!r}")
    key, text = item.split("=", 1)
    if not key.strip():
        raise RecipeError(f"{flag} expects key=value with a non-empty key. Received: {item!r}")
    return key.strip(), parse_value(text.strip())


def override_pairs(overrides: Overrides | None, flag: str = "--set") -> dict[str, Any]:
    """Overrides as one ordered ``{path: value}`` mapping.

    Args:
        overrides: ``"a.b=value"`` strings (values parsed as TOML literals), or a
            mapping of paths to values (kept as given: already typed), or ``None``.
        flag: how the strings were given, for error messages.
    """
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        return {str(k).strip(): v for k, v in overrides.items()}
    if isinstance(overrides, str):
        overrides = [overrides]
    return dict(parse_override(item, flag) for item in overrides)


def all_paths(recipe_dict: Mapping[str, Any]) -> list[str]:
    """Every path a recipe dict accepts, for close-match hints."""
    paths = [f for f in hints(Recipe) if f not in SECTIONS]
    for section, cls in SECTIONS.items():
        paths += [f"{section}.{f}" for f in hints(cls)]
        option_field = OPTION_FIELDS.get(section)
        if option_field:
            options = (recipe_dict.get(section) or {}).get(option_field) or {}
            paths += [f"{section}.{option_field}.{k}" for k in options]
    return paths


def _unknown(path: str, recipe_dict: Mapping[str, Any], valid: str) -> RecipeError:
    return RecipeError(
        f"unknown recipe key {path!r}" + suggest(path, all_paths(recipe_dict)) + valid
    )


def set_path(recipe_dict: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (e.g. ``train.epochs``) in a plain recipe dict, validating the key.

    A key that is not a field of the section is taken as a builder/source/agent
    option when the section has options (``model.units`` -> ``model.options.units``);
    otherwise it is an error that lists close matches.
    """
    parts = path.strip().split(".")
    if not all(parts):
        raise RecipeError(f"an override key must look like section.field. Received: {path!r}")
    top = parts[0]
    recipe_fields = hints(Recipe)
    if top not in recipe_fields:
        raise _unknown(path, recipe_dict, f" Valid sections and fields: {', '.join(recipe_fields)}")
    if top not in SECTIONS:
        if len(parts) != 1:
            raise RecipeError(f"{top!r} has no sub-keys. Received: {path!r}")
        recipe_dict[top] = coerce(value, recipe_fields[top], top)
        return
    section = dict(recipe_dict.get(top) or {})
    recipe_dict[top] = section
    if len(parts) == 1:
        if not isinstance(value, Mapping):
            raise RecipeError(f"{top} expects a table. Received: {value!r}")
        for key, item in value.items():
            set_path(recipe_dict, f"{top}.{key}", item)
        return
    _set_in_section(recipe_dict, section, top, parts[1:], path, value)


def _set_in_section(recipe_dict, section: dict, top: str, parts: list, path: str, value) -> None:
    fields = hints(SECTIONS[top])
    key = parts[0]
    option_field = OPTION_FIELDS.get(top)
    if key == option_field and len(parts) >= 2:
        option_key = ".".join(parts[1:])
    elif key not in fields and option_field and len(parts) == 1:
        option_key = key  # shorthand: model.units -> model.options.units
    elif key not in fields:
        raise _unknown(path, recipe_dict, f" Valid keys in {top!r}: {', '.join(fields)}")
    else:
        is_table = typing.get_origin(fields[key]) in (dict, Mapping)
        if len(parts) > 1 and not is_table:
            raise RecipeError(f"{top}.{key} has no sub-keys. Received: {path!r}")
        if len(parts) > 1:
            section[key] = {**(section.get(key) or {}), ".".join(parts[1:]): plain(value)}
        else:
            section[key] = coerce(value, fields[key], path)
        return
    options = dict(section.get(option_field) or {})
    previous = options.get(option_key)
    if previous is not None and not isinstance(previous, (Mapping, tuple, list)):
        value = coerce_scalar(value, type(previous), path)
    options[option_key] = plain(value)
    section[option_field] = options


def get_path(recipe: Any, path: str) -> Any:
    """The value a recipe (or a recipe dict) has at ``path``; ``None`` when it is not set.

    ``model.units`` is read as ``model.options.units``, as :func:`set_path` writes it;
    lists come back as tuples.
    """
    data = recipe if isinstance(recipe, Mapping) else to_dict(recipe)
    parts = path.strip().split(".")
    top = parts[0]
    if top not in SECTIONS:
        return data.get(top) if len(parts) == 1 else None
    section = data.get(top) or {}
    option_field = OPTION_FIELDS.get(top)
    if len(parts) >= 3 and parts[1] == option_field:
        value = (section.get(option_field) or {}).get(".".join(parts[2:]))
    elif len(parts) == 2 and option_field and parts[1] not in section:
        value = (section.get(option_field) or {}).get(parts[1])
    elif len(parts) == 2:
        value = section.get(parts[1])
    else:  # a key of a table field, e.g. train.optimizer_options.momentum
        table = section.get(parts[1])
        value = table.get(".".join(parts[2:])) if isinstance(table, Mapping) else None
    return tuple(value) if isinstance(value, list) else value


def flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested tables to dotted paths: ``{"train": {"epochs": 3}}`` -> ``[("train.epochs", 3)]``."""
    items = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and key not in ("profiles",):
            items += flatten(value, path)
        else:
            items.append((path, value))
    return items
