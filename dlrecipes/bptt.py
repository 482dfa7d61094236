"""Backpropagation through time written out in NumPy, as in the lectures, and checked.

A simple RNN reads ``x_1 .. x_T`` and regresses from its last state (one
sequence per *row*; N sequences side by side, the Keras layout)::

    z_t = x_t W^T + h_{t-1} U^T + b          (N, H); W: (H, D), U: (H, H), h_0 = 0
    h_t = f(z_t)                              f = tanh (or relu, sigmoid)
    y   = h_T V^T + c                         (N, K); V: (K, H)
    J   = (1 / (N K)) sum_n sum_k (y_nk - t_nk)^2          (Keras' "mse")

Backward through time, from the output down to the first step::

    dJ/dy     = (2 / (N K)) (y - t)
    dJ/dh_T   = dJ/dy V
    dJ/dz_t   = dJ/dh_t * f'(z_t)                             (* is elementwise)
    dJ/dh_t-1 = dJ/dz_t U        i.e.  delta_{t-1} = U^T diag(f'(z_t)) delta_t
    dJ/dW = sum_t (dJ/dz_t)^T x_t,  dJ/dU = sum_t (dJ/dz_t)^T h_{t-1},
    dJ/db = sum_t sum_n dJ/dz_t,    dJ/dx_t = dJ/dz_t W

So the error that reaches step ``t`` from step ``T`` is a product of ``T - t``
factors ``U^T diag(f'(z))``: with ``||U|| * max f' = gamma < 1`` it shrinks like
``gamma^(T-t)`` (vanishing gradients), with ``gamma > 1`` it can grow
exponentially (exploding gradients; Bengio, Simard & Frasconi 1994; Pascanu,
Mikolov & Bengio 2013). :func:`backward` implements exactly these lines;
:func:`finite_difference_gradients` and :func:`keras_gradients` (a Keras
``SimpleRNN`` + ``Dense`` with the same weights) check it. In float64 the three
agree to about 1e-9 (relative).

Example::

    >>> params = init_params(input_size=2, hidden_size=3, output_size=1, seed=0)
    >>> x = np.random.default_rng(0).normal(size=(4, 5, 2))       # (N, T, D)
    >>> t = np.zeros((4, 1))
    >>> grads = backward(params, x, t)
    >>> sorted(grads) == sorted(params)
    True
"""

from __future__ import annotations

import numpy as np

from dlrecipes.backprop import ACTIVATIONS, float64_scope, relative_error

__all__ = [
    "PARAMETERS",
    "autodiff_dtype",
    "backward",
    "check",
    "finite_difference_gradients",
    "forward",
    "init_params",
    "keras_gradients",
    "keras_model",
    "loss",
    "relative_error",
]

PARAMETERS = ("W", "U", "b", "V", "c")


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {', '.join(ACTIVATIONS)}. Received: activation={name!r}"
        )
    return ACTIVATIONS[name]


def init_params(
    input_size: int, hidden_size: int, output_size: int, seed: int = 0, recurrent_scale=1.0
) -> dict[str, np.ndarray]:
    """Glorot-uniform ``W``, ``V``; an orthogonal ``U`` scaled by ``recurrent_scale`` (its
    spectral radius); zero biases; float64."""
    rng = np.random.default_rng(seed)

    def glorot(rows, columns):
        limit = np.sqrt(6.0 / (rows + columns))
        return rng.uniform(-limit, limit, size=(rows, columns))

    orthogonal, _ = np.linalg.qr(rng.normal(size=(hidden_size, hidden_size)))
    return {
        "W": glorot(hidden_size, input_size),
        "U": recurrent_scale * orthogonal,
        "b": np.zeros(hidden_size),
        "V": glorot(output_size, hidden_size),
        "c": np.zeros(output_size),
    }


def forward(params, x, activation: str = "tanh"):
    """The forward pass over ``x`` ``(N, T, D)``; returns ``(zs, hs, y)`` with ``hs[0] = h_0``.

    ``zs[t - 1]`` and ``hs[t]`` are ``z_t`` and ``h_t`` ``(N, H)``; ``y`` is ``(N, K)``.
    """
    f, _ = _activation(activation)
    x = np.asarray(x, dtype="float64")
    if x.ndim != 3:
        raise ValueError(f"x must be (batch, time, features). Received: shape {x.shape}")
    hs = [np.zeros((x.shape[0], params["U"].shape[0]))]
    zs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ params["W"].T + hs[-1] @ params["U"].T + params["b"]  # (N, H)
        zs.append(z)
        hs.append(f(z))
    y = hs[-1] @ params["V"].T + params["c"]  # (N, K)
    return zs, hs, y


def loss(params, x, targets, activation: str = "tanh") -> float:
    """J: the mean squared error of the last-step regression (Keras' ``mse``)."""
    _, _, y = forward(params, x, activation)
    return float(np.mean((y - np.asarray(targets, dtype="float64")) ** 2))


def backward(params, x, targets, activation: str = "tanh", return_steps: bool = False):
    """Backpropagation through time: the gradients of :func:`loss` by parameter name.

    Args:
        params: ``{"W", "U", "b", "V", "c"}`` as from :func:`init_params`.
        x: inputs ``(N, T, D)``.
        targets: ``(N, K)``.
        activation: the hidden units' ``f``.
        return_steps: also return ``||dJ/dx_t||`` and ``||dJ/dh_t||`` per step ``t = 1..T``
            (Frobenius norms over the batch), the signal that vanishes or explodes.

    Returns:
        ``{name: dJ/dname}``, and with ``return_steps`` a second dict
        ``{"input_gradient_norm": (T,), "state_gradient_norm": (T,)}``.
    """
    _, f_prime = _activation(activation)
    x = np.asarray(x, dtype="float64")
    zs, hs, y = forward(params, x, activation)
    n, k = y.shape
    grads = {name: np.zeros_like(params[name]) for name in PARAMETERS}
    dy = 2.0 / (n * k) * (y - np.asarray(targets, dtype="float64"))  # (N, K)
    grads["V"] = dy.T @ hs[-1]
    grads["c"] = dy.sum(axis=0)
    delta = dy @ params["V"]  # dJ/dh_T: (N, H)
    steps = x.shape[1]
    input_norms, state_norms = np.zeros(steps), np.zeros(steps)
    for t in reversed(range(steps)):  # t is step t + 1 of the notes
        state_norms[t] = np.linalg.norm(delta)
        dz = delta * f_prime(zs[t])  # (N, H)
        grads["W"] += dz.T @ x[:, t]
        grads["U"] += dz.T @ hs[t]  # h_{t-1} of the notes
        grads["b"] += dz.sum(axis=0)
        input_norms[t] = np.linalg.norm(dz @ params["W"])  # ||dJ/dx_t||
        delta = dz @ params["U"]  # dJ/dh_{t-1} = U^T diag(f'(z_t)) dJ/dh_t
    if return_steps:
        return grads, {"input_gradient_norm": input_norms, "state_gradient_norm": state_norms}
    return grads


def finite_difference_gradients(params, x, targets, activation="tanh", epsilon=1e-6):
    """Central differences ``(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)`` for
    every parameter entry (slow: two forward passes per entry; for tiny checks)."""
    grads = {}
    for name in PARAMETERS:
        grad = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            shifted = {key: value.copy() for key, value in params.items()}
            shifted[name][index] += epsilon
            plus = loss(shifted, x, targets, activation)
            shifted[name][index] -= 2 * epsilon
            minus = loss(shifted, x, targets, activation)
            grad[index] = (plus - minus) / (2 * epsilon)
        grads[name] = grad
    return grads


def keras_model(params, activation: str = "tanh", dtype: str = "float64"):
    """The Keras equivalent: ``SimpleRNN`` (kernel ``W^T``, recurrent kernel ``U^T``, bias
    ``b``) then ``Dense`` (kernel ``V^T``, bias ``c``)."""
    import keras

    hidden, inputs = params["W"].shape
    outputs = params["V"].shape[0]
    x = keras.Input((None, inputs), dtype=dtype)
    rnn = keras.layers.SimpleRNN(hidden, activation=activation, dtype=dtype, name="rnn")
    dense = keras.layers.Dense(outputs, dtype=dtype, name="output")
    model = keras.Model(x, dense(rnn(x)))
    rnn.set_weights([params["W"].T, params["U"].T, params["b"]])
    dense.set_weights([params["V"].T, params["c"]])
    return model


def autodiff_dtype() -> str:
    """float64, except under JAX, whose Keras backend evaluates ``tanh`` of float64 inputs in
    float32 and so cannot run a float64 ``SimpleRNN`` (the scan's carry changes dtype)."""
    import keras

    return "float32" if keras.backend.backend() == "jax" else "float64"


def keras_gradients(params, x, targets, activation: str = "tanh") -> dict[str, np.ndarray]:
    """Keras' automatic differentiation of the same loss, in the NumPy layout of
    :func:`backward` (kernels transposed back), in :func:`autodiff_dtype`."""
    import keras

    from dlrecipes.backprop import keras_gradients as autodiff

    dtype = autodiff_dtype()
    with float64_scope():
        model = keras_model(params, activation, dtype=dtype)

        def mse(y_true, y_pred):  # a plain function: Keras' loss objects compute in float32
            return keras.ops.mean(keras.ops.square(y_pred - y_true))

        grads = autodiff(
            model, np.asarray(x, dtype), np.asarray(targets, dtype), mse, training=False
        )
    # trainable_variables: SimpleRNN kernel, recurrent kernel, bias; Dense kernel, bias
    kernel, recurrent, bias, dense_kernel, dense_bias = (np.asarray(g, "float64") for g in grads)
    return {"W": kernel.T, "U": recurrent.T, "b": bias, "V": dense_kernel.T, "c": dense_bias}


def check(params, x, targets, activation: str = "tanh") -> dict[str, float]:
    """Max relative errors between BPTT by hand, autodiff and finite differences."""
    by_hand = backward(params, x, targets, activation)
    autodiff = keras_gradients(params, x, targets, activation)
    numeric = finite_difference_gradients(params, x, targets, activation)

    def error(a, b):
        return max(relative_error(a[name], b[name]) for name in PARAMETERS)

    return {
        "bptt_vs_autodiff": error(by_hand, autodiff),
        "bptt_vs_finite_differences": error(by_hand, numeric),
        "autodiff_vs_finite_differences": error(autodiff, numeric),
    }
