"""The Foundations lectures' worked numbers recomputed and checked against Keras."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="lecture_numbers",
    summary=(
        "f([1,-1]) = [0.62, 0.83]; update rules == keras.optimizers; f' == autodiff; "
        "sigmoid-neuron graph by hand"
    ),
    lecture="Foundations: forward pass, optimization, activation functions, backpropagation",
    task="custom",
    experiment="lecture_numbers",
    data=DataSpec(source="xor"),  # unused: every number is computed from the lectures' inputs
    model=ModelSpec(builder="mlp", options={"steps": 100}),  # steps of each update rule
    train=TrainSpec(tensorboard=False, verbose="0"),
    expect=ExpectSpec(
        metric="failed_checks",
        threshold=0,
        higher_is_better=False,
        data="the lectures' numbers (no data set)",
        budget="~10 s, 2 CPU",
    ),
    profiles={"smoke": {"model.options.steps": 5}},
    reference=(
        "H.-y. Lee, ML lecture 'Brief introduction of deep learning' (2-2-2-2 network); "
        "Duchi et al. 2011; Zeiler 2012; Tieleman & Hinton 2012; Kingma & Ba 2015; "
        "CS231n 'Backpropagation, intuitions' (sigmoid neuron graph)"
    ),
)
