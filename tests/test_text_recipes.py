"""The text recipes: a smoke run whose saved model takes raw strings in a fresh process,
the comparison's arms, and, with ``-m slow``, the stated accuracies on ``stdlib_docs``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dlrecipes
from dlrecipes.runs import compare

STRINGS = [
    "Run the event loop until the future is done and return its result.",
    "Return the message's payload decoded from its Content-Transfer-Encoding.",
    "Create a new toplevel window with a canvas widget.",
]


def _metrics(result):
    return json.loads((result.run_dir / "metrics.json").read_text())


def test_smoke_run_saves_a_model_that_classifies_python_strings_in_a_fresh_process(tmp_path):
    result = dlrecipes.run("text_bow_logreg", smoke=True, out=tmp_path, verbose=0)
    metrics = _metrics(result)
    assert metrics["status"] == "completed" and metrics["jit_compile"] is False
    assert metrics["data"]["input_shape"] == []  # one raw string per example
    script = textwrap.dedent(
        """
        import json, sys
        import tensorflow as tf
        import dlrecipes
        model = dlrecipes.load_model(sys.argv[1])    # Keras safe mode: no code is loaded
        strings = json.loads(sys.argv[2])             # a Python list of str
        print(json.dumps(model.predict(tf.constant(strings), verbose=0).tolist()))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(result.run_dir / "model.keras"), json.dumps(STRINGS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    probabilities = np.array(json.loads(completed.stdout.strip().splitlines()[-1]))
    assert probabilities.shape == (3, 6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_text_classifiers_smoke_compare_runs_the_three_arms(tmp_path):
    result = compare("text_classifiers", smoke=True, out=tmp_path, quiet=True)
    rows = {row["variant"]: row for row in result.rows}
    assert set(rows) == {"tf_idf", "multi_hot", "lstm"}
    for row in rows.values():
        assert row["status"] == "completed" and 0.0 <= row["test_accuracy"] <= 1.0


# --------------------------------------------------------------------------- targets (slow)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "threshold"), [("text_bow_logreg", 0.85), ("text_lstm", 0.75)])
def test_text_recipes_reach_their_expectation_on_stdlib_docs(name, threshold, tmp_path):
    result = dlrecipes.run(name, out=tmp_path, verbose=0)
    metrics = _metrics(result)
    print(name, metrics["test"])
    assert metrics["test"]["accuracy"] >= threshold
    assert metrics["expect"]["reached"] is True
