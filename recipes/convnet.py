"""The small Keras MNIST convnet: two Conv-ReLU-MaxPool blocks, dropout, softmax.

keras-io's "Simple MNIST convnet" (34,826 weights) on 28x28 inputs (the 8x8
digits are resized to 28x28). Sample expansion (random shifts up to 8%,
rotations up to 0.03 turn) and dropout 0.5 make up for the small training sets:
1,293 digits, or 6,650 MNIST digits with ``--profile mnist8k`` instead of 60,000.
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
    name="convnet",
    summary="Conv 32 -> pool -> conv 64 -> pool -> dropout -> softmax (34,826 weights), 28x28",
    lecture="CNN: convolution, pooling, sample expansion",
    data=DataSpec(
        source="digits",
        image_size=28,
        standardize=True,
        augment_shift=0.08,
        augment_rotation=0.03,
    ),
    model=ModelSpec(
        builder="convnet",
        options={"filters": (32, 64), "kernel_size": 3, "pool_size": 2, "dropout": 0.5},
    ),
    train=TrainSpec(
        epochs=30,
        batch_size=64,
        optimizer="adam",
        learning_rate=1e-3,
        # train.jit_compile = "auto" (the default) picks no XLA for CNN training on a CPU,
        # where XLA's convolution gradients are slower, and XLA on a GPU (compile_path.py).
    ),
    expect=ExpectSpec(
        metric="accuracy", threshold=0.98, data="digits (360 test images)", budget="~2 min, 2 CPU"
    ),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 1e-4, 3e-3),
            choice("train.batch_size", 32, 64, 128),
            choice("model.options.filters", (16, 32), (32, 64), (64, 128)),
            uniform("model.options.dropout", 0.0, 0.6),
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
            "train.epochs": 30,
            "expect.threshold": 0.985,
            "expect.data": "mnist-8k (7,000 train, 1,000 test digits)",
            "expect.budget": "10 min, 2 CPU",
        },
    },
    reports=("filters", "feature_maps"),
    reference="F. Chollet, Simple MNIST convnet (keras.io examples); sample expansion: "
    "Simard, Steinkraus & Platt, ICDAR 2003",
)
