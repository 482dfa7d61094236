"""Universal approximation: one hidden layer fits a continuous function better as it widens."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="universal_approximation",
    summary="One tanh hidden layer of 1..32 units fits a continuous bump: error falls with width",
    lecture="Foundations: multilayer perceptrons",
    task="custom",
    experiment="universal_approximation",
    # exp(-25 x^2): two tanh units already make one bump (Nielsen's visual proof); a
    # harder target is --set data.options.function=sin (needs many more epochs).
    data=DataSpec(source="function1d", options={"function": "bump", "num_samples": 1000}),
    model=ModelSpec(
        builder="mlp",
        options={"widths": (1, 2, 4, 8, 16, 32), "activation": "tanh"},
    ),
    train=TrainSpec(
        epochs=80,
        batch_size=32,
        optimizer="adam",
        learning_rate=0.01,
        loss="mean_squared_error",
        metrics=(),
        steps_per_execution=25,  # one epoch per compiled call: Keras' per-step overhead dominates
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="test_mse",
        threshold=1e-3,
        higher_is_better=False,
        data="function1d:bump (200 test points), 32 units",
        budget="~2 min, 2 CPU",
    ),
    profiles={
        "smoke": {
            "train.epochs": 3,
            "model.options.widths": (1, 8),
            "data.options.num_samples": 200,
            "train.jit_compile": False,
        }
    },
    reference="Cybenko 1989; Hornik 1991; Nielsen, Neural Networks and Deep Learning, ch. 4",
)
