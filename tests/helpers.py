"""Checks shared by the layer, builder and backprop tests (STYLE.md item 15).

- float64 gradient checks: :func:`float64`, :func:`autodiff_gradients`,
  :func:`central_differences`, :func:`check_gradients`;
- the Keras layer contract: :func:`check_config_round_trip`,
  :func:`check_save_reload`, :func:`check_keras_file_round_trip`,
  :func:`check_xla_training_step`;
- NumPy references and golden counts: :func:`to_numpy`, :func:`assert_close`,
  :func:`count_weights`, :func:`per_layer_counts`.

Backend-neutral: only :func:`float64` and :func:`autodiff_gradients` dispatch on
``keras.backend.backend()`` (TensorFlow or JAX).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.data.splits import Splits
from dlrecipes.spec import Recipe

BACKEND = keras.backend.backend()


# --------------------------------------------------------------------------- NumPy references


def to_numpy(x) -> np.ndarray:
    """A backend tensor (or anything array-like) as a NumPy array."""
    return np.asarray(ops.convert_to_numpy(x))


def assert_close(actual, expected, rtol=1e-7, atol=0.0, err_msg=""):
    """``actual`` (a tensor or array) equals the NumPy reference ``expected`` within tolerance.

    ``np.testing.assert_allclose`` on the tensor converted to NumPy, same defaults.
    """
    np.testing.assert_allclose(to_numpy(actual), expected, rtol=rtol, atol=atol, err_msg=err_msg)


def count_weights(weights) -> int:
    """The number of scalars in a list of weights (``model.trainable_weights``, ...)."""
    return sum(int(np.prod(w.shape)) for w in weights)


def per_layer_counts(model) -> dict[str, int]:
    """``{layer name: parameter count}`` of the layers of ``model`` that hold weights."""
    return {layer.name: layer.count_params() for layer in model.layers if layer.weights}


# --------------------------------------------------------------------------- float64 gradients


def float64():
    """Context in which float64 really is float64 (JAX truncates to float32 by default)."""
    if BACKEND == "jax":
        import jax

        return jax.enable_x64(True)
    return contextlib.nullcontext()


def autodiff_gradients(layer, x, projection) -> list[np.ndarray]:
    """Gradients of ``sum(layer(x) * projection)`` w.r.t. ``x`` and the trainable weights."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        x = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            objective = tf.reduce_sum(layer(x) * projection)
        grads = tape.gradient(objective, [x] + [w.value for w in layer.trainable_weights])
        return [np.asarray(g) for g in grads]
    if BACKEND == "jax":
        import jax

        non_trainable = [w.value for w in layer.non_trainable_weights]

        def objective(trainable, x):
            outputs, _ = layer.stateless_call(trainable, non_trainable, x)
            return (outputs * projection).sum()

        weight_grads, x_grad = jax.grad(objective, argnums=(0, 1))(
            [w.value for w in layer.trainable_weights], x
        )
        return [np.asarray(x_grad)] + [np.asarray(g) for g in weight_grads]
    pytest.skip(f"no autodiff helper for backend {BACKEND}")


def central_differences(function, values, epsilon=1e-6) -> list[np.ndarray]:
    """Central differences of a scalar ``function(values)`` w.r.t. every entry of each array."""
    gradients = []
    for index, value in enumerate(values):
        gradient = np.zeros_like(value)
        for position in np.ndindex(value.shape):
            shifted = [v.copy() for v in values]
            shifted[index][position] += epsilon
            up = function(shifted)
            shifted[index][position] -= 2 * epsilon
            down = function(shifted)
            gradient[position] = (up - down) / (2 * epsilon)
        gradients.append(gradient)
    return gradients


def layer_central_differences(layer, x, projection, epsilon=1e-6) -> list[np.ndarray]:
    """Central differences of ``sum(layer(x) * projection)``, laid out as :func:`autodiff_gradients`."""
    weights = layer.trainable_weights
    start = [np.array(x)] + [to_numpy(w).copy() for w in weights]

    def objective(values):
        x_, *weight_values = values
        for weight, value in zip(weights, weight_values, strict=True):
            weight.assign(value)
        return float(np.sum(to_numpy(layer(x_)) * projection))

    gradients = central_differences(objective, start, epsilon)
    for weight, value in zip(weights, start[1:], strict=True):
        weight.assign(value)
    return gradients


def check_gradients(make_layer, input_shape, seed=0):
    """Float64 check that autodiff gradients match central differences.

    The layers are checked without activation: their own arithmetic is what is
    hand-written, and Keras' JAX backend computes unary float ops such as
    ``ops.tanh`` in float32 even for float64 inputs.
    """
    rng = np.random.default_rng(seed)
    with float64():
        layer = make_layer()
        x = rng.normal(size=input_shape)
        outputs = layer(x)
        if BACKEND == "jax":
            assert str(outputs.dtype) == "float64"
        projection = rng.normal(size=tuple(outputs.shape))
        # Random, non-default weights so that every path carries a gradient.
        for weight in layer.trainable_weights:
            weight.assign(rng.normal(scale=0.5, size=tuple(weight.shape)))
        autodiff = autodiff_gradients(layer, x, projection)
        numerical = layer_central_differences(layer, x, projection)
    assert len(autodiff) == len(numerical) == 1 + len(layer.trainable_weights)
    for got, expected in zip(autodiff, numerical, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- the layer contract


def check_config_round_trip(layer, x=None):
    """``from_config(get_config())`` rebuilds the same layer; returns the clone.

    With inputs ``x`` the clone, given the layer's weights, must also compute the
    same function (``rtol=1e-6``).
    """
    config = layer.get_config()
    clone = layer.__class__.from_config(config)
    assert clone.get_config() == config
    if x is not None:
        outputs = to_numpy(layer(x))
        clone.build(x.shape)
        clone.set_weights(layer.get_weights())
        assert clone.get_config() == layer.get_config()
        np.testing.assert_allclose(to_numpy(clone(x)), outputs, rtol=1e-6)
    return clone


def check_keras_file_round_trip(model, x, tmp_path, name="model.keras"):
    """A ``.keras`` file restores ``model`` with identical predictions; returns the reloaded model."""
    expected = model.predict(x, verbose=0)
    path = tmp_path / name
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), expected)
    return reloaded


def check_save_reload(layer, x, tmp_path):
    """A ``.keras`` file restores the layer (in a one-layer model) with identical outputs."""
    inputs = keras.Input(shape=x.shape[1:])
    model = keras.Model(inputs, layer(inputs))
    reloaded = check_keras_file_round_trip(model, x, tmp_path)
    assert type(reloaded.layers[-1]) is type(layer)
    return reloaded


def check_xla_training_step(layer, x, y, loss="mse"):
    """One compiled (XLA) training step runs and changes the trainable weights."""
    inputs = keras.Input(shape=x.shape[1:])
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, jit_compile=True)
    before = [to_numpy(w).copy() for w in model.trainable_weights]
    history = model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = [to_numpy(w) for w in model.trainable_weights]
    assert any(not np.allclose(b, a) for b, a in zip(before, after, strict=True))


# --------------------------------------------------------------------------- reports

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, min_bytes: int = 2000) -> None:
    """``path`` exists, starts with the PNG signature and holds more than a blank canvas."""
    path = Path(path)
    assert path.is_file(), path
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    assert len(data) > min_bytes, (path, len(data))


def make_splits(x, y, *, task="classification", num_classes=2, extras=None, source="unit"):
    """Splits whose train, validation and test arrays are all ``x, y``."""
    x, y = np.asarray(x), np.asarray(y)
    return Splits(
        x_train=x,
        y_train=y,
        x_val=x,
        y_val=y,
        x_test=x,
        y_test=y,
        input_shape=tuple(x.shape[1:]),
        task=task,
        num_classes=num_classes if task == "classification" else 0,
        num_outputs=0 if task == "classification" else int(np.prod(y.shape[1:]) or 1),
        class_names=tuple(str(i) for i in range(num_classes)) if task == "classification" else (),
        source=source,
        extras=dict(extras or {}),
    )


def unit_recipe(**fields):
    """A small valid :class:`~dlrecipes.recipe.Recipe` named ``unit`` (fields override)."""
    return Recipe(
        **{
            "name": "unit",
            "summary": "unit",
            "lecture": "unit",
            "profiles": {"smoke": {}},
            **fields,
        }
    )


# --------------------------------------------------------------------------- RL resume

#: Metrics of an RL run that measure time, not behaviour (they differ between two runs).
RL_TIMING_KEYS = {"steps_per_second", "train_time_s", "time_to_solve_s"}


def rl_run_contents(run_dir: Path):
    """``(arrays, data, episode rows)`` of an RL run directory's checkpoint, without times."""
    import csv

    from dlrecipes.rl import checkpoint

    arrays, data = checkpoint.load(Path(run_dir) / "checkpoint")
    with (Path(run_dir) / "episodes.csv").open() as handle:
        rows = [{k: v for k, v in r.items() if k != "wall_time_s"} for r in csv.DictReader(handle)]
    return arrays, data, rows


def logged_scalars(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """A run's TensorBoard scalars by tag, without the ones that measure time."""
    from dlrecipes import event_files

    found = event_files.scalars(Path(run_dir) / "tensorboard")
    return {tag: points for tag, points in found.items() if "per_second" not in tag}


def check_rl_resume(recipe, tmp_path: Path, monkeypatch):
    """Train ``recipe`` straight, then again with a crash right after its first checkpoint,
    then ``resume=True``; assert the two runs agree bit for bit.

    Checked: the metrics (times aside), the episodes (none lost or repeated), the
    TensorBoard scalars (each logged once, with the straight run's values), every saved
    array (weights or table, target, optimizer moments, replay, best agent).

    Returns:
        ``(metrics, first_counters, arrays, data_straight, data_resumed)``: the straight
        run's metrics, the counters of the checkpoint the crash left, the straight run's
        saved arrays, and both checkpoints' JSON data for the caller's own checks (RNG,
        environments).
    """
    import json

    from dlrecipes import rl
    from dlrecipes.rl import checkpoint

    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    metrics = rl.train_agent(recipe, straight, verbose=False)
    save = checkpoint.save

    def save_then_crash(*args, **kwargs):
        save(*args, **kwargs)
        raise KeyboardInterrupt  # the run dies right after its first checkpoint

    monkeypatch.setattr(checkpoint, "save", save_then_crash)
    with pytest.raises(KeyboardInterrupt):
        rl.train_agent(recipe, interrupted, verbose=False)
    monkeypatch.setattr(checkpoint, "save", save)
    first = json.loads((interrupted / "checkpoint" / "state.json").read_text())["counters"]
    resumed = rl.train_agent(recipe, interrupted, resume=True, verbose=False)
    assert {k: v for k, v in resumed.items() if k not in RL_TIMING_KEYS} == {
        k: v for k, v in metrics.items() if k not in RL_TIMING_KEYS
    }
    arrays_a, data_a, rows_a = rl_run_contents(straight)
    arrays_b, data_b, rows_b = rl_run_contents(interrupted)
    assert rows_a == rows_b  # the same episodes, none lost or duplicated
    # TensorBoard: every scalar logged once, as in the straight run (times aside)
    assert logged_scalars(interrupted) == logged_scalars(straight)
    assert sorted(arrays_a) == sorted(arrays_b)
    for key in arrays_a:
        np.testing.assert_array_equal(arrays_a[key], arrays_b[key], err_msg=key)
    return metrics, first, arrays_a, data_a, data_b
