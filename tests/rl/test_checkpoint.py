"""dlrecipes/rl/checkpoint.py and the environments' state as data (rl/envs.py).

A checkpoint is arrays and JSON only: no pickle file, nothing loaded with pickle,
a planted ``envs.pkl`` never read; the environments' state (physics, episode
counters, time limits, random generators) round-trips exactly; a checkpoint of
another environment or with unknown content is a one-line error.
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from dlrecipes import rl
from dlrecipes.recipe import RecipeError, resolve
from dlrecipes.rl import checkpoint
from dlrecipes.rl.envs import env_state, make_vector_env, restore_env_state
from recipes.q_learning_frozenlake import RECIPE as Q_LEARNING_FROZENLAKE

PACKAGE = Path(rl.__file__).parents[1]


def _files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.rglob("*") if path.is_file())


def test_a_checkpoint_is_arrays_and_json_only(dqn_smoke_run):
    run_dir, _ = dqn_smoke_run
    assert _files(run_dir / "checkpoint") == ["arrays.npz", "state.json"]
    assert not list(run_dir.rglob("*.pkl")) and not list(run_dir.rglob("*.pickle"))
    with np.load(run_dir / "checkpoint" / "arrays.npz", allow_pickle=False) as archive:
        assert all(archive[key].dtype != object for key in archive.files)
        assert "envs/vector/state" in archive.files  # CartPole's physics state, as an array
    data = json.loads((run_dir / "checkpoint" / "state.json").read_text())
    assert data["envs"]["vector"]["_np_random"]["kind"] == "generator"


def test_nothing_in_the_package_unpickles():
    """No module loads pickles: no pickle/dill/joblib/shelve/marshal import, no
    ``allow_pickle=True``, no ``torch.load``."""
    pattern = re.compile(
        r"^\s*(import|from)\s+(pickle|cPickle|dill|cloudpickle|joblib|shelve|marshal)\b"
        r"|allow_pickle\s*=\s*True|torch\.load\(|pickle\.loads?\(",
        re.MULTILINE,
    )
    offending = {
        str(path.relative_to(PACKAGE)): pattern.findall(path.read_text())
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert {k: v for k, v in offending.items() if v} == {}


def test_resume_never_calls_pickle_and_ignores_a_planted_envs_pkl(tmp_path, monkeypatch):
    recipe = resolve(
        Q_LEARNING_FROZENLAKE,
        profile="smoke",
        overrides={"agent.total_steps": 600, "agent.options.checkpoint_every": 300},
    )
    rl.train_agent(recipe, tmp_path, verbose=False)
    marker = tmp_path / "code-ran"

    class Payload:  # what a shared run directory could carry: code run on unpickling
        def __reduce__(self):
            return (Path.touch, (marker,))

    (tmp_path / "checkpoint" / "envs.pkl").write_bytes(pickle.dumps(Payload()))

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was called while resuming")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    resumed = resolve(recipe, overrides={"agent.total_steps": 900})
    metrics = rl.train_agent(resumed, tmp_path, resume=True, verbose=False)
    assert metrics["env_steps"] >= 900
    assert not marker.exists()


def test_a_pickled_array_in_a_checkpoint_is_a_one_line_error(tmp_path):
    directory = tmp_path / "checkpoint"
    checkpoint.save(directory, {"w": np.zeros(2)}, {"counters": {}})
    np.savez(directory / "arrays.npz", w=np.array([{"a": 1}], dtype=object))
    with pytest.raises(RecipeError, match="unreadable.*pickle"):
        checkpoint.load(directory)


def test_an_interrupted_swap_falls_back_to_the_previous_checkpoint(tmp_path):
    directory = tmp_path / "checkpoint"
    checkpoint.save(directory, {"w": np.arange(3)}, {"step": 1})
    directory.rename(tmp_path / "checkpoint.old")  # killed between the two renames
    arrays, data = checkpoint.load(directory)
    assert data == {"step": 1} and arrays["w"].tolist() == [0, 1, 2]
    checkpoint.save(directory, {"w": np.arange(4)}, {"step": 2})
    assert checkpoint.load(directory)[1] == {"step": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint"]


def _trajectory(envs, actions) -> list[tuple]:
    out = []
    for action in actions:
        observation, reward, terminated, truncated, _ = envs.step(action)
        out.append((observation.tolist(), reward.tolist(), terminated.tolist(), truncated.tolist()))
    return out


@pytest.mark.parametrize(
    ("env_id", "options", "num_envs"),
    [
        ("CartPole-v1", {}, 3),  # its own vector implementation: state, steps, one generator
        ("FrozenLake-v1", {"is_slippery": True}, 2),  # random moves, TimeLimit(100) wrappers
        ("CliffWalking-v1", {}, 2),
    ],
)
def test_environment_state_round_trips_mid_episode(env_id, options, num_envs):
    """Saved after k steps and put into fresh environments, both continue identically
    (the same observations, rewards, ends and resets)."""
    actions = np.random.default_rng(0).integers(0, 2, size=(400, num_envs))
    original = make_vector_env(env_id, options, num_envs)
    original.reset(seed=5)
    _trajectory(original, actions[:137])
    arrays, data = env_state(original)
    json.dumps(data)  # plain JSON
    restored = make_vector_env(env_id, options, num_envs)
    restored.reset(seed=99)  # another reset: everything comes from the state
    restore_env_state(restored, arrays, data)
    assert _trajectory(restored, actions[137:]) == _trajectory(original, actions[137:])


def test_environment_state_of_another_environment_is_refused():
    cartpole = make_vector_env("CartPole-v1", {}, 2)
    cartpole.reset(seed=0)
    lake = make_vector_env("FrozenLake-v1", {}, 2)
    lake.reset(seed=0)
    with pytest.raises(RecipeError, match="does not match the environment"):
        restore_env_state(lake, *env_state(cartpole))
    arrays, data = env_state(lake)
    data["vector.envs.0"]["__class__"] = {"kind": "plain", "value": "x"}
    with pytest.raises(RecipeError, match="attributes .* does not have"):
        restore_env_state(lake, arrays, data)
    arrays, data = env_state(lake)
    path = "vector.envs.0.env.env.env"
    data[path]["_np_random"]["state"]["bit_generator"] = "os.system"
    with pytest.raises(RecipeError, match="unknown bit generator"):
        restore_env_state(lake, arrays, data)
