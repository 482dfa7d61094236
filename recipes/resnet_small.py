"""A small residual network: identity shortcuts around pairs of 3x3 convolutions.

Stem + 3 basic blocks ``relu(x + F(x))`` of 16 filters + global average
pooling (14,362 trainable weights on one channel). All convolutions keep the
spatial size, so it runs on the 8x8 digits as they are and on 28x28 MNIST
(``--profile mnist8k``). ``python -m recipes compare resnet_small`` trains the
same network with and without shortcuts (variants ``residual`` / ``plain``).
Adam with cosine decay of the learning rate to 0: with a constant rate the
batch-norm network's validation accuracy swings widely from epoch to epoch.
"""

from dlrecipes.recipe import (
    DataSpec,
    ExpectSpec,
    ModelSpec,
    Recipe,
    SearchSpec,
    TrainSpec,
    Variant,
    boolean,
    choice,
    int_range,
    log_uniform,
)

RECIPE = Recipe(
    name="resnet_small",
    summary="Stem + 3 residual blocks of 16 filters + global average pooling, batch norm",
    lecture="CNN: residual networks",
    data=DataSpec(source="digits", standardize=True, augment_shift=0.1),
    model=ModelSpec(
        builder="resnet_small",
        options={"filters": 16, "num_blocks": 3, "residual": True, "use_batch_norm": True},
    ),
    # Cosine decay to 0: with a constant 3e-3 the validation accuracy on MNIST swung
    # between 0.79 and 0.96 from epoch to epoch (test 0.881 after 15 epochs).
    train=TrainSpec(
        epochs=40,
        batch_size=32,
        optimizer="adam",
        learning_rate=3e-3,
        schedule="cosine",
        # train.jit_compile = "auto" (the default) picks no XLA for CNN training on a CPU,
        # where XLA's convolution gradients are slower, and XLA on a GPU (compile_path.py).
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.98,
        data="digits (360 test images, 8x8)",
        budget="~2 min, 2 CPU",
    ),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 3e-4, 1e-2),
            choice("model.options.filters", 8, 16, 32),
            int_range("model.options.num_blocks", 1, 5),
            boolean("model.options.residual"),
        ),
        objective="val_accuracy",
    ),
    variants=(
        Variant("residual", {"model.options.residual": True}),
        Variant("plain", {"model.options.residual": False}),
    ),
    profiles={
        "smoke": {
            "train.epochs": 1,
            "data.limit": 128,
            "model.options.num_blocks": 1,
            "train.tensorboard": False,
        },
        "mnist8k": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "data.val_fraction": 0.05,
            "train.epochs": 15,
            "expect.threshold": 0.98,
            "expect.data": "mnist-8k (7,000 train, 1,000 test digits)",
            "expect.budget": "10 min, 2 CPU",
        },
    },
    reports=("filters", "feature_maps"),
    reference="He, Zhang, Ren & Sun, Deep residual learning for image recognition, CVPR 2016",
)
