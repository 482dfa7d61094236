"""Tabular Q-learning on CliffWalking: the greedy policy walks the optimal cliff-edge path."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe

RECIPE = Recipe(
    name="q_learning_cliff",
    summary="Q-learning learns the optimal path along the cliff (return -13), Sutton & Barto 6.6",
    lecture="Reinforcement learning",
    task="rl",
    agent=AgentSpec(
        algorithm="q_learning",
        env_id="CliffWalking-v1",  # CliffWalking-v0 of gymnasium 0.x; -1 a step, -100 the cliff
        env_options={"max_episode_steps": 200},  # bounds an episode of a poor greedy policy
        total_steps=30_000,
        options={
            "learning_rate": 0.5,
            "learning_rate_end": 0.1,
            "discount": 1.0,  # episodic and undiscounted, as in the book's example
            "epsilon_start": 0.5,
            "epsilon_end": 0.05,
            "epsilon_decay_fraction": 0.5,
            "num_envs": 4,
            "eval_every": 0,
            "final_eval_episodes": 10,  # deterministic environment: every episode is the same
            "success_return": -13.0,  # the shortest path: 13 steps at -1
        },
    ),
    expect=ExpectSpec(
        metric="eval_return_mean",
        threshold=-13.0,
        higher_is_better=True,
        data="CliffWalking-v1",
        budget="30,000 env steps, a few seconds on 2 CPU cores",
    ),
    profiles={
        "smoke": {
            "agent.total_steps": 2_000,
            "agent.options.final_eval_episodes": 2,
            "agent.options.eval_every": 1_000,
            "agent.options.eval_episodes": 2,
            "agent.options.checkpoint_every": 1_000,
        },
    },
    seed=0,
    reference="Watkins 1989; Sutton & Barto 2018, example 6.6 (cliff walking)",
)
