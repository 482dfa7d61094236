"""dlrecipes/rl/dqn.py: the pure compiled update, Double-DQN targets, the agent.

Also the Q-network it builds (``dlrecipes/models/qnet.py``): its parameter counts
and dueling head. Runs under the active Keras backend;
``test_dqn_under_the_other_backend`` runs the backend-sensitive tests again in a
subprocess under the other one (TensorFlow / JAX).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.models.qnet import qnet
from dlrecipes.rl.agent import Agent
from dlrecipes.rl.dqn import (
    DQNAgent,
    adam_step,
    dqn_loss,
    huber_loss,
    make_gradient_step,
    make_update,
)
from dlrecipes.rl.options import DQNOptions, resolve_options

REPO = Path(__file__).resolve().parents[2]


def _mlp_numpy(params, x):
    """NumPy reference forward pass of a ReLU MLP given [W0, b0, W1, b1, ...]."""
    h = np.asarray(x, np.float64)
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = np.maximum(h, 0.0)
    return h


def _batch(rng, n=32, obs_dim=4, num_actions=3):
    return {
        "s_tm1": rng.normal(size=(n, obs_dim)).astype("float32"),
        "a_tm1": rng.integers(0, num_actions, n).astype("int32"),
        "r_t": rng.normal(size=n).astype("float32"),
        "discount_t": np.where(rng.random(n) < 0.2, 0.0, 0.99).astype("float32"),
        "s_t": rng.normal(size=(n, obs_dim)).astype("float32"),
    }


def _apply(model):
    fixed = [v.value for v in model.non_trainable_variables]
    return lambda params, x: model.stateless_call(params, fixed, x)[0]


def _weights(model, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=v.shape) * 0.5).astype("float32") for v in model.trainable_variables]


# --------------------------------------------------------------- pure update


@pytest.mark.parametrize("double", [False, True])
def test_dqn_loss_matches_numpy_reference(double):
    model = qnet((4,), 3, hidden_units=(8,))
    online, target = _weights(model, 1), _weights(model, 2)
    batch = _batch(np.random.default_rng(3))
    loss, q_mean = dqn_loss(
        online, target, batch, apply_fn=_apply(model), num_actions=3, double=double
    )
    q_tm1 = _mlp_numpy(online, batch["s_tm1"])
    q_t_target = _mlp_numpy(target, batch["s_t"])
    if double:  # select with the online network, evaluate with the target network
        a_t = _mlp_numpy(online, batch["s_t"]).argmax(axis=1)
        v_t = q_t_target[np.arange(32), a_t]
    else:
        v_t = q_t_target.max(axis=1)
    y = batch["r_t"] + batch["discount_t"] * v_t
    q_a = q_tm1[np.arange(32), batch["a_tm1"]]
    delta = np.abs(y - q_a)
    huber = np.where(delta <= 1.0, 0.5 * delta**2, delta - 0.5)
    np.testing.assert_allclose(float(loss), huber.mean(), rtol=1e-5)
    np.testing.assert_allclose(float(q_mean), q_a.mean(), rtol=1e-5, atol=1e-6)


def test_double_dqn_target_differs_from_dqn_when_networks_disagree():
    model = qnet((4,), 3, hidden_units=(8,))
    online, target = _weights(model, 1), _weights(model, 2)
    batch = _batch(np.random.default_rng(3))
    batch["r_t"][:] = 0.0
    batch["a_tm1"][:] = 0
    kwargs = {"apply_fn": _apply(model), "num_actions": 3}
    plain, _ = dqn_loss(online, target, batch, double=False, **kwargs)
    double, _ = dqn_loss(online, target, batch, double=True, **kwargs)
    same, _ = dqn_loss(target, target, batch, double=True, **kwargs)
    same_plain, _ = dqn_loss(target, target, batch, double=False, **kwargs)
    assert abs(float(plain) - float(double)) > 1e-4
    np.testing.assert_allclose(float(same), float(same_plain), rtol=1e-6)  # equal nets: same


def test_huber_loss_values():
    x = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 2.0], "float32")
    expected = [2.5, 0.5, 0.125, 0.0, 0.125, 1.5]
    np.testing.assert_allclose(ops.convert_to_numpy(huber_loss(x, 1.0)), expected, rtol=1e-6)


def test_adam_step_matches_keras_adam():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2)).astype("float32")
    grads = [rng.normal(size=(3, 2)).astype("float32") for _ in range(3)]
    variable = keras.Variable(w)
    optimizer = keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-8)
    params, m, v = [w], [np.zeros_like(w)], [np.zeros_like(w)]
    for step, g in enumerate(grads):
        optimizer.apply([g], [variable])
        params, m, v = adam_step(params, [g], m, v, step, learning_rate=0.01, epsilon=1e-8)
    np.testing.assert_allclose(ops.convert_to_numpy(params[0]), variable.numpy(), atol=1e-6)
    clipped, _, _ = adam_step([w], [g * 1e6], [0 * w], [0 * w], 0, learning_rate=0.01,
                              max_grad_norm=1.0)  # fmt: skip
    assert np.all(np.isfinite(ops.convert_to_numpy(clipped[0])))


def _update_fn(model, **overrides):
    kwargs = {
        "double": False,
        "huber_delta": 1.0,
        "learning_rate": 1e-2,
        "adam_epsilon": 1e-8,
        "max_grad_norm": 10.0,
        "target_update_period": 1_000,
        "tau": 1.0,
        **overrides,
    }
    return make_update(make_gradient_step(_apply(model), 3, **kwargs))


def _state(model, seed=1):
    online = _weights(model, seed)
    return {
        "online": [ops.convert_to_tensor(w) for w in online],
        "target": [ops.convert_to_tensor(w.copy()) for w in online],
        "adam_m": [ops.zeros_like(w) for w in online],
        "adam_v": [ops.zeros_like(w) for w in online],
        "step": ops.convert_to_tensor(np.zeros((), "int32")),
    }


def test_update_is_pure_compiled_and_decreases_the_loss_on_a_fixed_batch():
    model = qnet((4,), 3, hidden_units=(16,))
    update = _update_fn(model)
    batch = _batch(np.random.default_rng(0), n=32)
    batches = {k: np.repeat(v[None], 50, axis=0) for k, v in batch.items()}  # 50 steps
    state = _state(model)
    before = [ops.convert_to_numpy(w).copy() for w in state["online"]]
    new_state, stats = update(state, batches)
    again, stats_again = update(state, batches)  # same inputs, same outputs: no hidden state
    for w, w0 in zip(state["online"], before):
        np.testing.assert_array_equal(ops.convert_to_numpy(w), w0)  # inputs not mutated
    for a, b in zip(new_state["online"], again["online"]):
        np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    assert float(stats["loss"]) == float(stats_again["loss"])
    assert int(ops.convert_to_numpy(new_state["step"])) == 50
    first = float(stats["loss"])
    state = new_state
    for _ in range(3):
        state, stats = update(state, batches)
    assert float(stats["loss"]) < 0.5 * first  # the target network is frozen: plain regression
    for w, w0 in zip(state["target"], before):  # target_update_period=1000: never synced
        np.testing.assert_array_equal(ops.convert_to_numpy(w), w0)


def test_target_network_hard_and_soft_updates():
    model = qnet((4,), 3, hidden_units=(8,))
    batches = {k: v[None] for k, v in _batch(np.random.default_rng(0), n=8).items()}
    state = _state(model)
    online_0 = [ops.convert_to_numpy(w) for w in state["online"]]
    hard = _update_fn(model, target_update_period=1)
    synced, _ = hard({**state, "target": [w * 0.0 for w in state["target"]]}, batches)
    for w, w0 in zip(synced["target"], online_0):  # synced before the step: theta^- = theta_0
        np.testing.assert_allclose(ops.convert_to_numpy(w), w0, atol=1e-7)
    soft = _update_fn(model, target_update_period=1, tau=0.25)
    blended, _ = soft({**state, "target": [w * 0.0 for w in state["target"]]}, batches)
    for w, w0 in zip(blended["target"], online_0):
        np.testing.assert_allclose(ops.convert_to_numpy(w), 0.25 * w0, atol=1e-6)


def test_agent_acts_epsilon_greedy_and_round_trips_its_state():
    options = resolve_options(
        "dqn", {"hidden_units": [8], "buffer_size": 100, "batch_size": 4, "gradient_steps": 2}
    )
    agent = DQNAgent((4,), 2, options, seed=0)
    assert isinstance(agent, Agent)
    obs = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    greedy = agent.greedy(obs)
    np.testing.assert_array_equal(agent.act(obs, 0.0), greedy)
    np.testing.assert_array_equal(agent.greedy(obs), greedy)
    agent.observe(obs, greedy, np.ones(6), np.full(6, 0.99), obs + 0.1)
    agent.update()
    arrays, data = agent.get_state()
    twin = DQNAgent((4,), 2, options, seed=5)
    twin.set_state(arrays, data)
    np.testing.assert_array_equal(twin.greedy(obs), agent.greedy(obs))
    a, b = agent.update(), twin.update()  # same state, same RNG: same update
    assert a == b


def test_agent_params_policy_and_saved_model_agree(tmp_path):
    import gymnasium

    space = gymnasium.spaces.Box(-1.0, 1.0, (4,))
    options = DQNOptions(hidden_units=(8,), dueling=True)
    agent = DQNAgent.create(options, space, gymnasium.spaces.Discrete(3), seed=0, total_steps=10)
    assert agent.update_schedule.every == options.train_frequency
    assert agent.update_schedule.start == options.learning_starts
    obs = np.random.default_rng(1).normal(size=(16, 4)).astype("float32")
    params = agent.params()
    assert sorted(params) == [str(i) for i in range(len(params))]
    assert agent.value_table(params) is None
    np.testing.assert_array_equal(agent.policy(params)(obs), agent.greedy(obs))
    frozen = agent.policy({key: value * 0.0 for key, value in params.items()})
    agent.save(tmp_path, params)
    np.testing.assert_array_equal(DQNAgent.load_policy(tmp_path)(obs), agent.greedy(obs))
    assert (frozen(obs) == frozen(obs)[0]).all()  # all-zero weights: one tied action everywhere


@pytest.mark.skipif(bool(os.environ.get("DLRECIPES_OTHER_BACKEND")), reason="already nested")
def test_dqn_under_the_other_backend():
    """The pure update and the agent also work (and agree with NumPy) under the other backend."""
    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    env = {**os.environ, "KERAS_BACKEND": other, "DLRECIPES_OTHER_BACKEND": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__]
    command += ["-k", "numpy_reference or pure_compiled or target_network or agent_"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_the_update_without_xla_equals_the_xla_one():
    """jit_compile="auto" drops XLA for conv Q-networks under TensorFlow on a CPU (35x
    faster there); the arithmetic is the same either way."""
    options = resolve_options(
        "dqn",
        {
            "conv_filters": [4],
            "conv_kernel_size": [3],
            "hidden_units": [8],
            "buffer_size": 64,
            "batch_size": 8,
            "gradient_steps": 3,
            "max_grad_norm": 0.0,
        },
    )
    rng = np.random.default_rng(0)
    s = rng.integers(0, 255, (64, 6, 5, 2)).astype(np.uint8)
    a, r = rng.integers(0, 3, 64), rng.normal(size=64)
    agents = []
    for jit_compile in ("true", "false"):
        agent = DQNAgent(
            (6, 5, 2),
            3,
            dataclasses.replace(options, jit_compile=jit_compile, observation_scale=1 / 255),
            seed=0,
            observation_dtype="uint8",
        )
        agent.observe(s, a, r, np.full(64, 0.9), s[::-1])
        agent.rng = np.random.default_rng(1)  # the same mini-batches for both
        agent.update()
        agents.append(agent)
    assert agents[0].xla and not agents[1].xla
    for key, value in agents[0].params().items():
        np.testing.assert_allclose(agents[1].params()[key], value, rtol=1e-4, atol=1e-6)
    with_xla, without = (a.greedy(s[:5]) for a in agents)
    np.testing.assert_array_equal(with_xla, without)
    auto = dataclasses.replace(options, jit_compile="auto")
    assert auto.use_xla(conv_xla_is_slow=False) and not auto.use_xla(conv_xla_is_slow=True)
    assert dataclasses.replace(auto, conv_filters=()).use_xla(conv_xla_is_slow=True)
    assert resolve_options("dqn", {"jit_compile": False}).jit_compile == "false"
