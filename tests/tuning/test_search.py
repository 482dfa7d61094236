"""Hyperparameter search: space validation, Keras Tuner mapping, one code path, results, resume.

The subprocess tests (a real interruption, a chief with two workers) are in
``test_tuning_processes.py``.
"""

from __future__ import annotations

import csv
import dataclasses
import json

import pytest

from dlrecipes import registry, tuning
from dlrecipes.cli import main
from dlrecipes.recipe import (
    Hyperparameter,
    RecipeError,
    SearchSpec,
    boolean,
    choice,
    int_range,
    log_uniform,
    uniform,
)


def with_space(name: str, *params, **search):
    recipe = registry.get(name)
    return dataclasses.replace(recipe, search=SearchSpec(params=tuple(params), **search))


# --------------------------------------------------------------------------- bad spaces


@pytest.mark.parametrize(
    "params, message",
    [
        (
            [{"path": "train.learning_rate", "kind": "uniform", "low": 1.0, "high": 0.1}],
            "low must be <= high. Received: low=1.0, high=0.1",
        ),
        (
            [{"path": "train.learning_rate", "kind": "log_uniform", "low": 0.0, "high": 0.1}],
            "a log range needs low > 0. Received: low=0.0",
        ),
        (
            [{"path": "train.optimizer", "kind": "choice", "values": []}],
            "a choice needs at least one value",
        ),
        (
            [{"path": "train.learnin_rate", "kind": "log_uniform", "low": 1e-4, "high": 0.1}],
            "Did you mean 'train.learning_rate'",
        ),
    ],
    ids=["low>high", "log-low<=0", "empty-choice", "unknown-field"],
)
def test_bad_spaces_from_a_config_fail_before_any_trial(tmp_path, params, message):
    with pytest.raises(RecipeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tuning.tune("softmax_regression", config={"search": {"params": params}}, out=tmp_path)
    assert not any(tmp_path.iterdir()), "nothing may be written for a bad space"


@pytest.mark.parametrize(
    "params, search, tuner, message",
    [
        ((int_range("train.epochs", 0, 3),), {}, "random", "train.epochs must be a positive"),
        ((choice("model.options.unitz", 8, 16),), {}, "random", "has no option 'unitz'"),
        ((int_range("model.options.units", 1.5, 4),), {}, "random", "integer bounds"),
        ((boolean("train.jit_compile"), boolean("train.jit_compile")), {}, "random", "twice"),
        ((choice("train.batch_size", 16, 16),), {}, "random", "distinct values"),
        (
            (choice("train.batch_size", 16, 32),),
            {"objective": "val_f1"},
            "random",
            "Received: 'val_f1'",
        ),
        ((int_range("train.epochs", 1, 3),), {}, "hyperband", "hyperband chooses the epochs"),
        ((), {}, "random", "declares no search space"),
    ],
    ids=[
        "rejected-value",
        "builder-option",
        "int-bounds",
        "repeated",
        "repeated-choice",
        "objective",
        "hyperband-epochs",
        "empty",
    ],
)
def test_bad_spaces_fail_with_the_value_received(tmp_path, params, search, tuner, message):
    recipe = with_space("mlp", *params, **search)
    with pytest.raises(RecipeError, match=message):
        tuning.tune(recipe, tuner=tuner, out=tmp_path)
    assert not any(tmp_path.iterdir())


def test_cli_reports_a_bad_space_in_one_line(tmp_path, capsys):
    status = main(
        ["tune", "softmax_regression", "--set", "search.objective=val_f1", "--out", str(tmp_path)]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("error: search.objective") and len(err.strip().splitlines()) == 1


def test_the_recipes_spaces_are_valid():
    for name in ("mlp", "softmax_regression"):
        assert tuning.validate_space(registry.get(name))


# --------------------------------------------------------------------------- keras tuner


def test_each_kind_maps_to_its_keras_tuner_hyperparameter():
    import keras_tuner

    recipe = with_space(
        "mlp",
        log_uniform("train.learning_rate", 1e-4, 1e-2),
        uniform("model.options.dropout", 0.0, 0.5),
        int_range("model.options.num_layers", 1, 5, step=2),
        choice("model.options.activation", "relu", "tanh"),
        choice("model.options.hidden_units", (64,), (128, 64)),
        boolean("train.shuffle"),
    )
    hypermodel = tuning.RecipeHyperModel(recipe)
    hp = keras_tuner.HyperParameters()
    values = hypermodel.values(hp)
    space = {h.name: h for h in hp.space}
    assert space["train.learning_rate"].sampling == "log"
    assert space["model.options.dropout"].sampling == "linear"
    assert type(space["model.options.num_layers"]).__name__ == "Int"
    assert space["model.options.num_layers"].step == 2
    assert type(space["train.shuffle"]).__name__ == "Boolean"
    # Keras Tuner's choices hold scalars: tuples are searched as labels, mapped back.
    assert space["model.options.hidden_units"].values == ["[64]", "[128, 64]"]
    # Defaults are the recipe's own values where they lie in the space.
    assert values["train.learning_rate"] == pytest.approx(1e-3)
    assert values["model.options.dropout"] == pytest.approx(0.2)
    assert values["model.options.hidden_units"] == (64,)
    assert values["train.shuffle"] is True
    hp.values["model.options.hidden_units"] = "[128, 64]"
    assert hypermodel.trial_recipe(hp).model.options["hidden_units"] == (128, 64)


def test_grid_space_cuts_ranges_into_points():
    grid = tuning.grid_space(
        [log_uniform("train.learning_rate", 1e-4, 1e-2), int_range("model.units", 1, 4)], 3
    )
    assert grid[0] == Hyperparameter("train.learning_rate", "choice", values=(1e-4, 1e-3, 1e-2))
    assert grid[1].values == (1, 2, 4) or grid[1].values == (1, 3, 4)


def test_a_trial_trains_exactly_like_run(tmp_path):
    """No second code path: a trial's history equals ``run`` with the same overrides."""
    import keras
    import keras_tuner

    from dlrecipes import runs
    from dlrecipes.recipe import resolve

    recipe = resolve(registry.get("mlp"), profile="smoke")
    values = {
        "train.learning_rate": 0.003,
        "train.batch_size": 64,
        "model.options.num_layers": 2,
        "model.options.units": 64,
        "model.options.dropout": 0.1,
        "model.options.activation": "tanh",
    }
    hp = keras_tuner.HyperParameters()
    hypermodel = tuning.RecipeHyperModel(recipe)
    hypermodel.values(hp)
    hp.values.update(values)
    keras.backend.clear_session()
    trial = hypermodel.fit(hp, hypermodel.build(hp))
    ran = runs.run(recipe, overrides=values, out=tmp_path, verbose=0)
    assert ran.metrics["parameters"]["trainable"] == (64 * 64 + 64) + (64 * 64 + 64) + 650
    best = int(trial["best_epoch"]) - 1
    assert trial["val_accuracy"] == ran.history["val_accuracy"][best]
    assert trial["val_loss"] == ran.history["val_loss"][best]


# --------------------------------------------------------------------------- a search


def _log(search_dir):
    return [json.loads(line) for line in (search_dir / "log.jsonl").read_text().splitlines()]


def test_search_table_plot_retrain_and_resume(tmp_path, capsys):
    kwargs = dict(smoke=True, overrides=["data.limit=0"], out=tmp_path)
    result = tuning.tune("softmax_regression", trials=3, retrain_best=True, **kwargs)
    search_dir = tmp_path / "softmax_regression" / "search-random"
    assert result.search_dir == search_dir
    out = capsys.readouterr().out
    for i in (1, 2, 3):
        assert f"trial {i}/3" in out
    assert "best so far" in out and "ETA" in out and "RSS" in out

    rows = list(csv.DictReader((search_dir / "results.csv").open()))
    assert [r["trial"] for r in rows] == ["0", "1", "2"]
    assert {
        "train.learning_rate",
        "train.batch_size",
        "train.optimizer",
        "val_accuracy",
        "val_loss",
        "accuracy",
        "best_epoch",
        "seconds",
        "worker",
        "rss_mb",
    } <= set(rows[0])
    assert all(r["status"] == "COMPLETED" and float(r["seconds"]) > 0 for r in rows)
    best = max(rows, key=lambda r: float(r["val_accuracy"]))
    assert result.best_score == pytest.approx(float(best["val_accuracy"]), abs=1e-6)
    assert (search_dir / "plots" / "search.png").stat().st_size > 5000
    saved = json.loads((search_dir / "best.json").read_text())
    assert saved["trial"] == best["trial"] and saved["retrained_test"]["accuracy"] > 0

    # Retrained on train + validation, evaluated on the same test split, a normal run dir.
    metrics = result.retrained.metrics
    assert metrics["data"]["val"] == 0 and metrics["data"]["test"] == 360
    assert metrics["data"]["train"] == 1293 + 144
    run_recipe = result.retrained.recipe
    assert run_recipe.train.optimizer == result.best_values["train.optimizer"]
    assert run_recipe.train.epochs == int(result.best["best_epoch"])
    assert (result.retrained.run_dir / "model.keras").is_file()
    assert metrics["expect"]["applies"] is False, "a smoke search's retrain is not judged"
    assert result.retrained.run_dir.parent == tmp_path / "softmax_regression"

    # The same call again: nothing to do, nothing repeated.
    again = tuning.tune("softmax_regression", trials=3, **kwargs)
    assert "3 of 3 trials already done" in capsys.readouterr().out
    assert len(_log(search_dir)) == 3 and again.best_score == result.best_score
    # More trials extend the search; earlier ones are kept.
    more = tuning.tune("softmax_regression", trials=4, **kwargs)
    assert [r["trial_id"] for r in _log(search_dir)] == ["0", "1", "2", "3"]
    assert [r["trial"] for r in more.rows[:3]] == ["0", "1", "2"]
    # Another configuration in the same directory is refused; --fresh starts over.
    with pytest.raises(RecipeError, match="differs at train.epochs"):
        tuning.tune(
            "softmax_regression",
            trials=4,
            smoke=True,
            overrides=["data.limit=0", "train.epochs=3"],
            out=tmp_path,
        )


def test_a_diverging_trial_fails_and_the_search_goes_on(tmp_path):
    recipe = with_space(
        "mlp",
        choice("train.learning_rate", 0.01, 1e12),
        choice("train.optimizer", "sgd"),
    )
    result = tuning.tune(recipe, smoke=True, tuner="grid", trials=5, out=tmp_path, verbose=0)
    statuses = {r["train.learning_rate"]: r["status"] for r in result.rows}
    assert statuses == {0.01: "COMPLETED", 1e12: "FAILED"}
    assert result.best_values["train.learning_rate"] == 0.01
    failed = next(r for r in result.rows if r["status"] == "FAILED")
    assert "NaN or infinite" in failed["message"]


@pytest.mark.parametrize("tuner", [pytest.param("bayesian", marks=pytest.mark.slow), "hyperband"])
def test_other_tuners_run_through_the_same_trials(tmp_path, tuner):
    recipe = with_space(
        "softmax_regression",
        log_uniform("train.learning_rate", 1e-3, 1e-1),
        choice("train.batch_size", 32, 64),
    )
    result = tuning.tune(
        recipe,
        smoke=True,
        overrides=["train.epochs=3"],
        tuner=tuner,
        trials=3,
        out=tmp_path,
        verbose=0,
    )
    assert result.search_dir.name == f"search-{tuner}"
    assert [r["status"] for r in result.rows] == ["COMPLETED"] * 3
    if tuner == "hyperband":  # Hyperband trains its trials for its own epoch budgets
        assert {r["epochs_run"] for r in result.rows} <= {1.0, 3.0}
    assert result.best_score == max(r["val_accuracy"] for r in result.rows)


def test_a_bad_data_source_fails_before_the_search_directory_is_written(tmp_path, capsys):
    code = main(
        [
            "tune",
            "mlp",
            "--smoke",
            "--set",
            "data.source=mnist_idx:no/such/dir",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 2 and "MNIST directory not found" in capsys.readouterr().err
    assert not any(tmp_path.rglob("*"))
