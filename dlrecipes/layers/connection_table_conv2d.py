"""LeNet-5's C3 layer: a convolution whose output maps read chosen input maps only."""

import keras
import numpy as np
from keras import ops

from dlrecipes.layers._common import (
    add_bias,
    check_size_pair,
    config_entries,
    is_integer,
    known_dimension,
)

#: Table I of LeCun et al. (1998): for each of the 16 C3 maps (the columns of
#: the table), the S2 maps it reads. Maps 0-5 read 3 consecutive maps, 6-11
#: read 4 consecutive maps, 12-14 read 4 non-consecutive maps, 15 reads all 6.
LENET5_C3_TABLE = (
    (0, 1, 2),
    (1, 2, 3),
    (2, 3, 4),
    (3, 4, 5),
    (0, 4, 5),
    (0, 1, 5),
    (0, 1, 2, 3),
    (1, 2, 3, 4),
    (2, 3, 4, 5),
    (0, 3, 4, 5),
    (0, 1, 4, 5),
    (0, 1, 2, 5),
    (0, 1, 3, 4),
    (1, 2, 4, 5),
    (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


def _normalize_table(connection_table):
    """Return ``connection_table`` as a tuple of tuples of ints, or raise ValueError."""
    message = (
        "connection_table must be a non-empty sequence with, for each output map, a non-empty "
        "sequence of distinct non-negative input-map indices. "
        f"Received: connection_table={connection_table!r}"
    )
    if isinstance(connection_table, (str, bytes)) or not hasattr(connection_table, "__len__"):
        raise ValueError(message)
    if len(connection_table) == 0:
        raise ValueError(message)
    table = []
    for inputs in connection_table:
        if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__len__") or not inputs:
            raise ValueError(message)
        row = []
        for index in inputs:
            if not is_integer(index) or index < 0:
                raise ValueError(message)
            row.append(int(index))
        if len(set(row)) != len(row):
            raise ValueError(message)
        table.append(tuple(row))
    return tuple(table)


@keras.saving.register_keras_serializable(package="dlrecipes")
class ConnectionTableConv2D(keras.layers.Layer):
    """2D convolution in which output map ``k`` reads only the input maps ``connection_table[k]``.

    This is LeNet-5's layer C3. Each output map sums convolutions over its own
    subset of the input maps::

        y[b, i, j, k] = activation(bias[k]
            + sum_{m in table[k]} sum_{u, v} x[b, i + u, j + v, m] * kernel_k[u, v, m'])

    where ``m'`` is the position of ``m`` in ``table[k]``. Only the kernels of
    existing connections are stored, in ONE weight ``kernel`` of shape
    ``(kernel_height, kernel_width, total_connections)`` (map 0's connections first;
    :attr:`kernels` gives each map's ``(kernel_height, kernel_width, len(table[k]), 1)``
    slice; one variable, not one per map, because the optimizer's per-variable work made
    16 small variables cost LeNet-5 about 11% of its training speed), so the
    parameter count is honest: with LeCun's table, 60 connections of 5x5 and
    16 biases give ``60 * 25 + 16 = 1,516`` parameters (a dense ``Conv2D``
    with a 0/1 mask would count 2,416).

    The forward pass assembles the dense kernel ``(kernel_height, kernel_width,
    in_channels, filters)`` from the stored kernels, with zeros where the table
    has no connection (a product with a fixed 0/1 placement matrix, so the
    gradient reaches only the stored weights), and runs ONE ordinary convolution:
    as fast as a dense ``Conv2D`` of the same shape under every backend. With a
    full table (every output reads every input) the layer equals
    ``keras.layers.Conv2D`` with the same weights.

    LeCun's reasons for the table: it keeps the number of connections in
    bounds and, more importantly, breaks the symmetry of the network, so
    different maps are forced to extract different (hopefully complementary)
    features because they get different sets of inputs.

    Args:
        connection_table: for each output map, a tuple of the input-map
            indices it reads; the number of output maps (``filters``) is
            ``len(connection_table)``. Defaults to LeCun's Table I
            (:data:`LENET5_C3_TABLE`: 6 input maps, 16 output maps).
        kernel_size: int or tuple of 2 ints, the height and width of the kernels.
        padding: ``"valid"`` (no padding, LeNet-5) or ``"same"``. Strides are 1.
        activation: activation function (name or callable), ``None`` for linear.
        use_bias: whether each output map has a trainable bias.
        kernel_initializer: initializer of each map's slice of ``kernel``. Its fan-in
            is ``kernel_height * kernel_width * len(table[k])``, as in ``Conv2D``.
        bias_initializer: initializer for the bias.
        kernel_regularizer, bias_regularizer: optional regularizers.
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch, height, width, in_channels)``; every index in the table must
        be smaller than ``in_channels``.

    Output shape:
        ``(batch, new_height, new_width, len(connection_table))``; with
        ``"valid"`` padding ``new_height = height - kernel_height + 1``.

    Example:
        >>> layer = ConnectionTableConv2D(kernel_size=5)  # LeNet-5 C3
        >>> tuple(layer(keras.ops.zeros((2, 14, 14, 6))).shape)
        (2, 10, 10, 16)
        >>> layer.count_params()
        1516

    Reference:
        Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
        learning applied to document recognition", Proc. IEEE 86(11), 1998,
        section II-B and Table I.
    """

    def __init__(
        self,
        connection_table=LENET5_C3_TABLE,
        kernel_size=5,
        padding="valid",
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.connection_table = _normalize_table(connection_table)
        self.kernel_size = check_size_pair("kernel_size", kernel_size)
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same'. Received: padding={padding!r}")
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.filters = len(self.connection_table)
        self.input_spec = keras.layers.InputSpec(ndim=4)

        # Plain constants derived from the table (config, not weights): which input
        # channel feeds each connection, and where each connection's 2D kernel goes
        # in the dense (in_channels * filters) kernel.
        self._gather_indices = np.array(
            [m for inputs in self.connection_table for m in inputs], dtype="int32"
        )  # (total_connections,)
        owner = np.repeat(np.arange(self.filters), [len(t) for t in self.connection_table])
        self._dense_positions = self._gather_indices * self.filters + owner
        # (total_connections,): input map m, output map k -> column m * filters + k

    @property
    def total_connections(self):
        """Number of (input map, output map) pairs, i.e. of stored 2D kernels."""
        return int(self._gather_indices.shape[0])

    def _kernel_initializer_for_map(self, k):
        # Keras initializers are stateless: calling one instance twice with the
        # same shape returns the same values. Each output map gets its own clone
        # (as keras.layers.MultiHeadAttention does), with the seed offset by k
        # when one was given, so that maps with equal-sized tables start apart.
        config = self.kernel_initializer.get_config()
        if isinstance(config.get("seed"), int):
            config["seed"] = config["seed"] + k
        return self.kernel_initializer.__class__.from_config(config)

    def build(self, input_shape):
        in_channels = known_dimension(input_shape, "channel")
        largest = int(self._gather_indices.max())
        if largest >= in_channels:
            raise ValueError(
                f"connection_table reads input map {largest}, but the input has only "
                f"{in_channels} maps. Received: connection_table={self.connection_table}, "
                f"input_shape={input_shape}"
            )
        kernel_height, kernel_width = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(kernel_height, kernel_width, self.total_connections),
            initializer=self._stacked_initializer(),
            regularizer=self.kernel_regularizer,
        )  # the 2D kernels of every connection, map 0's first (see ``kernels``)
        self.bias = add_bias(self, self.filters)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: in_channels})
        placement = np.zeros((self.total_connections, in_channels * self.filters), "float32")
        placement[np.arange(self.total_connections), self._dense_positions] = 1.0
        self._placement = placement  # (total_connections, in_channels * filters), fixed 0/1

    def _stacked_initializer(self):
        """Initial values of ``kernel``: map ``k``'s slice drawn by its own initializer
        clone with fan-in ``kh * kw * len(table[k])``, as a ``Conv2D`` of that map alone."""
        kernel_height, kernel_width = self.kernel_size

        def initialize(shape, dtype=None):
            slices = [
                self._kernel_initializer_for_map(k)(
                    (kernel_height, kernel_width, len(inputs), 1), dtype=dtype
                )[..., 0]
                for k, inputs in enumerate(self.connection_table)
            ]
            return ops.concatenate(slices, axis=2)  # (kh, kw, total_connections)

        return initialize

    @property
    def kernels(self):
        """Each output map's kernel ``(kh, kw, len(table[k]), 1)``, a view of ``kernel``."""
        starts = np.cumsum([0] + [len(inputs) for inputs in self.connection_table])
        return [
            ops.expand_dims(self.kernel[:, :, int(start) : int(stop)], -1)
            for start, stop in zip(starts[:-1], starts[1:])
        ]

    def load_own_variables(self, store):
        """Also loads files saved with one kernel variable per output map (dlrecipes
        before 2026-12-02): their ``filters`` kernels are stacked into ``kernel``."""
        per_map = len(store.keys()) == self.filters + int(self.use_bias) and (
            np.asarray(store["0"]).ndim == 4  # (kh, kw, len(table[0]), 1), not (kh, kw, total)
        )
        if not per_map:
            return super().load_own_variables(store)
        kernels = [np.asarray(store[str(k)])[..., 0] for k in range(self.filters)]
        stacked = np.concatenate(kernels, axis=2)  # (kh, kw, total_connections)
        self.kernel.assign(stacked)
        if self.use_bias:
            self.bias.assign(np.asarray(store[str(self.filters)]))

    def dense_kernel(self):
        """The equivalent ``Conv2D`` kernel ``(kh, kw, in_channels, filters)``: the stored
        kernels at their table positions, zeros elsewhere."""
        kernel_height, kernel_width = self.kernel_size
        in_channels = self._placement.shape[1] // self.filters
        stored = ops.reshape(self.kernel, (kernel_height * kernel_width, self.total_connections))
        placement = ops.convert_to_tensor(self._placement, dtype=stored.dtype)
        dense = ops.matmul(stored, placement)  # (kh * kw, in_channels * filters)
        return ops.reshape(dense, (kernel_height, kernel_width, in_channels, self.filters))

    def call(self, inputs):
        # inputs: (batch, height, width, in_channels)
        outputs = ops.conv(
            inputs,
            self.dense_kernel(),
            strides=1,
            padding=self.padding,
            data_format="channels_last",
        )  # (batch, new_height, new_width, filters)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        if self.padding == "valid":
            height = None if height is None else height - self.kernel_size[0] + 1
            width = None if width is None else width - self.kernel_size[1] + 1
        return (batch, height, width, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "connection_table": [list(inputs) for inputs in self.connection_table],
            "kernel_size": list(self.kernel_size),
            **config_entries(
                self,
                "padding",
                "activation",
                "use_bias",
                "kernel_initializer",
                "bias_initializer",
                "kernel_regularizer",
                "bias_regularizer",
            ),
        }
