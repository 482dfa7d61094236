"""Weight initialisation: small random, Gaussian, Glorot, He, orthogonal and all-zero."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant


def _everywhere(initializer) -> dict:
    """The same initialiser for the hidden layers and the output layer."""
    return {
        "model.options.kernel_initializer": initializer,
        "model.options.output_initializer": initializer,
    }


#: The arm ``compare --seeds`` tests the others against (no variant restates the defaults).
REFERENCE_VARIANT = "glorot"

RECIPE = Recipe(
    name="initializers",
    summary="Small, Gaussian, Glorot, He, orthogonal, all-zero: signal scale and broken symmetry",
    lecture="Foundations: initialisation",
    probes=("activation_scale", "gradient_norms", "hidden_unit_spread"),
    data=DataSpec(source="digits"),
    model=ModelSpec(
        builder="mlp",
        options={"hidden_units": (64, 64, 64, 64, 64), "activation": "tanh"},
    ),
    train=TrainSpec(
        epochs=20,
        batch_size=32,
        optimizer="sgd",
        learning_rate=0.05,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.9,
        data="digits (360 test images), Glorot",
        budget="~10 s per initialiser, 2 CPU",
    ),
    variants=(
        Variant(
            "small_random",
            _everywhere({"class_name": "RandomNormal", "config": {"stddev": 0.01}}),
        ),
        Variant("gaussian", _everywhere({"class_name": "RandomNormal", "config": {"stddev": 1.0}})),
        Variant("glorot", _everywhere("glorot_uniform")),
        Variant("he", _everywhere("he_normal")),
        Variant("orthogonal", _everywhere("orthogonal")),
        Variant("all_zero", _everywhere("zeros")),
    ),
    profiles={
        "smoke": {
            "train.epochs": 1,
            "data.limit": 256,
            "model.options.hidden_units": (16, 16),
            "train.jit_compile": False,
        }
    },
    reference="LeCun et al. 1998b; Glorot & Bengio 2010; He et al. 2015; Saxe et al. 2014",
)
