"""One way to turn a name into the thing it names, with close-match hints.

Every registry of the library (recipes, builders, data sources, experiments,
reports, probes, variants) answers an unknown name the same way::

    >>> lookup({"mlp": 1, "lenet5": 2}, "lenet", kind="model builder")
    Traceback (most recent call last):
    RecipeError: unknown model builder 'lenet'. Did you mean 'lenet5'? Expected one of: lenet5, mlp
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from dlrecipes.spec.errors import RecipeError

T = TypeVar("T")


def suggest_names(name: str, known: Iterable[str]) -> str:
    """``" Did you mean 'x'?"`` for close matches of ``name`` (cutoff 0.6), else ``""``."""
    close = difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.6)
    return f" Did you mean {' or '.join(map(repr, close))}?" if close else ""


def unknown_name(name: str, known: Iterable[str], kind: str, tail: str = "") -> RecipeError:
    """The one-line error for an unknown ``name`` among ``known``."""
    known = sorted(known)
    hint = suggest_names(name, known)
    listing = tail or f" Expected one of: {', '.join(known) or 'none'}"
    return RecipeError(f"unknown {kind} {name!r}.{hint}{listing}")


def lookup(table: Mapping[str, T], name: str, kind: str, tail: str = "") -> T:
    """``table[name]``, or a :class:`RecipeError` naming close matches.

    Args:
        table: name -> object.
        name: the name asked for.
        kind: what the names are, for the message (``"report"``, ``"model builder"``).
        tail: replaces the default ``" Expected one of: ..."`` listing.
    """
    if name not in table:
        raise unknown_name(name, table, kind, tail)
    return table[name]


def import_target(target: str) -> Any:
    """The object of a lazy ``"package.module:attribute"`` reference."""
    import importlib

    module_name, attribute = target.split(":")
    return getattr(importlib.import_module(module_name), attribute)
