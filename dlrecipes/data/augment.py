"""Sample expansion in the input pipeline: random shifts and rotations of image batches.

The lectures' "sample expansion" (Simard, Steinkraus & Platt 2003): every training
example is shown shifted and rotated by a fresh random amount each time. It runs on
NumPy batches before they reach the compiled train step, so the model holds only
inference layers (a saved ``model.keras`` has no augmentation in it) and the train
step can still be XLA-compiled (Keras' ``RandomRotation`` / ``RandomTranslation``
inside a model turn XLA off for the whole model).

One affine map per image, sampled bilinearly with zeros outside (Keras'
``fill_mode="constant"``, ``interpolation="bilinear"``)::

    out[p] = x[c + R(-theta) (p - c) - t]

``t = (dy, dx)`` with ``dy ~ U(-shift, shift) * height``, ``dx ~ U(-shift, shift) *
width`` (``RandomTranslation(shift, shift)``), then a rotation by ``theta ~
U(-rotation, rotation) * 2 pi`` about the image centre ``c`` (``RandomRotation``).
"""

from __future__ import annotations

import numpy as np


def augment_images(x: np.ndarray, rng: np.random.Generator, shift: float, rotation: float):
    """Shift and rotate each image of ``x`` by its own random amount.

    Args:
        x: ``(batch, height, width, channels)`` images (background 0).
        rng: the generator the amounts are drawn from (``shift`` draws first).
        shift: largest translation, a fraction of height and width (0 = none).
        rotation: largest rotation, a fraction of a full turn (0 = none).

    Returns:
        An array of ``x``'s shape and dtype.
    """
    if x.ndim != 4:
        raise ValueError(
            "augment_images needs images (batch, height, width, channels). "
            f"Received: x.shape={x.shape}"
        )
    batch, height, width, _ = x.shape
    dy = rng.uniform(-shift, shift, batch) * height if shift else np.zeros(batch)
    dx = rng.uniform(-shift, shift, batch) * width if shift else np.zeros(batch)
    theta = rng.uniform(-rotation, rotation, batch) * 2 * np.pi if rotation else np.zeros(batch)
    return affine_sample(x, dy, dx, theta)


def affine_sample(x: np.ndarray, dy, dx, theta) -> np.ndarray:
    """Translate image ``i`` by ``(dy[i], dx[i])`` pixels, then rotate it by ``theta[i]``
    radians (clockwise as displayed, rows pointing down; Keras' ``RandomRotation`` factor
    ``-theta / (2 pi)``) about its centre;
    bilinear, zeros outside.

    Args:
        x: ``(batch, height, width, channels)``.
        dy, dx, theta: arrays of ``batch`` values.

    Returns:
        An array of ``x``'s shape and dtype.
    """
    batch, height, width, _ = x.shape
    dy, dx, theta = (np.broadcast_to(np.asarray(v, float), (batch,)) for v in (dy, dx, theta))
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")  # (h, w)
    centre_row, centre_col = (height - 1) / 2, (width - 1) / 2
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    rel_row, rel_col = rows - centre_row, cols - centre_col
    # inverse map of each output pixel: undo the rotation, then the translation
    source_row = centre_row + cos * rel_row - sin * rel_col - dy[:, None, None]  # (b, h, w)
    source_col = centre_col + sin * rel_row + cos * rel_col - dx[:, None, None]
    row0, col0 = np.floor(source_row), np.floor(source_col)
    frac_row, frac_col = source_row - row0, source_col - col0
    images = np.arange(batch)[:, None, None]
    out = np.zeros(x.shape, dtype=np.float64)
    for d_row, d_col, weight in (
        (0, 0, (1 - frac_row) * (1 - frac_col)),
        (0, 1, (1 - frac_row) * frac_col),
        (1, 0, frac_row * (1 - frac_col)),
        (1, 1, frac_row * frac_col),
    ):
        r, c = (row0 + d_row).astype(np.int64), (col0 + d_col).astype(np.int64)
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        corner = x[images, np.clip(r, 0, height - 1), np.clip(c, 0, width - 1)]  # (b, h, w, ch)
        out += (weight * inside)[..., None] * corner
    return out.astype(x.dtype)


def augmentation_of(spec, x_train: np.ndarray, seed: int) -> dict | None:
    """The ``Splits.extras["augment"]`` entry for a ``DataSpec`` (``None`` when off).

    Raises:
        ValueError: augmentation asked for inputs that are not images.
    """
    if not (spec.augment_shift or spec.augment_rotation):
        return None
    if x_train.ndim != 4:
        raise ValueError(
            "data.augment_shift / data.augment_rotation need image inputs (examples, height, "
            f"width, channels); {spec.source!r} gives shape {tuple(x_train.shape[1:])} per "
            "example (use data.layout=image or turn augmentation off)"
        )
    return {
        "shift": float(spec.augment_shift),
        "rotation": float(spec.augment_rotation),
        "seed": int(seed),
    }
