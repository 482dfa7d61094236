"""Batch vs mini-batch vs stochastic gradient descent: the same model, data and epochs."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant

RECIPE = Recipe(
    name="batch_size",
    summary="Full batch vs mini-batches of 32 vs SGD (batch 1): loss per epoch and per second",
    lecture="Foundations: gradient descent (mini-batch is faster and better)",
    probes=("wall_clock",),
    data=DataSpec(source="digits"),
    model=ModelSpec(builder="mlp", options={"hidden_units": (64,), "activation": "relu"}),
    train=TrainSpec(
        epochs=10,  # the same budget in passes over the data for every batch size
        batch_size=32,
        optimizer="sgd",  # plain gradient descent: the batch size is the only difference
        learning_rate=0.05,
        jit_compile=False,  # batch 1 compiles nothing worth the XLA start-up
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.9,  # 0.931 at seed 0 (batch 1: 0.975, full batch: 0.175)
        data="digits (360 test images), mini-batches of 32",
        budget="~20 s (batch 32), ~2 min (batch 1) of training, 2 shared CPU",
    ),
    variants=(
        # 2,048 > the 1,293 training digits: one step per epoch on the whole training set.
        Variant("full_batch", {"train.batch_size": 2048}),
        Variant("minibatch_32", {"train.batch_size": 32}),
        Variant("sgd_1", {"train.batch_size": 1}),
    ),
    profiles={"smoke": {"train.epochs": 1, "data.limit": 128}},
    reference=(
        "Robbins & Monro 1951; Bottou 2010 (large-scale SGD); LeCun et al. 1998 "
        "('Efficient BackProp', section 4.1); Goodfellow et al. 2016, section 8.1.3"
    ),
)
