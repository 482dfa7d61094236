"""Activation functions in a deep MLP: gradient norms per layer at initialisation and accuracy."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant

RECIPE = Recipe(
    name="activations",
    summary="sigmoid, tanh, ReLU, leaky ReLU, ELU, softplus, maxout in 6 layers: gradients at init",
    lecture="Foundations: activation functions",
    probes=("gradient_norms",),
    data=DataSpec(source="digits"),
    model=ModelSpec(
        builder="mlp",
        options={"hidden_units": (64, 64, 64, 64, 64, 64), "activation": "relu"},
    ),
    train=TrainSpec(
        epochs=30,
        batch_size=32,
        optimizer="sgd",  # plain SGD: the gradient scale of each layer is what it learns with
        learning_rate=0.05,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.9,
        data="digits (360 test images), ReLU",
        budget="~15 s per activation, 2 CPU",
    ),
    variants=(
        Variant("sigmoid", {"model.options.activation": "sigmoid"}),
        Variant("tanh", {"model.options.activation": "tanh"}),
        Variant("relu", {"model.options.activation": "relu"}),
        Variant("leaky_relu", {"model.options.activation": "leaky_relu"}),
        Variant("elu", {"model.options.activation": "elu"}),
        Variant("softplus", {"model.options.activation": "softplus"}),
        Variant("maxout", {"model.options.activation": "maxout", "model.options.maxout_pieces": 2}),
    ),
    profiles={
        "smoke": {
            "train.epochs": 1,
            "data.limit": 256,
            "model.options.hidden_units": (16, 16, 16),
            "train.jit_compile": False,
        }
    },
    reference=(
        "Glorot & Bengio 2010 (saturation); Nair & Hinton 2010 (ReLU); Maas et al. 2013 "
        "(leaky ReLU); Clevert et al. 2016 (ELU); Goodfellow et al. 2013 (maxout)"
    ),
)
