"""A multilayer perceptron on digits (embedded) or MNIST IDX files."""

from dlrecipes.recipe import (
    DataSpec,
    ExpectSpec,
    ModelSpec,
    Recipe,
    SearchSpec,
    TrainSpec,
    choice,
    int_range,
    log_uniform,
    uniform,
)

RECIPE = Recipe(
    name="mlp",
    summary="Two hidden ReLU layers with dropout, trained with Adam (digits or MNIST IDX)",
    lecture="Foundations: multilayer perceptrons",
    data=DataSpec(source="digits", standardize=False),
    model=ModelSpec(
        builder="mlp", options={"hidden_units": (256, 128), "activation": "relu", "dropout": 0.2}
    ),
    train=TrainSpec(
        epochs=40, batch_size=32, optimizer="adam", learning_rate=1e-3, early_stopping_patience=8
    ),
    expect=ExpectSpec(
        metric="accuracy", threshold=0.97, data="digits (360 test images)", budget="~20 s, 2 CPU"
    ),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 1e-4, 1e-2),
            choice("train.batch_size", 16, 32, 64, 128),
            int_range("model.options.num_layers", 1, 3),
            choice("model.options.units", 64, 128, 256, 512),
            uniform("model.options.dropout", 0.0, 0.5),
            choice("model.options.activation", "relu", "tanh", "elu"),
        ),
        objective="val_accuracy",
    ),
    profiles={"smoke": {"train.epochs": 2, "data.limit": 256}},
    reference="Rumelhart, Hinton & Williams 1986; Srivastava et al. 2014 (dropout)",
)
