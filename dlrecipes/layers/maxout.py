"""Maxout units: each output is the maximum of ``num_pieces`` affine functions of the input."""

import keras
from keras import ops

from dlrecipes.layers._common import check_positive, config_entries, known_dimension


@keras.saving.register_keras_serializable(package="dlrecipes")
class Maxout(keras.layers.Layer):
    """A maxout layer: ``h_i(x) = max_{j=1..k} (x . W[:, i k + j] + b[i k + j])``.

    Each of the ``units`` outputs is the maximum over ``num_pieces`` (k)
    linear pieces, so the layer is its own activation function: a learned,
    convex, piecewise-linear function of the input. With k = 2 it can represent
    ReLU (one piece fixed at zero), leaky ReLU and the absolute value; with k = 1
    it is a plain ``Dense`` layer. Goodfellow et al. proved that a maxout network
    with two hidden units, each with enough pieces, is a universal approximator.

    Weights: ``kernel`` of shape ``(input_dim, units * num_pieces)`` and ``bias``
    of shape ``(units * num_pieces,)``; column ``i * k + j`` holds piece j of unit i.
    That is ``k * (input_dim + 1) * units`` parameters -- k times those of a
    ``Dense(units)`` -- and the kernel is 2-D so that initialisers see the fans of
    the affine map (fan-in ``input_dim``, fan-out ``units * k``): a 3-D kernel
    would be read as a convolution kernel and Glorot would shrink it ``sqrt(units)``
    times too much.

    Args:
        units: number of maxout units (outputs), a positive integer.
        num_pieces: k, the number of linear pieces per unit, a positive integer.
        kernel_initializer: initializer of ``kernel`` (default ``"glorot_uniform"``).
        bias_initializer: initializer of ``bias`` (default ``"zeros"``).
        kernel_regularizer: optional regularizer of ``kernel`` (e.g. L1/L2 penalties).
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(..., input_dim)``.

    Output shape:
        ``(..., units)``.

    Example:
        >>> layer = Maxout(units=4, num_pieces=3)
        >>> tuple(layer(keras.ops.ones((2, 5))).shape)
        (2, 4)
        >>> layer.count_params()   # 3 * (5 + 1) * 4
        72

    Reference:
        I. J. Goodfellow, D. Warde-Farley, M. Mirza, A. Courville and Y. Bengio,
        "Maxout Networks", ICML 2013, eq. (1).
    """

    def __init__(
        self,
        units,
        num_pieces=2,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive("units", units)
        self.num_pieces = check_positive("num_pieces", num_pieces)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def build(self, input_shape):
        input_dim = known_dimension(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units * self.num_pieces),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.units * self.num_pieces,), initializer=self.bias_initializer
        )

    def call(self, inputs):
        pieces = ops.matmul(inputs, self.kernel) + self.bias  # (..., units * num_pieces)
        pieces = ops.reshape(pieces, (*ops.shape(inputs)[:-1], self.units, self.num_pieces))
        return ops.max(pieces, axis=-1)  # (..., units)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            **config_entries(
                self,
                "units",
                "num_pieces",
                "kernel_initializer",
                "bias_initializer",
                "kernel_regularizer",
            ),
        }
