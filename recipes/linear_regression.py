"""Linear regression: gradient descent reaches the closed-form least-squares solution."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="linear_regression",
    summary="Full-batch gradient descent on the MSE vs w = (X X^T)^-1 X y: the same weights",
    lecture="Foundations: linear models",
    task="custom",
    experiment="linear_regression",
    data=DataSpec(source="linear", options={"num_samples": 500, "num_features": 3, "noise": 0.1}),
    model=ModelSpec(builder="linear_regression"),
    train=TrainSpec(
        epochs=100,
        batch_size=1024,  # >= N: full-batch gradient descent
        optimizer="sgd",
        learning_rate=0.3,  # stable below 1 / lambda_max(X X^T / N) ~ 0.8
        loss="mean_squared_error",
        metrics=(),
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="max_weight_difference",
        threshold=1e-4,
        higher_is_better=False,
        data="linear (400 training points, 3 features, noise 0.1)",
        budget="~5 s, 2 CPU",
    ),
    profiles={"smoke": {"train.epochs": 50, "train.jit_compile": False}},
    reference="Gauss / Legendre (least squares); the lectures' normal equations",
)
