"""dlrecipes.reports.probes: the numbers the lectures read off a model, the
series.json contract, plots, stages and one-line errors."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from dlrecipes import reports
from dlrecipes.models import mlp, sequence_regressor
from dlrecipes.reports import probes
from dlrecipes.spec import ModelSpec, RecipeError, TrainSpec
from tests.helpers import assert_png, make_splits, unit_recipe

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


def test_init_probes_write_series_plots_and_scalars(tmp_path):
    splits = _digits_like()
    (tmp_path / "series.json").write_text(json.dumps({"other": {"values": [1.0]}}))
    model = _mlp()
    recipe = _recipe(activation="sigmoid")
    names = ("gradient_norms", "activation_scale", "hidden_unit_spread")
    scalars = probes.run_probes(names, "init", model, splits, recipe, tmp_path)
    norms = probes.gradient_norms(model, splits.x_train[:256], splits.y_train[:256], LOSS)
    scales = probes.activation_scales(model, splits.x_train[:256])
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


def test_gradient_norms_of_zero_are_plotted_without_a_log_scale_warning(tmp_path):
    """Zero initial weights under ReLU: every activation is 0, so every kernel's gradient
    is exactly 0 (as tiny initial weights underflow in a deep net, the initializers
    recipe's small_random arm); the bar chart still draws them, at a floor labelled 0."""
    import warnings

    splits = _digits_like()
    model = _mlp(activation="relu", initializer="zeros")
    norms = probes.gradient_norms(model, splits.x_train[:256], splits.y_train[:256], LOSS)
    assert norms == [0.0, 0.0, 0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib: "Data has no positive values"
        probes.run_probes(("gradient_norms",), "init", model, splits, _recipe(), tmp_path)
    assert_png(tmp_path / "plots" / "gradient_norms.png")


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
        assert scalars["hidden_unit_spread"] == max(probes.hidden_unit_spread(model))
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
    expected = probes.input_gradient_norms(model, x, y, "mse")
    assert init == {"early_late_gradient_ratio_init": probes.edge_ratio(expected)}
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
    with pytest.raises(
        ValueError, match="stage must be one of init, epoch, end. Received: stage='start'"
    ):
        probes.run_probes(("gradient_norms",), "start", None, None, None, tmp_path)


def test_a_probe_on_a_model_without_hidden_layers_says_so(tmp_path):
    splits = _digits_like()
    inputs = keras.Input((64,))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(inputs), name="linear")
    with pytest.raises(RecipeError, match="needs layers named hidden_<l>.*model 'linear' has none"):
        probes.run_probes(("activation_scale",), "init", model, splits, _recipe(), tmp_path)


def test_sigmoid_gradients_vanish_towards_the_input():
    """At initialisation, sigmoid layers pass back a shrinking error; ReLU layers do not."""
    from dlrecipes.data.embedded import digits
    from dlrecipes.models.mlp import mlp

    raw = digits("", {}, 0)
    x, y = raw.x[:128].reshape(128, -1) / 16.0, raw.y[:128]
    ratios = {}
    for activation in ("sigmoid", "relu"):
        keras.utils.set_random_seed(0)
        model = mlp(input_shape=(64,), hidden_units=(64,) * 6, activation=activation)
        norms = probes.gradient_norms(model, x, y, "sparse_categorical_crossentropy")
        assert len(norms) == 7  # six hidden kernels and the output kernel
        ratios[activation] = norms[0] / norms[-2]  # first hidden layer / last hidden layer
    assert ratios["sigmoid"] < 0.05
    assert ratios["relu"] > 10 * ratios["sigmoid"]


def test_input_gradient_norms_see_only_the_steps_the_output_depends_on():
    # Zero recurrent weights: h_T depends on x_T alone, so dL/dx_t = 0 for t < T.
    model = sequence_regressor((6, 2), 1, cell="simple_rnn", units=4)
    recurrent = model.get_layer("simple_rnn_1").cell.recurrent_kernel
    recurrent.assign(np.zeros(recurrent.shape))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 6, 2)).astype("float32")
    norms = probes.input_gradient_norms(model, x, np.ones((5, 1), dtype="float32"))
    assert norms.shape == (6,)
    np.testing.assert_array_equal(norms[:-1], 0.0)
    assert norms[-1] > 0
    assert probes.edge_ratio(norms, edge=2) == 0.0


def test_input_gradient_norms_match_a_linear_model_by_hand():
    # y_hat = sum_t w . x_t through a linear "RNN" read-out is easier with Dense on the
    # flattened sequence: dL/dx_t = 2 (y_hat - y) w for L = sum_b (y_hat_b - y_b)^2.
    inputs = keras.Input((3, 2))
    outputs = keras.layers.Dense(1, use_bias=False)(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    w = np.array([[1.0], [2.0], [0.0], [0.0], [3.0], [4.0]], dtype="float32")
    model.layers[-1].kernel.assign(w)
    x = np.ones((1, 3, 2), dtype="float32")
    y = np.zeros((1, 1), dtype="float32")
    norms = probes.input_gradient_norms(model, x, y)  # residual 10, so |dL/dx_t| = 20 |w_t|
    np.testing.assert_allclose(norms, [20 * np.sqrt(5), 0.0, 20 * 5.0], rtol=1e-6)


def test_epoch_probe_appends_one_value_per_epoch_to_its_series(tmp_path):
    """early_input_gradients: one value at initialisation, then one after every epoch."""
    keras.utils.set_random_seed(0)
    model = sequence_regressor((6, 2), 1, cell="lstm", units=4)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 6, 2)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    splits = make_splits(x, y, task="regression")
    recipe = unit_recipe(train=TrainSpec(loss="mse", metrics=("mse",)))
    names = ("early_input_gradients",)
    assert probes.runs_at(names, "epoch") and not probes.runs_at(("gradient_norms",), "epoch")
    first = probes.run_probes(names, "init", model, splits, recipe, tmp_path)
    for _ in range(2):
        last = probes.run_probes(names, "epoch", model, splits, recipe, tmp_path)
    values = json.loads((tmp_path / "series.json").read_text())["early_gradient_norm"]["values"]
    expected = float(np.mean(probes.input_gradient_norms(model, x[:256], y[:256], "mse")[:3]))
    assert len(values) == 3 and values[0] == first["early_gradient_norm_init"]
    assert last["early_gradient_norm_last"] == pytest.approx(expected, rel=1e-6)
    assert_png(tmp_path / "plots" / "early_gradient_norm.png")
