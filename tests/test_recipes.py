"""Every registered recipe, through the real code path: a new recipe is smoke-tested
here with no test edit.

Each recipe is declarative (importing it builds nothing, it is hashable and
immutable, it has a smoke profile, a reference and an expectation), its resolved
recipe survives the TOML round trip, and its smoke run completes through
``dlrecipes.run`` and writes a run directory that agrees with itself. The keys of
``metrics.json`` are pinned per task kind (a golden test), so a change to what a
run records is a visible decision.
"""

from __future__ import annotations

import json

import pytest

import dlrecipes
from dlrecipes import registry
from dlrecipes.spec import FrozenDict, Recipe, recipe_from_toml, resolve

NAMES = registry.names()

#: The top-level keys of metrics.json, per task kind.
COMMON_KEYS = {
    "recipe",
    "status",
    "seed",
    "backend",
    "jit_compile",
    "mixed_precision",
    "device",
    "versions",
    "command",
    "run_dir",
    "finished_at",
    "test",
    "expect",
    "wall_time_s",
}
GOLDEN_KEYS = {
    "supervised": COMMON_KEYS
    | {
        "val",
        "train",
        "classification",
        "evaluation",
        "reports",
        "parameters",
        "data",
        "epochs_run",
        "steps",
        "fit_time_s",
        "steps_per_second",
        "compile_path",
        "phases_s",
    },
    "rl": COMMON_KEYS | {"steps_per_second"},
    "custom": COMMON_KEYS,
}
EXPECT_KEYS = {
    "applies",
    "metric",
    "split",
    "threshold",
    "higher_is_better",
    "data",
    "budget",
    "value",
    "reached",
}


#: Custom recipes are the lecture demonstrations that are not one ``model.fit`` (NumPy
#: backprop, update rules and convolution by hand, worked numbers). They stay the exception:
#: a demo that trains one model is a supervised recipe with probes and reports instead.
MAX_CUSTOM_RECIPES = 14


def test_there_are_recipes_and_custom_ones_stay_the_exception():
    recipes = registry.all_recipes()
    assert len(recipes) >= 30
    custom = sorted(r.name for r in recipes if r.task == "custom")
    assert len(custom) <= MAX_CUSTOM_RECIPES, custom
    assert len(custom) * 3 <= len(recipes), custom


@pytest.mark.parametrize("name", NAMES)
def test_recipe_is_declarative_immutable_and_complete(name):
    recipe = registry.get(name)
    assert isinstance(recipe, Recipe) and recipe.name == name
    assert recipe.summary and recipe.lecture and recipe.reference and recipe.expect.metric
    assert isinstance(hash(recipe), int)
    smoke = recipe.profiles["smoke"]
    assert isinstance(smoke, FrozenDict)
    with pytest.raises(TypeError):
        smoke["train.epochs"] = 99  # a shared constant cannot be changed in place
    if recipe.task == "custom":
        from dlrecipes import experiments

        assert callable(experiments.get(recipe.experiment))


@pytest.mark.parametrize("name", NAMES)
def test_resolved_recipe_survives_the_toml_round_trip(name, tmp_path):
    from dlrecipes.spec import recipe_to_toml

    resolved = resolve(registry.get(name), profile="smoke")
    path = tmp_path / "recipe.toml"
    path.write_text(recipe_to_toml(resolved))
    assert recipe_from_toml(path) == resolved


@pytest.mark.parametrize("name", NAMES)
def test_smoke_run_completes_and_its_run_directory_agrees_with_itself(name, tmp_path):
    result = dlrecipes.run(name, smoke=True, out=tmp_path, verbose=0)
    run_dir = result.run_dir
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics == json.loads(json.dumps(result.metrics, default=str))
    assert metrics["status"] == "completed" and not (run_dir / "FAILED.txt").exists()
    assert set(metrics) == GOLDEN_KEYS[result.recipe.task] | ({"probes"} & set(metrics))
    assert set(metrics["expect"]) == EXPECT_KEYS
    # a smoke run is not judged by the expectation stated for the default profile
    assert metrics["expect"]["applies"] is False and metrics["expect"]["reached"] is None
    assert metrics["expect"]["value"] is not None, "the smoke run must report the metric"
    assert recipe_from_toml(run_dir / "recipe.toml") == result.recipe
    assert metrics["seed"] == result.recipe.seed and metrics["versions"]["keras"]
    if result.recipe.task == "supervised":
        assert (run_dir / "model.keras").is_file()
        assert (run_dir / "plots" / "learning_curves.png").is_file()
        assert set(metrics["evaluation"]) >= {"train", "test"}
        if result.recipe.probes:
            assert metrics["probes"] and (run_dir / "series.json").is_file()
