"""dlrecipes/rl/train.py: training runs through the real code path.

Recipes' smoke profiles, resume bit for bit, one-line errors, options validated
once, the loop's shape (small steps, no algorithm named), and (slow) the real targets.
"""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pytest

from dlrecipes import rl
from dlrecipes.recipe import RecipeError, resolve
from dlrecipes.rl import train as train_module
from recipes.double_dqn_cartpole import RECIPE as DOUBLE_DQN_CARTPOLE
from recipes.dqn_cartpole import RECIPE as DQN_CARTPOLE
from recipes.q_learning_cliff import RECIPE as Q_LEARNING_CLIFF
from recipes.q_learning_frozenlake import RECIPE as Q_LEARNING_FROZENLAKE
from tests.helpers import check_rl_resume

RL_PACKAGE = Path(rl.__file__).parent


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


@pytest.mark.parametrize(
    ("recipe", "overrides"),
    [
        (DQN_CARTPOLE, {"agent.total_steps": 900, "agent.options.checkpoint_every": 450}),
        (Q_LEARNING_CLIFF, {"agent.total_steps": 3_000, "agent.options.checkpoint_every": 1_300}),
        # slippery: the environments' own random generators must resume too
        (
            Q_LEARNING_FROZENLAKE,
            {"agent.total_steps": 3_000, "agent.options.checkpoint_every": 1_300},
        ),
    ],
    ids=["dqn", "q_learning", "q_learning_slippery"],
)
def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(
    recipe, overrides, tmp_path, monkeypatch
):
    recipe = resolve(recipe, profile="smoke", overrides=overrides)
    _, first, _, data_a, data_b = check_rl_resume(recipe, tmp_path, monkeypatch)
    total = recipe.agent.total_steps
    assert overrides["agent.options.checkpoint_every"] <= first["step"] < total
    assert first["updates"] >= 1
    assert data_a["agent"] == data_b["agent"]  # RNG state (and Q-learning's step count)
    assert data_a["eval_history"] == data_b["eval_history"]
    counters_a, counters_b = data_a["counters"], data_b["counters"]
    assert {k: v for k, v in counters_a.items() if k != "train_time_s"} == {
        k: v for k, v in counters_b.items() if k != "train_time_s"
    }


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
        ({"agent.total_steps": 0}, "agent.total_steps must be a positive integer"),
    ],
)
def test_user_errors_are_one_line_recipe_errors(overrides, message, tmp_path):
    with pytest.raises(RecipeError, match=message) as error:  # when resolved or when trained
        recipe = resolve(DQN_CARTPOLE, profile="smoke", overrides=overrides)
        rl.train_agent(recipe, tmp_path, verbose=False)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "checkpoint").exists()


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path):
    recipe = resolve(Q_LEARNING_CLIFF, profile="smoke")
    with pytest.raises(RecipeError, match="no checkpoint"):
        rl.train_agent(recipe, tmp_path, resume=True, verbose=False)


def test_options_are_validated_once_per_run(tmp_path, monkeypatch):
    """The runner's rl.validate(recipe) and train_agent's share one validation."""
    calls = []
    resolve_options = train_module.resolve_options

    def counting(*args):
        calls.append(args[0])
        return resolve_options(*args)

    monkeypatch.setattr(train_module, "resolve_options", counting)
    train_module._validate_memoised.cache_clear()
    recipe = resolve(Q_LEARNING_CLIFF, profile="smoke", overrides={"agent.total_steps": 100})
    options = rl.validate(recipe)  # what the runner does before creating the run directory
    assert rl.validate(recipe) is options
    rl.train_agent(recipe, tmp_path, verbose=False)
    assert calls == ["q_learning"]


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


def test_no_function_in_the_rl_package_is_over_60_lines():
    long = [
        (path.name, name, length)
        for path in sorted(RL_PACKAGE.glob("*.py"))
        for name, length in _functions(path)
        if length > 60
    ]
    assert long == []


def test_the_loop_never_names_an_algorithm():
    """The agent and its options decide; the loop and the rollout ask no algorithm name."""
    for name in ("train.py", "rollout.py"):
        tree = ast.parse((RL_PACKAGE / name).read_text())
        named = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in ("dqn", "q_learning")
        ]
        assert named == [], (name, named)


# ------------------------------------------------------------------ slow: real targets


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dqn_cartpole_solves_within_50k_steps(seed, tmp_path):
    recipe = resolve(DQN_CARTPOLE, seed=seed)
    metrics = rl.train_agent(recipe, tmp_path, verbose=False)
    assert metrics["env_steps"] <= 50_000 + rl.validate(recipe).num_envs
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
