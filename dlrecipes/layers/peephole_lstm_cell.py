"""The LSTM cell with peephole connections (Gers & Schmidhuber 2000)."""

import keras
from keras import ops

from dlrecipes.layers._common import check_positive, config_entries, known_dimension


@keras.saving.register_keras_serializable(package="dlrecipes")
class PeepholeLSTMCell(keras.layers.Layer):
    """One step of an LSTM whose gates also look at the cell state ("peepholes").

    The lecture's form, for input ``x_t``, previous output ``h_{t-1}`` and
    previous cell state ``c_{t-1}`` (``s`` = sigmoid, ``*`` = element-wise)::

        i_t  = s(W_i x_t + U_i h_{t-1} + V_i c_{t-1} + b_i)     input gate
        f_t  = s(W_f x_t + U_f h_{t-1} + V_f c_{t-1} + b_f)     forget gate
        c~_t = tanh(W_c x_t + U_c h_{t-1} + b_c)                candidate
        c_t  = f_t * c_{t-1} + i_t * c~_t                       cell state
        o_t  = s(W_o x_t + U_o h_{t-1} + V_o c_t + b_o)         output gate
        h_t  = o_t * tanh(c_t)                                  output

    The peephole matrices ``V_i, V_f, V_o`` are diagonal, so each is stored as
    a vector of ``units`` weights and applied element-wise: ``V c = v * c``.
    The output gate peeks at the *new* state ``c_t``, the other two at
    ``c_{t-1}``. The cell state is the "constant error carousel": with
    ``f_t = 1`` and ``i_t = 0``, ``dc_t / dc_{t-1} = 1`` and the error flows
    back through time without vanishing (Hochreiter & Schmidhuber 1997).

    The weights use ``keras.layers.LSTMCell``'s layout -- ``kernel`` (input_dim,
    4 units) = [W_i | W_f | W_c | W_o], ``recurrent_kernel`` (units, 4 units) =
    [U_i | U_f | U_c | U_o], ``bias`` (4 units) -- plus the three peephole
    vectors ``input_peephole``, ``forget_peephole`` and ``output_peephole``.
    With zero peepholes the cell computes exactly what ``LSTMCell`` computes
    with the same kernels. Parameters: ``4 (input_dim units + units^2 + units)
    + 3 units``.

    Wrap it in ``keras.layers.RNN`` to run it over a sequence.

    Args:
        units: size of ``h_t`` and ``c_t``, a positive integer.
        activation: the squashing function of the candidate and the output
            (``tanh``).
        recurrent_activation: the gate function (``sigmoid``).
        use_bias: whether the gates have biases ``b``.
        kernel_initializer: initializer of ``W`` (``glorot_uniform``).
        recurrent_initializer: initializer of ``U`` (``orthogonal``).
        bias_initializer: initializer of ``b`` (``zeros``).
        peephole_initializer: initializer of the peephole vectors (``zeros``:
            training starts from a plain LSTM).
        unit_forget_bias: add 1 to the forget-gate bias at initialisation, so
            the cell remembers by default (Jozefowicz et al. 2015).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional
            weight penalties.
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: ``(batch, input_dim)``, one time step.
        states: ``[h_{t-1}, c_{t-1}]``, each ``(batch, units)``.

    Returns:
        ``h_t`` of shape ``(batch, units)`` and the new states ``[h_t, c_t]``.

    Example:
        >>> layer = keras.layers.RNN(PeepholeLSTMCell(8), return_sequences=True)
        >>> tuple(layer(keras.ops.zeros((2, 5, 3))).shape)    # (batch, time, features)
        (2, 5, 8)
        >>> layer.count_params()     # 4 * (3*8 + 8*8 + 8) + 3*8
        408

    References:
        S. Hochreiter and J. Schmidhuber, "Long short-term memory", Neural
        Computation 9(8), 1997. F. A. Gers and J. Schmidhuber, "Recurrent nets
        that time and count", IJCNN 2000 (peephole connections). F. A. Gers,
        N. N. Schraudolph and J. Schmidhuber, "Learning precise timing with
        LSTM recurrent networks", JMLR 3, 2002.
    """

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        peephole_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = units = check_positive("units", units)
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.peephole_initializer = keras.initializers.get(peephole_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = keras.regularizers.get(recurrent_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.state_size = [units, units]  # [h, c]
        self.output_size = units

    def build(self, input_shape):
        input_dim = known_dimension(input_shape)
        units = self.units
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, 4 * units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(units, 4 * units),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
        )
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                base = self.bias_initializer

                def initializer(shape, dtype=None):
                    return ops.concatenate(
                        [
                            base((units,), dtype=dtype),
                            ops.ones((units,), dtype=dtype),  # forget gate: b_f = 1
                            base((2 * units,), dtype=dtype),
                        ]
                    )

            self.bias = self.add_weight(
                name="bias",
                shape=(4 * units,),
                initializer=initializer,
                regularizer=self.bias_regularizer,
            )
        else:
            self.bias = None
        self.input_peephole = self.add_weight(
            name="input_peephole", shape=(units,), initializer=self.peephole_initializer
        )
        self.forget_peephole = self.add_weight(
            name="forget_peephole", shape=(units,), initializer=self.peephole_initializer
        )
        self.output_peephole = self.add_weight(
            name="output_peephole", shape=(units,), initializer=self.peephole_initializer
        )

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]  # (batch, units) each
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_tm1, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias  # (batch, 4 units)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)  # (batch, units) each
        i_t = self.recurrent_activation(z_i + self.input_peephole * c_tm1)
        f_t = self.recurrent_activation(z_f + self.forget_peephole * c_tm1)
        c_t = f_t * c_tm1 + i_t * self.activation(z_c)
        o_t = self.recurrent_activation(z_o + self.output_peephole * c_t)
        h_t = o_t * self.activation(c_t)
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
                "recurrent_activation",
                "use_bias",
                "kernel_initializer",
                "recurrent_initializer",
                "bias_initializer",
                "peephole_initializer",
                "unit_forget_bias",
                "kernel_regularizer",
                "recurrent_regularizer",
                "bias_regularizer",
            ),
        }
