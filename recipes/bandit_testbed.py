"""The 10-armed testbed (Sutton & Barto, Fig. 2.2): greedy vs epsilon-greedy vs UCB."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, SearchSpec, TrainSpec

RECIPE = Recipe(
    name="bandit_testbed",
    summary="Exploration vs exploitation: greedy, epsilon=0.01, 0.1 and UCB on 2,000 bandits",
    lecture="Reinforcement learning: the exploration-exploitation dilemma",
    task="custom",
    experiment="bandit_testbed",
    data=DataSpec(source="xor"),  # unused (the experiment draws its bandit problems)
    model=ModelSpec(
        builder="mlp",  # unused: sample averages in NumPy (dlrecipes.rl.bandits)
        options={
            "num_runs": 2000,
            "num_steps": 1000,
            "num_arms": 10,
            "epsilons": (0.0, 0.01, 0.1),  # 0: the greedy method
            "ucb_c": 2.0,  # Fig. 2.4's UCB (0: left out)
            "late_steps": 100,
        },
    ),
    train=TrainSpec(tensorboard=False, verbose="0"),
    expect=ExpectSpec(
        metric="ordering_reproduced",
        threshold=1.0,
        data="2,000 random 10-armed problems x 1,000 steps (the book's Fig. 2.2)",
        budget="~5 s, 2 CPU",
    ),
    search=SearchSpec(params=()),  # nothing to tune: the figure's settings
    profiles={"smoke": {"model.options.num_runs": 200, "model.options.num_steps": 300}},
    reference="Sutton & Barto, Reinforcement Learning: An Introduction (2018), Fig. 2.2 and 2.4",
)
