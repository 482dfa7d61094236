"""The lectures' convolution example: a 6x6 image, two 3x3 filters, two 4x4 feature maps."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, SearchSpec

RECIPE = Recipe(
    name="conv_demo",
    summary="6x6 image * two fixed 3x3 filters -> two 4x4 maps, checked by hand, then on a digit",
    lecture="CNN: convolution and pooling",
    task="custom",
    experiment="conv_demo",
    data=DataSpec(source="digits", val_fraction=0.0),
    model=ModelSpec(builder="conv_demo"),
    expect=ExpectSpec(
        metric="max_abs_error",
        threshold=1e-6,
        higher_is_better=False,
        data="the lectures' 6x6 image (Keras Conv2D vs NumPy loops)",
        budget="~5 s, 2 CPU",
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
