"""Regularisation on an over-fitting setup: the train / validation gap of each method."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant

RECIPE = Recipe(
    name="regularization",
    summary="None, L1, L2, weight decay, dropout, early stopping, augmentation: train/val gap",
    lecture="Foundations: regularisation",
    # Over-fitting on purpose: 200 training digits, two layers of 256 units, 100 epochs.
    data=DataSpec(source="digits", limit=200),
    model=ModelSpec(builder="mlp", options={"hidden_units": (256, 256), "activation": "relu"}),
    train=TrainSpec(
        epochs=100,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-3,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.85,
        data="digits (200 training / 200 test images), no regularisation",
        budget="~40 s per method, 2 CPU",
    ),
    variants=(
        Variant("none", {}),
        Variant("l1", {"model.options.l1": 1e-4}),
        Variant("l2", {"model.options.l2": 1e-3}),
        Variant("weight_decay", {"train.optimizer": "adamw", "train.weight_decay": 0.5}),
        Variant("dropout", {"model.options.dropout": 0.5}),
        Variant("early_stopping", {"train.early_stopping_patience": 10}),
        Variant("augmentation", {"data.augment_shift": 0.125, "data.augment_rotation": 0.03}),
    ),
    profiles={"smoke": {"train.epochs": 3, "data.limit": 128, "train.jit_compile": False}},
    reference=(
        "Tikhonov 1943 / Krogh & Hertz 1992 (L2); Tibshirani 1996 (L1); Loshchilov & Hutter "
        "2019 (decoupled weight decay); Srivastava et al. 2014 (dropout); Prechelt 1998 "
        "(early stopping); Simard et al. 2003 (augmentation)"
    ),
)
