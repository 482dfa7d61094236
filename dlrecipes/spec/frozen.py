"""Deep immutability for recipe data: :class:`FrozenDict` and :func:`freeze`.

A recipe is a constant shared by every import of its module, and recipes derive
from each other (``dataclasses.replace(lstm_adding.RECIPE, ...)``), so a mutable
dict inside one would be shared by both. Every mapping a spec holds is a
:class:`FrozenDict` and every list a tuple, so that mutating a profile raises and
``hash(recipe)`` works::

    >>> options = freeze({"hidden_units": [64, 32], "init": {"seed": 1}})
    >>> options["hidden_units"]
    (64, 32)
    >>> options["init"]["seed"] = 2
    Traceback (most recent call last):
    TypeError: 'FrozenDict' object does not support item assignment
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class FrozenDict(Mapping):
    """A read-only, hashable mapping (insertion order kept, like ``dict``).

    Equal to a ``dict`` with the same items; ``hash`` is that of its frozen items,
    so every value must itself be hashable (use :func:`freeze` to build one).
    """

    __slots__ = ("_items", "_hash")

    def __init__(self, *args: Any, **kwargs: Any):
        object.__setattr__(self, "_items", dict(*args, **kwargs))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._items.items())))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"'FrozenDict' object is read-only. Received: {name}={value!r}")

    def __repr__(self) -> str:
        return f"FrozenDict({self._items!r})"

    def __reduce__(self):
        return (FrozenDict, (self._items,))


def freeze(value: Any) -> Any:
    """``value`` with every mapping a :class:`FrozenDict` and every list a tuple, deeply."""
    if isinstance(value, Mapping):
        return FrozenDict((str(k), freeze(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain, mutable data again: mappings to ``dict``, tuples kept (TOML / JSON / Keras ready)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(thaw(v) for v in value)
    return value
