"""DQN on Acrobot-v1 with rl-baselines3-zoo's tuned settings: greedy mean return >= -100."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe

RECIPE = Recipe(
    name="dqn_acrobot",
    summary="DQN with replay and a target network swings Acrobot-v1 up (rl-zoo3's settings)",
    lecture="Reinforcement learning: deep Q-learning",
    task="rl",
    agent=AgentSpec(
        algorithm="dqn",
        env_id="Acrobot-v1",  # -1 a step until the tip swings above the bar; 500 steps at most
        total_steps=100_000,
        options={
            # rl-baselines3-zoo hyperparams/dqn.yml, Acrobot-v1 (train_freq 4, gradient_steps
            # -1 = one gradient step per env step; its target interval of 250 env steps is
            # 250 gradient steps here)
            "hidden_units": (256, 256),
            "learning_rate": 6.3e-4,
            "batch_size": 128,
            "buffer_size": 50_000,
            "learning_starts": 0,
            "discount": 0.99,
            "num_envs": 4,
            "train_frequency": 4,
            "gradient_steps": 4,
            "target_update_period": 250,
            "epsilon_start": 1.0,
            "epsilon_end": 0.1,
            "epsilon_decay_fraction": 0.12,
            "max_grad_norm": 10.0,
            # ... plus periodic greedy evaluation, best-agent keeping and early stopping.
            "eval_every": 5_000,
            "eval_episodes": 10,
            "final_eval_episodes": 100,
            "success_return": -100.0,
            "stop_when_solved": True,
            "solved_return": -100.0,  # gymnasium's reward_threshold
        },
    ),
    expect=ExpectSpec(
        metric="eval_return_mean",
        threshold=-100.0,
        higher_is_better=True,
        data="Acrobot-v1, 100 greedy episodes (SB3 zoo's DQN: about -76)",
        budget="100,000 env steps at most; solved at 20,000 (~4 min on 2 shared CPU cores)",
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
