"""Max pooling over non-overlapping windows whose backward pass is fast under every compiler."""

import keras
from keras import ops

from dlrecipes.layers._common import check_size_pair

POOL_REDUCTIONS = ("max", "sum")


def _in_xla_context() -> bool:
    """Whether TensorFlow is tracing for XLA (``tf.function(jit_compile=True)``).

    TensorFlow has no public query for it; ``control_flow_util`` is what its own
    Keras 2 layers used to pick an XLA-friendly implementation.
    """
    from tensorflow.python.framework import ops as tf_ops
    from tensorflow.python.ops import control_flow_util

    return bool(control_flow_util.GraphOrParentsInXlaContext(tf_ops.get_default_graph()))


def uses_native_pooling() -> bool:
    """Whether :func:`pool_blocks` calls the backend's pooling kernels here and now.

    True under TensorFlow outside XLA (its MaxPool / AvgPool kernels and their
    gradients are the fastest there); False under XLA and JAX, where the pooling
    gradients lower to select-and-scatter / reduce-window ops that XLA's CPU backend
    runs 10-60x slower than the elementwise form.
    """
    return keras.backend.backend() == "tensorflow" and not _in_xla_context()


def pool_blocks(inputs, pool_size, reduction="max"):
    """Max or sum over non-overlapping ``pool_size`` windows (stride = window, "valid").

    ``y[b, i, j, c] = reduce_{u < ph, v < pw} x[b, i * ph + u, j * pw + v, c]``;
    trailing rows and columns that do not fill a window are dropped.

    Under XLA and JAX the input is reshaped to ``(batch, H, ph, W, pw, c)`` and
    reduced by a chain of elementwise ``maximum`` / ``+`` over the ``ph * pw``
    window positions, so the backward pass is elementwise selects and adds (no
    select-and-scatter). Under TensorFlow without XLA the native kernels run.
    Values are identical; with ties inside a window the max's gradient goes to the
    first maximum in row-major order under TensorFlow (as ``MaxPool``'s does) and is
    shared between the tied positions under JAX.

    Args:
        inputs: ``(batch, height, width, channels)``.
        pool_size: ``(ph, pw)``.
        reduction: ``"max"`` or ``"sum"``.

    Returns:
        ``(batch, height // ph, width // pw, channels)``.
    """
    if reduction not in POOL_REDUCTIONS:
        raise ValueError(f"reduction must be 'max' or 'sum'. Received: reduction={reduction!r}")
    pool_height, pool_width = pool_size
    if uses_native_pooling():
        if reduction == "max":
            return ops.max_pool(inputs, pool_size, pool_size, "valid", "channels_last")
        mean = ops.average_pool(inputs, pool_size, pool_size, "valid", "channels_last")
        return mean * (pool_height * pool_width)
    _, height, width, channels = inputs.shape
    out_height, out_width = height // pool_height, width // pool_width
    x = inputs[:, : out_height * pool_height, : out_width * pool_width, :]
    x = ops.reshape(x, (-1, out_height, pool_height, out_width, pool_width, channels))
    # (batch, out_height, ph, out_width, pw, channels)
    combine = ops.maximum if reduction == "max" else ops.add
    outputs = None
    for u in range(pool_height):
        for v in range(pool_width):
            window_entry = x[:, :, u, :, v, :]  # (batch, out_height, out_width, channels)
            outputs = window_entry if outputs is None else combine(outputs, window_entry)
    return outputs


@keras.saving.register_keras_serializable(package="dlrecipes")
class BlockMaxPooling2D(keras.layers.MaxPooling2D):
    """``keras.layers.MaxPooling2D(pool_size)`` (stride = pool size, "valid"), fast under XLA.

    The same function as Keras' layer (and a subclass of it, so code that asks
    ``isinstance(layer, MaxPooling2D)`` still finds it)::

        y[b, i, j, c] = max_{u < ph, v < pw} x[b, i * ph + u, j * pw + v, c]

    computed by :func:`pool_blocks`: TensorFlow's ``MaxPool`` kernel outside XLA,
    and under XLA (TensorFlow ``jit_compile=True``, JAX) a reshape into windows and
    an elementwise maximum over the window positions, whose gradient is a few
    selects. XLA's CPU backend lowers the stock layer's gradient to
    select-and-scatter, which made every CNN 3-4x slower under XLA
    (bench/throughput.py). No weights.

    Args:
        pool_size: int or tuple of 2 ints, the window and stride.
        strides, padding, data_format: accepted so that ``MaxPooling2D``'s config
            round-trips; only ``None`` / the pool size, ``"valid"`` and
            ``"channels_last"`` are supported.
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch, height, width, channels)`` with known height and width.

    Output shape:
        ``(batch, height // ph, width // pw, channels)``.

    Example:
        >>> layer = BlockMaxPooling2D(2)
        >>> tuple(layer(keras.ops.zeros((2, 26, 26, 32))).shape)
        (2, 13, 13, 32)

    Reference:
        M. Ranzato, F. J. Huang, Y.-L. Boureau and Y. LeCun, "Unsupervised learning of
        invariant feature hierarchies with applications to object recognition", CVPR 2007.
    """

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs
    ):
        pool_size = check_size_pair("pool_size", pool_size)
        if strides is not None and check_size_pair("strides", strides) != pool_size:
            raise ValueError(
                "BlockMaxPooling2D pools non-overlapping windows: strides must be None or equal "
                f"to pool_size={pool_size}. Received: strides={strides!r}"
            )
        if padding != "valid" or data_format not in (None, "channels_last"):
            raise ValueError(
                "BlockMaxPooling2D supports padding='valid' and data_format='channels_last'. "
                f"Received: padding={padding!r}, data_format={data_format!r}"
            )
        super().__init__(
            pool_size=pool_size,
            strides=pool_size,
            padding="valid",
            data_format="channels_last",
            **kwargs,
        )

    def call(self, inputs):
        return pool_blocks(inputs, self.pool_size, "max")  # (batch, h // ph, w // pw, c)
