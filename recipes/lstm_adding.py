"""The adding problem with an LSTM: remembering two numbers across T = 100 steps.

Each input is 100 steps of (value in [0, 1], marker); exactly two steps are
marked, one in each half, and the target is the sum of their values
(Hochreiter & Schmidhuber 1997, experiment 4). Always answering the mean, 1.0,
scores the baseline MSE 2/12 = 0.167; reaching 0.01 needs the first marked
value to survive up to 99 steps of recurrence. The LSTM's cell state carries
it: ``c_t = f_t c_{t-1} + i_t c~_t`` with ``f_t`` near 1 passes both the value
and its gradient through time unchanged. Typically the loss sits on the 0.167
plateau for about 1,500 steps (13 epochs), then drops by two orders of
magnitude within two epochs. Adam at 3e-3 with gradient clipping: at 1e-2 the
LSTM escapes sooner but can be thrown back onto the plateau by a loss spike.

Compare ``rnn_adding`` (the simple RNN stays at the baseline), ``gru_adding``
and ``rnn_vs_lstm_vs_gru`` (all three, with the gradient reaching each step).
Other lengths: ``--set data.options.length=200``.
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
    name="lstm_adding",
    summary="LSTM on the adding problem, T=100: test MSE <= 0.01 (predict-the-mean baseline 0.167)",
    lecture="RNN: LSTM and the long-term dependency problem",
    data=DataSpec(source="adding", options={"length": 100, "num_samples": 20_000}),
    model=ModelSpec(
        builder="sequence_regressor", options={"cell": "lstm", "units": 64, "num_layers": 1}
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
        threshold=0.01,
        higher_is_better=False,
        data="adding problem, T=100, 4,000 test sequences (predict-the-mean baseline MSE 0.167)",
        budget="~4 min, 2 CPU",
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
    reference="Hochreiter & Schmidhuber, 'Long short-term memory', Neural Computation 9(8), 1997",
)
