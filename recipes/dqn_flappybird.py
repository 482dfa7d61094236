"""DQN on flappy bird's feature vector: the lecture's example with a network instead of a table."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe, Variant

RECIPE = Recipe(
    name="dqn_flappybird",
    summary="DQN on flappy bird's 12 game features (pipes, height, speed): pipes passed per life",
    lecture="Reinforcement learning: deep Q-learning",
    task="rl",
    agent=AgentSpec(
        algorithm="dqn",
        # flappy-bird-gymnasium's FlappyBird-v0 (the rl-extra) with use_lidar=False: 12 floats
        # in [-1, 1] (three pipes' position and gap edges, the bird's height, speed and
        # rotation); dlrecipes.rl.flappy replaces only the reward. One episode is one life.
        env_id="dlrecipes/FlappyBird-v0",
        env_options={
            "score_limit": 500,
            "alive_reward": 0.1,  # the game's own scale; the lecture's: variant lecture_rewards
            "pipe_reward": 1.0,
            "death_reward": -1.0,
        },
        total_steps=1_000_000,
        options={
            "hidden_units": (128, 128),
            "learning_rate": 5e-4,
            "batch_size": 64,
            "buffer_size": 100_000,
            "learning_starts": 2_000,
            "discount": 0.99,
            "num_envs": 4,
            "train_frequency": 16,
            "gradient_steps": 8,
            "target_update_period": 250,
            "double": True,
            # random flaps kill the bird: explore little
            "epsilon_start": 0.1,
            "epsilon_end": 0.0,
            "epsilon_decay_fraction": 0.15,  # 0.1 -> 0 over the first 150,000 steps
            "max_grad_norm": 10.0,
            # DQN's greedy bird swings between a few pipes and hundreds from one
            # evaluation to the next: keep the best of 10 (5 episodes each)
            "eval_every": 100_000,
            "eval_episodes": 5,
            "final_eval_episodes": 100,
            "success_return": 0.0,  # an episode that pays more than its death
            "checkpoint_every": 100_000,
        },
    ),
    expect=ExpectSpec(
        metric="eval_score_mean",
        threshold=10.0,
        higher_is_better=True,
        data="flappy-bird-gymnasium FlappyBird-v0 features, pipes passed per greedy episode "
        "(100); seeds 0-2 reached 159.3 / 11.5 / 34.2",
        # measured, seed 0: 159.3 pipes on average over 100 greedy episodes, 500 (the cap)
        # at best; the best agent was the one at step 700,000. Seeds 0-2: 159.3 / 11.5 /
        # 34.2 (mean 68.3): DQN here is far from stable across seeds (learning_rate
        # 2.5e-4: 59.9 / 177.6 / 35.8, no difference), so the threshold is the one every
        # measured seed reached (10 pipes), not seed 0's best
        budget="1,000,000 env steps (~14 min of training on 2 shared CPU cores) + evaluations",
    ),
    variants=(
        Variant("game_rewards", {}),
        # the lecture's scale: alive 1, pipe 50, death -1000
        Variant(
            "lecture_rewards",
            {
                "agent.env_options.alive_reward": 1.0,
                "agent.env_options.pipe_reward": 50.0,
                "agent.env_options.death_reward": -1000.0,
            },
        ),
    ),
    profiles={
        "smoke": {
            "agent.total_steps": 600,
            "agent.env_options.score_limit": 5,
            "agent.options.learning_starts": 200,
            "agent.options.train_frequency": 200,
            "agent.options.gradient_steps": 2,
            "agent.options.batch_size": 16,
            "agent.options.buffer_size": 600,
            "agent.options.hidden_units": [16, 16],
            "agent.options.eval_every": 300,
            "agent.options.eval_episodes": 2,
            "agent.options.final_eval_episodes": 2,
            "agent.options.checkpoint_every": 300,
        },
    },
    seed=0,
    reference="The lecture's flappy bird example; Mnih et al. 2015; van Hasselt et al. 2016",
)
