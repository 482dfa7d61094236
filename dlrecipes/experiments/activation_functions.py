"""Activation functions f and their derivatives f', analytic (NumPy) against Keras autodiff.

| name        | f(z)                                  | f'(z)                                    |
|-------------|---------------------------------------|------------------------------------------|
| sigmoid     | 1 / (1 + e^-z)                        | f (1 - f)  (at most 1/4, at z = 0)       |
| tanh        | (e^z - e^-z) / (e^z + e^-z)           | 1 - f^2                                  |
| relu        | max(0, z)                             | 1 if z > 0 else 0                        |
| leaky_relu  | z if z > 0 else 0.1 z                 | 1 if z > 0 else 0.1                      |
| elu         | z if z > 0 else e^z - 1               | 1 if z > 0 else e^z                      |
| softplus    | log(1 + e^z)                          | sigmoid(z)                               |
| maxout      | max_j (w_j z + b_j)  (k pieces)       | w_j* for the winning piece j*            |

The identities the lectures state, checked by :func:`identities`:
``tanh(z) = 2 sigmoid(2z) - 1``, ``softplus'(z) = sigmoid(z)`` and ``max sigmoid' = 1/4``.
:func:`keras_derivative` differentiates the Keras activation with the backend's autodiff
(``keras.activations.leaky_relu`` with ``negative_slope=0.1``; maxout is
:class:`dlrecipes.layers.maxout.Maxout` with one unit and fixed pieces). At the kink
z = 0 autodiff returns one of the one-sided derivatives; the checks avoid z = 0. Two
float32 leaks in Keras 3.15 float64 computations: the leaky slope 0.1 is cast through
float32 (errors ~1.5e-9), and under JAX ``ops.tanh`` returns float32 (errors ~1e-7).

References: Glorot & Bengio 2010; Nair & Hinton 2010 (ReLU); Maas et al. 2013 (leaky
ReLU); Clevert et al. 2016 (ELU); Dugas et al. 2001 (softplus); Goodfellow et al. 2013
(maxout).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: The lectures' leaky-ReLU slope for z < 0.
LEAKY_SLOPE = 0.1
#: Maxout example of one unit with k = 3 pieces w_j z + b_j (a convex piecewise-linear f).
MAXOUT_PIECES = ((-1.0, -0.5), (0.25, 0.0), (1.5, -1.0))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _maxout(z):
    pieces = np.stack([w * z + b for w, b in MAXOUT_PIECES])  # (k, ...)
    return pieces.max(axis=0)


def _maxout_derivative(z):
    pieces = np.stack([w * z + b for w, b in MAXOUT_PIECES])
    slopes = np.array([w for w, _ in MAXOUT_PIECES]).reshape((-1,) + (1,) * np.ndim(z))
    return np.take_along_axis(
        np.broadcast_to(slopes, pieces.shape), pieces.argmax(axis=0)[None], 0
    )[0]


#: name -> (f, f'), NumPy, elementwise.
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype("float64")),
    "leaky_relu": (
        lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
    ),
    "elu": (
        lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
        lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))),
    ),
    "softplus": (lambda z: np.logaddexp(0.0, z), sigmoid),
    "maxout": (_maxout, _maxout_derivative),
}


def _keras_function(name: str):
    """The Keras (keras.ops) version of activation ``name``: a tensor -> tensor function."""
    import keras
    from keras import ops

    if name == "leaky_relu":
        return lambda z: keras.activations.leaky_relu(z, negative_slope=LEAKY_SLOPE)
    if name == "maxout":
        from dlrecipes.layers.maxout import Maxout

        layer = Maxout(1, num_pieces=len(MAXOUT_PIECES), dtype="float64")
        layer.build((None, 1))
        layer.set_weights(
            [
                np.array([[w for w, _ in MAXOUT_PIECES]], "float64"),
                np.array([b for _, b in MAXOUT_PIECES], "float64"),
            ]
        )
        return lambda z: ops.reshape(layer(ops.reshape(z, (-1, 1))), ops.shape(z))
    return keras.activations.get(name)


def keras_derivative(name: str, z) -> tuple[np.ndarray, np.ndarray]:
    """``(f(z), f'(z))`` of the Keras activation ``name`` by automatic differentiation.

    The derivative of an elementwise ``f`` is the gradient of ``sum f(z)`` with respect to
    ``z``. TensorFlow (``GradientTape``) or JAX (``jax.grad``), in float64.
    """
    import keras

    from dlrecipes.backprop import float64_scope

    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation. Expected one of {list(ACTIVATIONS)}. Received: {name!r}"
        )
    z = np.asarray(z, "float64")
    backend = keras.backend.backend()
    with float64_scope():
        function = _keras_function(name)
        if backend == "tensorflow":
            import tensorflow as tf

            tensor = tf.constant(z)
            with tf.GradientTape() as tape:
                tape.watch(tensor)
                values = function(tensor)
                total = tf.reduce_sum(values)
            return np.asarray(values), np.asarray(tape.gradient(total, tensor))
        if backend == "jax":
            import jax
            import jax.numpy as jnp

            values = function(jnp.asarray(z))
            grads = jax.grad(lambda t: jnp.sum(function(t)))(jnp.asarray(z))
            return np.asarray(values), np.asarray(grads)
    raise NotImplementedError(
        f"keras_derivative supports tensorflow and jax. Received: {backend!r}"
    )


def central_difference(function: Callable, z, step: float = 1e-6) -> np.ndarray:
    """``(f(z + h) - f(z - h)) / 2h``: error O(h^2) where f is smooth."""
    z = np.asarray(z, "float64")
    return (function(z + step) - function(z - step)) / (2 * step)


def derivative_errors(z) -> dict[str, dict[str, float]]:
    """Per activation: max |f_keras - f|, max |f'_autodiff - f'|, max |f'_fd - f'| on ``z``."""
    out = {}
    for name, (function, derivative) in ACTIVATIONS.items():
        values, grads = keras_derivative(name, z)
        exact = derivative(z)
        out[name] = {
            "value": float(np.max(np.abs(values - function(z)))),
            "autodiff": float(np.max(np.abs(grads - exact))),
            "finite_differences": float(np.max(np.abs(central_difference(function, z) - exact))),
        }
    return out


def identities(z) -> dict[str, float]:
    """The lectures' identities on the points ``z`` (max absolute deviations) and
    ``sigmoid_derivative_max`` (the largest sigmoid' on a fine grid; 1/4 at z = 0)."""
    z = np.asarray(z, "float64")
    grid = np.linspace(-10, 10, 200_001)
    return {
        "tanh_minus_2_sigmoid_2z_minus_1": float(
            np.max(np.abs(np.tanh(z) - (2 * sigmoid(2 * z) - 1)))
        ),
        "softplus_derivative_minus_sigmoid": float(
            np.max(np.abs(central_difference(ACTIVATIONS["softplus"][0], z) - sigmoid(z)))
        ),
        "sigmoid_derivative_max": float(np.max(ACTIVATIONS["sigmoid"][1](grid))),
    }
