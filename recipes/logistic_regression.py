"""Binary logistic regression p(y=1|x) = sigmoid(w.x + b) and its linear decision boundary."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="logistic_regression",
    summary="Sigmoid + binary cross-entropy on two Gaussian blobs; plots the boundary w.x + b = 0",
    lecture="Foundations: linear models",
    reports=("decision_boundary",),
    data=DataSpec(source="blobs", options={"num_samples": 400, "num_classes": 2, "std": 1.0}),
    model=ModelSpec(builder="logistic_regression"),
    train=TrainSpec(
        epochs=40,
        batch_size=32,
        optimizer="adam",
        learning_rate=0.05,
        loss="binary_crossentropy",
        metrics=("accuracy", "auc"),  # AUC: the area under the ROC curve (keras.metrics.AUC)
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.95,
        data="blobs (2 classes, std 1.0, 80 test points)",
        budget="~10 s, 2 CPU",
    ),
    profiles={"smoke": {"train.epochs": 3, "train.jit_compile": False}},
    reference="Cox 1958 (logistic regression); Bishop, PRML section 4.3.2",
)
