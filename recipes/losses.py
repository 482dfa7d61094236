"""Square error vs cross-entropy with a softmax output, and the hinge loss."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant

RECIPE = Recipe(
    name="losses",
    summary="Square error vs cross-entropy on a softmax output, and the multi-class hinge",
    lecture="Foundations: loss functions",
    reports=("loss_curves",),
    data=DataSpec(source="digits"),
    model=ModelSpec(builder="mlp", options={"hidden_units": (64,), "activation": "sigmoid"}),
    train=TrainSpec(
        epochs=30,
        batch_size=32,
        optimizer="sgd",  # plain SGD: the loss's gradient is what drives learning
        learning_rate=0.1,
        loss="categorical_crossentropy",
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.9,
        data="digits (360 test images), cross-entropy",
        budget="~10 s per loss, 2 CPU",
    ),
    variants=(
        Variant("cross_entropy", {"train.loss": "categorical_crossentropy"}),
        Variant("square_error", {"train.loss": "mean_squared_error"}),
        Variant(
            "hinge",
            {"train.loss": "categorical_hinge", "model.options.output_activation": "linear"},
        ),
    ),
    profiles={"smoke": {"train.epochs": 1, "data.limit": 256, "train.jit_compile": False}},
    reference=(
        "Bishop, PRML 5.2 / Golik, Doetsch & Ney 2013 (square error vs cross-entropy); "
        "Crammer & Singer 2001 (multi-class hinge)"
    ),
)
