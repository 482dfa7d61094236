"""The one user-facing error of the library and the helpers that phrase it.

Every mistake a user can make in a recipe, an override, a config file or a
command-line argument is a :class:`RecipeError` whose message is one line that
names what was received and what was expected; the CLI prints it after
``error:`` and exits with status 2, without a traceback.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any


class RecipeError(ValueError):
    """A user-facing error about a recipe, an override or a config file.

    The message is one line that names what was received and what was expected;
    the CLI prints it without a traceback and exits with status 2.
    """


def suggest(word: str, candidates: Iterable[str], cutoff: float = 0.7) -> str:
    """``". Did you mean 'x'?"`` for close matches of ``word``, else ``""``."""
    close = difflib.get_close_matches(str(word), list(candidates), n=3, cutoff=cutoff)
    return f". Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> None:
    """Raise a one-line :class:`RecipeError` unless ``value`` is one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise RecipeError(
            f"{name} must be one of {', '.join(map(str, allowed))}. Received: {value!r}"
            + suggest(str(value), allowed)
        )


def check_fraction(name: str, value: float) -> None:
    """Raise unless ``0 <= value < 1`` (NaN is not)."""
    if not 0.0 <= value < 1.0:
        raise RecipeError(f"{name} must be in [0, 1). Received: {name}={value}")


#: The largest count a recipe field takes (epochs, batch size, steps): a C ``int32``, the
#: bound of the loops and tensor shapes they end up in.
MAX_COUNT = 2**31 - 1
#: The largest seed: NumPy's legacy seeding (which Keras' ``set_random_seed`` calls) takes
#: ``0 <= seed < 2**32``.
MAX_SEED = 2**32 - 1


def check_count(name: str, value: int, low: int = 0) -> None:
    """Raise unless ``low <= value <= MAX_COUNT`` (a count a loop or a shape can hold)."""
    if value < low:
        what = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise RecipeError(f"{name} must be {what}. Received: {name}={value}")
    if value > MAX_COUNT:
        raise RecipeError(
            f"{name} must be at most {MAX_COUNT:,} (2**31 - 1). Received: {name}={value}"
        )


def check_non_negative(name: str, value: float) -> None:
    """Raise unless ``value`` is a finite number >= 0 (NaN and infinity are not)."""
    if not (math.isfinite(value) and value >= 0):
        raise RecipeError(f"{name} must be a finite number >= 0. Received: {name}={value}")
