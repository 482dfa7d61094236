"""XOR with the smallest network that can represent it: 2 inputs, 2 hidden, 1 output.

Full-batch gradient descent with momentum on the four points (the training split
tiles them 250 times in order, so each step of batch 4 is the whole truth table and
one XLA call runs 250 steps). About one seed in eight lands in the classic local
minimum where two points sit at p = 0.5 (loss ln2/2 ~ 0.347): try ``--seed 2``.
"""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="xor_mlp",
    summary="A 2-2-1 sigmoid network learns XOR, which no linear model can separate",
    lecture="Foundations: multilayer perceptrons",
    data=DataSpec(source="xor", options={"repeat": 250}),
    model=ModelSpec(
        builder="mlp",
        options={"hidden_units": (2,), "activation": "sigmoid", "binary": True},
    ),
    train=TrainSpec(
        epochs=4,
        batch_size=4,
        optimizer="momentum",
        learning_rate=2.0,
        loss="binary_crossentropy",
        shuffle=False,
        steps_per_execution=250,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy", threshold=1.0, data="xor (4 points)", budget="1,000 steps, ~5 s"
    ),
    profiles={"smoke": {"train.epochs": 1}},
    reference="Minsky & Papert 1969; Rumelhart, Hinton & Williams 1986",
)
