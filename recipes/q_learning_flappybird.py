"""The lecture's flappy bird: tabular Q-learning on (dx, dy, v) with rewards 1 / 50 / -1000."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe

RECIPE = Recipe(
    name="q_learning_flappybird",
    summary="Flappy bird as in the lecture: Q(S,A) <- (1-a)Q(S,A) + a[R + g max Q(S',a)] on a grid",
    lecture="Reinforcement learning: Q-learning",
    task="rl",
    agent=AgentSpec(
        algorithm="q_learning",
        # flappy-bird-gymnasium's FlappyBird-v0 (the rl-extra), discretised by
        # dlrecipes.rl.flappy: S = (dx, dy) to the next gap in 20-pixel bins and the
        # vertical speed (15 x 31 x 20 = 9,300 states); one episode is one bird's life
        # (at most 500 pipes). 10-pixel bins (36,600 states) learn several times slower.
        env_id="dlrecipes/FlappyBirdTabular-v0",
        env_options={
            "score_limit": 500,
            "bin_size": 20,
            "alive_reward": 1.0,
            "pipe_reward": 50.0,
            "death_reward": -1000.0,
        },
        total_steps=600_000,
        options={
            "learning_rate": 0.7,
            "learning_rate_end": 0.1,
            "discount": 0.99,
            # flapping at random kills the bird: explore little (ties are broken at random)
            "epsilon_start": 0.01,
            "epsilon_end": 0.0,
            "epsilon_decay_fraction": 0.5,
            "num_envs": 8,
            "eval_every": 200_000,  # a good bird makes evaluations long: few of them
            "eval_episodes": 5,
            "final_eval_episodes": 100,
            "success_return": 0.0,  # an episode that pays more than its death
            "checkpoint_every": 200_000,
        },
    ),
    expect=ExpectSpec(
        metric="eval_score_mean",
        threshold=40.0,
        higher_is_better=True,
        data="flappy-bird-gymnasium FlappyBird-v0, pipes passed per greedy episode (100)",
        budget="600,000 env steps (~8 min of training on 2 shared CPU cores) + evaluations",
    ),
    profiles={
        "smoke": {
            "agent.total_steps": 1_000,
            "agent.env_options.score_limit": 5,
            "agent.options.eval_every": 500,
            "agent.options.eval_episodes": 2,
            "agent.options.final_eval_episodes": 2,
            "agent.options.checkpoint_every": 500,
        },
    },
    seed=0,
    reference="The lecture's flappy bird example; Watkins 1989; Sutton & Barto 2018, 6.5",
)
