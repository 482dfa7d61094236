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
    name="rnn_adding",
    summary="Simple RNN, adding problem T=100: stuck near the 0.167 baseline (vanishing gradients)",
    lecture="RNN: BPTT and vanishing gradients",
    data=DataSpec(source="adding", options={"length": 100, "num_samples": 20_000}),
    model=ModelSpec(
        builder="sequence_regressor", options={"cell": "simple_rnn", "units": 64, "num_layers": 1}
    ),
    train=TrainSpec(
        epochs=30,
        batch_size=128,
        optimizer="adam",
        learning_rate=3e-3,
        clipnorm=1.0,
        loss="mse",
        metrics=("mse",),
    ),
    expect=ExpectSpec(
        metric="mse",
        threshold=0.1,
        higher_is_better=True,
        data="adding problem, T=100, 4,000 test sequences: the simple RNN is expected to FAIL, "
        "staying near the predict-the-mean baseline MSE 0.167",
        budget="~2 min, 2 CPU",
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
