"""``rnn_to_lstm_adding``: the four arms from the simple RNN to the LSTM, smoke-compared
through the real runner (each arm's saved model holds its own cell) and, with
``-m slow``, the default's outcome on the adding problem (T = 50)."""

from __future__ import annotations

import numpy as np
import pytest

import dlrecipes
from dlrecipes.layers import AdditiveCell, AdditiveMemoryCell
from dlrecipes.runs import compare

ARMS = ("simple_rnn", "additive_memory", "additive_cell", "lstm")


def test_smoke_compare_runs_the_four_steps_with_their_cells(tmp_path):
    result = compare("rnn_to_lstm_adding", smoke=True, out=tmp_path, quiet=True)
    rows = {row["variant"]: row for row in result.rows}
    assert tuple(rows) == ARMS
    for arm, row in rows.items():
        assert np.isfinite(row["test_mse"]) and row["early_gradient_norm_init"] > 0, arm
    assert len({row["predict_mean_mse"] for row in rows.values()}) == 1  # same data per arm
    cells = {}
    for variant in result.variants:
        model = dlrecipes.load_model(variant.run_dir / "model.keras")
        (recurrent,) = [layer for layer in model.layers if layer.name.endswith("_1")]
        cells[variant.name] = getattr(recurrent, "cell", recurrent)
    assert isinstance(cells["additive_memory"], AdditiveMemoryCell)
    assert isinstance(cells["additive_cell"], AdditiveCell)


@pytest.mark.slow
def test_default_only_the_lstm_solves_it_and_the_additive_memory_keeps_its_gradient(tmp_path):
    """Seed 0 of the default. Over 5 seeds (XLA on): LSTM 0.001-0.007, additive memory
    0.04-0.12, simple RNN and additive cell 0.16-0.18 (the predict-the-mean baseline is 0.167).
    Seed 0 without XLA (jit_compile='auto' on CPU): 0.0075, 0.081, 0.122, 0.174."""
    result = compare("rnn_to_lstm_adding", out=tmp_path, quiet=True)
    rows = {row["variant"]: row for row in result.rows}
    print(result.table())
    assert rows["lstm"]["test_mse"] <= 0.01
    # not solved: the simple RNN stays near the baseline (0.12 at seed 0 without XLA, 0.175
    # with it: T = 50 lets it learn a little), the additive cell on it
    assert rows["simple_rnn"]["test_mse"] > 0.05 and rows["additive_cell"]["test_mse"] > 0.1
    memory = rows["additive_memory"]
    assert memory["test_mse"] < 0.15  # below the baseline: it learns part of the task
    # dh_t/dh_{t-1} = I: the first steps get as much gradient as the last, before and after
    assert memory["early_late_gradient_ratio_init"] == pytest.approx(1.0, rel=0.05)
    assert memory["early_late_gradient_ratio_trained"] == pytest.approx(1.0, rel=0.1)
