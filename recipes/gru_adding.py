"""The adding problem with a GRU: remembering two numbers across T = 100 steps.

The task of ``lstm_adding`` (two marked values among 100 steps; target their
sum; predict-the-mean baseline MSE 0.167) with the gated recurrent unit of
Cho et al. (2014)::

    z_t = s(W_z x_t + U_z h_{t-1})              update gate
    r_t = s(W_r x_t + U_r h_{t-1})              reset gate
    h~_t = tanh(W x_t + U (r_t * h_{t-1}))      candidate
    h_t = (1 - z_t) * h_{t-1} + z_t * h~_t

With ``z_t`` near 0 the state is copied forward and ``dh_t / dh_{t-1}`` is
near the identity, so, like the LSTM's cell state, the GRU keeps both the
marked value and its gradient over long spans -- with three gates' worth of
weights instead of four and no separate cell state. On this task it usually
leaves the 0.167 plateau sooner than the LSTM.
"""

from dlrecipes.recipe import (
    DataSpec,
    ExpectSpec,
    ModelSpec,
    Recipe,
    SearchSpec,
    TrainSpec,
    choice,
    log_uniform,
)

RECIPE = Recipe(
    name="gru_adding",
    summary="GRU on the adding problem, T=100: test MSE <= 0.01 (predict-the-mean baseline 0.167)",
    lecture="RNN: GRU and the long-term dependency problem",
    data=DataSpec(source="adding", options={"length": 100, "num_samples": 20_000}),
    model=ModelSpec(
        builder="sequence_regressor", options={"cell": "gru", "units": 64, "num_layers": 1}
    ),
    train=TrainSpec(
        epochs=20,
        batch_size=128,
        optimizer="adam",
        learning_rate=3e-3,
        clipnorm=1.0,
        loss="mse",
        metrics=("mse",),
    ),
    expect=ExpectSpec(
        metric="mse",
        threshold=0.01,
        higher_is_better=False,
        data="adding problem, T=100, 4,000 test sequences (predict-the-mean baseline MSE 0.167)",
        budget="~3 min, 2 CPU",
    ),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 1e-3, 2e-2),
            choice("train.batch_size", 64, 128, 256),
            choice("model.options.units", 32, 64, 128),
            choice("train.clipnorm", 0.5, 1.0, 5.0),
        ),
        objective="val_loss",
        direction="min",
    ),
    profiles={
        "smoke": {
            "data.options.length": 10,
            "data.options.num_samples": 512,
            "model.options.units": 8,
            "train.epochs": 1,
            "train.tensorboard": False,
            "train.jit_compile": False,
        },
    },
    reference="Cho et al., 'Learning phrase representations using RNN encoder-decoder for "
    "statistical machine translation', EMNLP 2014",
)
