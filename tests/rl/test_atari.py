"""dlrecipes/rl/atari.py and dqn_atari_pong: phi of Mnih et al. 2015 on the real emulator.

The preprocessing against a NumPy/Pillow reference computed from the raw game, the
Nature network's parameter count, uint8 replay storage, the emulator's state saved
and restored mid-episode, exact resume of the smoke run, and one-line errors. Needs
the optional ``atari`` extra (ale-py, in the ``test`` extra); skipped without it.
"""

from __future__ import annotations

import json
import sys

import gymnasium
import numpy as np
import pytest
from PIL import Image

from dlrecipes.models.qnet import qnet
from dlrecipes.recipe import RecipeError, resolve
from dlrecipes.rl.atari import ATARI_ID
from dlrecipes.rl.dqn import DQNAgent
from dlrecipes.rl.envs import env_state, make_env, make_vector_env, restore_env_state
from dlrecipes.rl.options import resolve_options
from recipes.dqn_atari_pong import RECIPE as PONG
from tests.helpers import check_rl_resume

pytest.importorskip("ale_py", reason="the atari extra (ale-py) is not installed")

NATURE = {
    "conv_filters": (32, 64, 64),
    "conv_kernel_size": (8, 4, 3),
    "conv_stride": (4, 2, 1),
    "hidden_units": (512,),
}


@pytest.mark.parametrize("num_actions", [6, 4])  # Pong's minimal action set, Breakout's
def test_the_nature_network_has_its_parameter_count(num_actions):
    model = qnet((84, 84, 4), num_actions, **NATURE, input_scale=1 / 255)
    conv = (8 * 8 * 4 * 32 + 32) + (4 * 4 * 32 * 64 + 64) + (3 * 3 * 64 * 64 + 64)  # 77,984
    dense = (7 * 7 * 64) * 512 + 512  # 3,136 -> 512: 1,606,144
    assert model.count_params() == conv + dense + 512 * num_actions + num_actions
    assert model.count_params() == {6: 1_687_206, 4: 1_686_180}[num_actions]
    shapes = [model.get_layer(f"conv_{i}").output.shape[1:] for i in range(3)]
    assert shapes == [(20, 20, 32), (9, 9, 64), (7, 7, 64)]
    assert not model.non_trainable_weights  # the 1/255 scaling has no parameters


def test_the_recipe_builds_the_nature_network_with_uint8_replay():
    options = resolve_options("dqn", dict(resolve(PONG, profile="smoke").agent.options))
    env = make_env(ATARI_ID, {})
    try:
        agent = DQNAgent.create(
            options, env.observation_space, env.action_space, seed=0, total_steps=1
        )
    finally:
        env.close()
    assert env.observation_space.shape == (84, 84, 4) and env.observation_space.dtype == np.uint8
    assert agent.model.count_params() == 1_687_206
    assert agent.buffer.s_tm1.dtype == np.uint8 and agent.buffer.s_t.dtype == np.uint8


def test_per_layer_conv_sizes_are_checked():
    with pytest.raises(ValueError, match=r"one value or one per conv layer \(3\)"):
        qnet((84, 84, 4), 6, conv_filters=(32, 64, 64), conv_kernel_size=(8, 4))
    with pytest.raises(RecipeError, match="conv_stride must be one value or one per conv layer"):
        resolve_options("dqn", {"conv_filters": [32, 64], "conv_stride": [4, 2, 1]})
    assert resolve_options("dqn", {"conv_kernel_size": 5}).conv_kernel_size == (5,)


def test_phi_repeats_the_action_and_maxes_the_last_two_frames():
    """One agent step against the raw game: 4 frames of the same action, rewards summed and
    clipped, the pixelwise max of frames 3 and 4, rescaled bilinearly to 84 x 84."""
    phi = make_env(ATARI_ID, {"noop_max": 0, "frame_stack": 0, "clip_rewards": False})
    raw = gymnasium.make(
        "ALE/Pong-v5", frameskip=1, repeat_action_probability=0.0, obs_type="grayscale"
    )
    observation, _ = phi.reset(seed=5)
    frame, _ = raw.reset(seed=5)
    expected = np.asarray(Image.fromarray(frame).resize((84, 84), Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(observation, expected)
    rng = np.random.default_rng(0)
    for action in rng.integers(0, 6, size=60):
        observation, reward, *_ = phi.step(action)
        frames, total = [], 0.0
        for _ in range(4):
            frame, r, *_ = raw.step(action)
            frames.append(frame)
            total += r
        both = np.maximum(frames[-2], frames[-1])
        expected = np.asarray(Image.fromarray(both).resize((84, 84), Image.Resampling.BILINEAR))
        np.testing.assert_array_equal(observation, expected)
        assert reward == total
    assert observation.shape == (84, 84) and observation.dtype == np.uint8


def test_rewards_are_clipped_to_their_sign():
    env = make_env(ATARI_ID, {"noop_max": 0})
    env.reset(seed=0)
    rewards = {env.step(a)[1] for a in np.random.default_rng(1).integers(0, 6, size=400)}
    assert rewards <= {-1.0, 0.0, 1.0} and -1.0 in rewards  # the computer scores against us


def test_the_emulator_is_saved_and_restored_mid_episode_as_data():
    def fresh(seed):
        envs = make_vector_env(ATARI_ID, {}, 2)
        envs.reset(seed=seed)
        return envs

    actions = np.random.default_rng(0).integers(0, 6, size=(70, 2))
    envs = fresh(3)
    for a in actions[:30]:
        envs.step(a)
    arrays, data = env_state(envs)
    json.dumps(data)  # plain data; the emulator is a uint8 array
    assert any(key.endswith("/emulator_state") for key in arrays)
    later = [envs.step(a)[:3] for a in actions[30:]]
    restored = fresh(99)  # another game position until the state is put back
    restore_env_state(restored, arrays, json.loads(json.dumps(data)))
    again = [restored.step(a)[:3] for a in actions[30:]]
    for (s_a, r_a, t_a), (s_b, r_b, t_b) in zip(later, again):
        np.testing.assert_array_equal(s_a, s_b)
        np.testing.assert_array_equal(r_a, r_b)
        np.testing.assert_array_equal(t_a, t_b)


def test_dqn_atari_pong_resumes_exactly(tmp_path, monkeypatch):
    recipe = resolve(PONG, profile="smoke", overrides={"agent.options.checkpoint_every": 200})
    _, first, arrays, data_a, data_b = check_rl_resume(recipe, tmp_path, monkeypatch)
    assert 200 <= first["step"] < 300 and first["updates"] >= 1
    assert arrays["agent/replay/s_tm1"].dtype == np.uint8
    assert data_a["agent"] == data_b["agent"] and data_a["envs"] == data_b["envs"]


def test_an_unknown_game_is_a_one_line_error():
    with pytest.raises(RecipeError, match="'Pongg' is not an ALE game"):
        make_env(ATARI_ID, {"game": "Pongg"})


def test_without_the_extra_making_it_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ale_py", None)  # as if not installed
    with pytest.raises(RecipeError, match=r"pip install 'dlrecipes\[atari\]'"):
        make_env(ATARI_ID, {})
