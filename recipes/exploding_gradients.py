"""Exploding gradients, shown and tamed: a simple RNN with gamma > 1, with and without clipping.

Backpropagation through time multiplies the error by ``U^T diag(f'(z_t))`` at every
step back (``dlrecipes.bptt``). With ``gamma = ||U|| max f' > 1`` that product grows
exponentially in the distance from the output, so the gradient reaching the first
steps is much larger than at the last: here ``U`` is orthogonal with spectral radius
1.5 and ``f = relu`` (``f' = 1`` where active), so ``gamma = 1.5``. The first SGD
steps then throw the weights so far that the loss becomes NaN. Clipping the
gradient's norm (``train.clipnorm = 1``; Pascanu, Mikolov & Bengio 2013) bounds every
step, and the same network trains normally.

``python -m recipes compare exploding_gradients`` runs three arms with the same seed
and data: ``exploding_no_clipping`` (reported as *diverged*), ``exploding_clipnorm_1``
(the default, what ``run`` trains) and ``vanishing`` (gamma = 0.5 with tanh: the
gradient reaching the first steps shrinks instead).
``compare_input_gradient_norm_at_init.png`` puts the exploding and the vanishing
gradient per step on one figure.
"""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant

EXPLODING = {"class_name": "Orthogonal", "config": {"gain": 1.5}}  # spectral radius 1.5
VANISHING = {"class_name": "Orthogonal", "config": {"gain": 0.5}}

RECIPE = Recipe(
    name="exploding_gradients",
    summary="Simple RNN with gamma = 1.5: the loss explodes to NaN; clipnorm=1 trains it",
    lecture="RNN: BPTT and exploding gradients",
    data=DataSpec(source="adding", options={"length": 50, "num_samples": 4_000}),
    model=ModelSpec(
        builder="sequence_regressor",
        options={
            "cell": "simple_rnn",
            "units": 32,
            "activation": "relu",
            "recurrent_initializer": EXPLODING,
        },
    ),
    train=TrainSpec(
        epochs=10,
        batch_size=64,
        optimizer="sgd",
        learning_rate=0.01,
        clipnorm=1.0,
        loss="mse",
        metrics=("mse",),
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="mse",
        threshold=0.25,
        higher_is_better=False,
        data="adding problem, T=50, clipnorm=1: trains to a finite test MSE near the "
        "predict-the-mean level 0.167 (without clipping the loss becomes NaN)",
        budget="~30 s per arm, 2 CPU",
    ),
    variants=(
        Variant("exploding_no_clipping", {"train.clipnorm": 0.0}),
        Variant("exploding_clipnorm_1", {"train.clipnorm": 1.0}),
        Variant(
            "vanishing",
            {"model.options.activation": "tanh", "model.options.recurrent_initializer": VANISHING},
        ),
    ),
    probes=("input_gradients",),
    profiles={
        "smoke": {
            "data.options.length": 10,
            "data.options.num_samples": 512,
            "model.options.units": 8,
            "train.epochs": 1,
            "train.jit_compile": False,
        }
    },
    reference="Bengio, Simard & Frasconi 1994; Pascanu, Mikolov & Bengio, 'On the difficulty "
    "of training recurrent neural networks', ICML 2013 (gradient-norm clipping)",
)
