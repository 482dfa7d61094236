"""dlrecipes.reports.probes: the same numbers as the experiments they come from, the
series.json contract, plots, stages and one-line errors."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from dlrecipes import reports
from dlrecipes.experiments import foundations, rnn
from dlrecipes.models import mlp, sequence_regressor
from dlrecipes.reports import probes
from dlrecipes.spec import ModelSpec, RecipeError, TrainSpec
from tests.reports.helpers import assert_png, make_splits, unit_recipe

LOSS = "sparse_categorical_crossentropy"


def _digits_like(count=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 16, size=(count, 64)).astype("float32")
    y = rng.integers(0, 10, count).astype("int32")
    return make_splits(x, y, num_classes=10)


def _mlp(seed=0, activation="sigmoid", initializer="glorot_uniform"):
    keras.utils.set_random_seed(seed)
    return mlp(hidden_units=(16, 16, 16), activation=activation, kernel_initializer=initializer)


def _wrapped(base, x):
    """The runner's wrapper: Input -> Normalization adapted on x -> base."""
    inputs = keras.Input(x.shape[1:])
    normalization = keras.layers.Normalization(axis=-1, name="standardize")
    normalization.adapt(x)
    return keras.Model(inputs, base(normalization(inputs)), name=base.name)


def _recipe(**options):
    return unit_recipe(model=ModelSpec(builder="mlp", options=options), train=TrainSpec(loss=LOSS))


# --------------------------------------------------------------------------- same numbers


def test_gradient_norms_equal_the_foundations_experiment():
    splits = _digits_like()
    x, y = splits.x_train[:256], splits.y_train[:256]
    for model in (_mlp(), _wrapped(_mlp(seed=1), splits.x_train)):
        new = probes.gradient_norms(model, x, y, LOSS)
        assert len(new) == 4  # three hidden layers and the output
        assert new == foundations.gradient_norms(model, x, y, LOSS)


def test_activation_scales_of_a_wrapped_model_equal_the_foundations_experiment():
    splits = _digits_like()
    x = splits.x_train[:256]
    model = _wrapped(_mlp(activation="tanh"), splits.x_train)
    new = probes.activation_scales(model, x)
    assert len(new) == 3
    assert new == foundations.activation_scales(model, x)
    assert new == probes.activation_scales(model.layers[-1], model.layers[1](x))


def test_hidden_unit_spread_equals_the_foundations_experiment():
    model = _mlp(activation="tanh")
    assert probes.hidden_unit_spread(model) == foundations.hidden_unit_spread(model)
    wrapped = _wrapped(model, _digits_like().x_train)
    assert probes.hidden_unit_spread(wrapped) == foundations.hidden_unit_spread(model)
    zeros = _mlp(initializer="zeros")
    assert probes.hidden_unit_spread(zeros) == [0.0, 0.0, 0.0]


def test_input_gradient_norms_and_edge_ratio_equal_the_rnn_experiment():
    keras.utils.set_random_seed(0)
    model = sequence_regressor((30, 2), cell="simple_rnn", units=8)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(16, 30, 2)).astype("float32")
    y = rng.uniform(size=(16, 1)).astype("float32")
    new = probes.input_gradient_norms(model, x, y, "mse")
    np.testing.assert_array_equal(new, rnn.input_gradient_norms(model, x, y, "mse"))
    assert probes.edge_ratio(new) == rnn.edge_ratio(new)
    assert probes.edge_ratio([1.0, 0.0]) != probes.edge_ratio([1.0, 0.0])  # nan: late is 0
    with pytest.raises(ValueError, match=r"Received shape: \(16, 60\)"):
        probes.input_gradient_norms(model, x.reshape(16, 60), y)


# --------------------------------------------------------------------------- run_probes


def test_init_probes_write_series_plots_and_scalars(tmp_path):
    splits = _digits_like()
    (tmp_path / "series.json").write_text(json.dumps({"other": {"values": [1.0]}}))
    model = _mlp()
    recipe = _recipe(activation="sigmoid")
    names = ("gradient_norms", "activation_scale", "hidden_unit_spread")
    scalars = probes.run_probes(names, "init", model, splits, recipe, tmp_path)
    norms = foundations.gradient_norms(model, splits.x_train[:256], splits.y_train[:256], LOSS)
    scales = foundations.activation_scales(model, splits.x_train[:256])
    assert scalars == {
        "grad_norm_first": norms[0],
        "grad_norm_last_hidden": norms[-2],
        "grad_norm_output": norms[-1],
        "grad_ratio_first_to_last_hidden": norms[0] / norms[-2],
        "activation_std_first": scales[0],
        "activation_std_last": scales[-1],
    }
    written = json.loads((tmp_path / "series.json").read_text())
    assert set(written) == {"other", "gradient_norm_at_init", "activation_std_at_init"}
    assert written["gradient_norm_at_init"] == {
        "values": norms,
        "xlabel": "layer (1 = next to the input; last = output)",
        "ylabel": "||dJ/dW|| at initialisation",
        "log_y": True,
    }
    assert written["activation_std_at_init"]["values"] == scales
    assert_png(tmp_path / "plots" / "gradient_norms.png")
    assert_png(tmp_path / "plots" / "activation_scale.png")
    assert not (tmp_path / "plots" / "first_layer_weights.png").exists()  # an end probe
    json.dumps(scalars)


def test_end_probe_hidden_unit_spread_sees_symmetry(tmp_path):
    splits = _digits_like()
    initializer = {"class_name": "Zeros", "config": {}}
    recipe = _recipe(kernel_initializer=initializer)
    for name, model, symmetric in (
        ("zeros", _mlp(initializer="zeros"), 1.0),
        ("glorot", _mlp(), 0.0),
    ):
        run_dir = tmp_path / name
        run_dir.mkdir()
        scalars = probes.run_probes(("hidden_unit_spread",), "end", model, splits, recipe, run_dir)
        assert scalars["symmetric"] == symmetric
        assert scalars["hidden_unit_spread"] == max(foundations.hidden_unit_spread(model))
        assert_png(run_dir / "plots" / "first_layer_weights.png")
        series = json.loads((run_dir / "series.json").read_text())
        assert list(series) == ["hidden_unit_spread_after_training"]


def test_input_gradients_at_init_and_end(tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(40, 24, 2)).astype("float32")
    y = rng.uniform(size=(40, 1)).astype("float32")
    splits = make_splits(x, y, task="regression")
    model = sequence_regressor((24, 2), cell="lstm", units=6)
    model.compile(optimizer="adam", loss="mse")
    recipe = unit_recipe(train=TrainSpec(loss="mse"))
    init = probes.run_probes(("input_gradients",), "init", model, splits, recipe, tmp_path)
    expected = rnn.input_gradient_norms(model, x, y, "mse")
    assert init == {"early_late_gradient_ratio_init": rnn.edge_ratio(expected)}
    model.fit(x, y, epochs=2, verbose=0)
    end = probes.run_probes(("input_gradients",), "end", model, splits, recipe, tmp_path)
    assert set(end) == {"early_late_gradient_ratio_trained"}
    series = json.loads((tmp_path / "series.json").read_text())
    assert list(series) == ["input_gradient_norm_at_init", "input_gradient_norm_at_end"]
    np.testing.assert_allclose(series["input_gradient_norm_at_init"]["values"], expected)
    assert len(series["input_gradient_norm_at_end"]["values"]) == 24
    assert_png(tmp_path / "plots" / "input_gradients.png")


def test_probes_read_the_first_256_examples_of_their_split():
    splits = _digits_like(count=300)
    x, y = probes.probe_batch(splits, "train")
    assert len(x) == 256 and x is not splits.x_train and np.array_equal(x, splits.x_train[:256])
    empty = make_splits(splits.x_train, splits.y_train, num_classes=10)
    empty.x_test, empty.y_test = splits.x_train[:0], splits.y_train[:0]
    x, _ = probes.probe_batch(empty, "test")
    assert np.array_equal(x, splits.x_train[:256])  # no test split: the training split


# --------------------------------------------------------------------------- names, stages


def test_every_probe_declares_known_stages_and_splits():
    for name, probe in probes.PROBES.items():
        assert probe.stages and set(probe.stages) <= set(probes.STAGES), name
        assert probe.split in ("train", "val", "test"), name
    assert reports.run_probes is probes.run_probes
    assert reports.validate_probes is probes.validate_probes


def test_unknown_probe_is_a_one_line_error_with_a_close_match(tmp_path):
    with pytest.raises(RecipeError) as error:
        probes.validate_probes(("gradient_norm",))
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("unknown probe 'gradient_norm'. Did you mean 'gradient_norms'?")
    with pytest.raises(RecipeError, match="probes must be a tuple of probe names"):
        probes.validate_probes("gradient_norms")
    assert probes.validate_probes(["activation_scale"]) == ("activation_scale",)
    with pytest.raises(RecipeError, match="unknown probe 'nope'"):
        probes.run_probes(("nope",), "init", None, None, None, tmp_path)


def test_an_unknown_stage_names_the_value(tmp_path):
    with pytest.raises(ValueError, match="stage must be one of init, end. Received: stage='start'"):
        probes.run_probes(("gradient_norms",), "start", None, None, None, tmp_path)


def test_a_probe_on_a_model_without_hidden_layers_says_so(tmp_path):
    splits = _digits_like()
    inputs = keras.Input((64,))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(inputs), name="linear")
    with pytest.raises(RecipeError, match="needs layers named hidden_<l>.*model 'linear' has none"):
        probes.run_probes(("activation_scale",), "init", model, splits, _recipe(), tmp_path)
