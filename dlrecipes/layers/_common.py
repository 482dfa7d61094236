"""What the layers share: argument checks, ``get_config`` entries and the optional bias.

One way to do each thing: every layer and builder checks a size, a window or an
input shape here, so the same mistake gives the same message everywhere, with
the argument's name and the value received (``ValueError("units must be a
positive integer. Received: units=-3")``). The builders reach these checks
through :mod:`dlrecipes.models._checks`; the layers import them directly (a
layer never imports a builder module).

Example:
    >>> check_positive("units", 3)
    3
    >>> check_size_pair("kernel_size", 5)
    (5, 5)
"""

from __future__ import annotations

import numbers

import keras


def is_integer(value) -> bool:
    """True for a Python or NumPy integer, False for a bool (``True`` is not a size)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive(name: str, value) -> int:
    """``value`` must be a positive integer; returns it as a Python ``int``."""
    if not is_integer(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
    return int(value)


def check_non_negative(name: str, value) -> int:
    """``value`` must be an integer >= 0; returns it as a Python ``int``."""
    if not is_integer(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer. Received: {name}={value!r}")
    return int(value)


def check_size_pair(name: str, value) -> tuple[int, int]:
    """A window size: ``n`` (meaning ``(n, n)``) or a pair of positive integers.

    Returns ``(height, width)`` as Python ints; used for kernel and pool sizes.
    """
    pair = (value, value) if is_integer(value) else value
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or not all(is_integer(size) and size > 0 for size in pair)
    ):
        raise ValueError(
            f"{name} must be a positive integer or a tuple of 2 positive integers. "
            f"Received: {name}={value!r}"
        )
    return (int(pair[0]), int(pair[1]))


def check_input_shape(input_shape, layout: str | None = None) -> tuple[int, ...]:
    """``input_shape`` must be a non-empty sequence of positive integers.

    Args:
        input_shape: the shape of one example, without the batch axis.
        layout: for builders that need a given rank, its axes in words, e.g.
            ``"(height, width, channels)"``: the shape must have that many entries.

    Returns:
        The shape as a tuple of Python ints.
    """
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else ()
    rank = None if layout is None else len(layout.split(","))
    if (
        not shape
        or (rank is not None and len(shape) != rank)
        or not all(is_integer(size) and size > 0 for size in shape)
    ):
        expected = "a tuple of positive integers, e.g. (28, 28, 1)"
        if layout is not None:
            expected = f"{layout} with positive integers"
        raise ValueError(f"input_shape must be {expected}. Received: input_shape={input_shape!r}")
    return tuple(int(size) for size in shape)


def check_rate(name: str, value) -> float:
    """``value`` must be a number in [0, 1) (a dropout rate); returns it as a ``float``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0.0 <= float(value) < 1.0
    ):
        raise ValueError(f"{name} must be in [0, 1). Received: {name}={value!r}")
    return float(value)


def known_dimension(input_shape, which: str = "last") -> int:
    """The size of the last axis of ``input_shape``, which ``build`` needs to create weights.

    Args:
        input_shape: the shape ``build`` received, batch axis included.
        which: the axis in words for the message (``"last"``, ``"channel"``).
    """
    size = input_shape[-1]
    if size is None:
        raise ValueError(
            f"The {which} dimension of the inputs must be known. "
            f"Received: input_shape={input_shape}"
        )
    return size


def config_entries(layer: keras.layers.Layer, *names: str) -> dict:
    """``{name: getattr(layer, name)}`` for ``get_config``, each value serialised by its kind.

    A layer stores each constructor argument under the same name (the Keras
    contract), so its ``get_config`` can list the names::

        def get_config(self):
            return {**super().get_config(), **config_entries(self, "units", "activation")}

    Activations are written by ``keras.activations.serialize`` (a built-in
    becomes its name, ``"tanh"``; a registered function its registered name);
    initializers, regularizers and constraints by
    ``keras.saving.serialize_keras_object``; plain values (ints, bools,
    strings, ``None``) as they are. ``from_config`` reads all of them back.
    """
    entries = {}
    for name in names:
        value = getattr(layer, name)
        if name.endswith("activation"):
            value = keras.activations.serialize(value)
        elif name.endswith(("_initializer", "_regularizer", "_constraint")):
            value = keras.saving.serialize_keras_object(value)
        entries[name] = value
    return entries


def add_bias(layer: keras.layers.Layer, size: int):
    """Create ``layer``'s trainable ``bias`` of shape ``(size,)``, or return ``None``.

    For layers whose constructor takes ``use_bias``, ``bias_initializer`` and
    ``bias_regularizer`` (stored under those names); call it from ``build``::

        self.bias = add_bias(self, channels)
    """
    if not layer.use_bias:
        return None
    return layer.add_weight(
        name="bias",
        shape=(size,),
        initializer=layer.bias_initializer,
        regularizer=layer.bias_regularizer,
    )
