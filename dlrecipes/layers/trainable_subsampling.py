"""LeNet-5's subsampling layers S2 and S4: pooled sums with a trainable gain and bias."""

import keras

from dlrecipes.layers._common import (
    add_bias,
    check_size_pair,
    config_entries,
    known_dimension,
)
from dlrecipes.layers.block_max_pooling2d import pool_blocks


@keras.saving.register_keras_serializable(package="dlrecipes")
class TrainableSubsampling2D(keras.layers.Layer):
    """Sum over non-overlapping windows, times a trainable coefficient, plus a trainable bias.

    LeNet-5's layers S2 and S4. For each map ``c``::

        y[b, i, j, c] = activation(coefficient[c]
            * sum_{u < ph, v < pw} x[b, i * ph + u, j * pw + v, c] + bias[c])

    with ``(ph, pw) = pool_size``. Two trainable parameters per map: S2 (6 maps)
    has 12, S4 (16 maps) has 32. The coefficient sets the gain: small values
    keep the following squashing function in its quasi-linear regime, large
    ones make the unit a "noisy OR" or "noisy AND" (LeCun et al. 1998).
    Subsampling lowers the resolution of the feature maps and so their
    sensitivity to shifts and distortions.

    With ``coefficient = 1 / (ph * pw)`` (0.25 for 2x2), zero bias and no
    activation the layer equals ``keras.layers.AveragePooling2D(pool_size)``.
    That is also its default initial state.

    The window sums come from :func:`~dlrecipes.layers.block_max_pooling2d.pool_blocks`
    (TensorFlow's pooling kernel outside XLA, elementwise adds under XLA and JAX),
    so the backward pass is cheap on every compiler.

    Args:
        pool_size: int or tuple of 2 ints, the window (and stride) size.
        activation: activation function (name or callable), ``None`` for
            linear. LeNet-5 uses :func:`scaled_tanh`.
        use_bias: whether each map has a trainable bias.
        coefficient_initializer: initializer for the coefficients. ``None``
            means ``Constant(1 / (ph * pw))``, i.e. start as average pooling.
        bias_initializer: initializer for the biases.
        coefficient_regularizer, bias_regularizer: optional regularizers.
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch, height, width, channels)``.

    Output shape:
        ``(batch, height // ph, width // pw, channels)``; trailing rows and
        columns that do not fill a window are dropped (``"valid"`` padding).

    Example:
        >>> layer = TrainableSubsampling2D(pool_size=2)  # LeNet-5 S2
        >>> tuple(layer(keras.ops.zeros((2, 28, 28, 6))).shape)
        (2, 14, 14, 6)
        >>> layer.count_params()
        12

    Reference:
        Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
        learning applied to document recognition", Proc. IEEE 86(11), 1998,
        section II-B.
    """

    def __init__(
        self,
        pool_size=2,
        activation=None,
        use_bias=True,
        coefficient_initializer=None,
        bias_initializer="zeros",
        coefficient_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.pool_size = check_size_pair("pool_size", pool_size)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        if coefficient_initializer is None:
            coefficient_initializer = keras.initializers.Constant(
                1.0 / (self.pool_size[0] * self.pool_size[1])
            )
        self.coefficient_initializer = keras.initializers.get(coefficient_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.coefficient_regularizer = keras.regularizers.get(coefficient_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        channels = known_dimension(input_shape, "channel")
        self.coefficient = self.add_weight(
            name="coefficient",
            shape=(channels,),
            initializer=self.coefficient_initializer,
            regularizer=self.coefficient_regularizer,
        )
        self.bias = add_bias(self, channels)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: channels})

    def call(self, inputs):
        # inputs: (batch, height, width, channels)
        window_sum = pool_blocks(inputs, self.pool_size, "sum")
        # (batch, height // ph, width // pw, channels); elementwise adds under XLA
        outputs = self.coefficient * window_sum
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        height = None if height is None else height // self.pool_size[0]
        width = None if width is None else width // self.pool_size[1]
        return (batch, height, width, channels)

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": list(self.pool_size),
            **config_entries(
                self,
                "activation",
                "use_bias",
                "coefficient_initializer",
                "bias_initializer",
                "coefficient_regularizer",
                "bias_regularizer",
            ),
        }
