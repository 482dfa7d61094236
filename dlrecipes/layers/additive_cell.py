"""The second step from the simple RNN to the LSTM: an additive cell state read through tanh."""

import keras
from keras import ops

from dlrecipes.layers._common import add_bias, check_positive, config_entries, known_dimension


@keras.saving.register_keras_serializable(package="dlrecipes")
class AdditiveCell(keras.layers.Layer):
    """One step of an additive cell state whose write reads the previous output.

        The lecture notes' second intermediate cell on the way from the simple RNN
        to the LSTM::

            g(x_t, h_{t-1}) = tanh(V x_t + U h_{t-1} + b)   what to write            (batch, units)
            c_t             = c_{t-1} + W g(x_t, h_{t-1})   additive cell state      (batch, units)
            h_t             = tanh(c_t)                     output                   (batch, units)

    (``activation`` replaces both tanh, as in ``keras.layers.LSTMCell``.)

        The cell state keeps the additive path of :class:`AdditiveMemoryCell`
        (``dc_t / dc_{t-1} = I`` along it), and now what is written depends on what
        the cell already holds through ``h_{t-1}``. What is still missing is
        control: ``c_t`` cannot forget, so it drifts, and as ``|c_t|`` grows
        ``h_t = tanh(c_t)`` saturates (``dh/dc = 1 - h^2 -> 0``). The LSTM adds the
        gates: ``c_t = f_t * c_{t-1} + i_t * c~_t`` and ``h_t = o_t * tanh(c_t)``.
        With ``W = I`` this cell *is* an LSTM whose three gates are always open
        (``i = f = o = 1``) and whose candidate is ``c~_t = tanh(V x_t + U h_{t-1} + b)``.

        Weights: ``kernel`` ``V`` (input_dim, units), ``recurrent_kernel`` ``U``
        (units, units), ``bias`` ``b`` (units,), ``write_kernel`` ``W`` (units,
        units). Parameters: ``input_dim units + 2 units^2 + units``.

        Wrap it in ``keras.layers.RNN`` to run it over a sequence.

        Args:
            units: size of ``h_t`` and ``c_t``, a positive integer.
            activation: the squashing function of the write ``g`` and of the output
                ``h_t`` (``tanh``), as ``LSTMCell``'s ``activation``.
            use_bias: whether the write has the bias ``b``.
            kernel_initializer: initializer of ``V`` (``glorot_uniform``).
            recurrent_initializer: initializer of ``U`` (``orthogonal``).
            write_initializer: initializer of ``W`` (``glorot_uniform``).
            bias_initializer: initializer of ``b`` (``zeros``).
            kernel_regularizer, recurrent_regularizer, write_regularizer,
            bias_regularizer: optional weight penalties.
            **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

        Call arguments:
            inputs: ``(batch, input_dim)``, one time step.
            states: ``[h_{t-1}, c_{t-1}]``, each ``(batch, units)``.

        Returns:
            ``h_t`` of shape ``(batch, units)`` and the new states ``[h_t, c_t]``.

        Example:
            >>> layer = keras.layers.RNN(AdditiveCell(8), return_sequences=True)
            >>> tuple(layer(keras.ops.zeros((2, 5, 3))).shape)    # (batch, time, features)
            (2, 5, 8)
            >>> layer.count_params()     # 3*8 + 2*8*8 + 8
            160

        References:
            S. Hochreiter and J. Schmidhuber, "Long short-term memory", Neural
            Computation 9(8), 1997; F. A. Gers, J. Schmidhuber and F. Cummins,
            "Learning to forget: continual prediction with LSTM", Neural
            Computation 12(10), 2000 (why the cell state needs a forget gate).
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        write_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        write_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = units = check_positive("units", units)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.write_initializer = keras.initializers.get(write_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = keras.regularizers.get(recurrent_regularizer)
        self.write_regularizer = keras.regularizers.get(write_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.state_size = [units, units]  # [h, c]
        self.output_size = units

    def build(self, input_shape):
        input_dim = known_dimension(input_shape)
        units = self.units
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(units, units),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
        )
        self.bias = add_bias(self, units)
        self.write_kernel = self.add_weight(
            name="write_kernel",
            shape=(units, units),
            initializer=self.write_initializer,
            regularizer=self.write_regularizer,
        )

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]  # (batch, units) each
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_tm1, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias  # (batch, units)
        c_t = c_tm1 + ops.matmul(self.activation(z), self.write_kernel)  # c + W g(x, h)
        h_t = self.activation(c_t)
        return h_t, [h_t, c_t]

    def get_initial_state(self, batch_size=None):
        """Zero ``h_0`` and ``c_0``, each ``(batch_size, units)``."""
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in self.state_size]

    def get_config(self):
        return {
            **super().get_config(),
            **config_entries(
                self,
                "units",
                "activation",
                "use_bias",
                "kernel_initializer",
                "recurrent_initializer",
                "write_initializer",
                "bias_initializer",
                "kernel_regularizer",
                "recurrent_regularizer",
                "write_regularizer",
                "bias_regularizer",
            ),
        }
