"""Checking a recipe's report and probe names before anything is trained.

Lookup itself is the library's one registry helper,
:func:`dlrecipes.spec.lookup.lookup`: an unknown name is a one-line
:class:`~dlrecipes.spec.RecipeError` with close matches::

    unknown report 'sample'. Did you mean 'samples'? Expected one of: baseline, ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dlrecipes.spec import RecipeError
from dlrecipes.spec.lookup import lookup


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
