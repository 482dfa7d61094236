"""The lectures' convolution examples, by hand and by number.

A 6x6 image and two 3x3 filters give two 4x4 feature maps; the 5x5 binary image
with the X kernel gives a 3x3 map whose top-left value is 4; 1-D narrow / same /
wide padding; flipped convolution vs cross-correlation; the mean filter; output
sizes; why CNNs (10^12 vs 10^8 vs 10^4 weights on a 1000x1000 image, and a
convolution as a sparse weight-tied dense layer); and how much a one-pixel shift
changes conv maps before and after pooling. Every hand computation is checked
against Keras (``max_abs_error``).
"""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, SearchSpec

RECIPE = Recipe(
    name="conv_demo",
    summary="Convolution by hand and by number: 6x6 and 5x5 examples, 1-D padding, flipping, "
    "why CNNs, pooling's shift invariance",
    lecture="CNN: convolution and pooling",
    task="custom",
    experiment="conv_demo",
    data=DataSpec(source="digits", val_fraction=0.0),
    model=ModelSpec(builder="conv_demo"),
    expect=ExpectSpec(
        metric="max_abs_error",
        threshold=1e-6,
        higher_is_better=False,
        data="the lectures' 6x6 and 5x5 images, 1-D signals, digits (Keras vs NumPy loops)",
        budget="~20 s, 2 CPU",
    ),
    # The filters are fixed by the lecture: nothing to tune. An empty space keeps
    # the recipe's shape the same as the others' (``tune`` reports there is nothing to search).
    search=SearchSpec(params=()),
    profiles={
        "smoke": {"data.limit": 32},
        "mnist8k": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "expect.data": "the lectures' 6x6 image; the filters then applied to an MNIST digit",
        },
    },
    reference="The lectures' CNN slides (6x6 image, filters 1 and 2); Goodfellow, Bengio & "
    "Courville, Deep Learning (2016), ch. 9.1-9.3",
)
