"""Deeper plain networks train worse; residual ones do not (He et al. 2016, "degradation").

The ``resnet_small`` builder (stem conv, ``num_blocks`` blocks of two 3x3
convolutions with batch norm, global average pooling, dense softmax) at three
depths of *weighted layers* ``2 num_blocks + 2``: 8, 20 and 32, with identity
shortcuts (``residual_N``) and without (``plain_N``: the same layers and
parameters, shortcuts removed). Every arm has the same data, seed and budget
(10 epochs of Adam 3e-3 with cosine decay, batch 32, digits without
augmentation), so ``python -m recipes compare plain_vs_residual_depth`` shows the
lecture's point: "do not always blame overfitting". The plain network's
*training* loss grows with depth (8 -> 20 -> 32 layers) while the residual
network's falls; the degradation is an optimisation problem, not overfitting.

On CPU the sweep is kept to 8x8 digits and 16 filters (~1 min per 8-layer arm,
~3 min per 32-layer arm on 2 cores); He et al. trained 20-110 layers on CIFAR-10.
The default is the deepest residual arm.

Measured (``compare --seeds 0-2``, training split in inference mode, means):

    weighted layers        8       20       32
    plain     loss     0.052    0.070    0.348     training error 0.05 / 0.10 / 7.6 %
    residual  loss     0.038    0.0066   0.0031    training error 0.08 / 0.00 / 0.03 %

plain_32 trains worse than residual_32 in every seed (training error 1.2 / 12.5 /
9.1 % vs 0 / 0 / 0.08 %; test accuracy 0.876 vs 0.990), but with 3 seeds and that
spread the paired t test does not reach significance (training loss p = 0.08, Holm
0.16): "no difference at this budget" by the library's verdict; more seeds would
settle it. ``dlrecipes.reports.depth.depth_sweep(compare_dir)`` draws the figure.
"""

from dlrecipes.recipe import (
    DataSpec,
    ExpectSpec,
    ModelSpec,
    Recipe,
    SearchSpec,
    TrainSpec,
    Variant,
    choice,
    log_uniform,
)

#: weighted layers -> residual blocks (stem + 2 per block + dense output)
DEPTHS = {8: 3, 20: 9, 32: 15}

RECIPE = Recipe(
    name="plain_vs_residual_depth",
    summary="Plain vs residual CNNs at 8, 20 and 32 weighted layers, same budget: "
    "training loss vs depth",
    lecture="CNN: residual networks",
    data=DataSpec(source="digits", standardize=True),
    model=ModelSpec(
        builder="resnet_small",
        options={"filters": 16, "num_blocks": 15, "residual": True, "use_batch_norm": True},
    ),
    train=TrainSpec(
        epochs=10,
        batch_size=32,
        optimizer="adam",
        learning_rate=3e-3,
        schedule="cosine",
        tensorboard=False,
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.97,
        data="digits (360 test images, 8x8), the 32-layer residual network",
        budget="~3 min, 2 CPU",
    ),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 3e-4, 1e-2),
            choice("model.options.num_blocks", *DEPTHS.values()),
        ),
        objective="val_accuracy",
    ),
    variants=tuple(
        Variant(
            f"{kind}_{depth}",
            {"model.options.num_blocks": blocks, "model.options.residual": kind == "residual"},
        )
        for depth, blocks in DEPTHS.items()
        for kind in ("plain", "residual")
    ),
    profiles={
        "smoke": {"train.epochs": 1, "data.limit": 128, "model.options.num_blocks": 1},
        "mnist8k": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "data.val_fraction": 0.05,
            "train.epochs": 5,
            "expect.threshold": 0.97,
            "expect.data": "mnist-8k (7,000 train, 1,000 test digits), 32-layer residual",
            "expect.budget": "~30 min, 2 CPU",
        },
    },
    reports=("depth",),
    reference="He, Zhang, Ren & Sun, Deep residual learning for image recognition, CVPR 2016 "
    "(Fig. 1 and 6: plain-56 trains worse than plain-20)",
)
