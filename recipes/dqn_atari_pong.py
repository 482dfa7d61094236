"""DQN on Atari Pong as in Mnih et al. 2015: phi, the Nature network, their hyperparameters."""

from dlrecipes.recipe import AgentSpec, ExpectSpec, Recipe

RECIPE = Recipe(
    name="dqn_atari_pong",
    summary="Nature DQN on Pong (ALE): 4 stacked 84x84 frames, 3 conv layers, 512 units",
    lecture="Reinforcement learning: deep Q-learning",
    task="rl",
    agent=AgentSpec(
        algorithm="dqn",
        # ale-py's ALE/Pong-v5 (the atari extra; its ROMs ship with it), no sticky actions,
        # through dlrecipes.rl.atari's phi: action repeat 4, max over the last 2 frames,
        # luminance rescaled to 84x84, up to 30 no-op starts, rewards clipped to sign(r),
        # the last 4 frames stacked -> (84, 84, 4) uint8. One agent step = 4 frames.
        env_id="dlrecipes/Atari-v0",
        env_options={
            "game": "Pong",
            "frame_skip": 4,
            "screen_size": 84,
            "noop_max": 30,
            "frame_stack": 4,
            "clip_rewards": True,
        },
        total_steps=2_500_000,  # 10M frames (the paper trained 50M)
        options={
            # Mnih et al. 2015, Extended Data Table 1 (agent steps where the paper counts
            # frames: its "frames" are agent steps of 4 emulator frames)
            "conv_filters": (32, 64, 64),
            "conv_kernel_size": (8, 4, 3),
            "conv_stride": (4, 2, 1),
            "hidden_units": (512,),
            "observation_scale": 1 / 255,
            # XLA on a GPU; on a CPU TensorFlow's oneDNN convolutions (35x faster updates)
            "jit_compile": "auto",
            "batch_size": 32,
            # 1M transitions of two uint8 (84, 84, 4) stacks: 52.6 GiB of memory
            "buffer_size": 1_000_000,
            "learning_starts": 50_000,  # replay start size
            "discount": 0.99,
            # update frequency 4: one gradient step per 4 agent steps (4 at a time, after
            # 16 steps of the 4 copies, in one compiled call)
            "num_envs": 4,
            "train_frequency": 16,
            "gradient_steps": 4,
            "target_update_period": 10_000,  # in gradient steps, as the paper counts
            "loss": "huber",  # the paper's error clipping to [-1, 1]
            "max_grad_norm": 0.0,
            # the paper's RMSProp (lr 2.5e-4) is not in the agent: Adam with Dopamine's
            # DQN settings for Atari (lr 6.25e-5, epsilon 1.5e-4)
            "learning_rate": 6.25e-5,
            "adam_epsilon": 1.5e-4,
            "epsilon_start": 1.0,
            "epsilon_end": 0.1,
            "epsilon_decay_fraction": 0.4,  # over the first 1M agent steps
            "eval_every": 250_000,
            "eval_episodes": 5,
            "final_eval_episodes": 30,  # the paper's 30 evaluation episodes
            "success_return": 1.0,  # an episode won (Pong's return: points won - lost)
            "checkpoint_every": 250_000,
            "progress_every": 50_000,
        },
    ),
    expect=ExpectSpec(
        metric="eval_return_mean",
        threshold=18.0,
        higher_is_better=True,
        data="ALE Pong-v5 (no sticky actions), greedy return over 30 episodes, -21 ... 21",
        budget=(
            "2.5M agent steps = 10M frames and 52.6 GiB of replay memory: GPU-hours (not "
            "measured: no GPU was lent); on 2 shared CPU cores 109 steps/s were measured over "
            "3,000 steps (~6.5 h for 2.5M if the replay fit). The paper: 18.9 after 50M frames"
        ),
    ),
    profiles={
        "smoke": {
            "agent.total_steps": 300,
            "agent.env_options.noop_max": 2,
            "agent.options.learning_starts": 100,
            "agent.options.train_frequency": 100,
            "agent.options.gradient_steps": 2,
            "agent.options.batch_size": 8,
            "agent.options.buffer_size": 300,
            "agent.options.target_update_period": 2,
            "agent.options.eval_every": 150,
            "agent.options.eval_episodes": 1,
            "agent.options.final_eval_episodes": 1,
            "agent.options.checkpoint_every": 150,
            "agent.env_options.max_num_frames_per_episode": 400,
        },
    },
    seed=0,
    reference=(
        "Mnih et al. 2015, Human-level control through deep reinforcement learning (Nature); "
        "Bellemare et al. 2013 (ALE); Machado et al. 2018; Castro et al. 2018 (Dopamine)"
    ),
)
