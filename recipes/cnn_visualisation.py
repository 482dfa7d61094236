"""What trained convnets respond to, no weights downloaded: maximised inputs, dreams, texture.

Trains the faithful LeNet-5 and the digits convnet on the 8x8 digits (resized to
28x28 / 32x32) for a few epochs, then, by gradient ascent on the *input*: the
image each C1 / C3 map (LeNet-5) and each conv_1 / conv_2 map (convnet)
responds to most, the image each class score is highest for, and "dreams" of
test digits (ascent on a layer's mean squared activation). Then texture
synthesis from the Gram matrices of random filters on a foliage crop of
scikit-learn's bundled ``china.jpg``.

A pretrained ImageNet network (VGG, as in Gatys et al. and DeepDream) would show
natural-image parts (fur, eyes, wheels) in its maximised inputs and dreams and
give style transfer its multi-layer Gram statistics; these digit networks only
know strokes. Nothing is downloaded.
"""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, SearchSpec, TrainSpec

RECIPE = Recipe(
    name="cnn_visualisation",
    summary="Activation maximisation and dreams on trained LeNet-5 and convnet; texture "
    "synthesis from random filters",
    lecture="CNN: visualising and dreaming",
    task="custom",
    experiment="cnn_visualisation",
    data=DataSpec(source="digits"),
    model=ModelSpec(
        builder="convnet",  # the networks are trained by the lenet5 and convnet recipes
        options={
            "steps": 100,  # ascent steps per maximised image
            "learning_rate": 0.05,  # step of the normalised ascent (standardised pixels)
            "dream_steps": 30,
            "texture_steps": 300,  # Adam steps of the texture synthesis
            "texture_size": 48,  # pixels per side of the texture
        },
    ),
    train=TrainSpec(epochs=8, tensorboard=False),  # epochs of each network's training run
    expect=ExpectSpec(
        metric="class_hit_rate",
        threshold=0.9,
        data="digits; class-maximised inputs classified as their class (both networks)",
        budget="~3 min, 2 CPU",
    ),
    search=SearchSpec(params=()),
    profiles={
        "smoke": {
            "data.limit": 128,
            "train.epochs": 1,
            "model.options.steps": 3,
            "model.options.dream_steps": 2,
            "model.options.texture_steps": 3,
            "model.options.texture_size": 24,
        },
        "mnist8k": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "train.epochs": 5,
            "expect.data": "mnist-8k; class-maximised inputs classified as their class",
            "expect.budget": "~20 min, 2 CPU",
        },
    },
    reference="Erhan et al. 2009; Simonyan, Vedaldi & Zisserman 2014; Mordvintsev et al. 2015 "
    "(DeepDream); Gatys, Ecker & Bethge 2015; Ustyuzhaninov, Brendel, Gatys & Bethge, What does "
    "it take to generate natural textures? ICLR 2017 (arXiv 2016)",
)
