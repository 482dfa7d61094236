"""Name -> function tables with one way to answer an unknown name.

The report and probe registries of :mod:`dlrecipes.reports` map a name to a
lazy ``"module:function"`` reference, imported on first use, so that checking a
recipe's names imports neither Keras nor matplotlib. An unknown name is a
one-line :class:`~dlrecipes.recipe.RecipeError` with close matches::

    unknown report 'sample'. Did you mean 'samples'? Expected one of: baseline, ...
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Mapping
from typing import TypeVar

from dlrecipes.recipe import RecipeError

T = TypeVar("T")


def lookup(table: Mapping[str, T], name: str, kind: str) -> T:
    """``table[name]``, or a one-line :class:`RecipeError` naming close matches.

    Args:
        table: name -> entry.
        name: the name asked for.
        kind: what the names are, for the message (``"report"``, ``"probe"``).
    """
    if name not in table:
        close = difflib.get_close_matches(str(name), list(table), n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        known = ", ".join(sorted(table)) or "none"
        raise RecipeError(f"unknown {kind} {name!r}.{hint} Expected one of: {known}")
    return table[name]


def check_names(names: Iterable[str], table: Mapping, kind: str, field: str) -> tuple[str, ...]:
    """``names`` as a tuple after checking each is in ``table`` (nothing is imported).

    Args:
        names: the recipe's tuple of names.
        table: the registry.
        kind: ``"report"`` or ``"probe"``, for the message.
        field: the recipe field, for the message (``"reports"``, ``"probes"``).

    Raises:
        RecipeError: a bare string instead of a tuple, or an unknown name.
    """
    if isinstance(names, str):
        raise RecipeError(
            f"{field} must be a tuple of {kind} names, e.g. ({names!r},). Received: {names!r}"
        )
    names = tuple(names)
    for name in names:
        lookup(table, name, kind)
    return names


def import_target(target: str):
    """The object of a lazy ``"package.module:attribute"`` reference."""
    module_name, attribute = target.split(":")
    return getattr(importlib.import_module(module_name), attribute)
