"""XOR with the smallest network that can represent it: 2 inputs, 2 hidden, 1 output."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="xor_mlp",
    summary="A 2-2-1 tanh network learns XOR, which no linear model can separate",
    lecture="Foundations: multilayer perceptrons",
    data=DataSpec(source="xor"),
    model=ModelSpec(
        builder="mlp",
        options={"hidden_units": (2,), "activation": "tanh", "binary": True},
    ),
    train=TrainSpec(
        epochs=300,
        batch_size=4,
        optimizer="adam",
        learning_rate=0.05,
        loss="binary_crossentropy",
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(metric="accuracy", threshold=1.0, data="xor (4 points)", budget="~5 s"),
    profiles={"smoke": {"train.epochs": 20}},
    reference="Minsky & Papert 1969; Rumelhart, Hinton & Williams 1986",
)
