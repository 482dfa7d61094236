"""Row-by-row digits with the lecture's LSTM: gates that read the cell state (peepholes).

The task of ``lstm_rowmnist`` (28 rows of 28 pixels, one row per step) with
:class:`~dlrecipes.layers.PeepholeLSTMCell` (Gers & Schmidhuber 2000): the same data,
seed, optimizer and budget as ``lstm_rowmnist``, so the two results sit side by side;
``--profile mnist8k`` runs it on 8,000 real MNIST digits.
"""

from dataclasses import replace

from recipes.lstm_rowmnist import RECIPE as LSTM_ROWMNIST

RECIPE = replace(
    LSTM_ROWMNIST,
    name="peephole_lstm_rowmnist",
    summary="Peephole LSTM (the lecture's cell) reads digits row by row: accuracy >= 0.96",
    lecture="RNN: LSTM (with peepholes)",
    model=replace(
        LSTM_ROWMNIST.model, options={**LSTM_ROWMNIST.model.options, "cell": "peephole_lstm"}
    ),
    reference="Gers & Schmidhuber, 'Recurrent nets that time and count', IJCNN 2000; "
    "Le, Jaitly & Hinton 2015 (sequential MNIST)",
)
