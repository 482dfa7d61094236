"""LeNet-5 in its common modern form: ReLU, max pooling, dense C3, softmax output.

The same layer sizes as :mod:`recipes.lenet5` (61,706 weights) with the changes
most re-implementations make: ReLU instead of the scaled tanh, 2x2 max pooling
instead of trainable subsampling, a fully connected C3 instead of Table I, and
a softmax output trained with cross-entropy instead of RBF units with the MAP
criterion. Same data preparation and sample expansion as the faithful recipe,
so the two can be compared run for run.
"""

from dataclasses import replace

from dlrecipes.recipe import TrainSpec
from recipes.lenet5 import RECIPE as LENET5

RECIPE = replace(
    LENET5,
    name="lenet5_modern",
    summary="LeNet-5 with ReLU, max pooling and softmax (61,706 weights) on 32x32 digits or MNIST",
    model=replace(LENET5.model, options={**LENET5.model.options, "faithful": False}),
    # the default loss and metrics: cross-entropy and accuracy (no XLA: see recipes/lenet5.py)
    train=replace(
        LENET5.train,
        loss=TrainSpec().loss,
        metrics=TrainSpec().metrics,
    ),
    profiles={
        **LENET5.profiles,
        "mnist8k": {**LENET5.profiles["mnist8k"], "expect.threshold": 0.98},
    },
    reference="LeCun et al., Proc. IEEE 86(11), 1998; ReLU: Nair & Hinton 2010; max pooling: "
    "Ranzato et al. 2007",
)
