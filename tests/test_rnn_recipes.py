"""The RNN lecture's recipes: smoke runs through ``dlrecipes.run`` and, with ``-m slow``,
the stated targets (adding problem T=100, row-by-row mnist-8k, tiny Shakespeare)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import dlrecipes
from dlrecipes import registry
from dlrecipes.runs import compare
from dlrecipes.spec import resolve

SUPERVISED = (
    "rnn_adding",
    "lstm_adding",
    "gru_adding",
    "lstm_rowmnist",
    "gru_rowmnist",
    "peephole_lstm_adding",
    "peephole_lstm_rowmnist",
)
RNN_RECIPES = (*SUPERVISED, "char_lstm", "rnn_vs_lstm_vs_gru")
MNIST_8K_SOURCE = "mnist_idx:../shared/data/mnist-8k"
SHAKESPEARE_SOURCE = "text:../shared/data/tinyshakespeare/input.txt"


def _metrics(result):
    return json.loads((result.run_dir / "metrics.json").read_text())


@pytest.mark.parametrize("name", RNN_RECIPES)
def test_recipe_declares_smoke_expect_and_search(name):
    recipe = registry.get(name)
    assert recipe.expect.threshold > 0 and recipe.expect.data and recipe.expect.budget
    assert recipe.search.params, name
    smoke = resolve(recipe, profile="smoke")
    assert smoke.train.epochs == 1


@pytest.mark.parametrize("name", SUPERVISED)
def test_supervised_recipe_smoke_run(name, tmp_path):
    # Smoke profiles skip XLA to stay fast; one recipe checks the XLA path through the runner.
    xla = name == "lstm_adding"
    overrides = ["train.jit_compile=true"] if xla else []
    result = dlrecipes.run(name, smoke=True, out=tmp_path, overrides=overrides, verbose=0)
    metrics = _metrics(result)
    assert metrics["status"] == "completed" and metrics["jit_compile"] is xla
    assert np.isfinite(metrics["test"]["loss"])
    assert (result.run_dir / "model.keras").is_file()
    assert (result.run_dir / "plots" / "learning_curves.png").is_file()
    expected_shape = [10, 2] if name.endswith("adding") else [28, 28]
    assert metrics["data"]["input_shape"] == expected_shape


def test_char_lstm_smoke_run_trains_evaluates_and_samples(tmp_path):
    """An ordinary supervised run judged on its validation loss (nats per character)."""
    result = dlrecipes.run("char_lstm", smoke=True, out=tmp_path)
    metrics = _metrics(result)
    val_loss = metrics["evaluation"]["val"]["loss"]
    assert metrics["expect"]["split"] == "val" and metrics["expect"]["value"] == val_loss
    language = metrics["reports"]["language_model"]
    assert 0 < val_loss < 10 and language["val_loss"] == val_loss
    assert language["val_bits_per_char"] == pytest.approx(val_loss / np.log(2))
    assert metrics["steps"] > 0 and language["vocabulary_size"] > 20
    assert metrics["classification"] is None  # one prediction per step, not per example
    samples = (result.run_dir / "samples.txt").read_text()
    for tau in (0.5, 0.8, 1.0):
        assert f"--- temperature {tau} ---" in samples
    assert (result.run_dir / "model.keras").is_file()
    assert (result.run_dir / "plots" / "learning_curves.png").is_file()


def test_rnn_vs_lstm_vs_gru_smoke_compare_reports_all_three_cells(tmp_path):
    result = compare("rnn_vs_lstm_vs_gru", smoke=True, out=tmp_path, quiet=True)
    rows = {row["variant"]: row for row in result.rows}
    assert set(rows) == {"simple_rnn", "lstm", "peephole_lstm", "gru", "gru_notes_form"}
    for cell, row in rows.items():
        assert np.isfinite(row["test_mse"]) and row["early_late_gradient_ratio_init"] > 0
        assert 0.05 < row["predict_mean_mse"] < 0.4  # the baseline report, same data per arm
        assert row["early_gradient_norm_init"] > 0, cell
    assert len({row["predict_mean_mse"] for row in rows.values()}) == 1
    for plot in (
        "val_loss",
        "early_gradient_norm",
        "input_gradient_norm_at_init",
        "input_gradient_norm_at_end",
    ):
        assert (result.compare_dir / "plots" / f"compare_{plot}.png").is_file(), plot
    series = result.variants[1].series["early_gradient_norm"]["values"]
    assert len(series) == 2  # at initialisation and after the one smoke epoch


# --------------------------------------------------------------------------- targets (slow)


@pytest.mark.slow
def test_adding_t100_lstm_and_gru_learn_it_and_the_simple_rnn_does_not(tmp_path):
    result = compare("rnn_vs_lstm_vs_gru", out=tmp_path, quiet=True)
    rows = {row["variant"]: row for row in result.rows}
    print(result.table())
    assert rows["lstm"]["test_mse"] <= 0.01 and rows["gru"]["test_mse"] <= 0.01
    assert rows["simple_rnn"]["test_mse"] > 0.1
    # The vanishing gradient: after training, the gated cells carry gradient back to the
    # first steps; the simple RNN's has vanished (underflows to 0 in float32).
    assert rows["simple_rnn"]["early_late_gradient_ratio_trained"] < 1e-6
    assert rows["lstm"]["early_late_gradient_ratio_trained"] > 1e-3
    assert rows["gru"]["early_late_gradient_ratio_trained"] > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "threshold"),
    [
        ("lstm_adding", 0.01),
        ("gru_adding", 0.01),
        ("rnn_adding", 0.1),
        ("peephole_lstm_adding", 0.01),
    ],
)
def test_adding_recipes_reach_their_expectation(name, threshold, tmp_path):
    result = dlrecipes.run(name, out=tmp_path, verbose=0)
    print(name, result.metrics["test"], result.metrics["wall_time_s"])
    assert result.reached, result.metrics["expect"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lstm_rowmnist", "gru_rowmnist", "peephole_lstm_rowmnist"])
def test_rowmnist_on_mnist_8k_reaches_96_percent(name, mnist_dir, tmp_path):
    result = dlrecipes.run(name, profile="mnist8k", out=tmp_path, verbose=0)
    print(name, result.metrics["test"], result.metrics["wall_time_s"])
    assert result.metrics["test"]["accuracy"] >= 0.96


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lstm_rowmnist", "gru_rowmnist", "peephole_lstm_rowmnist"])
def test_rowmnist_on_digits_reaches_its_expectation(name, tmp_path):
    result = dlrecipes.run(name, out=tmp_path, verbose=0)
    print(name, result.metrics["test"], result.metrics["wall_time_s"])
    assert result.reached, result.metrics["expect"]


@pytest.mark.slow
def test_char_lstm_on_tiny_shakespeare_reaches_1_7_nats(shakespeare_file, tmp_path):
    result = dlrecipes.run("char_lstm", profile="shakespeare", out=tmp_path)
    print(result.metrics["reports"], result.metrics["wall_time_s"])
    assert result.metrics["evaluation"]["val"]["loss"] <= 1.7 and result.reached
    samples = (result.run_dir / "samples.txt").read_text()
    assert ":\n" in samples.split("--- temperature 0.5 ---")[1]  # speaker lines of a play


@pytest.mark.slow
def test_char_lstm_on_the_stdlib_corpus_reaches_its_expectation(tmp_path):
    result = dlrecipes.run("char_lstm", out=tmp_path)
    print(result.metrics["test"], result.metrics["wall_time_s"])
    assert result.reached, result.metrics["expect"]


@pytest.mark.slow
def test_exploding_gradients_diverge_without_clipping_and_train_with_it(tmp_path):
    """gamma = 1.5: the unclipped loss becomes NaN; clipnorm = 1 trains the same network to
    a finite MSE near the predict-the-mean level; the gradient reaching the first steps is
    larger than at the last for gamma = 1.5 and vanishes for gamma = 0.5."""
    result = compare("exploding_gradients", out=tmp_path, quiet=True)
    rows = {row["variant"]: row for row in result.rows}
    print(result.table())
    assert rows["exploding_no_clipping"]["status"] == "diverged"
    clipped = rows["exploding_clipnorm_1"]
    assert clipped["status"] == "completed" and clipped["test_mse"] <= 0.25 and clipped["reached"]
    assert clipped["early_late_gradient_ratio_init"] > 2.0
    assert rows["vanishing"]["early_late_gradient_ratio_init"] < 1e-6
