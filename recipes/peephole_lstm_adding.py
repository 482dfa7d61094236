"""The adding problem with the lecture's LSTM: gates that read the cell state (peepholes).

The task of ``lstm_adding`` with :class:`~dlrecipes.layers.PeepholeLSTMCell`: the
input, forget and output gates also see the cell state through diagonal weights,
``i_t = s(W_i x_t + U_i h_{t-1} + v_i * c_{t-1} + b_i)`` (and ``f_t`` likewise; ``o_t``
reads ``c_t``), as the lecture draws the LSTM (Gers & Schmidhuber 2000). Same data,
seed, optimizer and budget as ``lstm_adding``, so the two results sit side by side.
"""

from dataclasses import replace

from recipes.lstm_adding import RECIPE as LSTM_ADDING

RECIPE = replace(
    LSTM_ADDING,
    name="peephole_lstm_adding",
    summary="Peephole LSTM (the lecture's cell) on the adding problem, T=100: test MSE <= 0.01",
    lecture="RNN: LSTM (with peepholes)",
    model=replace(
        LSTM_ADDING.model, options={**LSTM_ADDING.model.options, "cell": "peephole_lstm"}
    ),
    expect=replace(LSTM_ADDING.expect, budget="~5 min, 2 CPU"),
    reference="Gers & Schmidhuber, 'Recurrent nets that time and count', IJCNN 2000; "
    "Hochreiter & Schmidhuber 1997",
)
