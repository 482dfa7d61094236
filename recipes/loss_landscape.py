"""Local minima and saddle points: the XOR network's loss between solutions, seed by seed."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="loss_landscape",
    summary=(
        "XOR 2-2-1 from 8 seeds: some stop at loss ln2/2; loss along lines and on a plane "
        "between solutions; the Hessian at the stuck point"
    ),
    lecture="Foundations: optimization (local minima, saddle points)",
    task="custom",
    experiment="loss_landscape",
    data=DataSpec(source="xor", options={"repeat": 250}),
    model=ModelSpec(
        builder="mlp",
        options={
            "hidden_units": (2,),
            "activation": "sigmoid",
            "binary": True,
            "seeds": (0, 1, 2, 3, 4, 5, 6, 7),
        },
    ),
    # The xor_mlp recipe's training: full-batch momentum, 1,000 steps per seed.
    train=TrainSpec(
        epochs=4,
        batch_size=4,
        optimizer="momentum",
        learning_rate=2.0,
        loss="binary_crossentropy",
        shuffle=False,
        steps_per_execution=250,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="stuck_seeds",
        threshold=1,  # seed 2 stops at loss 0.3468 (ln 2 / 2 = 0.3466); 7 seeds reach < 0.001
        data="xor (4 points), seeds 0-7",
        budget="~2 min on a shared 2-CPU machine (8 trainings of 1,000 steps)",
    ),
    profiles={"smoke": {"train.epochs": 1, "model.options.seeds": (0, 1, 2)}},
    reference=(
        "Rumelhart, Hinton & Williams 1986; Goodfellow, Vinyals & Saxe, ICLR 2015; "
        "Dauphin et al., NeurIPS 2014"
    ),
)
