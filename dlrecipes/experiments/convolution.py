"""Convolution by hand and by number: the CNN lecture's formulas written out in NumPy.

Used by the ``conv_demo`` experiment (:mod:`dlrecipes.experiments.cnn`), which
checks each of them against Keras:

- :func:`convolve1d`: 1-D convolution with narrow (``valid``, ``n - k + 1``
  outputs), wide (``full``, ``n + k - 1``) and ``same`` (``n``) padding;
- :func:`convolve2d`: the mathematical (flipped) 2-D convolution, which is the
  cross-correlation with the kernel rotated by 180 degrees;
- :func:`output_size`: ``floor((n + 2 p - k) / s) + 1``;
- :func:`convolution_matrix`: a convolution written as a dense layer whose
  weight matrix is sparse and weight-tied, and :func:`why_cnn_parameters`, the
  parameter counts of fully connected, locally connected and convolutional
  layers on a 1000x1000 image (Ranzato's example in the lectures);
- :func:`shift` and :func:`relative_change`: how much a one-pixel shift of the
  input changes a feature map before and after pooling.

Reference: I. Goodfellow, Y. Bengio and A. Courville, Deep Learning (2016),
sections 9.1-9.3 (Fig. 9.8: max pooling introduces invariance); M. Ranzato,
"Large-scale visual recognition with deep learning", CVPR 2014 tutorial.
"""

from __future__ import annotations

import numpy as np

#: The lectures' 5x5 binary image and 3x3 kernel: the map is 3x3, its top-left value 4.
BINARY_IMAGE = (
    (1, 1, 1, 0, 0),
    (0, 1, 1, 1, 0),
    (0, 0, 1, 1, 1),
    (0, 0, 1, 1, 0),
    (0, 1, 1, 0, 0),
)
X_KERNEL = ((1, 0, 1), (0, 1, 0), (1, 0, 1))

PADDINGS_1D = ("valid", "same", "full")


def convolve1d(signal, kernel, padding: str = "valid") -> np.ndarray:
    """1-D convolution (kernel flipped) with explicit loops.

    ``y[i] = sum_u x[i + u - p] * k[k_len - 1 - u]`` with ``x`` zero outside
    ``0 .. n - 1`` and ``p`` the zeros added on the left:

    ==========  ===========================  ===================
    padding     left zeros ``p``             outputs
    ==========  ===========================  ===================
    ``valid``   0 (narrow)                   ``n - k + 1``
    ``same``    ``k // 2``                   ``n``
    ``full``    ``k - 1`` (wide)             ``n + k - 1``
    ==========  ===========================  ===================

    These are ``numpy.convolve``'s three modes.

    Args:
        signal: ``(n,)``.
        kernel: ``(k,)``, ``k <= n``.
        padding: ``"valid"``, ``"same"`` or ``"full"``.

    Example:
        >>> convolve1d([1, 2, 3, 4], [1, 0, -1]).tolist()
        [2.0, 2.0]
    """
    x = np.asarray(signal, dtype="float64")
    k = np.asarray(kernel, dtype="float64")
    if x.ndim != 1 or k.ndim != 1 or not 1 <= len(k) <= len(x):
        raise ValueError(
            "signal and kernel must be 1-D with 1 <= len(kernel) <= len(signal). "
            f"Received: signal {x.shape}, kernel {k.shape}"
        )
    if padding not in PADDINGS_1D:
        raise ValueError(f"padding must be one of {PADDINGS_1D}. Received: padding={padding!r}")
    n, size = len(x), len(k)
    left = {"valid": 0, "same": size // 2, "full": size - 1}[padding]
    length = {"valid": n - size + 1, "same": n, "full": n + size - 1}[padding]
    flipped = k[::-1]
    out = np.zeros(length)
    for i in range(length):
        for u in range(size):
            position = i + u - left  # index in the unpadded signal
            if 0 <= position < n:
                out[i] += x[position] * flipped[u]
    return out


def convolve2d(image, kernel) -> np.ndarray:
    """Valid 2-D *convolution* (the kernel rotated by 180 degrees), by hand.

    ``(I * K)[i, j] = sum_{u, v} I[i + u, j + v] K[kh - 1 - u, kw - 1 - v]``, i.e.
    the cross-correlation of :func:`dlrecipes.experiments.cnn.cross_correlate`
    with ``rot180(K)``. Libraries compute the cross-correlation and call it
    convolution; the two differ unless the kernel is symmetric under rotation by
    180 degrees (the lectures' X-shaped kernel is).

    Example:
        >>> convolve2d(np.eye(3), [[1, 2], [3, 4]]).tolist()
        [[5.0, 3.0], [2.0, 5.0]]
    """
    from dlrecipes.experiments.cnn import cross_correlate

    return cross_correlate(image, np.rot90(np.asarray(kernel, dtype="float64"), 2))


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a convolution or pooling: ``floor((n + 2 p - k) / s) + 1``.

    Args:
        size: input length ``n``.
        kernel: window length ``k``.
        stride: step ``s`` >= 1.
        padding: zeros ``p`` added on each side.

    Example:
        >>> output_size(32, 5), output_size(28, 2, stride=2), output_size(7, 3, stride=2, padding=1)
        (28, 14, 4)
    """
    for name, value, low in (("size", size, 1), ("kernel", kernel, 1), ("stride", stride, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer. Received: padding={padding!r}")
    if kernel > size + 2 * padding:
        raise ValueError(
            f"the window must fit in the padded input. Received: size={size}, kernel={kernel}, "
            f"padding={padding}"
        )
    return (size + 2 * padding - kernel) // stride + 1


def convolution_matrix(kernel, input_shape) -> np.ndarray:
    """The valid cross-correlation with ``kernel`` as a matrix: ``y = W @ x.ravel()``.

    Row ``r`` (output position ``(i, j)``) holds the kernel at the input
    positions of its window and zeros elsewhere::

        W[(i, j), (i + u, j + v)] = kernel[u, v]

    so a convolution is a dense layer whose matrix is *sparse* (each row has
    ``kh kw`` non-zeros: local connections) and *weight-tied* (every row holds
    the same ``kh kw`` numbers: shared weights). 1-D inputs work the same way
    with ``input_shape = (n,)`` and a 1-D kernel.

    Args:
        kernel: ``(k,)`` or ``(kh, kw)``.
        input_shape: ``(n,)`` or ``(h, w)``, same rank as the kernel.

    Returns:
        ``(num_outputs, num_inputs)`` float64 array.
    """
    kernel = np.asarray(kernel, dtype="float64")
    input_shape = tuple(int(d) for d in input_shape)
    if kernel.ndim not in (1, 2) or kernel.ndim != len(input_shape):
        raise ValueError(
            "kernel and input_shape must both be 1-D or both 2-D. "
            f"Received: kernel {kernel.shape}, input_shape={input_shape}"
        )
    if kernel.ndim == 1:
        kernel, input_shape = kernel[None, :], (1, *input_shape)
    (kh, kw), (h, w) = kernel.shape, input_shape
    out_h, out_w = output_size(h, kh), output_size(w, kw)
    matrix = np.zeros((out_h * out_w, h * w))
    for i in range(out_h):
        for j in range(out_w):
            for u in range(kh):
                for v in range(kw):
                    matrix[i * out_w + j, (i + u) * w + (j + v)] = kernel[u, v]
    return matrix


def why_cnn_parameters(
    image_size: int = 1000, hidden_units: int = 10**6, field: int = 10, filters: int = 100
) -> list[dict]:
    """Weights of one layer on a ``image_size^2`` grey image, three ways (no bias).

    - fully connected: every hidden unit reads every pixel,
      ``hidden_units x image_size^2`` (10^6 x 10^6 = 10^12);
    - locally connected: every hidden unit reads its own ``field x field``
      window, ``hidden_units x field^2`` (10^8);
    - convolutional: ``filters`` shared ``field x field`` kernels,
      ``filters x field^2`` (10^4), whatever the image size.

    These are the rows :func:`convolution_matrix` makes concrete: its size, its
    non-zeros and its distinct values (checked on a small image by the experiment).

    Returns:
        ``[{"layer", "parameters", "formula"}, ...]`` (integers, nothing allocated).
    """
    pixels = image_size * image_size
    return [
        {
            "layer": "fully connected",
            "parameters": hidden_units * pixels,
            "formula": f"{hidden_units:,} units x {pixels:,} pixels",
        },
        {
            "layer": "locally connected",
            "parameters": hidden_units * field * field,
            "formula": f"{hidden_units:,} units x {field}x{field} window",
        },
        {
            "layer": "convolutional (shared)",
            "parameters": filters * field * field,
            "formula": f"{filters} filters x {field}x{field} kernel",
        },
    ]


def shift(images: np.ndarray, pixels: int = 1, axis: int = -1) -> np.ndarray:
    """``images`` moved by ``pixels`` along ``axis`` (right / down), zeros entering."""
    images = np.asarray(images)
    out = np.zeros_like(images)
    n = images.shape[axis]
    source = [slice(None)] * images.ndim
    target = [slice(None)] * images.ndim
    source[axis], target[axis] = slice(0, n - pixels), slice(pixels, n)
    out[tuple(target)] = images[tuple(source)]
    return out


def relative_change(before: np.ndarray, after: np.ndarray) -> float:
    """Mean over examples of ``||after - before|| / ||before||`` (first axis = examples)."""
    before = np.asarray(before, dtype="float64").reshape(len(before), -1)
    after = np.asarray(after, dtype="float64").reshape(len(after), -1)
    norms = np.linalg.norm(before, axis=1)
    keep = norms > 0
    return float(np.mean(np.linalg.norm(after - before, axis=1)[keep] / norms[keep]))
