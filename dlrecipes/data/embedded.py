"""Embedded sources: no files, no network.

``digits`` is scikit-learn's bundled copy of the UCI handwritten digits (1,797
8x8 images, values 0..16). The synthetic tasks are generated from the seed:

- ``xor``: the four corners of the unit square, label ``x1 XOR x2`` (train = val = test).
- ``spirals``: two interleaved spirals (Lang & Witbrock 1988), ``num_samples`` points.
- ``blobs``: Gaussian blobs, ``num_classes`` clusters in ``num_features`` dimensions.
- ``function1d``: ``y = f(x)`` on [-1, 1] for a continuous ``function`` (universality).
- ``linear``: ``y = X w + b + noise`` (linear regression; the true ``w`` is kept in extras).
- ``separable``: linearly separable 2-D points with margin ``margin`` (perceptron).
"""

from __future__ import annotations

import numpy as np

from dlrecipes.data.splits import RawData
from dlrecipes.recipe import RecipeError


def _option(options: dict, name: str, default, kind=float, low=None, high=None):
    """``options[name]`` (or ``default``) as ``kind``, within ``[low, high)`` when given."""
    value = options.get(name, default)
    try:
        value = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise RecipeError(
            f"data.options.{name} expects {kind.__name__}. Received: {value!r}"
        ) from None
    if (low is not None and not value >= low) or (high is not None and not value < high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high})"
        raise RecipeError(f"data.options.{name} must be {bounds}. Received: {value!r}")
    return value


def check_options(source: str, options: dict, allowed: tuple[str, ...]) -> None:
    """Reject unknown ``data.options`` keys with the list of allowed ones."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise RecipeError(
            f"data source {source!r} has no option {unknown[0]!r}. "
            f"Expected one of: {', '.join(allowed) or 'none'}"
        )


def digits(argument: str, options: dict, seed: int) -> RawData:
    """scikit-learn's handwritten digits: 1,797 images of 8x8 pixels, values 0..16."""
    from sklearn.datasets import load_digits

    check_options("digits", options, ())
    bunch = load_digits()
    return RawData(
        x=bunch.images.astype("float32"),  # (1797, 8, 8)
        y=bunch.target.astype("int32"),
        kind="image",
        value_range=(0.0, 16.0),
        class_names=tuple(str(i) for i in range(10)),
    )


def xor(argument: str, options: dict, seed: int) -> RawData:
    """The XOR truth table: four points that no linear model separates.

    Option ``repeat`` (default 1) tiles the four points in the training split, so
    that one epoch is ``repeat`` full-batch steps (cheap with ``steps_per_execution``);
    the test split stays the four points.
    """
    check_options("xor", options, ("repeat",))
    repeat = _option(options, "repeat", 1, int, low=1)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
    y = np.array([0, 1, 1, 0], dtype="int32")
    if repeat == 1:
        return RawData(x=x, y=y, kind="flat", class_names=("0", "1"), same_splits=True)
    return RawData(
        x=np.tile(x, (repeat, 1)),
        y=np.tile(y, repeat),
        x_test=x,
        y_test=y,
        kind="flat",
        class_names=("0", "1"),
        same_splits=True,
    )


def parity(argument: str, options: dict, seed: int) -> RawData:
    """All ``2^n`` bit strings of length ``n`` labelled by their parity (n-bit XOR).

    ``parity:8`` gives the 256 strings of 8 bits, ``y = (x_1 + ... + x_n) mod 2``. As for
    ``xor`` there is no split: training and evaluation use the whole truth table, so the
    accuracy measures whether a network *fits* the function -- the lectures' question
    of circuit depth (a depth-2 AND/OR circuit needs ``2^(n-1)`` terms for parity, a
    deep one ``O(n)`` gates; Hastad 1987), not generalisation to unseen strings.

    Args (``argument``): ``n``, the number of bits, 1 to 16 (default 8).
    """
    check_options("parity", options, ())
    try:
        num_bits = int(argument or 8)
    except ValueError:
        num_bits = -1
    if not 1 <= num_bits <= 16:
        raise RecipeError(f"parity:N takes a number of bits from 1 to 16. Received: {argument!r}")
    codes = np.arange(2**num_bits)
    x = ((codes[:, None] >> np.arange(num_bits)[::-1]) & 1).astype("float32")  # (2^n, n)
    y = (x.sum(axis=1) % 2).astype("int32")
    return RawData(x=x, y=y, kind="flat", class_names=("even", "odd"), same_splits=True)


def spirals(argument: str, options: dict, seed: int) -> RawData:
    """Two interleaved spirals; ``num_samples`` points in all, Gaussian ``noise``."""
    check_options("spirals", options, ("num_samples", "noise", "turns"))
    num_samples = _option(options, "num_samples", 1000, int, low=2)
    noise = _option(options, "noise", 0.05, low=0.0)
    turns = _option(options, "turns", 1.5, low=0.0)
    rng = np.random.default_rng(seed)
    half = num_samples // 2
    t = np.sqrt(rng.uniform(0, 1, half)) * turns * 2 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (turns * 2 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise, (2 * half, 2))
    y = np.concatenate([np.zeros(half), np.ones(half)]).astype("int32")
    return RawData(x=x.astype("float32"), y=y, kind="flat", class_names=("0", "1"))


def blobs(argument: str, options: dict, seed: int) -> RawData:
    """Isotropic Gaussian clusters (``sklearn.datasets.make_blobs``)."""
    from sklearn.datasets import make_blobs

    check_options("blobs", options, ("num_samples", "num_classes", "num_features", "std"))
    num_classes = _option(options, "num_classes", 3, int, low=1)
    x, y = make_blobs(
        n_samples=_option(options, "num_samples", 600, int, low=1),
        centers=num_classes,
        n_features=_option(options, "num_features", 2, int, low=1),
        cluster_std=_option(options, "std", 1.0, low=0.0),
        random_state=seed,
    )
    return RawData(
        x=x.astype("float32"),
        y=y.astype("int32"),
        kind="flat",
        class_names=tuple(str(i) for i in range(num_classes)),
    )


FUNCTIONS = {
    "sin": lambda x: np.sin(3 * np.pi * x),
    "abs": np.abs,
    "bump": lambda x: np.exp(-25 * x**2),
    "cubic": lambda x: x**3 - 0.5 * x,
    "sawtooth": lambda x: 2 * (2 * x - np.floor(2 * x + 0.5)),
}


def function1d(argument: str, options: dict, seed: int) -> RawData:
    """Samples of a continuous function on [-1, 1], for the universality theorem."""
    check_options("function1d", options, ("function", "num_samples", "noise"))
    name = str(options.get("function", argument or "sin"))
    if name not in FUNCTIONS:
        raise RecipeError(
            f"function1d has no function {name!r}. Expected one of: {', '.join(FUNCTIONS)}"
        )
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (_option(options, "num_samples", 1000, int, low=1), 1))
    y = FUNCTIONS[name](x) + rng.normal(0, _option(options, "noise", 0.0, low=0.0), x.shape)
    return RawData(x=x.astype("float32"), y=y.astype("float32"), kind="flat", task="regression")


def linear(argument: str, options: dict, seed: int) -> RawData:
    """``y = X w + b + noise`` with a fixed random ``w``; the truth is in ``extras``."""
    check_options("linear", options, ("num_samples", "num_features", "noise"))
    rng = np.random.default_rng(seed)
    num_features = _option(options, "num_features", 3, int, low=1)
    x = rng.normal(0, 1, (_option(options, "num_samples", 500, int, low=1), num_features))
    w = rng.normal(0, 2, (num_features, 1))
    b = rng.normal(0, 1)
    y = x @ w + b + rng.normal(0, _option(options, "noise", 0.1, low=0.0), (len(x), 1))
    return RawData(
        x=x.astype("float32"),
        y=y.astype("float32"),
        kind="flat",
        task="regression",
        extras={"true_weights": w.ravel().tolist(), "true_bias": float(b)},
    )


def separable(argument: str, options: dict, seed: int) -> RawData:
    """Linearly separable 2-D points with a guaranteed ``margin`` around a random line."""
    check_options("separable", options, ("num_samples", "margin"))
    rng = np.random.default_rng(seed)
    num_samples = _option(options, "num_samples", 200, int, low=1)
    margin = _option(options, "margin", 0.1, low=0.0, high=1.0)  # >= sqrt(2) never ends
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    points = []
    while len(points) < num_samples:
        p = rng.uniform(-1, 1, 2)
        if abs(p @ normal) >= margin:
            points.append(p)
    x = np.array(points, dtype="float32")
    y = (x @ normal > 0).astype("int32")
    return RawData(x=x, y=y, kind="flat", class_names=("0", "1"))
