"""dlrecipes.reports: the report registry (names, one-line errors, run_all)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlrecipes import reports
from dlrecipes.reports.registry import check_names
from dlrecipes.spec import RecipeError
from dlrecipes.spec.lookup import lookup
from tests.helpers import make_splits, unit_recipe


def test_every_registered_report_imports_and_is_named_after_its_entry():
    for name in reports.REPORTS:
        assert reports.get(name).__name__ == name


def test_the_samples_report_advertised_in_the_recipe_docstring_exists():
    reports.validate(("samples", "filters", "feature_maps"))


def test_unknown_report_is_a_one_line_error_with_a_close_match():
    with pytest.raises(RecipeError) as error:
        reports.validate(("filters", "sample"))
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("unknown report 'sample'. Did you mean 'samples'?")
    assert "Expected one of: baseline, connections, decision_boundary" in message
    with pytest.raises(RecipeError, match="unknown report 'featuremaps'. Did you mean"):
        reports.get("featuremaps")


def test_a_bare_string_is_not_a_tuple_of_names():
    with pytest.raises(RecipeError, match=r"reports must be a tuple of report names"):
        reports.validate("samples")


def test_validating_names_imports_neither_keras_nor_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys; from dlrecipes import reports; reports.validate(tuple(reports.REPORTS)); "
        "reports.validate_probes(tuple(reports.PROBES)); "
        "print(sorted(m for m in ('keras', 'matplotlib', 'dlrecipes.reports.cnn') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lookup_and_check_names_share_the_message():
    assert lookup({"a": 1}, "a", "thing") == 1
    with pytest.raises(RecipeError, match="unknown thing 'b'. Expected one of: a$"):
        lookup({"a": 1}, "b", "thing")
    assert check_names(["a"], {"a": 1}, "thing", "things") == ("a",)


def test_run_all_returns_only_reports_with_numbers(tmp_path):
    import keras

    x = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    splits = make_splits(x, y)
    out = reports.run_all(
        ("loss_curves", "decision_boundary"), model, splits, unit_recipe(), tmp_path
    )
    assert set(out) == {"decision_boundary"}  # loss_curves returns no numbers
    assert set(out["decision_boundary"]) == {"w1", "w2", "b"}
    json.dumps(out)  # goes into metrics.json
    assert (tmp_path / "plots" / "loss_curves.png").is_file()
    with pytest.raises(RecipeError, match="unknown report"):
        reports.run_all(("nope",), model, splits, unit_recipe(), tmp_path)
