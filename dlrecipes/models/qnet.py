"""Q-network builder: an MLP that maps an observation to one value per action.

The network approximates the action-value function of a policy,

    Q(x, a; theta) ~ Q^pi(x, a) = E[ r_t + gamma r_{t+1} + ... | x_t = x, a_t = a ],

with one output unit per discrete action, so that a single forward pass gives
``max_a Q(x, a)`` and the greedy action ``argmax_a Q(x, a)`` (Mnih et al. 2015).

With ``dueling=True`` the last hidden layer splits into a value stream ``V(x)``
and an advantage stream ``A(x, a)`` that are recombined as

    Q(x, a) = V(x) + A(x, a) - mean_a' A(x, a')

(Wang et al. 2016, "Dueling network architectures for deep reinforcement
learning", eq. 9). The recombination is linear, so it is a ``Dense`` layer with a
fixed, non-trainable kernel ``[1 ... 1 ; I - 1/n]`` applied to ``[V, A]``: the
parameter counts stay honest and the model saves and loads like any other.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlrecipes.models._checks import check_input_shape, check_positive


def _dueling_kernel(num_actions: int) -> np.ndarray:
    """The (1 + n, n) matrix M with ``[V, A] @ M = V + A - mean(A)``."""
    kernel = np.zeros((1 + num_actions, num_actions), dtype="float32")
    kernel[0, :] = 1.0  # V(x) added to every action
    kernel[1:, :] = np.eye(num_actions) - 1.0 / num_actions  # A - mean(A)
    return kernel


def _per_layer(name: str, value, num_layers: int) -> tuple[int, ...]:
    """``value`` for each of ``num_layers`` conv layers: one int for all, or one each."""
    values = (value,) if isinstance(value, int) else tuple(value)
    values = tuple(check_positive(name, v) for v in values)
    if len(values) == 1:
        return values * num_layers
    if len(values) != num_layers:
        raise ValueError(
            f"{name} must be one value or one per conv layer ({num_layers}). "
            f"Received: {name}={value}"
        )
    return values


def qnet(
    input_shape: Sequence[int],
    num_actions: int,
    hidden_units: Sequence[int] = (256, 256),
    activation: str = "relu",
    dueling: bool = False,
    name: str = "qnet",
    conv_filters: Sequence[int] = (),
    conv_kernel_size: int | Sequence[int] = 3,
    conv_stride: int | Sequence[int] = 1,
    input_scale: float = 1.0,
):
    """An MLP Q-network: observation -> Q(x, a) for every action a.

    Args:
        input_shape: shape of one observation, e.g. ``(4,)`` for CartPole; inputs
            with more than one axis are flattened first.
        num_actions: number of discrete actions (output units).
        hidden_units: widths of the hidden ``Dense`` layers.
        activation: activation of the hidden layers.
        dueling: split the last hidden layer into value and advantage streams
            (Wang et al. 2016).
        name: the model's name.
        conv_filters: filters of ``Conv2D`` layers (ReLU, ``valid`` padding) applied to
            an image observation ``(height, width, channels)`` before the hidden
            layers: the convolutional Q-network of DQN on pixels (Mnih et al. 2013,
            section 5: conv layers, then a fully connected layer, one linear output
            per action). Empty: no convolution.
        conv_kernel_size: the square kernel size of every conv layer, or one per
            conv layer: ``(8, 4, 3)`` with ``conv_filters=(32, 64, 64)``,
            ``conv_stride=(4, 2, 1)`` and ``hidden_units=(512,)`` is the network of
            Mnih et al. 2015 (1,686,180 parameters for 4 actions on ``(84, 84, 4)``).
        conv_stride: the stride of every conv layer, or one per conv layer.
        input_scale: observations are multiplied by this first (a ``Rescaling``
            layer, no parameters): ``1 / 255`` for ``uint8`` pixels.

    Returns:
        A Functional ``keras.Model``: input ``(batch, *input_shape)`` -> output
        ``(batch, num_actions)`` (linear Q-values).

    Example:
        >>> model = qnet((4,), 2)               # doctest: +SKIP
        >>> model.count_params()                # doctest: +SKIP
        67586
    """
    import keras

    input_shape = check_input_shape(input_shape)
    num_actions = check_positive("num_actions", num_actions)
    hidden_units = tuple(hidden_units)
    if not hidden_units:
        raise ValueError(
            "hidden_units must be one or more positive layer widths. "
            f"Received: hidden_units={hidden_units}"
        )
    hidden_units = tuple(check_positive("hidden_units", units) for units in hidden_units)
    inputs = keras.Input(input_shape, name="observation")
    x = inputs
    conv_filters = tuple(check_positive("conv_filters", f) for f in conv_filters)
    if conv_filters and len(input_shape) != 3:
        raise ValueError(
            "conv_filters need image observations (height, width, channels). "
            f"Received: input_shape={input_shape}"
        )
    kernel_sizes = _per_layer("conv_kernel_size", conv_kernel_size, len(conv_filters))
    strides = _per_layer("conv_stride", conv_stride, len(conv_filters))
    if input_scale != 1.0:
        x = keras.layers.Rescaling(input_scale, name="input_scale")(x)
    for i, (filters, size, stride) in enumerate(zip(conv_filters, kernel_sizes, strides)):
        x = keras.layers.Conv2D(
            filters, size, strides=stride, activation=activation, name=f"conv_{i}"
        )(x)  # (batch, h', w', filters)
    x = keras.layers.Flatten(name="flatten")(x) if len(x.shape) > 2 else x
    trunk = hidden_units[:-1] if dueling else hidden_units
    for i, units in enumerate(trunk):
        x = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(x)  # (batch, units)
    if not dueling:
        outputs = keras.layers.Dense(num_actions, name="q_values")(x)  # (batch, num_actions)
        return keras.Model(inputs, outputs, name=name)
    width = hidden_units[-1]
    value = keras.layers.Dense(width, activation=activation, name="value_hidden")(x)
    value = keras.layers.Dense(1, name="value")(value)  # (batch, 1): V(x)
    advantage = keras.layers.Dense(width, activation=activation, name="advantage_hidden")(x)
    advantage = keras.layers.Dense(num_actions, name="advantage")(advantage)  # (batch, n)
    streams = keras.layers.Concatenate(name="value_advantage")([value, advantage])  # (batch, 1+n)
    aggregate = keras.layers.Dense(
        num_actions, use_bias=False, trainable=False, name="dueling_aggregation"
    )
    outputs = aggregate(streams)  # (batch, n): V + A - mean(A)
    aggregate.set_weights([_dueling_kernel(num_actions)])
    return keras.Model(inputs, outputs, name=name)
