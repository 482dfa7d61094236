"""DQN's Algorithm 1 (Mnih et al. 2013) on pixels: catch, and what each 2015 addition buys."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe, Variant

RECIPE = Recipe(
    name="dqn_catch",
    summary="Algorithm 1 as written (replay N, no target net, squared error, 4 frames) on catch",
    lecture="Reinforcement learning: deep Q-learning",
    task="rl",
    agent=AgentSpec(
        algorithm="dqn",
        # A ball falls down a 10x5 picture; catching it pays +1, missing it -1 (9 steps).
        # phi: the last 4 frames stacked, (10, 5, 4), into a convolutional Q-network.
        env_id="dlrecipes/Catch-v0",
        env_options={"rows": 10, "columns": 5, "frame_stack": 4},
        total_steps=20_000,
        options={
            # Algorithm 1: replay memory of capacity N, epsilon-greedy, one gradient step on
            # a random mini-batch per env step, y = r + gamma max_a Q(phi', a; theta) with
            # the current weights (no target network) and the squared error.
            "target_network": False,
            "loss": "squared",
            "buffer_size": 10_000,  # N
            "batch_size": 32,
            # one gradient step per env step as in Algorithm 1, run 4 at a time in one
            # compiled call after every 4 env steps (4 copies of the game step together)
            "num_envs": 4,
            "train_frequency": 4,
            "gradient_steps": 4,
            "learning_starts": 500,
            "max_grad_norm": 0.0,  # no clipping of any kind
            "conv_filters": (16,),
            "conv_kernel_size": 3,
            "hidden_units": (64,),
            "learning_rate": 1e-3,  # Adam (the paper: RMSProp)
            "discount": 0.99,
            "epsilon_start": 1.0,
            "epsilon_end": 0.05,
            "epsilon_decay_fraction": 0.25,
            "eval_every": 500,  # the steps to solve, to 500 steps
            "eval_episodes": 20,
            "final_eval_episodes": 100,
            "success_return": 1.0,  # the ball caught
            "stop_when_solved": True,
            "solved_return": 0.9,  # 95% caught
            "checkpoint_every": 5_000,
        },
    ),
    expect=ExpectSpec(
        metric="eval_return_mean",
        threshold=0.9,
        higher_is_better=True,
        data="dlrecipes/Catch-v0 (10x5, 4 frames), 100 greedy episodes; optimum 1.0",
        budget="20,000 env steps at most; solved in ~2,000 (~20 s on 2 CPU cores)",
    ),
    # The ablation: python -m recipes compare dqn_catch --seeds 0-4
    variants=(
        Variant("algorithm_1", {}),
        Variant(
            "target_network",
            {"agent.options.target_network": True, "agent.options.target_update_period": 500},
        ),
        Variant("huber", {"agent.options.loss": "huber"}),
        # no replay: the memory holds just the last batch_size transitions
        Variant(
            "no_replay", {"agent.options.buffer_size": 32, "agent.options.learning_starts": 32}
        ),
    ),
    profiles={
        "smoke": {
            "agent.total_steps": 300,
            "agent.options.learning_starts": 100,
            "agent.options.train_frequency": 50,
            "agent.options.gradient_steps": 2,
            "agent.options.batch_size": 8,
            "agent.options.buffer_size": 300,
            "agent.options.conv_filters": [4],
            "agent.options.hidden_units": [8],
            "agent.options.eval_every": 150,
            "agent.options.eval_episodes": 2,
            "agent.options.final_eval_episodes": 2,
            "agent.options.checkpoint_every": 150,
        },
    },
    seed=0,
    reference=(
        "Mnih et al. 2013, Playing Atari with deep reinforcement learning (Algorithm 1); "
        "Mnih et al. 2015 (target network, error clipping); Osband et al. 2020 (bsuite catch)"
    ),
)
