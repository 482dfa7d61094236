"""The adding problem with a simple RNN: the long-term dependency problem, measured.

The task of ``lstm_adding`` (two marked values among T = 100 steps; target
their sum) with Elman's recurrence ``h_t = tanh(W x_t + U h_{t-1} + b)``. Its
gradient through time is a product of Jacobians
``dh_k/dh_{k-1} = diag(1 - h_k^2) U``: when their norms are below 1 the error
signal from the last step decays exponentially on its way back to the first
marker, when above 1 it explodes (Bengio, Simard & Frasconi 1994). With the
same budget and optimizer that solve the task for the LSTM and the GRU, the
simple RNN stays at the predict-the-mean baseline (MSE 0.167): this recipe
*expects* test MSE >= 0.1, i.e. that the network fails. ``--profile short``
(T = 10) shows that it can learn the task when the dependency is short.
``rnn_vs_lstm_vs_gru`` plots the gradient that reaches each time step.
"""

from dataclasses import replace

from recipes.lstm_adding import RECIPE as LSTM_ADDING

RECIPE = replace(
    LSTM_ADDING,
    name="rnn_adding",
    summary="Simple RNN, adding problem T=100: stuck near the 0.167 baseline (vanishing gradients)",
    lecture="RNN: BPTT and vanishing gradients",
    model=replace(LSTM_ADDING.model, options={**LSTM_ADDING.model.options, "cell": "simple_rnn"}),
    expect=replace(
        LSTM_ADDING.expect,
        threshold=0.1,
        higher_is_better=True,
        data="adding problem, T=100, 4,000 test sequences: the simple RNN is expected to FAIL, "
        "staying near the predict-the-mean baseline MSE 0.167",
        budget="~2 min, 2 CPU",
    ),
    profiles={
        **LSTM_ADDING.profiles,
        "short": {
            "data.options.length": 10,
            "expect.threshold": 0.01,
            "expect.higher_is_better": False,
            "expect.data": "adding problem, T=10 (a short dependency a simple RNN can learn)",
        },
    },
    reference="Bengio, Simard & Frasconi, 'Learning long-term dependencies with gradient "
    "descent is difficult', IEEE Trans. Neural Networks 5(2), 1994",
)
