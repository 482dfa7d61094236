"""Recurrent networks: sequence classifiers, regressors and character language models.

A recurrent layer applies one cell at every time step, carrying a state::

    h_t = cell(x_t, h_{t-1})                    (batch, units) per step

Training unrolls the loop and backpropagates through time (BPTT): the gradient
reaching step ``t`` from step ``T`` is a product of ``T - t`` Jacobians
``dh_k / dh_{k-1}``, which shrinks or grows exponentially in ``T - t`` -- the
vanishing and exploding gradients of simple RNNs (Bengio, Simard & Frasconi
1994). Gated cells add a path along which the product stays near 1.

``cell`` picks the recurrence in every builder:

| cell              | recurrence                                 | reference                     |
|-------------------|--------------------------------------------|-------------------------------|
| ``simple_rnn``    | h_t = tanh(W x_t + U h_{t-1} + b)          | Elman 1990                    |
| ``lstm``          | gated cell state c_t = f c_{t-1} + i c~_t  | Hochreiter & Schmidhuber 1997 |
| ``peephole_lstm`` | LSTM whose gates also see c (diagonal V)   | Gers & Schmidhuber 2000       |
| ``gru``           | h_t = z h_{t-1} + (1 - z) h~_t             | Cho et al. 2014               |

``simple_rnn``, ``lstm`` and ``gru`` are Keras' fused layers;
``peephole_lstm`` is ``keras.layers.RNN(PeepholeLSTMCell)``.

From the simple RNN to the LSTM, step by step (the lecture notes' motivation of
the gates), two more cells, each ``keras.layers.RNN`` of a cell of :mod:`dlrecipes.layers`::

    additive_memory   h_t = h_{t-1} + W g(x_t),                     g(x) = tanh(V x + b)
    additive_cell     c_t = c_{t-1} + W g(x_t, h_{t-1}), h_t = tanh(c_t),
                      g(x, h) = tanh(V x + U h + b)

``additive_memory`` (:class:`~dlrecipes.layers.AdditiveMemoryCell`) replaces the
multiplication of the old state by an addition, so ``dh_t / dh_{t-1} = I`` and
nothing vanishes -- but the state can neither forget nor let its write depend on
what it holds; ``additive_cell``
(:class:`~dlrecipes.layers.AdditiveCell`) lets the write read ``h_{t-1}`` and
squashes the output, ``h_t = tanh(c_t)``; the LSTM then gates the write, the keep
and the read. ``recipes/rnn_to_lstm_adding.py`` runs the four on the adding problem.

The GRU, as Keras computes it (``keras.layers.GRUCell``) and as the lecture notes
write it, with the update gate ``z`` weighting the *old* state::

    z_t  = s(W_z x_t + U_z h_{t-1} + b_z)               update gate
    r_t  = s(W_r x_t + U_r h_{t-1} + b_r)               reset gate
    h~_t = tanh(W x_t + U (r_t * h_{t-1}) + b)          reset_after=False: the notes' form
    h~_t = tanh(W x_t + r_t * (U h_{t-1} + b'))         reset_after=True: Keras' default
    h_t  = z_t * h_{t-1} + (1 - z_t) * h~_t

(Cho et al. 2014 name the gates the other way round, ``h_t = (1 - z) h_{t-1} + z h~``:
the same family with ``z`` replaced by ``1 - z``.) ``reset_after=True`` applies the
reset gate after the recurrent matrix, the form cuDNN implements, and has a second
recurrent bias ``b'``; builders take ``reset_after`` to choose.
"""

from __future__ import annotations

import keras

from dlrecipes.layers.additive_cell import AdditiveCell
from dlrecipes.layers.additive_memory_cell import AdditiveMemoryCell
from dlrecipes.layers.peephole_lstm_cell import PeepholeLSTMCell
from dlrecipes.models._checks import check_input_shape, check_positive, check_rate

CELLS = ("simple_rnn", "lstm", "peephole_lstm", "gru", "additive_memory", "additive_cell")

# the intermediate cells of "from RNN to LSTM", run by keras.layers.RNN
STEP_CELLS = {"additive_memory": AdditiveMemoryCell, "additive_cell": AdditiveCell}


def recurrent_layer(
    cell: str,
    units: int,
    return_sequences: bool,
    dropout: float = 0.0,
    name: str | None = None,
    reset_after: bool = True,
    activation: str = "tanh",
    recurrent_initializer="orthogonal",
) -> keras.layers.Layer:
    """One recurrent layer of the named ``cell`` type (see the module table).

    Args:
        cell: ``simple_rnn``, ``lstm``, ``peephole_lstm``, ``gru``, ``additive_memory``
            or ``additive_cell``.
        units: size of the hidden state h_t.
        return_sequences: output every h_t, ``(batch, time, units)``, or only the
            last, ``(batch, units)``.
        dropout: dropout rate on the layer's inputs x_t.
        name: the layer's name.
        reset_after: GRU only: ``True`` (Keras' default) resets after the recurrent
            matrix, ``False`` is the lecture notes' ``U (r * h)`` (module docstring).
        activation: simple RNN only: ``f`` of ``h_t = f(W x_t + U h_{t-1} + b)``; the
            gated cells keep their tanh / sigmoid.
        recurrent_initializer: the initializer of ``U`` (a Keras name or config), e.g.
            ``{"class_name": "Orthogonal", "config": {"gain": 1.5}}``: an orthogonal ``U``
            of spectral radius 1.5, the notes' gamma > 1 (exploding gradients).
    """
    check_positive("units", units)
    check_rate("dropout", dropout)
    if not reset_after and cell != "gru":
        raise ValueError(
            f"reset_after applies to cell='gru' only. Received: reset_after={reset_after!r} "
            f"with cell={cell!r}"
        )
    if activation != "tanh" and cell != "simple_rnn":
        raise ValueError(
            f"activation applies to cell='simple_rnn' only (gated cells keep tanh and sigmoid). "
            f"Received: activation={activation!r} with cell={cell!r}"
        )
    common = {
        "return_sequences": return_sequences,
        "dropout": dropout,
        "recurrent_initializer": recurrent_initializer,
        "name": name,
    }
    if cell == "simple_rnn":
        return keras.layers.SimpleRNN(units, activation=activation, **common)
    if cell == "lstm":
        return keras.layers.LSTM(units, **common)
    if cell == "gru":
        return keras.layers.GRU(units, reset_after=bool(reset_after), **common)
    if cell == "peephole_lstm":
        if dropout:
            raise ValueError(
                f"cell='peephole_lstm' has no input dropout. Received: dropout={dropout}"
            )
        if recurrent_initializer != "orthogonal":
            raise ValueError(
                "cell='peephole_lstm' takes no recurrent_initializer. Received: "
                f"recurrent_initializer={recurrent_initializer!r}"
            )
        return keras.layers.RNN(
            PeepholeLSTMCell(units), return_sequences=return_sequences, name=name
        )
    if cell in STEP_CELLS:
        if dropout:
            raise ValueError(f"cell={cell!r} has no input dropout. Received: dropout={dropout}")
        if recurrent_initializer != "orthogonal":
            raise ValueError(
                f"cell={cell!r} takes no recurrent_initializer. Received: "
                f"recurrent_initializer={recurrent_initializer!r}"
            )
        return keras.layers.RNN(
            STEP_CELLS[cell](units), return_sequences=return_sequences, name=name
        )
    raise ValueError(f"cell must be one of {', '.join(CELLS)}. Received: cell={cell!r}")


def _recurrent_stack(x, cell, units, num_layers, dropout, last_return_sequences, **cell_options):
    """``num_layers`` recurrent layers (all but the last return sequences unless
    ``last_return_sequences``); ``cell_options`` go to :func:`recurrent_layer`."""
    check_positive("num_layers", num_layers)
    for index in range(1, num_layers + 1):
        keep_sequence = last_return_sequences or index < num_layers
        layer = recurrent_layer(
            cell, units, keep_sequence, dropout, name=f"{cell}_{index}", **cell_options
        )
        x = layer(x)
    return x


def _check_sequence_shape(input_shape) -> None:
    check_input_shape(input_shape)
    if len(input_shape) != 2:
        raise ValueError(
            "a recurrent model takes (time, features) inputs, e.g. (28, 28) for row-by-row "
            f"MNIST (data.layout='sequence'). Received: input_shape={tuple(input_shape)!r}"
        )


def sequence_classifier(
    input_shape=(28, 28),
    num_classes: int = 10,
    cell: str = "lstm",
    units: int = 128,
    num_layers: int = 1,
    dropout: float = 0.0,
    reset_after: bool = True,
    name: str = "sequence_classifier",
):
    """Read a sequence, classify it from the last hidden state: softmax(W h_T + b).

    Args:
        input_shape: ``(time, features)``; row-by-row MNIST is ``(28, 28)``.
        num_classes: K classes of the softmax head.
        cell: ``simple_rnn``, ``lstm``, ``peephole_lstm`` or ``gru``.
        units: size of each layer's hidden state.
        num_layers: stacked recurrent layers (all but the last return sequences).
        dropout: input dropout of each recurrent layer.
        reset_after: GRU only; ``False`` is the lecture notes' form (module docstring).

    Returns:
        A ``keras.Model`` ``(batch, time, features) -> (batch, K)`` probabilities.

    Example:
        >>> model = sequence_classifier((28, 28), 10, cell="lstm", units=128)
        >>> model.count_params()    # 4 (28*128 + 128^2 + 128) + 129*10
        81674

    Reference: Le, Jaitly & Hinton, "A simple way to initialize recurrent networks of
    rectified linear units", 2015 (row-by-row MNIST); Hochreiter & Schmidhuber 1997 (LSTM);
    Cho et al. 2014 (GRU).
    """
    _check_sequence_shape(input_shape)
    check_positive("num_classes", num_classes)
    inputs = keras.Input(shape=tuple(input_shape), name="x")  # (batch, T, F)
    h = _recurrent_stack(
        inputs, cell, units, num_layers, dropout, False, reset_after=reset_after
    )  # (batch, units)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="output")(h)
    return keras.Model(inputs, outputs, name=name)


def sequence_regressor(
    input_shape=(100, 2),
    num_outputs: int = 1,
    cell: str = "lstm",
    units: int = 64,
    num_layers: int = 1,
    dropout: float = 0.0,
    reset_after: bool = True,
    activation: str = "tanh",
    recurrent_initializer="orthogonal",
    name: str = "sequence_regressor",
):
    """Read a sequence, regress from the last hidden state: y = W h_T + b.

    Args:
        input_shape: ``(time, features)``; the adding problem is ``(T, 2)``.
        num_outputs: width of the linear head.
        cell: ``simple_rnn``, ``lstm``, ``peephole_lstm`` or ``gru``.
        units: size of each layer's hidden state.
        num_layers: stacked recurrent layers.
        dropout: input dropout of each recurrent layer.
        reset_after: GRU only; ``False`` is the lecture notes' form (module docstring).
        activation: simple RNN only: its ``f`` (``tanh``, ``relu``, ...).
        recurrent_initializer: initializer of the recurrent matrices ``U`` (name or config).

    Returns:
        A ``keras.Model`` ``(batch, time, features) -> (batch, num_outputs)``.

    Example:
        >>> sequence_regressor((100, 2), 1, cell="gru", units=64).count_params()
        13121

    Reference: Hochreiter & Schmidhuber, "Long short-term memory", Neural Computation
    9(8), 1997, experiment 4 (the adding problem).
    """
    _check_sequence_shape(input_shape)
    check_positive("num_outputs", num_outputs)
    inputs = keras.Input(shape=tuple(input_shape), name="x")  # (batch, T, F)
    cell_options = {
        "reset_after": reset_after,
        "activation": activation,
        "recurrent_initializer": recurrent_initializer,
    }
    h = _recurrent_stack(
        inputs, cell, units, num_layers, dropout, False, **cell_options
    )  # (batch, units)
    outputs = keras.layers.Dense(num_outputs, name="output")(h)
    return keras.Model(inputs, outputs, name=name)


def char_language_model(
    input_shape=(100,),
    num_classes: int = 65,
    cell: str = "lstm",
    units: int = 256,
    num_layers: int = 1,
    embedding_dim: int = 64,
    dropout: float = 0.0,
    reset_after: bool = True,
    name: str = "char_language_model",
):
    """A character-level language model: P(x_{t+1} | x_1..x_t) at every step.

    ``e_t = E[x_t]`` (embedding), ``h_t = cell(e_t, h_{t-1})``,
    ``p(x_{t+1}) = softmax(W h_t + b)`` over the V characters of the vocabulary.
    Trained with cross-entropy in nats per character; sampling feeds each drawn
    character back in (Karpathy 2015, "The unreasonable effectiveness of RNNs";
    Graves 2013).

    Args:
        input_shape: ``(time,)`` of integer character ids.
        num_classes: the vocabulary size V (the runner fills it from the data).
        cell: ``simple_rnn``, ``lstm``, ``peephole_lstm`` or ``gru``.
        units: size of each layer's hidden state.
        num_layers: stacked recurrent layers.
        embedding_dim: size of the character embedding.
        dropout: input dropout of each recurrent layer.
        reset_after: GRU only; ``False`` is the lecture notes' form (module docstring).

    Returns:
        A ``keras.Model`` ``(batch, time) ids -> (batch, time, V)`` probabilities.

    Example:
        >>> char_language_model((100,), 65, units=256, embedding_dim=64).count_params()
        349569
    """
    check_input_shape(input_shape)
    if len(input_shape) != 1:
        raise ValueError(
            "char_language_model takes (time,) integer ids. "
            f"Received: input_shape={tuple(input_shape)!r}"
        )
    check_positive("num_classes", num_classes)
    check_positive("embedding_dim", embedding_dim)
    inputs = keras.Input(shape=tuple(input_shape), dtype="int32", name="ids")  # (batch, T)
    x = keras.layers.Embedding(num_classes, embedding_dim, name="embedding")(inputs)  # (b, T, E)
    h = _recurrent_stack(
        x, cell, units, num_layers, dropout, True, reset_after=reset_after
    )  # (batch, T, units)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="output")(h)  # (b, T, V)
    return keras.Model(inputs, outputs, name=name)
