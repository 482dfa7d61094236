"""The bundle every data source returns: train / validation / test arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RawData:
    """What a source loader returns before splitting and preprocessing.

    Attributes:
        x, y: all examples (or the training part when ``x_test`` is given).
        x_test, y_test: the source's own test split, if it has one.
        kind: ``image`` (N, H, W[, C]), ``flat`` (N, D), ``sequence`` (N, T, F),
            ``tokens`` (N, T) integer ids or ``text`` (N,) strings.
        task: ``classification`` or ``regression``.
        value_range: the known (low, high) of the raw values, used by ``scale="unit"``;
            ``None`` when values are already in a sensible range.
        class_names: a name per class, for classification.
        same_splits: no split is made: training uses ``x`` in its order, validation
            and test use ``x_test`` (or ``x`` when there is none), e.g. XOR's corners.
        extras: source-specific metadata (e.g. a vocabulary).
    """

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    kind: str = "flat"
    task: str = "classification"
    value_range: tuple[float, float] | None = None
    class_names: tuple[str, ...] = ()
    same_splits: bool = False
    extras: dict = field(default_factory=dict)


@dataclass
class Splits:
    """Train, validation and test arrays plus what a builder needs to know.

    Attributes:
        x_train, y_train, x_val, y_val, x_test, y_test: NumPy arrays, inputs float32.
        input_shape: the shape of one input example, e.g. ``(8, 8, 1)``.
        task: ``classification`` or ``regression``.
        num_classes: number of classes (0 for regression).
        num_outputs: width of a regression target (0 for classification).
        class_names: a name per class.
        source: the source string the data came from.
        extras: source-specific metadata (e.g. a character vocabulary).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple[int, ...]
    task: str
    num_classes: int
    num_outputs: int
    class_names: tuple[str, ...]
    source: str
    extras: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line: sizes, input shape and classes."""
        what = f"{self.num_classes} classes" if self.num_classes else f"{self.num_outputs} outputs"
        return (
            f"{self.source}: train {len(self.x_train)}, val {len(self.x_val)}, "
            f"test {len(self.x_test)}, input {self.input_shape}, {what}"
        )
