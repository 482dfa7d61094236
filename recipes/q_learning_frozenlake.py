"""Tabular Q-learning on slippery FrozenLake: greedy success rate >= 0.70 over 1,000 episodes."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe

RECIPE = Recipe(
    name="q_learning_frozenlake",
    summary="The lecture's tabular Q-learning update with epsilon-greedy exploration on FrozenLake",
    lecture="Reinforcement learning",
    task="rl",
    agent=AgentSpec(
        algorithm="q_learning",
        env_id="FrozenLake-v1",
        # Slippery: the agent moves in the intended direction with probability 1/3 only.
        # Set agent.env_options={is_slippery=false} for the deterministic lake.
        env_options={"is_slippery": True},
        total_steps=200_000,
        options={
            "learning_rate": 0.1,
            "learning_rate_end": 0.01,
            "learning_rate_decay_fraction": 1.0,
            "discount": 0.99,
            "epsilon_start": 1.0,
            "epsilon_end": 0.05,
            "epsilon_decay_fraction": 0.5,
            "num_envs": 8,
            "eval_every": 0,  # evaluate the final table only
            "final_eval_episodes": 1_000,
            "success_return": 1.0,  # reaching the goal pays 1
        },
    ),
    expect=ExpectSpec(
        metric="success_rate",
        threshold=0.70,
        higher_is_better=True,
        data="FrozenLake-v1 (is_slippery=True), 1,000 greedy episodes; optimum ~0.74",
        budget="200,000 env steps, ~10 s on 2 CPU cores",
    ),
    profiles={
        "smoke": {
            "agent.total_steps": 500,
            "agent.options.final_eval_episodes": 20,
            "agent.options.eval_every": 250,
            "agent.options.eval_episodes": 2,
            "agent.options.checkpoint_every": 250,
        },
    },
    seed=0,
    reference="Watkins 1989; Sutton & Barto 2018, section 6.5 (Q-learning)",
)
