"""Backpropagation written out in NumPy, as in the lectures, and checked two ways.

Notation (one example per *column*; N examples side by side)::

    a^(0) = x                                   (D, N)
    z^(l) = W^(l) a^(l-1) + b^(l)               (n_l, N), W^(l): (n_l, n_{l-1})
    a^(l) = f(z^(l))          for hidden layers l = 1 .. L-1
    a^(L) = softmax(z^(L))    the output, K classes

    J = -(1/N) sum_n sum_k y_kn log a^(L)_kn  +  (lambda / 2) sum_l ||W^(l)||_F^2

Backward pass, from the output down::

    delta^(L) = a^(L) - y                                  (softmax + cross-entropy)
    delta^(l) = f'(z^(l)) * (W^(l+1))^T delta^(l+1)        (* is elementwise)
    dJ/dW^(l) = (1/N) delta^(l) (a^(l-1))^T + lambda W^(l)
    dJ/db^(l) = (1/N) sum_n delta^(l)_n

:func:`backward` implements exactly these lines. :func:`finite_difference_gradients`
perturbs each parameter by +-epsilon (central differences, error O(epsilon^2)),
and :func:`keras_gradients` asks Keras' automatic differentiation for the same
numbers on an equivalent ``Dense`` model (kernel = W^T, penalty (lambda / 2) sum w^2).
In float64 the three agree to about 1e-9 (relative).

References:
    D. E. Rumelhart, G. E. Hinton and R. J. Williams, "Learning representations
    by back-propagating errors", Nature 323, 1986.
    CS231n notes, "Gradient checks" (relative error, central differences).
"""

from __future__ import annotations

import contextlib

import numpy as np

ACTIVATIONS = {
    # name: (f, f') with f' written in terms of z
    "sigmoid": (
        lambda z: 1.0 / (1.0 + np.exp(-z)),
        lambda z: (1.0 / (1.0 + np.exp(-z))) * (1.0 - 1.0 / (1.0 + np.exp(-z))),
    ),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(z.dtype)),
}


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {', '.join(ACTIVATIONS)}. Received: activation={name!r}"
        )
    return ACTIVATIONS[name]


def init_params(layer_sizes, seed: int = 0, dtype="float64"):
    """Glorot-uniform weights and zero biases for layers ``[D, n_1, ..., K]``.

    Returns:
        A list of ``(W, b)`` pairs, ``W^(l)`` of shape ``(n_l, n_{l-1})``, ``b^(l)`` ``(n_l, 1)``.
    """
    sizes = list(layer_sizes)
    if len(sizes) < 2 or any(int(n) < 1 for n in sizes):
        raise ValueError(
            "layer_sizes must list at least two positive sizes [D, ..., K]. "
            f"Received: layer_sizes={sizes}"
        )
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights = rng.uniform(-limit, limit, (fan_out, fan_in)).astype(dtype)
        params.append((weights, np.zeros((fan_out, 1), dtype=dtype)))
    return params


def softmax(z):
    """Column-wise softmax of ``(K, N)`` scores, shifted by the max for stability."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def forward(params, x, activation: str = "sigmoid"):
    """The forward pass; returns ``(zs, activations)`` with ``activations[0] = x``.

    Args:
        params: ``[(W^(1), b^(1)), ..., (W^(L), b^(L))]``.
        x: inputs ``(D, N)``, one example per column.
        activation: hidden nonlinearity f (``sigmoid``, ``tanh``, ``relu``).
    """
    f, _ = _activation(activation)
    zs, activations = [], [x]
    for index, (weights, bias) in enumerate(params):
        z = weights @ activations[-1] + bias  # (n_l, N)
        zs.append(z)
        last = index == len(params) - 1
        activations.append(softmax(z) if last else f(z))
    return zs, activations


def loss(params, x, y, l2: float = 0.0, activation: str = "sigmoid") -> float:
    """J: mean cross-entropy plus ``(l2 / 2) sum ||W||^2``; ``y`` is one-hot ``(K, N)``."""
    _, activations = forward(params, x, activation)
    probabilities = np.clip(activations[-1], 1e-300, 1.0)
    data_term = -np.sum(y * np.log(probabilities)) / x.shape[1]
    return float(data_term + 0.5 * l2 * sum(np.sum(w**2) for w, _ in params))


def backward(params, x, y, l2: float = 0.0, activation: str = "sigmoid"):
    """Backpropagation: the gradients ``[(dJ/dW^(l), dJ/db^(l))]`` of :func:`loss`.

    Args:
        params: ``[(W, b), ...]`` as returned by :func:`init_params`.
        x: inputs ``(D, N)``.
        y: one-hot targets ``(K, N)``.
        l2: lambda of the penalty ``(lambda / 2) sum ||W||^2`` (biases are not penalised).
        activation: hidden nonlinearity.

    Returns:
        Gradients with the shapes of ``params``.
    """
    _, f_prime = _activation(activation)
    zs, activations = forward(params, x, activation)
    num_examples = x.shape[1]
    delta = activations[-1] - y  # delta^(L) = a^(L) - y, (K, N)
    gradients = []
    for layer in range(len(params) - 1, -1, -1):
        weights, _ = params[layer]
        grad_w = delta @ activations[layer].T / num_examples + l2 * weights  # (n_l, n_{l-1})
        grad_b = delta.sum(axis=1, keepdims=True) / num_examples  # (n_l, 1)
        gradients.append((grad_w, grad_b))
        if layer > 0:
            # delta^(l) = f'(z^(l)) * (W^(l+1))^T delta^(l+1)
            delta = f_prime(zs[layer - 1]) * (weights.T @ delta)
    return gradients[::-1]


def finite_difference_gradients(
    params, x, y, l2: float = 0.0, activation: str = "sigmoid", epsilon: float = 1e-6
):
    """Central differences ``(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)``, one
    parameter at a time (2 forward passes per parameter: only for tiny networks)."""
    gradients = []
    for weights, bias in params:
        pair = []
        for array in (weights, bias):
            grad = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                original = array[index]
                array[index] = original + epsilon
                plus = loss(params, x, y, l2, activation)
                array[index] = original - epsilon
                minus = loss(params, x, y, l2, activation)
                array[index] = original
                grad[index] = (plus - minus) / (2 * epsilon)
            pair.append(grad)
        gradients.append(tuple(pair))
    return gradients


def relative_error(a, b) -> float:
    """``||a - b|| / max(||a||, ||b||)`` (0 when both are 0)."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def max_relative_error(gradients_a, gradients_b) -> float:
    """The largest :func:`relative_error` over all parameter tensors."""
    return max(
        relative_error(ga, gb)
        for pair_a, pair_b in zip(gradients_a, gradients_b)
        for ga, gb in zip(pair_a, pair_b)
    )


# ----------------------------------------------------------------------------- Keras side


def float64_scope():
    """A context in which Keras float64 tensors really are float64 (JAX needs x64 mode)."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        return jax.enable_x64(True)
    return contextlib.nullcontext()


def keras_model(params, activation: str = "sigmoid", l2: float = 0.0, dtype="float64"):
    """The Keras equivalent of ``params``: ``Dense`` layers with kernel ``W^T``.

    The penalty is ``(l2 / 2) sum w^2`` per kernel, written as a plain function:
    ``keras.regularizers.L2(c)`` computes the same value but casts ``c`` through
    float32 under TensorFlow (``ops.cast(0.05, "float64")`` is 0.05000000074...),
    which would show up as a 1e-9 disagreement in a float64 check.
    Note also that under JAX, Keras 3.15's ``ops.tanh`` returns float32 for
    float64 inputs; use ``sigmoid`` (or ``relu``) for float64 checks there.
    """
    import keras
    from keras import ops

    half = 0.5 * float(l2)

    def penalty(weights):
        return half * ops.sum(ops.square(weights))

    inputs = keras.Input(shape=(params[0][0].shape[1],), dtype=dtype)
    x = inputs
    for index, (weights, _) in enumerate(params):
        last = index == len(params) - 1
        x = keras.layers.Dense(
            weights.shape[0],
            activation="softmax" if last else activation,
            kernel_regularizer=penalty if l2 else None,
            dtype=dtype,
            name=f"layer_{index + 1}",
        )(x)
    model = keras.Model(inputs, x, name="backprop_check")
    for layer, (weights, bias) in zip(model.layers[1:], params):
        layer.set_weights([weights.T, bias[:, 0]])
    return model


def keras_gradients(model, x, y, loss_fn, training: bool = True):
    """Automatic differentiation: gradients of ``loss_fn(y, model(x)) + sum(model.losses)``.

    Dispatches on the backend (TensorFlow ``GradientTape`` or ``jax.grad`` over
    ``stateless_call``).

    Args:
        model: a built ``keras.Model``.
        x, y: a batch, rows as examples (Keras layout).
        loss_fn: a ``keras.losses.Loss`` (or callable ``(y_true, y_pred) -> scalar``).

    Returns:
        NumPy arrays, one per ``model.trainable_variables`` entry, in that order.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            outputs = model(x, training=training)
            objective = loss_fn(y, outputs)
            if model.losses:
                objective = objective + tf.add_n(model.losses)
        grads = tape.gradient(objective, [v.value for v in model.trainable_variables])
        return [np.asarray(g) for g in grads]
    if backend == "jax":
        import jax

        non_trainable = [v.value for v in model.non_trainable_variables]

        def objective(trainable):
            outputs, _, losses = model.stateless_call(
                trainable, non_trainable, x, training=training, return_losses=True
            )
            value = loss_fn(y, outputs)
            return value + sum(losses) if losses else value

        grads = jax.grad(objective)([v.value for v in model.trainable_variables])
        return [np.asarray(g) for g in grads]
    raise NotImplementedError(
        f"keras_gradients supports the tensorflow and jax backends. Received: {backend!r}"
    )


def keras_backprop_gradients(params, x, y, l2: float = 0.0, activation: str = "sigmoid"):
    """Keras autodiff gradients of :func:`loss`, in the NumPy layout ``[(dW, db), ...]``.

    Args:
        params, x, y, l2, activation: as in :func:`backward` (columns are examples).
    """
    import keras

    with float64_scope():
        model = keras_model(params, activation, l2)
        loss_fn = keras.losses.CategoricalCrossentropy(dtype="float64")
        grads = keras_gradients(model, x.T.astype("float64"), y.T.astype("float64"), loss_fn)
    # Dense kernels are (n_{l-1}, n_l) and biases (n_l,): back to W (n_l, n_{l-1}), b (n_l, 1).
    return [(grads[2 * i].T, grads[2 * i + 1][:, None]) for i in range(len(params))]
