"""Backpropagation through convolution and pooling by hand, checked against autodiff.

The CNN lecture's formulas in NumPy (``dlrecipes.experiments.cnn_backprop``):
a convolution's input gradient is the full convolution of the upstream gradient
with the kernel (zero-pad, then cross-correlate with rot180(W)), its kernel
gradient the cross-correlation of the input with the upstream gradient; max
pooling routes each window's gradient to its maximum, average pooling spreads
it evenly (up-sampling), and LeNet-5's trainable subsampling adds the chain
rule through its coefficient, bias and scaled tanh. Every gradient must equal
Keras autodiff and central finite differences in float64.
"""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, SearchSpec

RECIPE = Recipe(
    name="cnn_backprop",
    summary="dL/dx = pad(delta) * rot180(W); pooling up-samples delta: NumPy == autodiff == "
    "finite differences",
    lecture="CNN: backpropagation in convolutional networks",
    task="custom",
    experiment="cnn_backprop",
    data=DataSpec(source="digits", val_fraction=0.0),
    model=ModelSpec(
        builder="conv_demo",  # unused: the layers are built by the experiment
        options={"filters": 3, "noise": 0.01},  # conv maps; noise breaks max-pool ties
    ),
    expect=ExpectSpec(
        metric="max_relative_error",
        threshold=1e-6,
        higher_is_better=False,
        data="one 8x8 digit (+1% noise), float64",
        budget="~10 s, 2 CPU",
    ),
    # The check has nothing to tune (an empty space keeps the recipe's shape).
    search=SearchSpec(params=()),
    profiles={
        "smoke": {"data.limit": 32},
        "mnist8k": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "data.limit": 64,
            "expect.data": "one 28x28 MNIST digit (+1% noise), float64",
            "expect.budget": "~1 min, 2 CPU",
        },
    },
    reference="J. Bouvrie, Notes on convolutional neural networks (2006); Goodfellow, Bengio & "
    "Courville, Deep Learning (2016), section 9.5",
)
