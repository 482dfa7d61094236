"""Multilayer perceptrons: h^(l) = f(W^(l) h^(l-1) + b^(l)), then a task head.

The universal approximation theorem (Cybenko 1989; Hornik 1991) says one hidden
layer suffices in principle; deep-vs-wide comparisons (Seide et al. 2011) show
why depth helps in practice.
"""

from __future__ import annotations

import keras

from dlrecipes.models._checks import check_input_shape, check_positive, check_rate


def mlp(
    input_shape=(64,),
    num_classes: int = 10,
    num_outputs: int = 0,
    hidden_units=(128,),
    num_layers: int = 0,
    units: int = 0,
    activation: str = "relu",
    dropout: float = 0.0,
    binary: bool = False,
    kernel_initializer: str = "glorot_uniform",
    l1: float = 0.0,
    l2: float = 0.0,
    batch_norm: bool = False,
    maxout_pieces: int = 2,
    output_activation: str = "auto",
    output_initializer="glorot_uniform",
    name: str = "mlp",
):
    """A fully connected network: input -> hidden layers -> task head.

    Args:
        input_shape: shape of one input; images are flattened first.
        num_classes: K > 0 gives a softmax head of K units (classification).
        num_outputs: > 0 (with ``num_classes=0``) gives a linear head (regression).
        hidden_units: width of each hidden layer, e.g. ``(256, 128)``; ``()`` is
            softmax regression.
        num_layers, units: when both are > 0 they replace ``hidden_units`` with
            ``num_layers`` layers of ``units`` each (handy in search spaces).
        activation: hidden activation (any Keras name, or ``scaled_tanh``), or
            ``"maxout"``: each hidden layer is a :class:`~dlrecipes.layers.maxout.Maxout`
            layer of ``maxout_pieces`` linear pieces per unit (Goodfellow et al. 2013).
        dropout: dropout rate after each hidden layer (Srivastava et al. 2014).
        binary: with ``num_classes=2``, one sigmoid unit instead of a 2-way softmax.
        kernel_initializer: weight initialisation (``glorot_uniform``, ``he_normal``, ...).
        l1, l2: weight penalties lambda * sum|w| and lambda * sum w^2 on hidden kernels.
        batch_norm: batch normalisation before each hidden activation.
        maxout_pieces: k, the linear pieces per unit when ``activation="maxout"``.
        output_activation: ``"auto"`` (softmax for classes, sigmoid when ``binary``,
            linear for regression) or a Keras activation name for the head, e.g.
            ``"linear"`` for class *scores* trained with a multi-class hinge loss.
        output_initializer: initialisation of the head's kernel (``kernel_initializer``
            only covers the hidden layers); set both to initialise every layer alike.

    Returns:
        A ``keras.Sequential`` (batch, *input_shape) -> (batch, K) (or (batch, 1)), built
        the way the lecture writes a stack: ``model.add(Dense(...))`` layer by layer.

    Example:
        >>> model = mlp(input_shape=(2,), num_classes=2, hidden_units=(2,),
        ...             activation="tanh", binary=True)   # the 2-2-1 XOR network
        >>> model.count_params()
        9
    """
    check_input_shape(input_shape)
    check_rate("dropout", dropout)
    check_positive("maxout_pieces", maxout_pieces)
    if activation == "maxout" and batch_norm:
        raise ValueError(
            "batch_norm is not supported with activation='maxout'. "
            f"Received: activation={activation!r}, batch_norm={batch_norm}"
        )
    hidden_units = (hidden_units,) if isinstance(hidden_units, int) else tuple(hidden_units)
    if num_layers > 0 and units > 0:
        hidden_units = (units,) * num_layers
    for units in hidden_units:
        check_positive("hidden_units", units)
    if num_classes <= 0 and num_outputs <= 0:
        raise ValueError(
            "mlp needs num_classes > 0 (classification) or num_outputs > 0 (regression). "
            f"Received: num_classes={num_classes}, num_outputs={num_outputs}"
        )
    if binary and num_classes != 2:
        raise ValueError(f"binary=True needs num_classes=2. Received: num_classes={num_classes}")
    regularizer = keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None
    model = keras.Sequential(name=name)  # the lecture's stack, layer by layer
    model.add(keras.Input(shape=tuple(input_shape), name="x"))
    if len(input_shape) > 1:
        model.add(keras.layers.Flatten(name="flatten"))
    for index, units in enumerate(hidden_units, start=1):
        if activation == "maxout":
            from dlrecipes.layers.maxout import Maxout

            model.add(
                Maxout(
                    units,
                    num_pieces=maxout_pieces,
                    kernel_initializer=kernel_initializer,
                    kernel_regularizer=regularizer,
                    name=f"hidden_{index}",
                )
            )
        else:
            model.add(
                keras.layers.Dense(
                    units,
                    activation=None if batch_norm else activation,
                    kernel_initializer=kernel_initializer,
                    kernel_regularizer=regularizer,
                    name=f"hidden_{index}",
                )
            )
            if batch_norm:
                model.add(keras.layers.BatchNormalization(name=f"batch_norm_{index}"))
                model.add(keras.layers.Activation(activation, name=f"activation_{index}"))
        if dropout:
            model.add(keras.layers.Dropout(dropout, name=f"dropout_{index}"))
    if num_classes > 0 and binary:
        width, head = 1, "sigmoid"
    elif num_classes > 0:
        width, head = num_classes, "softmax"
    else:
        width, head = num_outputs, "linear"
    model.add(
        keras.layers.Dense(
            width,
            activation=head if output_activation == "auto" else output_activation,
            kernel_initializer=output_initializer,
            name="output",
        )
    )
    return model
