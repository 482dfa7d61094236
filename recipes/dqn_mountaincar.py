"""DQN on MountainCar-v0 with rl-baselines3-zoo's tuned settings: greedy mean return >= -110."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe

RECIPE = Recipe(
    name="dqn_mountaincar",
    summary="DQN drives the under-powered car up the hill in MountainCar-v0 (rl-zoo3's settings)",
    lecture="Reinforcement learning: deep Q-learning",
    task="rl",
    agent=AgentSpec(
        algorithm="dqn",
        env_id="MountainCar-v0",  # -1 a step until the car reaches the flag; 200 steps at most
        total_steps=120_000,
        options={
            # rl-baselines3-zoo hyperparams/dqn.yml, MountainCar-v0 (train_freq 16, gradient
            # steps 8: one gradient step per 2 env steps; its target interval of 600 env steps
            # is 300 gradient steps here)
            "hidden_units": (256, 256),
            "learning_rate": 4e-3,
            "batch_size": 128,
            "buffer_size": 10_000,
            "learning_starts": 1_000,
            "discount": 0.98,
            "num_envs": 1,  # 16 env steps between updates: one copy
            "train_frequency": 16,
            "gradient_steps": 8,
            "target_update_period": 300,
            "epsilon_start": 1.0,
            "epsilon_end": 0.07,
            "epsilon_decay_fraction": 0.2,
            "max_grad_norm": 10.0,
            # ... plus periodic greedy evaluation, best-agent keeping and early stopping.
            "eval_every": 5_000,
            "eval_episodes": 10,
            "final_eval_episodes": 100,
            "success_return": -110.0,
            "stop_when_solved": True,
            "solved_return": -110.0,  # gymnasium's reward_threshold
        },
    ),
    expect=ExpectSpec(
        metric="eval_return_mean",
        threshold=-110.0,
        higher_is_better=True,
        data="MountainCar-v0, 100 greedy episodes (SB3 zoo's DQN: about -104)",
        budget="120,000 env steps at most (~16 min on 2 shared CPU cores)",
    ),
    profiles={
        "smoke": {
            "agent.total_steps": 600,
            "agent.options.learning_starts": 200,
            "agent.options.train_frequency": 200,
            "agent.options.gradient_steps": 4,
            "agent.options.batch_size": 16,
            "agent.options.hidden_units": [16, 16],
            "agent.options.eval_every": 300,
            "agent.options.eval_episodes": 2,
            "agent.options.final_eval_episodes": 2,
            "agent.options.checkpoint_every": 300,
        },
    },
    seed=0,
    reference="Mnih et al. 2015; Raffin et al. 2021 (Stable-Baselines3, rl-baselines3-zoo)",
)
