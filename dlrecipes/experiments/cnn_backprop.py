"""Backpropagation through convolution and pooling, by hand in NumPy (the CNN lecture's formulas).

One example, channels last, float64. Each layer has a forward pass and a
backward pass that takes the upstream gradient ``delta = dL/dy`` and returns
the gradients of the loss with respect to its input and its parameters:

=======================  =====================================================================
layer                    backward pass (``*``: valid cross-correlation, ``up``: up-sampling)
=======================  =====================================================================
convolution              ``dW[:, :, c, k] = x_c * delta_k``; ``db_k = sum delta_k``;
                         ``dx_c = sum_k pad(delta_k, kh - 1, kw - 1) * rot180(W[:, :, c, k])``
                         (a *full* convolution of ``delta`` with the kernel)
max pooling              ``dx = up(delta) . mask``: each window's gradient goes to its maximum
average pooling          ``dx = up(delta) / (p p)``: spread evenly over the window
trainable subsampling    ``y = f(a)``, ``a = coefficient * window sum + bias`` (LeNet S2/S4):
                         ``da = delta . f'(a)``; ``dcoefficient = sum da . window sum``;
                         ``dbias = sum da``; ``dx = coefficient . up(da)``
=======================  =====================================================================

``up(d)`` repeats each value over its ``p x p`` window (``np.kron(d, ones)``).
The ``cnn_backprop`` experiment checks each against Keras autodiff (the stock
layers and :class:`~dlrecipes.layers.TrainableSubsampling2D`) and against
central finite differences of the NumPy forward pass.

Reference: the lecture notes' backpropagation in CNNs; J. Bouvrie, "Notes on
convolutional neural networks" (2006); I. Goodfellow, Y. Bengio and A.
Courville, Deep Learning (2016), section 9.5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dlrecipes.experiments.cnn import cross_correlate
from dlrecipes.layers.scaled_tanh import SCALED_TANH_AMPLITUDE, SCALED_TANH_SLOPE


def conv2d_forward(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Valid, stride-1 convolution (cross-correlation, as Keras ``Conv2D``).

    ``y[i, j, k] = b_k + sum_{u, v, c} x[i + u, j + v, c] W[u, v, c, k]``.

    Args:
        x: ``(H, W, C_in)``.
        kernel: ``(kh, kw, C_in, C_out)``.
        bias: ``(C_out,)``.

    Returns:
        ``(H - kh + 1, W - kw + 1, C_out)``.
    """
    return np.stack(
        [
            sum(cross_correlate(x[:, :, c], kernel[:, :, c, k]) for c in range(x.shape[-1]))
            + bias[k]
            for k in range(kernel.shape[-1])
        ],
        axis=-1,
    )


def conv2d_backward(x: np.ndarray, kernel: np.ndarray, delta: np.ndarray):
    """Gradients of a convolution from ``delta = dL/dy`` ``(H', W', C_out)``.

    Returns:
        ``(dx, dkernel, dbias)`` with the shapes of ``x``, ``kernel`` and the bias.
        ``dx`` uses the rot180 formula: ``delta`` zero-padded by ``kh - 1, kw - 1``
        cross-correlated with the kernel rotated by 180 degrees.
    """
    kh, kw, in_channels, out_channels = kernel.shape
    dkernel = np.zeros_like(kernel)
    for c in range(in_channels):
        for k in range(out_channels):
            dkernel[:, :, c, k] = cross_correlate(x[:, :, c], delta[:, :, k])  # (kh, kw)
    dbias = delta.sum(axis=(0, 1))
    padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
    # (H' + 2 (kh - 1), W' + 2 (kw - 1), C_out) = (H + kh - 1, W + kw - 1, C_out)
    dx = np.stack(
        [
            sum(
                cross_correlate(padded[:, :, k], np.rot90(kernel[:, :, c, k], 2))
                for k in range(out_channels)
            )
            for c in range(in_channels)
        ],
        axis=-1,
    )  # (H, W, C_in)
    return dx, dkernel, dbias


def _windows(x: np.ndarray, pool: int) -> np.ndarray:
    """``(H, W, C)`` -> ``(H // p, W // p, C, p * p)``: each non-overlapping window's values."""
    height, width, channels = x.shape
    rows, columns = height // pool, width // pool
    blocks = x[: rows * pool, : columns * pool].reshape(rows, pool, columns, pool, channels)
    return blocks.transpose(0, 2, 4, 1, 3).reshape(rows, columns, channels, pool * pool)


def upsample(delta: np.ndarray, pool: int, shape: Sequence[int]) -> np.ndarray:
    """Each value of ``delta`` ``(H', W', C)`` repeated over its ``pool x pool`` window.

    Rows and columns that no window covered (odd sizes) get 0; the result has ``shape``.
    """
    out = np.zeros(shape)
    up = np.kron(delta, np.ones((pool, pool, 1)))  # (H' p, W' p, C)
    out[: up.shape[0], : up.shape[1]] = up
    return out


def max_pool_forward(x: np.ndarray, pool: int = 2) -> np.ndarray:
    """Non-overlapping ``pool x pool`` max pooling of ``(H, W, C)``."""
    return _windows(x, pool).max(axis=-1)


def max_pool_backward(x: np.ndarray, delta: np.ndarray, pool: int = 2) -> np.ndarray:
    """``dx = up(delta) . mask``, ``mask`` = 1 at each window's (first) maximum, else 0."""
    windows = _windows(x, pool)  # (H', W', C, p p)
    winner = np.eye(pool * pool)[windows.argmax(axis=-1)]  # (H', W', C, p p) one-hot
    rows, columns, channels = delta.shape
    routed = (winner * delta[..., None]).reshape(rows, columns, channels, pool, pool)
    dx = np.zeros(x.shape)
    dx[: rows * pool, : columns * pool] = routed.transpose(0, 3, 1, 4, 2).reshape(
        rows * pool, columns * pool, channels
    )
    return dx


def average_pool_forward(x: np.ndarray, pool: int = 2) -> np.ndarray:
    """Non-overlapping ``pool x pool`` average pooling of ``(H, W, C)``."""
    return _windows(x, pool).mean(axis=-1)


def average_pool_backward(x: np.ndarray, delta: np.ndarray, pool: int = 2) -> np.ndarray:
    """``dx = up(delta) / pool^2``."""
    return upsample(delta, pool, x.shape) / (pool * pool)


def scaled_tanh(a):
    """``f(a) = 1.7159 tanh(2a / 3)`` (LeNet-5's squashing function)."""
    return SCALED_TANH_AMPLITUDE * np.tanh(SCALED_TANH_SLOPE * np.asarray(a))


def scaled_tanh_derivative(a):
    """``f'(a) = 1.7159 (2/3) (1 - tanh^2(2a / 3))``."""
    return SCALED_TANH_AMPLITUDE * SCALED_TANH_SLOPE * (1 - np.tanh(SCALED_TANH_SLOPE * a) ** 2)


def subsampling_forward(x, coefficient, bias, pool: int = 2) -> np.ndarray:
    """LeNet-5's S2 / S4: ``f(coefficient_c * window sum + bias_c)`` with the scaled tanh."""
    return scaled_tanh(coefficient * _windows(x, pool).sum(axis=-1) + bias)


def subsampling_backward(x, coefficient, bias, delta, pool: int = 2):
    """Gradients of :func:`subsampling_forward` -> ``(dx, dcoefficient, dbias)``."""
    sums = _windows(x, pool).sum(axis=-1)  # (H', W', C)
    da = delta * scaled_tanh_derivative(coefficient * sums + bias)
    dx = upsample(da * coefficient, pool, x.shape)
    return dx, (da * sums).sum(axis=(0, 1)), da.sum(axis=(0, 1))


def central_differences(
    objective: Callable[[], float], arrays: Sequence[np.ndarray], epsilon: float = 1e-6
) -> list[np.ndarray]:
    """``(L(theta + eps e_i) - L(theta - eps e_i)) / (2 eps)`` for every entry of each array.

    ``objective`` reads the arrays, which are perturbed in place and restored.
    """
    gradients = []
    for array in arrays:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + epsilon
            plus = objective()
            array[index] = original - epsilon
            minus = objective()
            array[index] = original
            grad[index] = (plus - minus) / (2 * epsilon)
        gradients.append(grad)
    return gradients


# ----------------------------------------------------------------------------- Keras side


def keras_layer_gradients(layer, x: np.ndarray, delta: np.ndarray) -> list[np.ndarray]:
    """Autodiff gradients of ``L = sum(delta . layer(x))`` w.r.t. ``x`` and the layer's weights.

    ``x`` is one example ``(H, W, C)``; the layer is built in float64 (TensorFlow
    ``GradientTape`` or ``jax.grad`` over ``stateless_call``).

    Returns:
        ``[dL/dx, dL/dw for w in layer.trainable_weights]`` as NumPy arrays.
    """
    import keras

    batch, upstream = x[None], delta[None]
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        inputs = tf.constant(batch)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            objective = tf.reduce_sum(upstream * layer(inputs))
        grads = tape.gradient(objective, [inputs, *[w.value for w in layer.trainable_weights]])
    elif backend == "jax":
        import jax

        non_trainable = [w.value for w in layer.non_trainable_weights]

        def objective(inputs, trainable):
            outputs, _ = layer.stateless_call(trainable, non_trainable, inputs)
            return (upstream * outputs).sum()

        dx, dweights = jax.grad(objective, argnums=(0, 1))(
            batch, [w.value for w in layer.trainable_weights]
        )
        grads = [dx, *dweights]
    else:
        raise NotImplementedError(
            f"keras_layer_gradients supports tensorflow and jax. Received: {backend!r}"
        )
    grads = [np.asarray(g, dtype="float64") for g in grads]
    return [grads[0][0], *grads[1:]]


def _keras_layers(kernel, bias, coefficient, subsampling_bias):
    """The stock Keras layers (and LeNet's subsampling) holding the given weights, float64."""
    import keras

    from dlrecipes.layers.scaled_tanh import scaled_tanh as keras_scaled_tanh
    from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D

    conv = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], dtype="float64")
    conv.build((None, None, None, kernel.shape[2]))
    conv.kernel.assign(kernel)
    conv.bias.assign(bias)
    subsampling = TrainableSubsampling2D(2, activation=keras_scaled_tanh, dtype="float64")
    subsampling.build((None, None, None, len(coefficient)))
    subsampling.coefficient.assign(coefficient)
    subsampling.bias.assign(subsampling_bias)
    return {
        "convolution": conv,
        "max pooling": keras.layers.MaxPooling2D(2, dtype="float64"),
        "average pooling": keras.layers.AveragePooling2D(2, dtype="float64"),
        "trainable subsampling": subsampling,
    }


def relative_error(a, b) -> float:
    """``||a - b|| / max(||a||, ||b||)`` (0 when both are 0)."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def check_layers(image: np.ndarray, seed: int = 0, filters: int = 3) -> dict:
    """Each layer's NumPy gradients vs Keras autodiff vs central differences, on ``image``.

    ``image`` ``(H, W, 1)`` goes through a 3x3 convolution with ``filters`` maps;
    its output ``(H - 2, W - 2, filters)`` is the input of the three pooling
    layers. Each layer gets its own random upstream gradient ``delta``.

    Returns:
        ``{layer: {"inputs", "delta", "numpy", "autodiff", "finite", "errors"}}``:
        ``numpy`` / ``autodiff`` / ``finite`` are lists ``[dx, *d params]``;
        ``errors`` holds the three pairwise max relative errors.
    """
    from dlrecipes.backprop import float64_scope

    rng = np.random.default_rng(seed)
    kernel = rng.normal(scale=0.5, size=(3, 3, image.shape[-1], filters))
    bias = rng.normal(scale=0.1, size=filters)
    coefficient = rng.normal(scale=0.5, size=filters)
    subsampling_bias = rng.normal(scale=0.1, size=filters)
    image = np.array(image, dtype="float64")
    pooled_input = conv2d_forward(image, kernel, bias)  # (H - 2, W - 2, filters)
    cases = {
        "convolution": (
            image,
            [kernel, bias],
            lambda x: conv2d_forward(x, kernel, bias),
            lambda x, d: conv2d_backward(x, kernel, d),
        ),
        "max pooling": (pooled_input, [], max_pool_forward, lambda x, d: [max_pool_backward(x, d)]),
        "average pooling": (
            pooled_input,
            [],
            average_pool_forward,
            lambda x, d: [average_pool_backward(x, d)],
        ),
        "trainable subsampling": (
            pooled_input,
            [coefficient, subsampling_bias],
            lambda x: subsampling_forward(x, coefficient, subsampling_bias),
            lambda x, d: subsampling_backward(x, coefficient, subsampling_bias, d),
        ),
    }
    results = {}
    with float64_scope():
        layers = _keras_layers(kernel, bias, coefficient, subsampling_bias)
        for name, (x, params, forward, backward) in cases.items():
            x = np.array(x)
            delta = rng.normal(size=forward(x).shape)
            numpy_grads = [np.asarray(g) for g in backward(x, delta)]
            autodiff = keras_layer_gradients(layers[name], x, delta)

            def objective(x=x, forward=forward, delta=delta):  # reads x, params in place
                return float(np.sum(delta * forward(x)))

            finite = central_differences(objective, [x, *params])
            pairs = {
                "numpy_vs_autodiff": (numpy_grads, autodiff),
                "numpy_vs_finite_differences": (numpy_grads, finite),
                "autodiff_vs_finite_differences": (autodiff, finite),
            }
            errors = {
                key: max(relative_error(a, b) for a, b in zip(*grads, strict=True))
                for key, grads in pairs.items()
            }
            results[name] = {
                "inputs": x,
                "delta": delta,
                "numpy": numpy_grads,
                "autodiff": autodiff,
                "finite": finite,
                "errors": errors,
            }
    return results


def cnn_backprop(recipe, run_dir) -> dict:
    """Convolution, max / average pooling and LeNet's subsampling backpropagated by hand.

    The first training image of ``data.source`` (a digit, plus ``model.options.noise``
    Gaussian noise so that no two values of a pooling window tie) goes through
    :func:`check_layers`; every gradient (input and parameters) of the NumPy
    formulas of this module must equal Keras autodiff and central finite
    differences (float64).

    ``model.options``: ``filters`` (maps of the 3x3 convolution, default 3) and
    ``noise`` (default 0.01).

    Writes ``plots/cnn_backprop.png``: per layer its input, the upstream
    gradient, the NumPy input gradient (up-sampling / rot180) and autodiff's.

    Returns:
        ``max_relative_error`` (the largest over every layer and pair, the expect
        metric) and ``<layer>_<pair>`` for each layer and pair.
    """
    from pathlib import Path

    from dlrecipes import data as data_sources
    from dlrecipes.reports.convolution import plot_gradient_maps

    options = {"filters": 3, "noise": 0.01, **dict(recipe.model.options)}
    splits = data_sources.load(recipe.data, seed=recipe.seed)
    if splits.x_train.ndim != 4:
        raise ValueError(
            "cnn_backprop needs image data (batch, height, width, channels). "
            f"Received: {recipe.data.source!r} with inputs of shape {splits.x_train.shape}"
        )
    rng = np.random.default_rng(recipe.seed)
    image = np.asarray(splits.x_train[0], dtype="float64")  # (H, W, C)
    image = image + float(options["noise"]) * rng.standard_normal(image.shape)
    results = check_layers(image, seed=recipe.seed, filters=int(options["filters"]))
    plot_gradient_maps(results, Path(run_dir) / "plots" / "cnn_backprop.png")
    metrics = {
        f"{name.replace(' ', '_')}_{pair}": value
        for name, result in results.items()
        for pair, value in result["errors"].items()
    }
    metrics["max_relative_error"] = max(metrics.values())
    metrics["checked_parameters"] = int(
        sum(g.size for result in results.values() for g in result["numpy"])
    )
    return metrics
