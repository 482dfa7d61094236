"""LeCun's scaled hyperbolic tangent, ``f(a) = 1.7159 tanh(2a / 3)``.

Reference: Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
learning applied to document recognition", Proc. IEEE 86(11), 1998, section
II-B and Appendix A.

How to use it by name. ``keras.activations.get`` (Keras 3.15) resolves a
*string* only among Keras' built-in activations; it ignores registered custom
objects and ``custom_object_scope``. So ``Dense(84, activation="scaled_tanh")``
raises ``ValueError``. Pass the function object instead::

    keras.layers.Dense(84, activation=scaled_tanh)

Registration (``"dlrecipes>scaled_tanh"``) is what makes such a layer
serializable: ``get_config`` writes the registered name and ``from_config`` /
``keras.saving.load_model`` find the function again. Where a layer is more
convenient than an argument, use :class:`ScaledTanh`.
"""

import keras
from keras import ops

#: Amplitude ``A`` of ``f(a) = A tanh(S a)``; chosen so that ``f(1) = 1`` and ``f(-1) = -1``.
SCALED_TANH_AMPLITUDE = 1.7159
#: Slope ``S`` of ``f(a) = A tanh(S a)``.
SCALED_TANH_SLOPE = 2.0 / 3.0


@keras.saving.register_keras_serializable(package="dlrecipes")
def scaled_tanh(x):
    """LeCun's squashing function ``f(a) = 1.7159 tanh(2a / 3)``.

    With this choice ``f(+-1) = +-1``, the second derivative is largest at
    ``a = +-1`` and the gain stays close to 1 over the useful range, so that
    inputs normalised to unit variance neither saturate nor vanish (LeCun et
    al. 1998, Appendix A).

    Args:
        x: tensor of any shape.

    Returns:
        A tensor of the same shape and dtype as ``x``.

    Example:
        >>> import numpy as np
        >>> round(float(scaled_tanh(np.array(1.0))), 4)  # f(1) = 1
        1.0
    """
    x = ops.convert_to_tensor(x)
    return SCALED_TANH_AMPLITUDE * ops.tanh(SCALED_TANH_SLOPE * x)


@keras.saving.register_keras_serializable(package="dlrecipes")
class ScaledTanh(keras.layers.Layer):
    """Layer form of :func:`scaled_tanh`: ``y = 1.7159 tanh(2x / 3)``.

    No weights. Input shape: any. Output shape: same as input.

    Example:
        >>> layer = ScaledTanh()
        >>> tuple(layer(keras.ops.zeros((2, 3))).shape)
        (2, 3)

    Reference: LeCun et al. 1998, Appendix A.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return scaled_tanh(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape
