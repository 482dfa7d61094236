"""Simple RNN vs LSTM vs GRU on the adding problem: vanishing gradients, visible.

``python -m recipes compare rnn_vs_lstm_vs_gru`` trains the three cells (the
recipe's variants) on the same adding-problem data (T = 100), with the same
seed, optimizer and number of steps, and its probes measure how much gradient
of the loss reaches each input step, ``||dL/dx_t||``, at initialisation, after
every epoch and after training. ``run`` trains the LSTM alone.

Backpropagation through time multiplies one Jacobian per step; the simple RNN's
product shrinks exponentially, so the first marked
value -- in the first half of the sequence -- receives almost no gradient and
the network never leaves the predict-the-mean plateau (MSE 0.167); after
training, the gradient at the first steps is 0 in float32. The LSTM's cell
state and the GRU's update gate offer a path along which the product stays
near 1 -- but only once training has opened it: at initialisation a forget
gate of about s(1) = 0.73 passes 0.73^100 = 2e-14 of the signal, so the gated
cells start no better off (see ``compare_input_gradient_norm_at_init.png``) and
learn to remember (Bengio et al. 1994; Hochreiter & Schmidhuber 1997; Cho et al. 2014).

Plots of ``compare``: ``compare_val_loss.png`` (validation MSE per epoch),
``compare_early_gradient_norm.png`` (gradient reaching the first 10 steps, per
epoch), ``compare_input_gradient_norm_at_init.png`` / ``..._at_end.png``
(``||dL/dx_t||`` against ``t``). Each row: the cell's test MSE, the
predict-the-mean baseline (report ``baseline``), and the ratio of the gradient
at the first 10 steps to the last 10 (``early_late_gradient_ratio_*``).
"""

from dlrecipes.recipe import (
    DataSpec,
    ExpectSpec,
    ModelSpec,
    Recipe,
    SearchSpec,
    TrainSpec,
    Variant,
    choice,
    log_uniform,
)

RECIPE = Recipe(
    name="rnn_vs_lstm_vs_gru",
    summary="Simple RNN, LSTM and GRU on the adding problem, same seed and budget; gradient norms",
    lecture="RNN: vanishing gradients, LSTM and GRU",
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
        verbose="2",
    ),
    expect=ExpectSpec(
        metric="mse",
        threshold=0.01,
        higher_is_better=False,
        data="adding problem, T=100, LSTM test MSE ('compare' runs the simple RNN, which "
        "stays near the baseline 0.167, and the GRU beside it)",
        budget="~3 min per cell, 2 CPU",
    ),
    variants=(
        Variant("simple_rnn", {"model.options.cell": "simple_rnn"}),
        Variant("lstm", {"model.options.cell": "lstm"}),
        # the lecture's LSTM: gates that also read the cell state (diagonal peepholes)
        Variant("peephole_lstm", {"model.options.cell": "peephole_lstm"}),
        Variant("gru", {"model.options.cell": "gru"}),
        # the lecture notes' GRU: the reset gate inside U (r * h) (Keras: reset_after=False)
        Variant(
            "gru_notes_form", {"model.options.cell": "gru", "model.options.reset_after": False}
        ),
    ),
    probes=("input_gradients", "early_input_gradients"),
    reports=("baseline",),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 1e-3, 2e-2),
            choice("model.options.units", 32, 64, 128),
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
    reference="Bengio, Simard & Frasconi 1994; Hochreiter & Schmidhuber 1997; Cho et al. 2014; "
    "Pascanu, Mikolov & Bengio, 'On the difficulty of training recurrent neural networks', 2013",
)
