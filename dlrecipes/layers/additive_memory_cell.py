"""The first step from the simple RNN to the LSTM: a purely additive memory."""

import keras
from keras import ops

from dlrecipes.layers._common import add_bias, check_positive, config_entries, known_dimension


@keras.saving.register_keras_serializable(package="dlrecipes")
class AdditiveMemoryCell(keras.layers.Layer):
    """One step of an additive memory: the state only accumulates what the input writes.

    The lecture notes' first intermediate cell on the way from the simple RNN to
    the LSTM::

        g(x_t) = f(V x_t + b)                  a learned feature of the input   (batch, units)
        h_t    = h_{t-1} + W g(x_t)            additive memory                 (batch, units)

    Nothing multiplies the old state, so ``dh_t / dh_{t-1} = I``: the error
    reaching step ``t`` from step ``T`` is exactly the error at ``T``, for any
    ``T - t`` -- the vanishing gradient of ``h_t = tanh(W x_t + U h_{t-1})`` is
    gone. What is lost: the state cannot *forget* (it is the running sum
    ``h_T = sum_t W g(x_t)``, unbounded in ``T``) and what is written cannot
    depend on what is already stored (``g`` sees ``x_t`` only). The next step,
    :class:`AdditiveCell`, lets the write read ``h_{t-1}``; the LSTM's gates then
    learn when to write, keep and read (Hochreiter & Schmidhuber 1997).

    Weights: ``kernel`` ``V`` (input_dim, units), ``bias`` ``b`` (units,) and
    ``write_kernel`` ``W`` (units, units). Parameters:
    ``input_dim units + units + units^2``.

    Wrap it in ``keras.layers.RNN`` to run it over a sequence.

    Args:
        units: size of ``h_t``, a positive integer.
        activation: the input feature's ``f`` (``tanh``).
        use_bias: whether ``g`` has the bias ``b``.
        kernel_initializer: initializer of ``V`` (``glorot_uniform``).
        write_initializer: initializer of ``W`` (``glorot_uniform``).
        bias_initializer: initializer of ``b`` (``zeros``).
        kernel_regularizer, write_regularizer, bias_regularizer: optional
            weight penalties.
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: ``(batch, input_dim)``, one time step.
        states: ``[h_{t-1}]``, ``(batch, units)``.

    Returns:
        ``h_t`` of shape ``(batch, units)`` and the new states ``[h_t]``.

    Example:
        >>> layer = keras.layers.RNN(AdditiveMemoryCell(8), return_sequences=True)
        >>> tuple(layer(keras.ops.zeros((2, 5, 3))).shape)    # (batch, time, features)
        (2, 5, 8)
        >>> layer.count_params()     # 3*8 + 8 + 8*8
        96

    References:
        S. Hochreiter and J. Schmidhuber, "Long short-term memory", Neural
        Computation 9(8), 1997 (section 3, the constant error carousel: a unit
        connected to itself with weight 1.0).
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        write_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        write_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = units = check_positive("units", units)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.write_initializer = keras.initializers.get(write_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.write_regularizer = keras.regularizers.get(write_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        input_dim = known_dimension(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = add_bias(self, self.units)
        self.write_kernel = self.add_weight(
            name="write_kernel",
            shape=(self.units, self.units),
            initializer=self.write_initializer,
            regularizer=self.write_regularizer,
        )

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states  # (batch, units)
        z = ops.matmul(inputs, self.kernel)  # (batch, units)
        if self.bias is not None:
            z = z + self.bias
        h_t = h_tm1 + ops.matmul(self.activation(z), self.write_kernel)  # h + W g(x)
        return h_t, [h_t]

    def get_initial_state(self, batch_size=None):
        """Zero ``h_0``, ``(batch_size, units)``."""
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype)]

    def get_config(self):
        return {
            **super().get_config(),
            **config_entries(
                self,
                "units",
                "activation",
                "use_bias",
                "kernel_initializer",
                "write_initializer",
                "bias_initializer",
                "kernel_regularizer",
                "write_regularizer",
                "bias_regularizer",
            ),
        }
