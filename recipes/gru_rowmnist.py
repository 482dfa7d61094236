"""Row-by-row sequential digits with a GRU: an image read as 28 steps of 28 pixels.

The network sees one pixel row per time step, ``x_t`` = row ``t`` (28 values),
and classifies from its last hidden state ``h_28``: it must carry the shape
of the top of the digit through the whole sequence (the "row MNIST" task of
Le, Jaitly & Hinton 2015, with rows instead of single pixels). The
preprocessing is declared, not coded: ``data.layout="sequence"`` turns
``(N, 28, 28, 1)`` images into ``(N, 28, 28)`` sequences.

- digits (default, no files): scikit-learn's 8x8 digits resized to 28x28.
- MNIST (``--profile mnist8k``): 7,000 training and 1,000 test digits from
  ``../shared/data/mnist-8k``.

The recipe of ``lstm_rowmnist`` with a gated recurrent unit (Cho et al. 2014):
three gates' weights instead of the LSTM's four, no separate cell state.
"""

from dataclasses import replace

from recipes.lstm_rowmnist import RECIPE as LSTM_ROWMNIST

RECIPE = replace(
    LSTM_ROWMNIST,
    name="gru_rowmnist",
    summary="GRU reads digits row by row (28 steps of 28 pixels): digits or MNIST (>= 96%)",
    lecture="RNN: GRU",
    model=replace(LSTM_ROWMNIST.model, options={**LSTM_ROWMNIST.model.options, "cell": "gru"}),
    reference="Cho et al. 2014 (GRU); Le, Jaitly & Hinton, 'A simple way to initialize "
    "recurrent networks of rectified linear units', 2015 (sequential MNIST)",
)
