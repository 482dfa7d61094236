"""Fixtures shared by the RL tests: one dqn_cartpole smoke run (saves a compile per file)."""

from __future__ import annotations

import pytest

from dlrecipes import rl
from dlrecipes.recipe import recipe_to_toml, resolve
from recipes.dqn_cartpole import RECIPE as DQN_CARTPOLE


@pytest.fixture(scope="session")
def dqn_smoke_run(tmp_path_factory):
    """``(run_dir, metrics)`` of dqn_cartpole's smoke profile, with its recipe.toml."""
    run_dir = tmp_path_factory.mktemp("dqn_smoke")
    recipe = resolve(DQN_CARTPOLE, profile="smoke")
    (run_dir / "recipe.toml").write_text(recipe_to_toml(recipe))
    return run_dir, rl.train_agent(recipe, run_dir, verbose=False)
