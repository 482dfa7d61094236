"""The lectures' worked numbers: forward pass, update rules, activations, reverse mode.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import numpy as np
import pytest

from dlrecipes.experiments import activation_functions as af
from dlrecipes.experiments import autodiff as ad
from dlrecipes.experiments import forward_pass as fp
from dlrecipes.experiments import update_rules as ur

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


# ------------------------------------------------------------------ forward pass


def test_lecture_network_gives_the_lecture_outputs_to_two_decimals():
    model = fp.keras_model()
    for x, expected in fp.LECTURE_OUTPUTS.items():
        output = model.predict(np.array([x], "float32"), verbose=0)[0]
        assert [round(float(v), 2) for v in output] == list(expected)
        np.testing.assert_allclose(fp.numpy_forward(x)[-1], output, atol=1e-6)
    hidden = [np.round(a, 2).tolist() for a in fp.numpy_forward((1.0, -1.0))]
    assert hidden == [[0.98, 0.12], [0.86, 0.11], [0.62, 0.83]]


def test_rows_as_inputs_is_a_different_network():
    output = fp.keras_model(transpose=False).predict(np.array([[1.0, -1.0]], "float32"), verbose=0)
    assert abs(output[0, 0] - 0.62) > 0.03  # the kernel must be W^T


# ------------------------------------------------------------------ update rules


@pytest.mark.parametrize("rule", sorted(ur.RULES))
def test_numpy_rule_equals_keras_step_for_step(rule):
    _, gradient = ur.ill_conditioned_quadratic()
    hyper = ur.CHECK_HYPERPARAMETERS[rule]
    w0 = np.array([-2.0, 1.0])
    numpy_path = ur.numpy_trajectory(rule, gradient, w0, 20, **hyper)
    keras_path = ur.keras_trajectory(ur.keras_optimizer(rule, **hyper), gradient, w0, 20)
    tolerance = 1e-5 if rule == "adam" else 1e-12  # paper form vs Keras' epsilon-hat: O(eps)
    np.testing.assert_allclose(numpy_path, keras_path, rtol=0, atol=tolerance)
    assert not np.allclose(numpy_path[-1], w0)  # it moved


def test_momentum_first_steps_by_hand():
    # v1 = -eta g0, w1 = w0 + v1; v2 = a v1 - eta g1 with g = w (scales 1).
    path = ur.numpy_trajectory("momentum", lambda w: w, np.array([1.0]), 2, eta=0.5, a=0.5)
    np.testing.assert_allclose(path[:, 0], [1.0, 0.5, 0.5 + (0.5 * -0.5 - 0.5 * 0.5)])


def test_keras_adagrad_default_accumulator_is_not_the_lectures():
    import keras

    from dlrecipes.backprop import float64_scope

    with float64_scope():
        variable = keras.Variable(np.zeros(1), dtype="float64")
        keras.optimizers.Adagrad(learning_rate=1.0, epsilon=0.0).apply_gradients(
            [(keras.ops.convert_to_tensor(np.array([0.1])), variable)]
        )
        step = -float(variable.numpy()[0])
    assert step == pytest.approx(0.1 / np.sqrt(0.1 + 0.01), rel=1e-6)  # accumulator starts at 0.1
    assert ur.adagrad_effective_rates([0.1])[0] * 0.1 == pytest.approx(1.0)  # lectures: eta


def test_adagrad_example_eta_over_0_22():
    rates = ur.adagrad_effective_rates([0.1, 0.2, 0.3])
    np.testing.assert_allclose(1 / rates, [0.1, 0.2236, 0.3742], atol=1e-4)
    np.testing.assert_allclose(ur.keras_adagrad_effective_rates([0.1, 0.2, 0.3]), rates, rtol=1e-9)


def test_unknown_rule_and_hyperparameter_are_errors():
    with pytest.raises(ValueError, match="Received: 'adamax'"):
        ur.hyperparameters("adamax")
    with pytest.raises(ValueError, match="Received: 'beta'"):
        ur.hyperparameters("adam", beta=0.9)


# ------------------------------------------------------------------ activations


def test_activation_derivatives_autodiff_and_finite_differences():
    import keras

    z = np.linspace(-3, 3, 121) + 0.0025
    for name, entry in af.derivative_errors(z).items():
        # Keras 3.15 under JAX computes ops.tanh in float32 even for float64 inputs.
        limit = 1e-6 if name == "tanh" and keras.backend.backend() == "jax" else 1e-8
        assert entry["value"] < limit * 10, name
        assert entry["autodiff"] < limit, name
        assert entry["finite_differences"] < 1e-6, name


def test_lecture_identities():
    result = af.identities(np.linspace(-5, 5, 101))
    assert result["tanh_minus_2_sigmoid_2z_minus_1"] < 1e-12
    assert result["softplus_derivative_minus_sigmoid"] < 1e-8
    assert result["sigmoid_derivative_max"] == pytest.approx(0.25, abs=1e-12)


def test_leaky_relu_slope_and_maxout_pieces():
    f, d = af.ACTIVATIONS["leaky_relu"]
    assert f(np.array(-2.0)) == pytest.approx(-0.2) and d(np.array(-2.0)) == 0.1
    f, d = af.ACTIVATIONS["maxout"]
    np.testing.assert_allclose(f(np.array([-2.0, 0.0, 2.0])), [1.5, 0.0, 2.0])
    np.testing.assert_allclose(d(np.array([-2.0, 0.0, 2.0])), [-1.0, 0.25, 1.5])


# ------------------------------------------------------------------ reverse mode


def test_sigmoid_neuron_graph_by_hand():
    rows = {name: (value, grad) for name, _, value, grad in ad.table()}
    assert rows["f"][0] == pytest.approx(0.7311, abs=1e-4)
    expected = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "b": 0.20}
    assert {n: round(rows[n][1], 2) for n in expected} == expected
    keras_grads, finite = ad.keras_gradients(), ad.finite_difference_gradients()
    for name in ad.INPUTS:
        assert rows[name][1] == pytest.approx(keras_grads[name], abs=1e-12)
        assert rows[name][1] == pytest.approx(finite[name], abs=1e-8)
    value = rows["f"][0]
    assert rows["z"][1] == pytest.approx(value * (1 - value))  # the sigmoid node collapses


def test_forward_needs_every_input():
    with pytest.raises(ValueError, match="Missing: \\['b'\\]"):
        ad.forward({"w0": 1.0, "x0": 1.0, "w1": 1.0, "x1": 1.0})
