"""Training runs through the real code path: recipes' smoke profiles, resume, play, errors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from dlrecipes import rl
from dlrecipes.recipe import RecipeError, resolve
from dlrecipes.rl import checkpoint
from dlrecipes.rl.q_learning import q_learning_update
from recipes.double_dqn_cartpole import RECIPE as DOUBLE_DQN_CARTPOLE
from recipes.dqn_cartpole import RECIPE as DQN_CARTPOLE
from recipes.q_learning_cliff import RECIPE as Q_LEARNING_CLIFF
from recipes.q_learning_frozenlake import RECIPE as Q_LEARNING_FROZENLAKE

TIMING_KEYS = {"steps_per_second", "train_time_s", "time_to_solve_s"}


def test_q_learning_update_is_the_lecture_formula():
    # Q(S,A) <- (1 - a) Q(S,A) + a [R + g max_a Q(S',a)], on a hand example
    q = np.array([[0.5, 2.0], [1.0, 4.0], [3.0, -1.0]])
    errors = q_learning_update(q, [0], [1], [1.0], [0.9], [1], learning_rate=0.25)
    assert q[0, 1] == pytest.approx(0.75 * 2.0 + 0.25 * (1.0 + 0.9 * 4.0))  # 2.65
    assert errors[0] == pytest.approx(1.0 + 0.9 * 4.0 - 2.0)
    q_learning_update(q, [2], [0], [5.0], [0.0], [1], learning_rate=0.5)  # terminal: no bootstrap
    assert q[2, 0] == pytest.approx(0.5 * 3.0 + 0.5 * 5.0)
    q_learning_update(q, [1, 1], [0, 0], [0.0, 0.0], [1.0, 1.0], [1, 1], learning_rate=1.0)
    assert q[1, 0] == pytest.approx(4.0)  # applied in order: the second sees the first


@pytest.fixture(scope="module")
def dqn_smoke_run(tmp_path_factory):
    """One smoke run of dqn_cartpole shared by the tests that only read it (saves a compile)."""
    run_dir = tmp_path_factory.mktemp("dqn_smoke")
    recipe = resolve(DQN_CARTPOLE, profile="smoke")
    (run_dir / "recipe.toml").write_text(_toml(recipe))
    return run_dir, rl.train_agent(recipe, run_dir, verbose=False)


@pytest.mark.parametrize(
    "recipe", [DQN_CARTPOLE, DOUBLE_DQN_CARTPOLE, Q_LEARNING_FROZENLAKE, Q_LEARNING_CLIFF]
)
def test_recipe_smoke_runs_write_every_artifact(recipe, tmp_path, request):
    resolved = resolve(recipe, profile="smoke")
    if recipe is DQN_CARTPOLE:
        tmp_path, metrics = request.getfixturevalue("dqn_smoke_run")
    else:
        metrics = rl.train_agent(resolved, tmp_path, verbose=False)
    for key in (recipe.expect.metric, "env_steps", "episodes", "steps_per_second"):
        assert key in metrics
    assert metrics["env_steps"] >= resolved.agent.total_steps
    assert (tmp_path / "checkpoint" / "state.json").is_file()
    assert (tmp_path / "plots" / "returns.png").is_file()
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))
    assert (tmp_path / "best" / "best.json").is_file()
    with (tmp_path / "episodes.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == metrics["episodes"] > 0
    if recipe.agent.algorithm == "q_learning":
        assert (tmp_path / "plots" / "policy.png").is_file()
        assert (tmp_path / "best" / "q_table.npy").is_file()
    else:
        assert (tmp_path / "best" / "model.keras").is_file()


def test_q_learning_solves_the_deterministic_frozen_lake(tmp_path):
    recipe = resolve(
        Q_LEARNING_FROZENLAKE,
        overrides={
            "agent.env_options": {"is_slippery": False},
            "agent.total_steps": 20_000,
            "agent.options.final_eval_episodes": 100,
        },
    )
    metrics = rl.train_agent(recipe, tmp_path, verbose=False)
    assert metrics["success_rate"] == 1.0  # the greedy policy reaches the goal every time
    assert metrics["eval_return_mean"] == 1.0


def _comparable(run_dir):
    arrays, data, _ = checkpoint.load(run_dir / "checkpoint")
    with (run_dir / "episodes.csv").open() as handle:
        rows = [{k: v for k, v in r.items() if k != "wall_time_s"} for r in csv.DictReader(handle)]
    return arrays, data["counters"], rows


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(tmp_path, monkeypatch):
    recipe = resolve(
        DQN_CARTPOLE,
        profile="smoke",
        overrides={"agent.total_steps": 900, "agent.options.checkpoint_every": 450},
    )
    straight = tmp_path / "straight"
    metrics = rl.train_agent(recipe, straight, verbose=False)

    interrupted = tmp_path / "interrupted"
    save = checkpoint.save

    def save_then_crash(*args, **kwargs):
        save(*args, **kwargs)
        raise KeyboardInterrupt  # the run dies right after its first checkpoint

    monkeypatch.setattr(checkpoint, "save", save_then_crash)
    with pytest.raises(KeyboardInterrupt):
        rl.train_agent(recipe, interrupted, verbose=False)
    monkeypatch.setattr(checkpoint, "save", save)
    first = json.loads((interrupted / "checkpoint" / "state.json").read_text())["counters"]
    assert 450 <= first["step"] < 900 and first["updates"] >= 1
    resumed = rl.train_agent(recipe, interrupted, resume=True, verbose=False)

    assert {k: v for k, v in resumed.items() if k not in TIMING_KEYS} == {
        k: v for k, v in metrics.items() if k not in TIMING_KEYS
    }
    arrays_a, counters_a, rows_a = _comparable(straight)
    arrays_b, counters_b, rows_b = _comparable(interrupted)
    assert rows_a == rows_b  # the same episodes, none lost or duplicated
    assert sorted(arrays_a) == sorted(arrays_b)
    for key in arrays_a:  # weights, target, Adam moments, replay buffer: bit for bit
        np.testing.assert_array_equal(arrays_a[key], arrays_b[key], err_msg=key)
    for key in ("step", "episodes", "updates", "best_step", "eval_index"):
        assert counters_a[key] == counters_b[key]


def test_play_evaluates_the_saved_agent_and_records_a_gif(tmp_path):
    recipe = resolve(Q_LEARNING_FROZENLAKE, profile="smoke")
    rl.train_agent(recipe, tmp_path, verbose=False)
    (tmp_path / "recipe.toml").write_text(_toml(recipe))
    result = rl.play(tmp_path, episodes=3, record=tmp_path / "episode.gif")
    assert len(result["returns"]) == 3 and "eval_return_mean" in result
    assert result["video_frames"] > 1 and (tmp_path / "episode.gif").is_file()
    with pytest.raises(RecipeError, match="Received: .*episode.mp4"):
        rl.play(tmp_path, episodes=1, record=tmp_path / "episode.mp4")
    with pytest.raises(RecipeError, match="recipe.toml"):
        rl.play(tmp_path / "nowhere")


def test_play_a_dqn_agent(dqn_smoke_run, tmp_path):
    from PIL import Image

    run_dir, _ = dqn_smoke_run
    result = rl.play(run_dir, episodes=2, record=tmp_path / "cartpole.gif")
    assert len(result["returns"]) == 2 and result["eval_return_mean"] > 0
    with Image.open(tmp_path / "cartpole.gif") as gif:
        assert 1 < gif.n_frames <= result["video_frames"]  # PIL merges equal frames


def _toml(recipe):
    from dlrecipes.recipe import recipe_to_toml

    return recipe_to_toml(recipe)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"agent.env_id": "CartPol-v1"}, "Did you mean 'CartPole-v1'"),
        ({"agent.env_id": "Pendulum-v1"}, "Discrete action space.*Box"),
        ({"agent.env_id": "MountainCarContinuous-v0"}, "Discrete action space.*Box"),
        ({"agent.env_id": "FrozenLake-v1"}, "needs a Box observation space"),
        ({"agent.options.learning_rat": 0.1}, "Did you mean 'learning_rate'"),
        ({"agent.algorithm": "dqm"}, "Did you mean 'dqn'"),
        ({"agent.env_options": {"gravity": 3}}, "rejected by CartPole-v1"),
    ],
)
def test_user_errors_are_one_line_recipe_errors(overrides, message, tmp_path):
    recipe = resolve(DQN_CARTPOLE, profile="smoke", overrides=overrides)
    with pytest.raises(RecipeError, match=message) as error:
        rl.train_agent(recipe, tmp_path, verbose=False)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "checkpoint").exists()


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path):
    recipe = resolve(Q_LEARNING_CLIFF, profile="smoke")
    with pytest.raises(RecipeError, match="no checkpoint"):
        rl.train_agent(recipe, tmp_path, resume=True, verbose=False)


# ------------------------------------------------------------------ slow: real targets


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dqn_cartpole_solves_within_50k_steps(seed, tmp_path):
    recipe = resolve(DQN_CARTPOLE, seed=seed)
    metrics = rl.train_agent(recipe, tmp_path, verbose=False)
    assert metrics["env_steps"] <= 50_000 + recipe.agent.options["num_envs"]
    assert metrics["eval_episodes"] == 100
    assert metrics["eval_return_mean"] >= 475.0


@pytest.mark.slow
def test_double_dqn_cartpole_solves(tmp_path):
    metrics = rl.train_agent(resolve(DOUBLE_DQN_CARTPOLE), tmp_path, verbose=False)
    assert metrics["eval_return_mean"] >= 475.0


@pytest.mark.slow
def test_q_learning_slippery_frozen_lake_reaches_0_70(tmp_path):
    metrics = rl.train_agent(resolve(Q_LEARNING_FROZENLAKE), tmp_path, verbose=False)
    assert metrics["eval_episodes"] == 1_000
    assert metrics["success_rate"] >= 0.70


@pytest.mark.slow
def test_q_learning_cliff_walks_the_optimal_path(tmp_path):
    metrics = rl.train_agent(resolve(Q_LEARNING_CLIFF), tmp_path, verbose=False)
    assert metrics["eval_return_mean"] == -13.0
