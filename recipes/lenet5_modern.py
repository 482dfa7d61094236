"""LeNet-5 in its common modern form: ReLU, max pooling, dense C3, softmax output.

The same layer sizes as :mod:`recipes.lenet5` (61,706 weights) with the changes
most re-implementations make: ReLU instead of the scaled tanh, 2x2 max pooling
instead of trainable subsampling, a fully connected C3 instead of Table I, and
a softmax output trained with cross-entropy instead of RBF units with the MAP
criterion. Same data preparation and sample expansion as the faithful recipe,
so the two can be compared run for run.
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
    uniform,
)

RECIPE = Recipe(
    name="lenet5_modern",
    summary="LeNet-5 with ReLU, max pooling and softmax (61,706 weights) on 32x32 digits or MNIST",
    lecture="CNN: LeNet-5",
    data=DataSpec(
        source="digits",
        image_size=28,
        pad_to=32,
        standardize=True,
        augment_shift=0.08,
        augment_rotation=0.03,
    ),
    model=ModelSpec(builder="lenet5", options={"faithful": False}),
    train=TrainSpec(
        epochs=30,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-3,
        # no XLA: augmentation layers do not support it, and see recipes/lenet5.py
        jit_compile=False,
    ),
    expect=ExpectSpec(
        metric="accuracy", threshold=0.98, data="digits (360 test images)", budget="~2 min, 2 CPU"
    ),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 1e-4, 3e-3),
            choice("train.batch_size", 16, 32, 64),
            uniform("data.augment_shift", 0.0, 0.15),
        ),
        objective="val_accuracy",
    ),
    profiles={
        "smoke": {"train.epochs": 1, "data.limit": 128, "train.tensorboard": False},
        "mnist8k": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "data.image_size": 0,
            "data.val_fraction": 0.05,
            "train.epochs": 20,
            "expect.threshold": 0.98,
            "expect.data": "mnist-8k (7,000 train, 1,000 test digits)",
            "expect.budget": "10 min, 2 CPU",
        },
    },
    reports=("filters", "feature_maps"),
    reference="LeCun et al., Proc. IEEE 86(11), 1998; ReLU: Nair & Hinton 2010; max pooling: "
    "Ranzato et al. 2007",
)
