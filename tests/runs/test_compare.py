"""``compare``: variants as data, one table, one CSV, overlay plots, one-line errors."""

import csv
import json

import pytest

from dlrecipes.cli import main
from dlrecipes.recipe import RecipeError
from dlrecipes.runs.comparison import compare, format_table


def test_compare_two_variants_writes_csv_plots_and_runs(tmp_path, capsys):
    result = compare("optimizers", smoke=True, only=["sgd", "adam"], out=tmp_path)
    printed = capsys.readouterr().out
    assert result.compare_dir.parent == tmp_path / "optimizers"
    assert result.compare_dir.name.startswith("compare-") and result.compare_dir.name.endswith(
        "-s0"
    )
    with result.csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["variant"] for row in rows] == ["sgd", "adam"]
    for row in rows:
        assert row["status"] == "completed"
        for key in ("train_loss", "val_accuracy", "test_accuracy", "gap", "precision_0"):
            assert row[key] != ""
    assert "train.optimizer=sgd" in rows[0]["overrides"]
    assert (result.compare_dir / "plots" / "compare_loss.png").is_file()
    assert (result.compare_dir / "plots" / "compare_val_accuracy.png").is_file()
    # Each variant ran through runner.run with the same seed and data.
    for variant in result.variants:
        metrics = json.loads((variant.run_dir / "metrics.json").read_text())
        assert metrics["seed"] == 0 and metrics["data"]["train"] == 256
        assert variant.run_dir.is_relative_to(result.compare_dir / variant.name)
        assert len(variant.history["loss"]) == 2
    recipes_run = {
        json.loads((v.run_dir / "metrics.json").read_text())["recipe"] for v in result.variants
    }
    assert recipes_run == {"optimizers"}
    # The runner judged each arm as a smoke run: the expectation does not apply.
    for variant in result.variants:
        expect = json.loads((variant.run_dir / "metrics.json").read_text())["expect"]
        assert expect["applies"] is False and "reached" not in variant.row
    assert "sgd" in printed and "adam" in printed and "test_accuracy" in printed
    assert "precision_0" not in result.table()  # per-class scores stay in the CSV


def test_compare_rejects_a_recipe_without_variants(tmp_path):
    with pytest.raises(RecipeError, match="has no variants to compare"):
        compare("mlp", smoke=True, out=tmp_path)
    assert not (tmp_path / "mlp").exists()


def test_compare_unknown_variant_and_bad_override_fail_before_running(tmp_path):
    with pytest.raises(RecipeError, match="has no variant 'adamm'. Did you mean 'adam'"):
        compare("optimizers", smoke=True, only=["adamm"], out=tmp_path)
    import dataclasses

    from dlrecipes.recipe import Variant
    from recipes.optimizers import RECIPE

    broken = dataclasses.replace(RECIPE, variants=(Variant("bad", {"train.learnig_rate": 0.1}),))
    with pytest.raises(RecipeError, match="variant 'bad' of recipe 'optimizers'"):
        compare(broken, smoke=True, out=tmp_path)
    assert not (tmp_path / "optimizers").exists()


def test_compare_whose_data_cannot_load_leaves_nothing_behind(tmp_path):
    """A misspelt source fails before the first arm; a missing directory fails in the
    first arm, and the comparison's folder (and the recipe's, made for it) goes."""
    out = tmp_path / "out"
    with pytest.raises(RecipeError, match="unknown data source 'idx:/x'"):
        compare("optimizers", smoke=True, overrides=["data.source=idx:/x"], out=out, quiet=True)
    assert not out.exists()
    missing = f"data.source=mnist_idx:{tmp_path / 'missing'}"
    with pytest.raises(RecipeError, match="MNIST directory not found"):
        compare("optimizers", smoke=True, overrides=[missing], out=out, quiet=True)
    assert out.is_dir() and list(out.iterdir()) == []


def test_a_later_arm_failing_keeps_the_arms_that_ran(tmp_path):
    import dataclasses

    from dlrecipes.recipe import Variant
    from recipes.optimizers import RECIPE

    missing = f"mnist_idx:{tmp_path / 'missing'}"
    arms = (Variant("sgd", {"train.optimizer": "sgd"}), Variant("gone", {"data.source": missing}))
    with pytest.raises(RecipeError, match="MNIST directory not found"):
        compare(dataclasses.replace(RECIPE, variants=arms), smoke=True, out=tmp_path, quiet=True)
    (compare_dir,) = (tmp_path / "optimizers").iterdir()
    assert list(compare_dir.glob("sgd/optimizers/*/metrics.json"))  # the finished arm is kept
    assert not (compare_dir / "compare.json").exists()  # no table claims a comparison


def test_cli_compare_without_variants_is_a_one_line_error(tmp_path, capsys):
    assert main(["compare", "mlp", "--smoke", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: recipe 'mlp' has no variants")


def test_format_table_leaves_out_per_class_scores():
    table = format_table([{"variant": "a", "test_accuracy": 0.5, "f1_3": 0.1, "paper_wer": 17.1}])
    header = table.splitlines()[0]
    assert "test_accuracy" in header and "paper_wer" in header and "f1_3" not in header


def test_a_diverging_variant_is_reported_and_the_others_still_run(tmp_path):
    """A real divergence (a ReLU MLP under SGD at a learning rate of 1e12) marks the arm
    'diverged'; the other arm runs and the table and CSV are written."""
    import dataclasses

    from dlrecipes.registry import get
    from dlrecipes.spec import Variant

    recipe = dataclasses.replace(
        get("mlp"),
        variants=(
            Variant("sgd", {"train.optimizer": "sgd", "train.learning_rate": 1e12}),
            Variant("adagrad", {"train.optimizer": "adagrad", "train.learning_rate": 0.05}),
        ),
    )
    result = compare(recipe, smoke=True, out=tmp_path, quiet=True)
    rows = {row["variant"]: row for row in result.rows}
    assert rows["sgd"]["status"] == "diverged" and "NaN" in rows["sgd"]["status_detail"]
    assert rows["adagrad"]["status"] == "completed"
    with result.csv_path.open() as handle:
        assert [row["status"] for row in csv.DictReader(handle)] == ["diverged", "completed"]
    assert (result.compare_dir / "plots" / "compare_loss.png").is_file()
    assert "diverged" in result.table()
