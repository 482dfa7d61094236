"""Argument checks of the builders: ValueError with the argument's name and the value received.

The checks are shared with the layers and written once, in
:mod:`dlrecipes.layers._common`; this module is where the builders import them.
"""

from __future__ import annotations

from dlrecipes.layers._common import (
    check_input_shape,
    check_non_negative,
    check_positive,
    check_rate,
    is_integer,
    known_dimension,
)

__all__ = [
    "check_input_shape",
    "check_non_negative",
    "check_positive",
    "check_rate",
    "is_integer",
    "known_dimension",
]
