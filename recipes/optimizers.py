"""Optimizers compared with the same seed, data and budget (Kingma & Ba 2015, Fig. 1)."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant

RECIPE = Recipe(
    name="optimizers",
    summary="SGD, momentum, Nesterov, AdaGrad, AdaDelta, RMSProp, Adam, SGD + eta/sqrt(t+1)",
    lecture="Foundations: optimization",
    data=DataSpec(source="digits"),
    model=ModelSpec(builder="softmax_regression"),  # multinomial logistic regression
    train=TrainSpec(
        epochs=20,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-3,
        tensorboard=False,
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.9,
        data="digits (360 test images), Adam at 1e-3",
        budget="~10 s per optimizer, 2 CPU",
    ),
    # Learning rates: each method's customary value (Keras defaults for the adaptive
    # ones, Zeiler's 1.0 for AdaDelta); the same seed, batches and epochs for all.
    variants=(
        Variant("sgd", {"train.optimizer": "sgd", "train.learning_rate": 0.1}),
        Variant("momentum", {"train.optimizer": "momentum", "train.learning_rate": 0.01}),
        Variant("nesterov", {"train.optimizer": "nesterov", "train.learning_rate": 0.01}),
        Variant("adagrad", {"train.optimizer": "adagrad", "train.learning_rate": 0.05}),
        Variant("adadelta", {"train.optimizer": "adadelta", "train.learning_rate": 1.0}),
        Variant("rmsprop", {"train.optimizer": "rmsprop", "train.learning_rate": 1e-3}),
        Variant("adam", {"train.optimizer": "adam", "train.learning_rate": 1e-3}),
        Variant(
            "sgd_inverse_sqrt",
            {
                "train.optimizer": "sgd",
                "train.learning_rate": 0.5,
                "train.schedule": "inverse_sqrt",  # eta_t = eta / sqrt(t + 1), t = step
            },
        ),
    ),
    profiles={
        "smoke": {"train.epochs": 2, "data.limit": 256, "train.jit_compile": False},
        "mlp": {"model.builder": "mlp", "model.options.hidden_units": (128,)},
        # Kingma & Ba's Fig. 1 setting: logistic regression on MNIST, mini-batches of 128.
        "mnist": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "train.batch_size": 128,
            "train.epochs": 15,
        },
    },
    reference=(
        "Robbins & Monro 1951; Polyak 1964; Nesterov 1983 / Sutskever et al. 2013; "
        "Duchi et al. 2011; Zeiler 2012; Tieleman & Hinton 2012; Kingma & Ba 2015 (Fig. 1)"
    ),
)
