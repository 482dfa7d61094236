"""Tabular Q-learning on Taxi-v4 (Dietterich 2000): pick up and drop off the passenger."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe

RECIPE = Recipe(
    name="q_learning_taxi",
    summary="The lecture's tabular Q-learning on Taxi-v4: 500 states x 6 actions, near-optimal",
    lecture="Reinforcement learning",
    task="rl",
    agent=AgentSpec(
        algorithm="q_learning",
        # 25 taxi squares x 5 passenger places x 4 destinations = 500 states; -1 a step,
        # +20 a delivery, -10 an illegal pick-up or drop-off; 200 steps at most.
        env_id="Taxi-v4",  # Taxi-v3 of gymnasium < 1.2 (v3 is deprecated there)
        total_steps=200_000,
        options={
            "learning_rate": 0.5,
            "learning_rate_end": 0.1,
            "discount": 0.99,
            "epsilon_start": 1.0,
            "epsilon_end": 0.05,
            "epsilon_decay_fraction": 0.5,
            "num_envs": 8,
            "eval_every": 0,  # evaluate the final table only
            "final_eval_episodes": 1_000,
            "success_return": 0.0,  # a delivery: +20 minus the steps it took
        },
    ),
    expect=ExpectSpec(
        metric="eval_return_mean",
        threshold=7.5,
        higher_is_better=True,
        data="Taxi-v4, 1,000 greedy episodes; the optimal policy averages ~7.9",
        budget="200,000 env steps, ~35 s on 2 shared CPU cores",
    ),
    profiles={
        "smoke": {
            "agent.total_steps": 1_000,
            "agent.options.final_eval_episodes": 5,
            "agent.options.eval_every": 500,
            "agent.options.eval_episodes": 2,
            "agent.options.checkpoint_every": 500,
        },
    },
    seed=0,
    reference="Dietterich 2000 (the taxi domain); Watkins 1989; Sutton & Barto 2018, 6.5",
)
