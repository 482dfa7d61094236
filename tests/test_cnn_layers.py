"""Tests of the LeNet-5 layers, the RBF loss and metric, and the scaled tanh.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
Only the autodiff half of the gradient checks dispatches on the backend.
"""

import contextlib

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.layers.connection_table_conv2d import LENET5_C3_TABLE, ConnectionTableConv2D
from dlrecipes.layers.rbf_output import DIGIT_FONT_7X12, RBFOutput, default_prototypes
from dlrecipes.layers.scaled_tanh import ScaledTanh, scaled_tanh
from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D
from dlrecipes.losses import RBFMAPLoss
from dlrecipes.metrics import RBFAccuracy, rbf_accuracy, rbf_predicted_classes

pytestmark = pytest.mark.backends  # also run under JAX by test_backends_jax.py

BACKEND = keras.backend.backend()


# --------------------------------------------------------------------------- helpers


def _float64():
    """Context in which float64 really is float64 (JAX truncates to float32 by default)."""
    if BACKEND == "jax":
        import jax

        return jax.enable_x64(True)
    return contextlib.nullcontext()


def _autodiff_gradients(layer, x, projection):
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


def _numerical_gradients(layer, x, projection, epsilon=1e-6):
    """Central differences of ``sum(layer(x) * projection)``, same layout as above."""

    def objective():
        return float(np.sum(ops.convert_to_numpy(layer(x)) * projection))

    x = x.copy()
    x_grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + epsilon
        plus = objective()
        x[index] = original - epsilon
        minus = objective()
        x[index] = original
        x_grad[index] = (plus - minus) / (2 * epsilon)
    grads = [x_grad]
    for weight in layer.trainable_weights:
        values = ops.convert_to_numpy(weight).copy()
        grad = np.zeros_like(values)
        for index in np.ndindex(values.shape):
            original = values[index]
            values[index] = original + epsilon
            weight.assign(values)
            plus = objective()
            values[index] = original - epsilon
            weight.assign(values)
            minus = objective()
            values[index] = original
            weight.assign(values)
            grad[index] = (plus - minus) / (2 * epsilon)
        grads.append(grad)
    return grads


def _check_gradients(make_layer, input_shape, seed=0):
    """Float64 check that autodiff gradients match central differences.

    The layers are checked without activation: their own arithmetic is what is
    hand-written, and Keras' JAX backend computes unary float ops such as
    ``ops.tanh`` in float32 even for float64 inputs.
    """
    rng = np.random.default_rng(seed)
    with _float64():
        layer = make_layer()
        x = rng.normal(size=input_shape)
        outputs = layer(x)
        if BACKEND == "jax":
            assert str(outputs.dtype) == "float64"
        projection = rng.normal(size=tuple(outputs.shape))
        # Random, non-default weights so that every path carries a gradient.
        for weight in layer.trainable_weights:
            weight.assign(rng.normal(scale=0.5, size=tuple(weight.shape)))
        autodiff = _autodiff_gradients(layer, x, projection)
        numerical = _numerical_gradients(layer, x, projection)
    assert len(autodiff) == len(numerical) == 1 + len(layer.trainable_weights)
    for got, expected in zip(autodiff, numerical, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def _check_config_round_trip(layer, x):
    """``from_config(get_config())`` rebuilds a layer that computes the same function."""
    outputs = ops.convert_to_numpy(layer(x))
    clone = layer.__class__.from_config(layer.get_config())
    clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_allclose(ops.convert_to_numpy(clone(x)), outputs, rtol=1e-6)


def _check_save_reload(layer, x, tmp_path):
    """A ``.keras`` file restores the layer with identical outputs."""
    inputs = keras.Input(shape=x.shape[1:])
    model = keras.Model(inputs, layer(inputs))
    expected = model.predict(x, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert type(reloaded.layers[-1]) is type(layer)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), expected)


def _check_xla_training_step(layer, x, y, loss="mse"):
    """One compiled (XLA) training step runs and changes the trainable weights."""
    inputs = keras.Input(shape=x.shape[1:])
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, jit_compile=True)
    before = [ops.convert_to_numpy(w).copy() for w in model.trainable_weights]
    history = model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = [ops.convert_to_numpy(w) for w in model.trainable_weights]
    assert any(not np.allclose(b, a) for b, a in zip(before, after, strict=True))


# --------------------------------------------------------------------------- ConnectionTableConv2D


def _reference_connection_table_conv(x, kernels, bias, table):
    """Naive loops: y[b, i, j, k] = bias[k] + sum over table[k] of 2D cross-correlations."""
    batch, height, width, _ = x.shape
    kernel_height, kernel_width = kernels[0].shape[:2]
    out_height, out_width = height - kernel_height + 1, width - kernel_width + 1
    y = np.zeros((batch, out_height, out_width, len(table)))
    for k, inputs in enumerate(table):
        for position, m in enumerate(inputs):
            for i in range(out_height):
                for j in range(out_width):
                    patch = x[:, i : i + kernel_height, j : j + kernel_width, m]
                    y[:, i, j, k] += np.sum(patch * kernels[k][:, :, position, 0], axis=(1, 2))
        y[..., k] += bias[k]
    return y


def test_default_table_is_lecun_table_i():
    table = ConnectionTableConv2D().connection_table
    assert table == LENET5_C3_TABLE
    assert [len(inputs) for inputs in table] == [3] * 6 + [4] * 9 + [6]
    # Maps 0-5 read 3 consecutive maps, 6-11 read 4 consecutive maps (cyclically).
    for k in range(6):
        assert set(table[k]) == {(k + d) % 6 for d in range(3)}
    for k in range(6, 12):
        assert set(table[k]) == {(k - 6 + d) % 6 for d in range(4)}
    assert table[12:15] == ((0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5))
    assert table[15] == tuple(range(6))
    # Each S2 map feeds exactly 10 of the 16 C3 maps (the rows of Table I).
    assert [sum(m in inputs for inputs in table) for m in range(6)] == [10] * 6


def test_connection_table_parameter_count_is_lenet5_c3():
    layer = ConnectionTableConv2D(kernel_size=5)
    outputs = layer(np.zeros((2, 14, 14, 6), dtype="float32"))
    assert tuple(outputs.shape) == (2, 10, 10, 16)
    assert layer.count_params() == 60 * 25 + 16 == 1516
    assert layer.total_connections == 60
    no_bias = ConnectionTableConv2D(kernel_size=5, use_bias=False)
    no_bias.build((None, 14, 14, 6))
    assert no_bias.count_params() == 1500


def test_connection_table_kernels_start_different():
    layer = ConnectionTableConv2D(kernel_initializer=keras.initializers.GlorotUniform(seed=1))
    layer.build((None, 14, 14, 6))
    kernels = [ops.convert_to_numpy(w) for w in layer.kernels]
    assert not np.allclose(kernels[0], kernels[1])  # same shape, different values


def test_connection_table_matches_numpy_reference():
    rng = np.random.default_rng(1)
    table = ((0, 2), (1,), (2, 0, 1))  # any order, any subset
    layer = ConnectionTableConv2D(table, kernel_size=(3, 2), activation="tanh")
    x = rng.normal(size=(2, 6, 5, 3)).astype("float32")
    layer.build(x.shape)
    weights = [rng.normal(size=tuple(w.shape)).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    expected = np.tanh(_reference_connection_table_conv(x, weights[:-1], weights[-1], table))
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_full_connection_table_equals_conv2d():
    rng = np.random.default_rng(2)
    in_channels, filters = 3, 4
    x = rng.normal(size=(2, 7, 7, in_channels)).astype("float32")
    conv = keras.layers.Conv2D(filters, 3, activation="relu")
    expected = ops.convert_to_numpy(conv(x))
    kernel, bias = conv.get_weights()  # (3, 3, in_channels, filters), (filters,)
    full_table = tuple(tuple(range(in_channels)) for _ in range(filters))
    layer = ConnectionTableConv2D(full_table, kernel_size=3, activation="relu")
    layer.build(x.shape)
    layer.set_weights([kernel[:, :, :, k : k + 1] for k in range(filters)] + [bias])
    assert layer.count_params() == conv.count_params()
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_connection_table_same_padding():
    layer = ConnectionTableConv2D(((0,), (0, 1)), kernel_size=3, padding="same")
    assert tuple(layer(np.zeros((1, 5, 5, 2), dtype="float32")).shape) == (1, 5, 5, 2)
    assert layer.compute_output_shape((1, 5, 5, 2)) == (1, 5, 5, 2)


@pytest.mark.parametrize(
    "table",
    [(), ((),), ((0, 0),), ((0, -1),), "012", ((0, 1.5),), 3, ((True,),)],
)
def test_connection_table_rejects_bad_tables(table):
    with pytest.raises(ValueError, match="Received: connection_table="):
        ConnectionTableConv2D(table)


def test_connection_table_rejects_missing_input_maps_and_bad_arguments():
    layer = ConnectionTableConv2D(((0, 7),))
    with pytest.raises(ValueError, match="only 6 maps"):
        layer.build((None, 14, 14, 6))
    with pytest.raises(ValueError, match="Received: kernel_size=0"):
        ConnectionTableConv2D(kernel_size=0)
    with pytest.raises(ValueError, match="Received: padding='causal'"):
        ConnectionTableConv2D(padding="causal")


def test_connection_table_config_round_trip():
    layer = ConnectionTableConv2D(
        ((0, 1), (1, 2)), kernel_size=(2, 3), activation="tanh", use_bias=False
    )
    x = np.random.default_rng(3).normal(size=(2, 5, 5, 3)).astype("float32")
    _check_config_round_trip(layer, x)


def test_connection_table_save_reload(tmp_path):
    x = np.random.default_rng(4).normal(size=(2, 14, 14, 6)).astype("float32")
    _check_save_reload(ConnectionTableConv2D(activation=scaled_tanh), x, tmp_path)


def test_connection_table_xla_training_step():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 6, 6, 3)).astype("float32")
    y = rng.normal(size=(4, 4, 4, 2)).astype("float32")
    _check_xla_training_step(ConnectionTableConv2D(((0, 1), (2,)), kernel_size=3), x, y)


def test_connection_table_gradients_float64():
    _check_gradients(
        lambda: ConnectionTableConv2D(((0, 2), (1,), (0, 1, 2)), kernel_size=2, dtype="float64"),
        input_shape=(1, 3, 4, 3),
    )


# --------------------------------------------------------------------------- TrainableSubsampling2D


def test_subsampling_parameter_counts_are_lenet5_s2_s4():
    s2 = TrainableSubsampling2D(2)
    assert tuple(s2(np.zeros((1, 28, 28, 6), dtype="float32")).shape) == (1, 14, 14, 6)
    assert s2.count_params() == 12
    s4 = TrainableSubsampling2D(2)
    assert tuple(s4(np.zeros((1, 10, 10, 16), dtype="float32")).shape) == (1, 5, 5, 16)
    assert s4.count_params() == 32


@pytest.mark.parametrize("explicit", [False, True])
def test_subsampling_with_quarter_coefficient_equals_average_pooling(explicit):
    x = np.random.default_rng(6).normal(size=(2, 7, 9, 3)).astype("float32")  # odd sizes
    kwargs = {"coefficient_initializer": keras.initializers.Constant(0.25)} if explicit else {}
    layer = TrainableSubsampling2D(2, **kwargs)
    expected = ops.convert_to_numpy(keras.layers.AveragePooling2D(2)(x))
    outputs = ops.convert_to_numpy(layer(x))
    assert outputs.shape == (2, 3, 4, 3)
    np.testing.assert_allclose(outputs, expected, rtol=1e-6, atol=1e-6)


def test_subsampling_matches_numpy_reference():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 6, 9, 2)).astype("float32")
    layer = TrainableSubsampling2D((2, 3), activation="tanh")
    layer.build(x.shape)
    coefficient = np.array([0.7, -1.3], dtype="float32")
    bias = np.array([0.2, -0.4], dtype="float32")
    layer.set_weights([coefficient, bias])
    window_sums = x.reshape(2, 3, 2, 3, 3, 2).sum(axis=(2, 4))  # (2, 3, 3, 2)
    expected = np.tanh(coefficient * window_sums + bias)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-6)


def test_subsampling_rejects_bad_pool_size():
    with pytest.raises(ValueError, match=r"Received: pool_size=\(2, 0\)"):
        TrainableSubsampling2D((2, 0))


def test_subsampling_config_round_trip():
    layer = TrainableSubsampling2D(
        (2, 3), activation=scaled_tanh, coefficient_initializer="glorot_uniform"
    )
    x = np.random.default_rng(8).normal(size=(2, 4, 6, 3)).astype("float32")
    _check_config_round_trip(layer, x)


def test_subsampling_save_reload(tmp_path):
    x = np.random.default_rng(9).normal(size=(2, 8, 8, 6)).astype("float32")
    layer = TrainableSubsampling2D(2, activation=scaled_tanh)
    layer.build(x.shape)
    layer.set_weights([np.linspace(0.1, 0.6, 6, dtype="float32"), np.ones(6, dtype="float32")])
    _check_save_reload(layer, x, tmp_path)


def test_subsampling_xla_training_step():
    rng = np.random.default_rng(10)
    x = rng.normal(size=(4, 4, 4, 2)).astype("float32")
    y = rng.normal(size=(4, 2, 2, 2)).astype("float32")
    _check_xla_training_step(TrainableSubsampling2D(2, activation="tanh"), x, y)


def test_subsampling_gradients_float64():
    _check_gradients(
        lambda: TrainableSubsampling2D(2, dtype="float64"),
        input_shape=(2, 4, 5, 2),
    )


# --------------------------------------------------------------------------- RBFOutput


def test_digit_font_is_7x12_and_prototypes_are_distinct_plus_minus_one():
    assert len(DIGIT_FONT_7X12) == 12
    assert all(len(row) == 10 * 7 + 9 and set(row) <= {"#", ".", " "} for row in DIGIT_FONT_7X12)
    prototypes = default_prototypes(10, 84)
    assert prototypes.shape == (10, 84)
    assert set(np.unique(prototypes)) == {-1.0, 1.0}
    distances = ((prototypes[:, None, :] - prototypes[None, :, :]) ** 2).sum(-1)
    off_diagonal = distances[~np.eye(10, dtype=bool)]
    assert off_diagonal.min() >= 4 * 6  # every pair differs in at least 6 pixels (8 vs 9)
    # Digit 1's vertical stroke is column 3 of rows 1-10 of its bitmap.
    one = prototypes[1].reshape(12, 7)
    assert np.all(one[1:10, 3] == 1.0)


def test_default_prototypes_fall_back_to_seeded_codes():
    codes = default_prototypes(12, 20)
    assert codes.shape == (12, 20)
    assert set(np.unique(codes)) == {-1.0, 1.0}
    np.testing.assert_array_equal(codes, default_prototypes(12, 20))  # deterministic


def test_rbf_output_parameter_count_is_fixed():
    layer = RBFOutput(10)
    assert tuple(layer(np.zeros((2, 84), dtype="float32")).shape) == (2, 10)
    assert layer.count_params() == 840
    assert layer.trainable_weights == []
    assert [w.name for w in layer.non_trainable_weights] == ["prototypes"]
    np.testing.assert_array_equal(
        ops.convert_to_numpy(layer.prototype_weights), default_prototypes(10, 84)
    )


def test_rbf_output_matches_numpy_reference():
    rng = np.random.default_rng(11)
    prototypes = rng.normal(size=(3, 5))
    x = rng.normal(size=(4, 5)).astype("float32")
    layer = RBFOutput(3, prototypes=prototypes)
    expected = ((x[:, None, :] - prototypes[None, :, :]) ** 2).sum(axis=-1)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-5)
    # An input equal to a prototype has distance 0 to it and is classified as it.
    on_prototype = ops.convert_to_numpy(layer(prototypes[1:2].astype("float32")))
    assert on_prototype[0, 1] == pytest.approx(0.0, abs=1e-5)
    assert ops.convert_to_numpy(rbf_predicted_classes(on_prototype)).tolist() == [1]


def test_rbf_output_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Received: units=0"):
        RBFOutput(0)
    with pytest.raises(ValueError, match=r"Received: prototypes with shape \(2, 5\)"):
        RBFOutput(3, prototypes=np.zeros((2, 5)))
    layer = RBFOutput(2, prototypes=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="5 columns but the inputs have 4 features"):
        layer.build((None, 4))


def test_rbf_output_config_round_trip():
    prototypes = np.random.default_rng(12).choice([-1.0, 1.0], size=(3, 6))
    for layer in (RBFOutput(4), RBFOutput(3, prototypes=prototypes)):
        x = np.random.default_rng(13).normal(size=(2, 6)).astype("float32")
        _check_config_round_trip(layer, x)
    clone = RBFOutput.from_config(RBFOutput(3, prototypes=prototypes).get_config())
    clone.build((None, 6))
    np.testing.assert_array_equal(ops.convert_to_numpy(clone.prototype_weights), prototypes)


def test_rbf_output_save_reload(tmp_path):
    x = np.random.default_rng(14).normal(size=(3, 84)).astype("float32")
    _check_save_reload(RBFOutput(10), x, tmp_path)


def test_rbf_output_xla_training_step_with_map_loss():
    rng = np.random.default_rng(15)
    x = rng.normal(size=(8, 6)).astype("float32")
    y = rng.integers(0, 3, size=(8,))
    inputs = keras.Input(shape=(6,))
    features = keras.layers.Dense(84, activation=scaled_tanh)(inputs)
    model = keras.Model(inputs, RBFOutput(3)(features))
    model.compile(
        optimizer=keras.optimizers.SGD(0.01),
        loss=RBFMAPLoss(),
        metrics=[RBFAccuracy()],
        jit_compile=True,
    )
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert history.history["loss"][1] < history.history["loss"][0]
    assert len(model.non_trainable_weights) == 1  # prototypes stay fixed


def test_rbf_output_gradients_float64():
    _check_gradients(lambda: RBFOutput(3, dtype="float64"), input_shape=(2, 4))


# ----------------------------------------------------------------- RBFMAPLoss, RBFAccuracy


def _reference_map_loss(labels, penalties, j):
    correct = penalties[np.arange(len(labels)), labels]
    return correct + np.log(np.exp(-j) + np.exp(-penalties).sum(axis=-1))


@pytest.mark.parametrize("label_shape", [(4,), (4, 1)])
def test_map_loss_matches_numpy_reference(label_shape):
    rng = np.random.default_rng(16)
    penalties = rng.uniform(0.0, 5.0, size=(4, 3)).astype("float32")
    labels = np.array([0, 2, 1, 2])
    expected = _reference_map_loss(labels, penalties.astype("float64"), j=1.5).mean()
    loss = RBFMAPLoss(rejection_constant=1.5)
    value = float(ops.convert_to_numpy(loss(labels.reshape(label_shape), penalties)))
    assert value == pytest.approx(expected, rel=1e-5)


def test_map_loss_is_stable_for_large_penalties():
    penalties = np.array([[1000.0, 2000.0, 3000.0]], dtype="float32")
    value = float(ops.convert_to_numpy(RBFMAPLoss()(np.array([0]), penalties)))
    assert value == pytest.approx(1000.0 - 1.0, rel=1e-6)  # = y_D + log(e^-j) = y_D - j


def test_map_loss_config_and_validation():
    loss = RBFMAPLoss(rejection_constant=2.0, name="map")
    clone = RBFMAPLoss.from_config(loss.get_config())
    assert clone.rejection_constant == 2.0 and clone.name == "map"
    assert keras.saving.get_registered_name(RBFMAPLoss) == "dlrecipes>RBFMAPLoss"
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert isinstance(restored, RBFMAPLoss) and restored.rejection_constant == 2.0
    with pytest.raises(ValueError, match="Received: rejection_constant=0"):
        RBFMAPLoss(rejection_constant=0)


def test_rbf_accuracy_takes_argmin_and_is_named_accuracy():
    labels = np.array([1, 0, 2])
    penalties = np.array([[3.0, 0.5, 9.0], [0.1, 2.0, 0.3], [1.0, 0.2, 4.0]], dtype="float32")
    assert ops.convert_to_numpy(rbf_predicted_classes(penalties)).tolist() == [1, 0, 1]
    np.testing.assert_array_equal(ops.convert_to_numpy(rbf_accuracy(labels, penalties)), [1, 1, 0])
    metric = RBFAccuracy()
    assert metric.name == "accuracy"
    metric.update_state(labels[:, None], penalties)
    assert float(ops.convert_to_numpy(metric.result())) == pytest.approx(2 / 3)
    clone = RBFAccuracy.from_config(metric.get_config())
    assert clone.name == "accuracy"
    assert keras.saving.get_registered_name(RBFAccuracy) == "dlrecipes>RBFAccuracy"


def test_map_loss_gradient_float64():
    # d E / d y_i = 1[i == D] - softmax_i over (-y, -j) restricted to the classes.
    rng = np.random.default_rng(17)
    penalties = rng.uniform(0.0, 3.0, size=(1, 4))
    labels = np.array([2])
    numerical = np.zeros_like(penalties)
    for i in range(4):
        step = np.zeros_like(penalties)
        step[0, i] = 1e-6
        numerical[0, i] = (
            _reference_map_loss(labels, penalties + step, 1.0)[0]
            - _reference_map_loss(labels, penalties - step, 1.0)[0]
        ) / 2e-6
    weights = np.exp(-np.concatenate([penalties[0], [1.0]]))
    analytic = -weights[:4] / weights.sum()
    analytic[2] += 1.0
    np.testing.assert_allclose(numerical[0], analytic, rtol=1e-6)
    # The Keras loss follows the same formula.
    with _float64():
        value = RBFMAPLoss(dtype="float64")(labels, penalties)
        assert float(ops.convert_to_numpy(value)) == pytest.approx(
            _reference_map_loss(labels, penalties, 1.0)[0], rel=1e-12
        )


# --------------------------------------------------------------------------- scaled tanh


def test_scaled_tanh_matches_numpy_reference():
    x = np.linspace(-4.0, 4.0, 17).astype("float32")
    expected = 1.7159 * np.tanh(2.0 * x / 3.0)
    np.testing.assert_allclose(ops.convert_to_numpy(scaled_tanh(x)), expected, rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(ScaledTanh()(x)), expected, rtol=1e-6)
    assert float(ops.convert_to_numpy(scaled_tanh(np.float32(1.0)))) == pytest.approx(1.0, abs=1e-4)


def test_scaled_tanh_is_registered_and_serializes_in_layers(tmp_path):
    assert keras.saving.get_registered_name(scaled_tanh) == "dlrecipes>scaled_tanh"
    dense = keras.layers.Dense(3, activation=scaled_tanh)
    assert keras.layers.Dense.from_config(dense.get_config()).activation is scaled_tanh
    # Keras resolves activation *strings* among its built-ins only.
    with pytest.raises(ValueError):
        keras.layers.Dense(3, activation="scaled_tanh")
    x = np.random.default_rng(18).normal(size=(2, 4)).astype("float32")
    _check_save_reload(ScaledTanh(), x, tmp_path)
    _check_save_reload(keras.layers.Dense(3, activation=scaled_tanh), x, tmp_path)


@pytest.mark.skipif(
    BACKEND == "jax",
    reason="Keras' JAX backend computes ops.tanh of float64 inputs in float32 (dtype promotion "
    "with a weak Python float), so there is no float64 path to check.",
)
def test_scaled_tanh_gradients_float64():
    _check_gradients(lambda: ScaledTanh(dtype="float64"), input_shape=(2, 3))
