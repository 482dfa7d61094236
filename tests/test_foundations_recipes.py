"""The Foundations recipes through the real code path (``dlrecipes.run`` / ``compare``).

Smoke profiles run by default (seconds each); the default profiles, which check
the lecture results at full budget, are marked ``slow`` (``pytest -m slow``).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from dlrecipes import registry
from dlrecipes.runs import compare, run
from dlrecipes.spec import Recipe

FOUNDATIONS = (
    "perceptron",
    "linear_regression",
    "logistic_regression",
    "backprop",
    "universal_approximation",
    "deep_vs_wide",
    "activations",
    "optimizers",
    "initializers",
    "regularization",
    "losses",
)
COMPARISONS = (
    "deep_vs_wide",
    "activations",
    "optimizers",
    "initializers",
    "regularization",
    "losses",
)


@pytest.mark.parametrize("name", FOUNDATIONS)
def test_recipe_is_declarative_and_complete(name):
    recipe = registry.get(name)
    assert isinstance(recipe, Recipe) and recipe.name == name
    assert "smoke" in recipe.profiles and recipe.reference and recipe.expect.metric
    assert bool(recipe.variants) == (name in COMPARISONS)
    if recipe.task == "custom":
        from dlrecipes import experiments

        assert callable(experiments.get(recipe.experiment))


def _plots(run_dir) -> set[str]:
    return {p.name for p in (Path(run_dir) / "plots").glob("*.png")}


# --------------------------------------------------------------------------- single runs


def test_perceptron_smoke_bound_and_xor(tmp_path):
    result = run("perceptron", smoke=True, out=tmp_path)
    m = result.metrics["test"]
    assert m["converged"] == 1.0 and 0 < m["mistakes"] <= m["novikoff_bound"]
    assert m["within_novikoff_bound"] == 1.0
    cap = result.recipe.train.epochs
    assert m["xor_converged"] == 0.0 and m["xor_epochs"] == cap and m["xor_mistakes_last_epoch"] > 0
    assert "perceptron.png" in _plots(result.run_dir)
    expect = json.loads((result.run_dir / "metrics.json").read_text())["expect"]
    assert expect["value"] == 1.0 and expect["applies"] is False  # stated for the default profile


def test_linear_regression_smoke_matches_closed_form(tmp_path):
    result = run("linear_regression", smoke=True, out=tmp_path)
    m = result.metrics["test"]
    assert m["max_weight_difference"] < 1e-3
    assert m["train_mse"] == pytest.approx(m["closed_form_train_mse"], rel=1e-3)
    assert "linear_regression.png" in _plots(result.run_dir)


def test_logistic_regression_smoke_reports_classification(tmp_path):
    """An ordinary supervised run: the classification report and the decision_boundary
    report's w . x + b = 0 land in metrics.json."""
    result = run("logistic_regression", smoke=True, out=tmp_path)
    m = result.metrics
    assert result.recipe.task == "supervised" and 0.5 <= m["test"]["accuracy"] <= 1.0
    report = m["classification"]
    assert len(report["confusion_matrix"]) == 2 and set(report["per_class"]) == {"0", "1"}
    assert report["accuracy"] == pytest.approx(m["test"]["accuracy"], abs=1e-6)
    boundary = m["reports"]["decision_boundary"]
    assert {"w1", "w2", "b"} <= set(boundary) and boundary["w1"] != 0.0
    assert {"decision_boundary.png", "confusion_matrix.png"} <= _plots(result.run_dir)


def test_logistic_regression_reports_the_auc_of_its_test_predictions(tmp_path):
    """``auc`` (keras.metrics.AUC, 200 thresholds) agrees with scikit-learn's exact area
    under the ROC curve of the saved model's test probabilities."""
    from sklearn.metrics import roc_auc_score

    from dlrecipes import data, load_model

    result = run("logistic_regression", smoke=True, out=tmp_path)
    splits = data.load(result.recipe.data, seed=result.recipe.seed)
    model = load_model(result.run_dir / "model.keras")
    probabilities = model.predict(splits.x_test, verbose=0).reshape(-1)
    exact = roc_auc_score(splits.y_test.reshape(-1), probabilities)
    assert 0.5 < result.metrics["test"]["auc"] <= 1.0
    assert result.metrics["test"]["auc"] == pytest.approx(exact, abs=0.01)


def test_backprop_smoke_agrees_in_float64(tmp_path):
    result = run("backprop", smoke=True, out=tmp_path)
    m = result.metrics["test"]
    assert m["backprop_vs_autodiff"] < 1e-10
    assert m["backprop_vs_finite_differences"] < 1e-6
    assert "backprop.png" in _plots(result.run_dir)


def test_universal_approximation_smoke(tmp_path):
    result = run("universal_approximation", smoke=True, out=tmp_path)
    m = result.metrics["test"]
    assert {"test_mse_width_1", "test_mse_width_8", "test_mse"} <= set(m)
    assert {"fits.png", "error_vs_width.png"} <= _plots(result.run_dir)


# --------------------------------------------------------------------------- comparisons


def test_initializers_all_zero_never_breaks_symmetry(tmp_path):
    result = compare(
        "initializers", smoke=True, only=["glorot", "all_zero"], out=tmp_path, quiet=True
    )
    rows = {row["variant"]: row for row in result.rows}
    assert rows["all_zero"]["symmetric"] == 1.0 and rows["all_zero"]["hidden_unit_spread"] == 0.0
    assert rows["glorot"]["symmetric"] == 0.0 and rows["glorot"]["hidden_unit_spread"] > 0.1
    assert (result.compare_dir / "plots" / "compare_activation_std_at_init.png").is_file()


def test_activations_smoke_sigmoid_and_maxout(tmp_path):
    result = compare("activations", smoke=True, only=["sigmoid,maxout"], out=tmp_path, quiet=True)
    rows = {row["variant"]: row for row in result.rows}
    assert set(rows) == {"sigmoid", "maxout"}
    assert rows["maxout"]["parameters"] > rows["sigmoid"]["parameters"]  # k = 2 pieces per unit
    assert (result.compare_dir / "plots" / "compare_gradient_norm_at_init.png").is_file()


@pytest.mark.parametrize(
    "name, variant",
    [("deep_vs_wide", "wide_as_5x"), ("regularization", "augmentation"), ("losses", "hinge")],
)
def test_comparison_recipe_smoke_one_variant(tmp_path, name, variant):
    result = compare(name, smoke=True, only=[variant], out=tmp_path, quiet=True)
    (row,) = result.rows
    assert row["status"] == "completed" and 0.0 <= row["test_accuracy"] <= 1.0
    if name == "losses":  # the hinge arm trains on one-hot targets (training.targets)
        assert row["train_accuracy"] >= 0.0 and "loss_curves.png" in _plots(
            next(result.compare_dir.glob("hinge/*/*"))
        )
    if name == "deep_vs_wide":
        assert row["paper_architecture"] == "1x3772" and row["paper_wer_percent"] == 22.5
        assert row["hidden_layers"] == 1


# --------------------------------------------------------------------------- slow: full budget


@pytest.mark.slow
def test_perceptron_default_obeys_novikoff_and_xor_never_converges(tmp_path):
    result = run("perceptron", out=tmp_path)
    assert result.reached
    m = result.metrics["test"]
    assert m["converged"] == 1.0 and m["mistakes"] <= m["novikoff_bound"]
    assert m["xor_converged"] == 0.0 and m["xor_epochs"] == result.recipe.train.epochs


@pytest.mark.slow
def test_linear_regression_default_reaches_least_squares(tmp_path):
    result = run("linear_regression", out=tmp_path)
    assert result.reached and result.metrics["test"]["max_weight_difference"] < 1e-4


@pytest.mark.slow
def test_backprop_default_reaches_expectation(tmp_path):
    assert run("backprop", out=tmp_path).reached


@pytest.mark.slow
def test_optimizer_ordering_kingma_ba_fig1_on_mnist(tmp_path, mnist_dir):
    """Logistic regression on MNIST: Adam and AdaGrad reach a lower training loss than
    SGD with Nesterov momentum in the same budget (Kingma & Ba 2015, Fig. 1), each at
    the recipe's learning rate (mnist-8k, 15 epochs of mini-batches of 128)."""
    result = compare(
        "optimizers",
        profile="mnist",
        overrides=[f"data.source=mnist_idx:{mnist_dir}"],
        only=["nesterov", "adagrad", "adam"],
        out=tmp_path,
        quiet=True,
    )
    loss = {row["variant"]: row["train_loss"] for row in result.rows}
    assert loss["adam"] < loss["nesterov"]
    assert loss["adagrad"] < loss["nesterov"]


def test_lecture_numbers_smoke_every_check_passes(tmp_path):
    result = run("lecture_numbers", smoke=True, out=tmp_path)
    m = result.metrics["test"]
    assert m["failed_checks"] == 0
    assert round(m["forward_x_1_m1_y1"], 2) == 0.62 and round(m["forward_x_1_m1_y2"], 2) == 0.83
    assert round(m["forward_x_0_0_y1"], 2) == 0.51 and round(m["forward_x_0_0_y2"], 2) == 0.85
    assert round(m["adagrad_denominator_step2"], 2) == 0.22
    assert m["update_rules_max_difference"] < 1e-12 and m["adam_max_difference"] < 1e-5
    assert m["sigmoid_derivative_max"] == pytest.approx(0.25)
    assert _plots(result.run_dir) >= {
        "forward_pass.png",
        "update_rules.png",
        "activations.png",
        "autodiff.png",
    }


def test_linear_classifiers_smoke_hinge_logistic_and_multiclass(tmp_path):
    result = run("linear_classifiers", smoke=True, out=tmp_path)
    m = result.metrics["test"]
    assert m["one_vs_rest_classifiers"] == 4 and m["one_vs_one_classifiers"] == 6
    assert m["softmax_ambiguous_fraction"] == 0.0
    for name in ("svm", "logistic", "one_vs_rest", "one_vs_one", "softmax"):
        assert 0.0 <= m[f"{name}_test_accuracy"] <= 1.0
    assert 0.0 <= m["svm_support_fraction"] <= 1.0 and m["svm_margin_width"] > 0
    assert _plots(result.run_dir) >= {"hinge_vs_logistic.png", "multiclass_linear.png"}


@pytest.mark.slow
def test_linear_classifiers_default_one_vs_rest_is_ambiguous_softmax_is_not(tmp_path):
    result = run("linear_classifiers", out=tmp_path)
    m = result.metrics["test"]
    assert m["softmax_test_accuracy"] >= 0.75
    assert m["one_vs_rest_ambiguous_fraction"] > 0.2 > m["one_vs_one_ambiguous_fraction"]
    assert m["svm_test_accuracy"] >= 0.95 and m["logistic_test_accuracy"] >= 0.95
    assert m["boundary_angle_degrees"] < 10  # nearly separable: the two losses agree


def test_batch_size_smoke_records_the_training_clock(tmp_path):
    result = run("batch_size", smoke=True, out=tmp_path)
    probes = json.loads((result.run_dir / "metrics.json").read_text())["probes"]
    assert probes["training_seconds"] > 0 and probes["probe_loss"] > 0
    series = json.loads((result.run_dir / "series.json").read_text())
    assert len(series["training_seconds"]["values"]) == result.recipe.train.epochs + 1
    assert "loss_vs_wall_time.png" in _plots(result.run_dir)
    assert {v.name for v in result.recipe.variants} == {"full_batch", "minibatch_32", "sgd_1"}


def test_lecture_mlp_smoke_reports_the_dropout_ensemble(tmp_path):
    result = run("lecture_mlp", smoke=True, out=tmp_path)
    report = json.loads((result.run_dir / "metrics.json").read_text())["reports"]
    ensemble = report["dropout_ensemble"]
    assert ensemble["num_samples"] == 100 and 0 <= ensemble["argmax_agreement"] <= 1
    assert "dropout_ensemble.png" in _plots(result.run_dir)


def test_loss_landscape_smoke_trains_each_seed_and_draws_the_slices(tmp_path):
    result = run("loss_landscape", smoke=True, out=tmp_path)
    m = result.metrics["test"]
    assert {"loss_seed_0", "loss_seed_1", "loss_seed_2"} <= set(m)
    assert m["numpy_vs_keras_loss"] < 1e-5  # the NumPy loss is the loss Keras trained
    assert _plots(result.run_dir) >= {
        "final_loss_per_seed.png",
        "loss_along_lines.png",
        "loss_plane.png",
    }


@pytest.mark.slow
def test_loss_landscape_default_finds_the_stuck_point(tmp_path):
    result = run("loss_landscape", out=tmp_path)
    m = result.metrics["test"]
    assert m["stuck_seeds"] >= 1 and m["loss_seed_2"] == pytest.approx(np.log(2) / 2, abs=0.01)
    assert m["stuck_gradient_norm"] < 1e-2 and m["stuck_hessian_min"] > -1e-3
    assert m["solved_loss"] < 0.01 and m["barrier_between_solutions"] > 0.1
