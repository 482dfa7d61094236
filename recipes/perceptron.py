"""Rosenblatt's perceptron rule: Novikoff's mistake bound; no convergence on XOR."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="perceptron",
    summary="Perceptron rule w <- w + y x: at most (R/gamma)^2 mistakes; XOR never converges",
    lecture="Foundations: the perceptron",
    task="custom",
    experiment="perceptron",
    data=DataSpec(
        source="separable",
        test_fraction=0.2,  # the validation split joins the training set (no early stopping)
        options={"num_samples": 200, "margin": 0.02},
    ),
    model=ModelSpec(builder="perceptron"),
    train=TrainSpec(
        epochs=50,  # the cap: XOR stops here without converging
        batch_size=1024,  # >= N: one sequential pass of the rule per epoch
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="within_novikoff_bound",
        threshold=1.0,
        data="separable (200 points, margin 0.02)",
        budget="~10 s, 2 CPU",
    ),
    profiles={
        "smoke": {"train.epochs": 15, "data.options.num_samples": 60, "train.jit_compile": False}
    },
    reference=(
        "Rosenblatt 1958 (perceptron rule); Novikoff 1962 (mistake bound); "
        "Minsky & Papert 1969 (XOR)"
    ),
)
