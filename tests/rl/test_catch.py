"""dlrecipes/rl/catch.py and DQN's Algorithm 1 (Mnih et al. 2013) on its pixels.

The catch environment (dynamics, rewards, gymnasium's checker, the registered id),
phi's frame stack, the pieces Algorithm 1 needs in dlrecipes/rl/dqn.py (no target
network, the squared error, a convolutional Q-network), exact resume of dqn_catch,
and (slow) that the recipe's default catches the ball.
"""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from keras import ops

from dlrecipes import rl
from dlrecipes.models.qnet import qnet
from dlrecipes.recipe import RecipeError, resolve
from dlrecipes.rl.catch import CATCH_ID, Catch, FrameStack, register
from dlrecipes.rl.dqn import dqn_loss, make_gradient_step
from dlrecipes.rl.options import resolve_options
from recipes.dqn_catch import RECIPE as DQN_CATCH
from tests.helpers import check_rl_resume


def _follow_the_ball(observation: np.ndarray) -> int:
    """The optimal policy of one frame: move the paddle towards the ball's column."""
    ball = int(np.argmax(observation[0:-1].max(axis=0)))  # the ball is above the last row
    paddle = int(np.argmax(observation[-1]))
    return 1 + int(np.sign(ball - paddle))


def _episode(env, policy, seed):
    observation, _ = env.reset(seed=seed)
    total, steps, done = 0.0, 0, False
    while not done:
        observation, reward, terminated, truncated, _ = env.step(policy(observation))
        total, steps, done = total + reward, steps + 1, terminated or truncated
    return total, steps


def test_catch_pays_one_for_a_catch_and_minus_one_for_a_miss():
    env = Catch(rows=10, columns=5)
    observation, _ = env.reset(seed=0)
    assert observation.shape == (10, 5) and observation.dtype == np.float32
    assert observation.sum() == 2.0 and observation[-1, 2] == 1.0  # ball, and paddle centred
    for seed in range(30):  # the paddle can always reach the ball: the optimum is +1
        assert _episode(env, _follow_the_ball, seed) == (1.0, 9)
    # moving away from the ball misses it (ball and paddle end in different columns)
    away = [_episode(env, lambda x: 2 - _follow_the_ball(x) + 0, s)[0] for s in range(30)]
    assert set(away) <= {-1.0, 1.0} and away.count(-1.0) >= 20
    with pytest.raises(ValueError, match="Received: rows=1"):
        Catch(rows=1)
    with pytest.raises(ValueError, match="Received: 3"):
        env.step(3)


def test_catch_passes_gymnasium_s_checker_and_is_registered():
    check_env(Catch(), skip_render_check=True)
    register()
    env = gymnasium.make(CATCH_ID, rows=6, columns=3, frame_stack=4)
    observation, _ = env.reset(seed=1)
    assert observation.shape == (6, 3, 4)
    assert env.render() is None
    picture = gymnasium.make(CATCH_ID, render_mode="rgb_array")
    picture.reset(seed=0)
    assert picture.render().shape == (160, 80, 3)


def test_frame_stack_holds_the_last_frames_oldest_first():
    env = FrameStack(Catch(rows=6, columns=3), num_frames=4)
    first, _ = env.reset(seed=0)
    frames = [first[..., -1]]
    for i in range(4):
        np.testing.assert_array_equal(first[..., i], frames[0])  # the first frame fills all
    for _ in range(3):
        stacked, *_ = env.step(1)
        frames.append(stacked[..., -1])
    np.testing.assert_array_equal(np.moveaxis(stacked, -1, 0), np.stack(frames))
    assert not np.array_equal(frames[0], frames[-1])  # the ball moved down
    with pytest.raises(ValueError, match="num_frames=0"):
        FrameStack(Catch(), num_frames=0)


# ------------------------------------------------------------ Algorithm 1's pieces


def test_conv_qnet_parameter_counts():
    model = qnet((10, 5, 4), 3, hidden_units=(64,), conv_filters=(16,), conv_kernel_size=3)
    # conv 3x3x4 -> 16: 592; (8, 3, 16) = 384 -> 64: 24,640; 64 -> 3: 195
    assert model.count_params() == (3 * 3 * 4 * 16 + 16) + (384 * 64 + 64) + (64 * 3 + 3)
    assert model.get_layer("conv_0").output.shape == (None, 8, 3, 16)
    with pytest.raises(ValueError, match="need image observations"):
        qnet((4,), 2, conv_filters=(8,))


def _model_and_batch(seed=0):
    model = qnet((6, 3, 2), 3, hidden_units=(8,), conv_filters=(4,))
    rng = np.random.default_rng(seed)
    weights = [
        (rng.normal(size=v.shape) * 0.5).astype("float32") for v in model.trainable_variables
    ]
    batch = {
        "s_tm1": rng.random((16, 6, 3, 2)).astype("float32"),
        "a_tm1": rng.integers(0, 3, 16).astype("int32"),
        "r_t": rng.normal(size=16).astype("float32"),
        "discount_t": np.full(16, 0.9, "float32"),
        "s_t": rng.random((16, 6, 3, 2)).astype("float32"),
    }
    fixed = [v.value for v in model.non_trainable_variables]
    return model, weights, batch, lambda p, x: model.stateless_call(p, fixed, x)[0]


def test_squared_error_with_the_current_weights_matches_numpy():
    model, weights, batch, apply_fn = _model_and_batch()
    loss, _ = dqn_loss(weights, weights, batch, apply_fn=apply_fn, num_actions=3, loss="squared")
    q_tm1 = ops.convert_to_numpy(apply_fn(weights, batch["s_tm1"]))
    q_t = ops.convert_to_numpy(apply_fn(weights, batch["s_t"]))
    y = batch["r_t"] + batch["discount_t"] * q_t.max(axis=1)  # y = r + gamma max Q(phi'; theta)
    delta = y - q_tm1[np.arange(16), batch["a_tm1"]]
    np.testing.assert_allclose(float(loss), np.mean(0.5 * delta**2), rtol=1e-5)
    huber, _ = dqn_loss(weights, weights, batch, apply_fn=apply_fn, num_actions=3)
    assert np.abs(delta).max() > 1.0 and float(huber) < float(loss)  # clipping changes it


def test_no_target_network_is_a_target_synced_before_every_step():
    """``target_network=False`` bootstraps from theta itself: the same step as a target
    network copied from theta before each gradient step (period 1, tau 1)."""
    _, weights, batch, apply_fn = _model_and_batch(1)
    common = {
        "double": False,
        "huber_delta": 1.0,
        "learning_rate": 1e-2,
        "adam_epsilon": 1e-8,
        "max_grad_norm": 0.0,
        "tau": 1.0,
        "loss": "squared",
    }
    without = make_gradient_step(
        apply_fn, 3, target_update_period=10_000, target_network=False, **common
    )
    synced = make_gradient_step(apply_fn, 3, target_update_period=1, **common)
    weights = [ops.convert_to_tensor(w) for w in weights]
    stale = [w * 0.0 for w in weights]  # a target that would matter if it were read
    zeros = [ops.zeros_like(w) for w in weights]
    step = ops.convert_to_tensor(np.int32(3))
    a = without(weights, stale, zeros, zeros, step, batch)
    b = synced(weights, stale, zeros, zeros, step, batch)
    for w_a, w_b in zip(a[0], b[0]):
        np.testing.assert_allclose(ops.convert_to_numpy(w_a), ops.convert_to_numpy(w_b), atol=1e-6)
    np.testing.assert_allclose(float(a[4]), float(b[4]), rtol=1e-6)
    frozen = make_gradient_step(apply_fn, 3, target_update_period=10_000, **common)
    c = frozen(weights, stale, zeros, zeros, step, batch)
    assert abs(float(c[4]) - float(a[4])) > 1e-3  # a stale target network is another loss


def test_algorithm_1_options_are_checked():
    options = resolve_options("dqn", {"conv_filters": [], "loss": "squared"})
    assert options.conv_filters == () and options.target_network is True
    with pytest.raises(RecipeError, match="agent.options.loss must be one of huber, squared"):
        resolve_options("dqn", {"loss": "l1"})
    with pytest.raises(RecipeError, match="conv_stride expects a list of positive integers"):
        resolve_options("dqn", {"conv_stride": 0})


# ------------------------------------------------------------ the recipe


@pytest.mark.parametrize("variant", ["algorithm_1", "target_network"])
def test_dqn_catch_resumes_exactly(variant, tmp_path, monkeypatch):
    overrides = dict(next(v for v in DQN_CATCH.variants if v.name == variant).overrides)
    recipe = resolve(
        DQN_CATCH,
        profile="smoke",
        overrides={**overrides, "agent.total_steps": 400, "agent.options.checkpoint_every": 200},
    )
    _, first, arrays_a, data_a, data_b = check_rl_resume(recipe, tmp_path, monkeypatch)
    assert 200 <= first["step"] < 400 and first["updates"] >= 1
    assert any("frames" in key for key in arrays_a)  # phi's stack is saved mid-episode
    assert data_a["agent"] == data_b["agent"] and data_a["envs"] == data_b["envs"]


@pytest.mark.slow
def test_algorithm_1_catches_the_ball(tmp_path):
    metrics = rl.train_agent(resolve(DQN_CATCH), tmp_path, verbose=False)
    assert metrics["solved"] and metrics["eval_return_mean"] >= 0.9
