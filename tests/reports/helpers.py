"""Helpers of the reports tests: a check that a file is a real, non-empty PNG, a tiny
:class:`~dlrecipes.data.splits.Splits` and the few recipe fields reports read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlrecipes.data.splits import Splits
from dlrecipes.spec import Recipe

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, min_bytes: int = 2000) -> None:
    """``path`` exists, starts with the PNG signature and holds more than a blank canvas."""
    path = Path(path)
    assert path.is_file(), path
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    assert len(data) > min_bytes, (path, len(data))


def make_splits(x, y, *, task="classification", num_classes=2, extras=None, source="unit"):
    """Splits whose train, validation and test arrays are all ``x, y``."""
    x, y = np.asarray(x), np.asarray(y)
    return Splits(
        x_train=x,
        y_train=y,
        x_val=x,
        y_val=y,
        x_test=x,
        y_test=y,
        input_shape=tuple(x.shape[1:]),
        task=task,
        num_classes=num_classes if task == "classification" else 0,
        num_outputs=0 if task == "classification" else int(np.prod(y.shape[1:]) or 1),
        class_names=tuple(str(i) for i in range(num_classes)) if task == "classification" else (),
        source=source,
        extras=dict(extras or {}),
    )


def unit_recipe(**fields):
    """A small valid :class:`~dlrecipes.recipe.Recipe` named ``unit`` (fields override)."""
    return Recipe(
        **{
            "name": "unit",
            "summary": "unit",
            "lecture": "unit",
            "profiles": {"smoke": {}},
            **fields,
        }
    )
