"""Backpropagation by hand in NumPy, checked against Keras autodiff and finite differences."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="backprop",
    summary="delta^(l) = f'(z) * W^T delta^(l+1) in NumPy == Keras autodiff == finite differences",
    lecture="Foundations: backpropagation",
    task="custom",
    experiment="backprop",
    data=DataSpec(source="spirals", options={"num_samples": 600, "noise": 0.05, "turns": 1.0}),
    model=ModelSpec(
        builder="mlp",  # the Keras twin is built by dlrecipes.backprop.keras_model
        options={
            "hidden_units": (32,),
            "activation": "sigmoid",
            "weight_penalty": 1e-4,  # lambda of (lambda / 2) sum ||W||^2
            "check_examples": 16,
        },
    ),
    train=TrainSpec(
        epochs=3000,  # full-batch gradient-descent steps of the NumPy network
        learning_rate=3.0,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="max_relative_error",
        threshold=1e-6,
        higher_is_better=False,
        data="spirals (16 examples for the check), float64",
        budget="~15 s, 2 CPU",
    ),
    profiles={"smoke": {"train.epochs": 50, "data.options.num_samples": 200}},
    reference="Rumelhart, Hinton & Williams 1986; CS231n 'gradient checks'",
)
