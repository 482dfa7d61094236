"""Argument checks shared by the builders: ValueError with the received value."""

from __future__ import annotations


def check_positive(name: str, value) -> None:
    """``value`` must be a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")


def check_input_shape(input_shape) -> None:
    """``input_shape`` must be a non-empty sequence of positive integers."""
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if not shape or not all(isinstance(d, int) and d > 0 for d in shape):
        raise ValueError(
            "input_shape must be a tuple of positive integers, e.g. (28, 28, 1). "
            f"Received: input_shape={input_shape!r}"
        )


def check_rate(name: str, value) -> None:
    """``value`` must be in [0, 1)."""
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{name} must be in [0, 1). Received: {name}={value!r}")
