"""The runner: run directories, metrics.json, determinism, resume, evaluate, NaN guard."""

from __future__ import annotations

import csv
import json

import keras
import numpy as np
import pytest

import dlrecipes
from dlrecipes.evaluation import expectation as judge
from dlrecipes.recipe import RecipeError
from dlrecipes.runs.saved import load_run_model
from dlrecipes.spec import expectation_applies
from dlrecipes.training.callbacks import Throughput
from dlrecipes.training.fit import TrainingDivergedError


def test_smoke_run_writes_a_complete_run_directory(tmp_path):
    result = dlrecipes.run("softmax_regression", smoke=True, out=tmp_path, verbose=0)
    run_dir = result.run_dir
    assert run_dir.parent == tmp_path / "softmax_regression"
    for name in ("recipe.toml", "history.csv", "metrics.json", "model.keras"):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "plots" / "learning_curves.png").stat().st_size > 1000
    assert (run_dir / "plots" / "confusion_matrix.png").is_file()
    assert any((run_dir / "tensorboard").rglob("events.out.tfevents*"))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["parameters"] == {"trainable": 64 * 10 + 10, "non_trainable": 0}
    # train.jit_compile="auto": a small dense model on a CPU trains without XLA under TensorFlow
    jax = keras.backend.backend() == "jax"
    assert metrics["seed"] == 0 and metrics["jit_compile"] is jax
    assert metrics["compile_path"]["jit_compile"] is jax and metrics["compile_path"]["reason"]
    assert set(metrics["phases_s"]) == {
        "import",
        "data",
        "build",
        "fit",
        "evaluate",
        "save",
        "plots",
    }
    assert metrics["backend"] == keras.backend.backend()
    assert metrics["device"] == "CPU"
    assert {"python", "keras", "numpy"} <= set(metrics["versions"])
    assert metrics["expect"]["metric"] == "accuracy" and metrics["expect"]["threshold"] == 0.95
    assert metrics["wall_time_s"] > 0 and metrics["steps_per_second"] > 0
    report = metrics["classification"]
    assert np.array(report["confusion_matrix"]).sum() == metrics["data"]["test"]
    assert report["accuracy"] == pytest.approx(metrics["test"]["accuracy"], abs=1e-6)
    assert set(report["per_class"]["3"]) == {"precision", "recall", "f1", "support"}
    rows = list(csv.DictReader((run_dir / "history.csv").open()))
    assert len(rows) == 2 and {"loss", "val_loss", "accuracy"} <= set(rows[0])


def test_runs_never_overwrite_each_other(tmp_path):
    first = dlrecipes.run("xor_mlp", smoke=True, out=tmp_path, verbose=0)
    second = dlrecipes.run("xor_mlp", smoke=True, out=tmp_path, verbose=0)
    assert first.run_dir != second.run_dir
    assert (first.run_dir / "metrics.json").is_file() and (
        second.run_dir / "metrics.json"
    ).is_file()


def test_same_seed_same_metrics_different_seed_different(tmp_path):
    def test_loss(seed):
        result = dlrecipes.run("mlp", smoke=True, seed=seed, out=tmp_path, verbose=0)
        return result.metrics["test"]["loss"], result.history["loss"]

    assert test_loss(3) == test_loss(3)
    assert test_loss(3) != test_loss(4)


def test_xor_mlp_reaches_100_percent_in_its_default_budget(tmp_path):
    result = dlrecipes.run("xor_mlp", out=tmp_path, verbose=0)
    assert result.metrics["test"]["accuracy"] == 1.0
    assert result.reached is True
    assert result.metrics["parameters"]["trainable"] == 9  # 2*2+2 + 2*1+1


def test_mlp_on_mnist_8k_via_set(tmp_path, mnist_dir):
    result = dlrecipes.run(
        "mlp", smoke=True, overrides=[f"data.source=mnist_idx:{mnist_dir}"], out=tmp_path, verbose=0
    )
    assert result.metrics["data"]["input_shape"] == [28, 28, 1]
    assert result.metrics["parameters"]["trainable"] == 784 * 256 + 256 + 256 * 128 + 128 + 1290
    assert result.metrics["test"]["accuracy"] > 0.5  # 2 epochs on 256 digits


def test_standardize_lives_inside_the_saved_model_and_augmentation_outside(tmp_path):
    result = dlrecipes.run(
        "mlp",
        smoke=True,
        overrides=["data.standardize=true", "data.augment_shift=0.1", "train.jit_compile=true"],
        out=tmp_path,
        verbose=0,
    )
    layer_names = [layer.name for layer in result.model.layers]
    assert "standardize" in layer_names
    assert not any("random" in type(layer).__name__.lower() for layer in result.model.layers)
    assert result.metrics["jit_compile"] is True  # augmentation no longer turns XLA off
    reloaded = load_run_model(result.run_dir)
    x = np.random.default_rng(0).uniform(0, 1, (4, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(
        reloaded.predict(x, verbose=0), result.model.predict(x, verbose=0), atol=1e-6
    )


def test_evaluate_on_own_test_split_and_another_source(tmp_path, mnist_dir):
    result = dlrecipes.run("softmax_regression", smoke=True, out=tmp_path, verbose=0)
    own = dlrecipes.evaluate(result.run_dir)
    assert own["metrics"]["accuracy"] == pytest.approx(result.metrics["test"]["accuracy"], abs=1e-6)
    other = dlrecipes.evaluate(result.run_dir, data=f"mnist_idx:{mnist_dir}")
    assert other["examples"] == 1000 and 0.0 <= other["metrics"]["accuracy"] <= 1.0
    with pytest.raises(RecipeError, match="expects a run directory"):
        dlrecipes.evaluate(tmp_path)


def test_nan_loss_stops_with_a_clear_error_and_no_success_claim(tmp_path):
    with pytest.raises(TrainingDivergedError, match="NaN or infinite at epoch 1"):
        dlrecipes.run(
            "mlp",
            smoke=True,
            overrides=["train.optimizer=sgd", "train.learning_rate=1e12"],
            out=tmp_path,
            verbose=0,
        )
    (run_dir,) = (tmp_path / "mlp").iterdir()
    assert (run_dir / "FAILED.txt").is_file() and not (run_dir / "metrics.json").exists()


def test_errors_before_training_leave_no_run_directory(tmp_path):
    with pytest.raises(
        RecipeError, match="has no option 'hiden_units'. Did you mean 'hidden_units'"
    ):
        dlrecipes.run("mlp", smoke=True, overrides=["model.hiden_units=3"], out=tmp_path)
    with pytest.raises(RecipeError, match="unknown optimizer 'adamm'"):
        dlrecipes.run("mlp", smoke=True, overrides=["train.optimizer=adamm"], out=tmp_path)
    assert not (tmp_path / "mlp").exists() or not any((tmp_path / "mlp").iterdir())


def test_resume_continues_an_interrupted_run(tmp_path, monkeypatch):
    original = Throughput.on_epoch_end

    def crash_after_second_epoch(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(Throughput, "on_epoch_end", crash_after_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        dlrecipes.run(
            "mlp",
            smoke=True,
            overrides=["train.epochs=4", "train.batch_size=8"],
            out=tmp_path,
            verbose=0,
        )
    (run_dir,) = (tmp_path / "mlp").iterdir()
    assert not (run_dir / "metrics.json").exists()
    assert (run_dir / "backup").is_dir()
    monkeypatch.setattr(Throughput, "on_epoch_end", original)
    resumed = dlrecipes.run("mlp", resume=run_dir, verbose=0)
    assert resumed.run_dir == run_dir
    assert (run_dir / "metrics.json").is_file()
    epochs = [int(row["epoch"]) for row in csv.DictReader((run_dir / "history.csv").open())]
    assert epochs == [0, 1, 2, 3]  # each epoch once (tests/runs/test_resume.py: exactly equal)
    assert resumed.metrics["epochs_run"] == 4  # counts the whole run, not the resumed part


def test_user_recipes_from_toml_and_python_files(tmp_path):
    toml_recipe = tmp_path / "my_blobs.toml"
    toml_recipe.write_text(
        'name = "my_blobs"\nsummary = "blobs"\nlecture = "mine"\n'
        '[data]\nsource = "blobs"\n[model]\nbuilder = "mlp"\n[model.options]\nhidden_units = [8]\n'
        "[train]\nepochs = 3\n[expect]\nthreshold = 0.5\n"
        '[profiles.smoke]\n"train.epochs" = 1\n'
    )
    result = dlrecipes.run(str(toml_recipe), smoke=True, out=tmp_path, verbose=0)
    assert result.recipe.name == "my_blobs" and result.metrics["epochs_run"] == 1
    python_recipe = tmp_path / "my_xor.py"
    python_recipe.write_text(
        "from dlrecipes.recipe import Recipe, DataSpec, ModelSpec, TrainSpec\n"
        "RECIPE = Recipe(name='my_xor', summary='x', lecture='mine', data=DataSpec('xor'),\n"
        "    model=ModelSpec('mlp', {'hidden_units': (4,), 'binary': True}),\n"
        "    train=TrainSpec(epochs=2, loss='binary_crossentropy', batch_size=4),\n"
        "    profiles={'smoke': {}})\n"
    )
    assert dlrecipes.run(str(python_recipe), out=tmp_path, verbose=0).metrics["epochs_run"] == 2
    wrong_name = tmp_path / "other.py"
    wrong_name.write_text(python_recipe.read_text())
    with pytest.raises(RecipeError, match="must equal its module name"):
        dlrecipes.run(str(wrong_name), out=tmp_path)


def test_steps_per_execution_counts_every_step(tmp_path):
    result = dlrecipes.run(
        "softmax_regression",
        smoke=True,
        overrides=["train.steps_per_execution=4", "train.batch_size=32"],
        out=tmp_path,
        verbose=0,
    )
    assert result.metrics["steps"] == 2 * 8  # 2 epochs of ceil(256 / 32) steps


def test_mixed_precision_trains_in_float16_with_float32_outputs(tmp_path):
    try:
        result = dlrecipes.run(
            "softmax_regression",
            smoke=True,
            overrides=["train.mixed_precision=true"],
            out=tmp_path,
            verbose=0,
        )
        assert result.metrics["mixed_precision"] is True
        dense = result.model.get_layer("softmax_regression").get_layer("softmax")
        assert dense.compute_dtype == "float16" and dense.kernel.dtype == "float32"
        assert result.model.outputs[0].dtype == "float32"
        assert np.isfinite(result.metrics["test"]["loss"])
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_expectation_judges_only_the_data_and_budget_it_is_stated_for():
    from dlrecipes.recipe import resolve
    from dlrecipes.registry import get

    base = get("mlp")
    assert expectation_applies(base, base) is True
    assert expectation_applies(base, resolve(base, profile="smoke"), "smoke") is False
    other_data = resolve(base, overrides=["data.source=xor"])
    assert expectation_applies(base, other_data) is False
    restated = resolve(base, overrides=["data.source=xor", "expect.threshold=0.5"])
    assert expectation_applies(base, restated) is True
    adding = get("lstm_adding")  # stated for T = 100
    shorter = resolve(adding, overrides=["data.options.length=50"])
    assert expectation_applies(adding, shorter) is False
    fewer = resolve(base, overrides=["data.limit=100"])
    assert expectation_applies(base, fewer) is False
    tuned = resolve(
        base,
        overrides=["train.learning_rate=0.01", "data.augment_shift=0.1", "data.val_fraction=0"],
    )
    assert expectation_applies(base, tuned) is True
    expectation = judge(base, {"test": {"accuracy": 0.5}}, applies=False)
    assert expectation["reached"] is None and expectation["applies"] is False
