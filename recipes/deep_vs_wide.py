"""Deep vs wide (Seide, Li & Yu 2011): L hidden layers of n units vs one layer, same parameters."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant

RECIPE = Recipe(
    name="deep_vs_wide",
    summary="L x n hidden layers vs 1 x N with the same parameter count, beside Seide et al.'s WER",
    lecture="Foundations: deep vs wide",
    reports=("deep_vs_wide",),
    data=DataSpec(source="digits"),
    model=ModelSpec(
        builder="matched_mlp",
        # n = 128 units stands in for the paper's 2k; match_layers = M gives one hidden
        # layer with the parameter count of M x n (the paper's 1x3772 = 5x2k, 1x4634 = 7x2k).
        options={"num_layers": 3, "units": 128, "match_layers": 0, "activation": "relu"},
    ),
    train=TrainSpec(
        epochs=30,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-3,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.95,
        data="digits (360 test images), 3x128",
        budget="~15 s per arm, 2 CPU",
    ),
    variants=(
        Variant("1x", {"model.options.num_layers": 1}),
        Variant("2x", {"model.options.num_layers": 2}),
        Variant("3x", {"model.options.num_layers": 3}),
        Variant("4x", {"model.options.num_layers": 4}),
        Variant("5x", {"model.options.num_layers": 5}),
        Variant("7x", {"model.options.num_layers": 7}),
        Variant("wide_as_5x", {"model.options.match_layers": 5}),
        Variant("wide_as_7x", {"model.options.match_layers": 7}),
        # the paper's widest single layer: 16k units = 8 x its 2k (here 8 x units)
        Variant("1x_8n", {"model.options.num_layers": 1, "model.options.width_multiple": 8}),
    ),
    profiles={
        "smoke": {
            "train.epochs": 1,
            "data.limit": 256,
            "model.options.units": 16,
            "train.jit_compile": False,
        },
        "mnist": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "model.options.units": 256,
            "train.batch_size": 128,
            "train.epochs": 20,
        },
    },
    reference=(
        "Seide, Li & Yu, 'Conversational speech transcription using context-dependent "
        "deep neural networks', Interspeech 2011, Table 2"
    ),
)
