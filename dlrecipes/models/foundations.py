"""Builders of the Foundations lectures that the plain ``mlp`` does not cover.

``lecture_mlp`` is the lectures' ``Sequential`` example network.
``matched_mlp`` is the deep-versus-wide comparison of Seide, Li & Yu (2011): a
network of L hidden layers of n units against one hidden layer with the same
number of parameters. The perceptron lives in :mod:`dlrecipes.models.perceptron`.
"""

from __future__ import annotations

import keras

from dlrecipes.models._checks import (
    check_input_shape,
    check_non_negative,
    check_positive,
    check_rate,
)
from dlrecipes.models.mlp import mlp


def deep_parameter_count(input_dim: int, num_outputs: int, num_layers: int, units: int) -> int:
    """Weights and biases of an MLP with ``num_layers`` hidden layers of ``units`` each.

    ``P = (D + 1) n + (L - 1)(n + 1) n + (n + 1) K`` for D inputs, L layers of n
    units and K outputs.

    Example:
        >>> deep_parameter_count(64, 10, 2, 128)   # 8,320 + 16,512 + 1,290
        26122
    """
    for name, value in (
        ("input_dim", input_dim),
        ("num_outputs", num_outputs),
        ("num_layers", num_layers),
        ("units", units),
    ):
        check_positive(name, value)
    return (
        (input_dim + 1) * units + (num_layers - 1) * (units + 1) * units + (units + 1) * num_outputs
    )


def equivalent_width(input_dim: int, num_outputs: int, num_layers: int, units: int) -> int:
    """Width N of the single hidden layer with (at most) as many parameters as L x n.

    The largest N with ``(D + 1) N + (N + 1) K <= P(L, n)``:
    ``N = floor((P - K) / (D + 1 + K))``.

    Seide et al.'s 1x3772 and 1x4634 networks match 5x2k and 7x2k for D = 429
    inputs (11 frames of 39 features) and K = 9,304 senones:

        >>> equivalent_width(429, 9304, 5, 2048), equivalent_width(429, 9304, 7, 2048)
        (3772, 4634)
    """
    total = deep_parameter_count(input_dim, num_outputs, num_layers, units)
    return (total - num_outputs) // (input_dim + 1 + num_outputs)


def matched_mlp(
    input_shape=(64,),
    num_classes: int = 10,
    num_layers: int = 1,
    units: int = 128,
    match_layers: int = 0,
    activation: str = "relu",
    dropout: float = 0.0,
    width_multiple: int = 1,
    name: str = "matched_mlp",
):
    """A deep MLP (L x n) or, with ``match_layers``, a wide one with the same parameter count.

    - ``match_layers = 0``: ``num_layers`` hidden layers of ``units`` each ("L x n").
    - ``match_layers = M > 0``: one hidden layer of :func:`equivalent_width`
      ``(D, K, M, units)`` units, i.e. as many parameters as an ``M x units``
      network ("1 x N"); ``num_layers`` is then ignored.
    - ``width_multiple = k > 1`` (with ``match_layers = 0``): layers of ``k * units``;
      the paper's 1x16k arm is ``num_layers=1, width_multiple=8`` beside its 2k layers.

    Args:
        input_shape: shape of one input (flattened to D features).
        num_classes: K, the softmax outputs.
        num_layers: L, hidden layers of the deep network.
        units: n, units per hidden layer.
        match_layers: M, the depth whose parameter count the single wide layer matches.
        activation: hidden activation (Seide et al. used sigmoid units).
        dropout: dropout after each hidden layer.
        width_multiple: k, hidden layers of ``k * units`` (ignored when ``match_layers``).

    Returns:
        A ``keras.Model`` built by :func:`dlrecipes.models.mlp.mlp`.

    Example:
        >>> deep = matched_mlp(input_shape=(64,), num_layers=3, units=64)
        >>> wide = matched_mlp(input_shape=(64,), units=64, match_layers=3)
        >>> deep.count_params(), wide.count_params()
        (13130, 13060)

    Reference:
        F. Seide, G. Li and D. Yu, "Conversational speech transcription using
        context-dependent deep neural networks", Interspeech 2011, Table 2.
    """
    check_input_shape(input_shape)
    check_positive("num_layers", num_layers)
    check_positive("units", units)
    check_non_negative("match_layers", match_layers)
    check_positive("width_multiple", width_multiple)
    input_dim = 1
    for size in input_shape:
        input_dim *= size
    if match_layers:
        hidden_units = (equivalent_width(input_dim, num_classes, match_layers, units),)
    else:
        hidden_units = (units * width_multiple,) * num_layers
    return mlp(
        input_shape=input_shape,
        num_classes=num_classes,
        hidden_units=hidden_units,
        activation=activation,
        dropout=dropout,
        name=name,
    )


def lecture_mlp(
    input_shape=(64,),
    num_classes: int = 10,
    units: int = 500,
    activation: str = "sigmoid",
    dropout: float = 0.5,
    name: str = "lecture_mlp",
):
    """The lectures' Keras example, written as the lecture writes it: a ``Sequential`` stack.

    ``Flatten -> Dense(500, sigmoid) -> Dropout(0.5) -> Dense(10, softmax)``::

        model = keras.Sequential()
        model.add(keras.layers.Dense(500, activation="sigmoid"))
        model.add(keras.layers.Dropout(0.5))
        model.add(keras.layers.Dense(10, activation="softmax"))

    Args:
        input_shape: shape of one input (images are flattened).
        num_classes: K, the softmax outputs.
        units: width of the hidden layer (500 in the lecture).
        activation: hidden activation (sigmoid in the lecture).
        dropout: rate of the ``Dropout`` layer after the hidden layer (0 for none).

    Returns:
        A ``keras.Sequential`` with ``(D + 1) units + (units + 1) K`` trainable
        parameters: 397,510 for 28x28 MNIST, 37,510 for 8x8 digits.

    Example:
        >>> lecture_mlp((28, 28, 1)).count_params()
        397510

    Reference: F. Chollet, *Deep Learning with Python* (2017), 2.1; Srivastava et al.,
    "Dropout", JMLR 15 (2014).
    """
    check_input_shape(input_shape)
    check_positive("num_classes", num_classes)
    check_positive("units", units)
    check_rate("dropout", dropout)
    layers = [keras.Input(shape=tuple(input_shape), name="x"), keras.layers.Flatten(name="flatten")]
    layers.append(keras.layers.Dense(units, activation=activation, name="hidden"))
    if dropout:
        layers.append(keras.layers.Dropout(dropout, name="dropout"))
    layers.append(keras.layers.Dense(num_classes, activation="softmax", name="output"))
    return keras.Sequential(layers, name=name)
