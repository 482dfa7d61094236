"""LeNet-5 as in the paper: C3 connection table, trainable subsampling, RBF output, scaled tanh.

The network of LeCun et al. (1998), 60,000 trainable weights (plus 840 fixed
RBF prototypes), on 32x32 inputs:

- digits (default): the 8x8 images resized to 28x28 (bilinear) and padded to 32x32;
- MNIST (``--profile mnist8k``): 28x28 digits padded by 2 pixels, as in the paper.

Inputs are standardised (a ``Normalization`` layer in the saved model), which
plays the role of the paper's scaling to background -0.1 / ink 1.175 (mean
about 0, variance about 1). The sample expansion of the lectures is on: random
shifts of up to 8% of the image and rotations of up to 0.03 turn (about 11
degrees) on every training example. Training minimises the MAP criterion
(``rbf_map``, eq. 9) with Adam 1e-3; SGD with momentum at lr 0.01 saturates the
scaled tanh units.

Plots: learning curves, confusion matrix, C1's six learned 5x5 filters, the
maps of one test digit through C1, S2, C3, S4, C5, and parameters vs connections
per layer (``connections``: C1 122,304 ... 340,908 in total, as in the paper).
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
    name="lenet5",
    summary="Faithful LeNet-5 (60,000 weights, RBF output, MAP loss) on 32x32 digits or MNIST",
    lecture="CNN: LeNet-5",
    data=DataSpec(
        source="digits",
        image_size=28,
        pad_to=32,
        standardize=True,
        augment_shift=0.08,
        augment_rotation=0.03,
    ),
    model=ModelSpec(builder="lenet5", options={"faithful": True}),
    train=TrainSpec(
        epochs=30,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-3,
        loss="rbf_map",
        metrics=("rbf_accuracy",),
        # train.jit_compile = "auto" (the default) picks no XLA for CNN training on a CPU,
        # where XLA's convolution gradients are slower, and XLA on a GPU (compile_path.py).
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
            "expect.threshold": 0.975,
            "expect.data": "mnist-8k (7,000 train, 1,000 test digits)",
            "expect.budget": "10 min, 2 CPU",
        },
    },
    reports=("filters", "feature_maps", "connections"),
    reference="LeCun, Bottou, Bengio & Haffner, Gradient-based learning applied to document "
    "recognition, Proc. IEEE 86(11), 1998",
)
