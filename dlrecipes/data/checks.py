"""What a source's arrays must hold before anything is split, built or trained on them.

A data source can be a user's file, so its arrays are checked where they enter
the library (:func:`dlrecipes.data.load_raw` calls :func:`check_raw` on every
loader's result), not discovered later as a crash inside Keras or as a loss
that "diverges":

- every array is numeric (no strings, no objects) and holds at least one example;
- inputs and targets have the same number of examples, and a source's own test
  split has the shape of its training split;
- inputs, and regression targets, are finite: a NaN pixel is named as such,
  not blamed on the learning rate;
- class labels are whole numbers in ``[0, num_classes)``, one per example (or
  one per time step for ``tokens``): images given as labels, negative labels and
  labels beyond the class names are named with the value found.

Each failure is one :class:`~dlrecipes.data.errors.DataUnavailableError` line
naming the source, the array and what it holds, e.g. ``npz:d.npz: x holds 1
non-finite value (NaN or infinity), first at index (1, 0); expected finite inputs``.
"""

from __future__ import annotations

import numpy as np

from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.splits import RawData

#: NumPy dtype kinds a source may hold: booleans, integers, unsigned integers, floats.
NUMERIC_KINDS = "biuf"


def check_numeric(source: str, name: str, array) -> np.ndarray:
    """``array`` as a NumPy array of numbers, or a one-line error naming its dtype.

    Args:
        source: the source string, for the message (``"npz:data.npz"``).
        name: the array's name in the source (``"x_train"``).
        array: what the source holds.
    """
    array = np.asarray(array)
    if array.dtype.kind not in NUMERIC_KINDS:
        raise DataUnavailableError(
            f"{source}: {name} holds {_dtype_words(array.dtype)} (dtype {array.dtype}); "
            "expected numbers (integer or float arrays)"
        )
    return array


def check_text(source: str, name: str, array) -> np.ndarray:
    """``array`` as a 1-D array of Python strings (one text per example), or one line."""
    array = np.asarray(array, dtype=object)
    if array.ndim != 1 or not all(isinstance(text, str) for text in array):
        raise DataUnavailableError(
            f"{source}: {name} has shape {array.shape} and holds "
            f"{type(array.flat[0]).__name__ if array.size else 'nothing'}; expected one string "
            "per example (text data)"
        )
    return array


def _dtype_words(dtype: np.dtype) -> str:
    return {
        "U": "strings",
        "S": "byte strings",
        "O": "Python objects",
        "c": "complex numbers",
        "M": "dates",
        "m": "time deltas",
        "V": "structured records",
    }.get(dtype.kind, f"{dtype.kind!r} values")


def check_finite(source: str, name: str, array: np.ndarray, what: str = "inputs") -> None:
    """Raise unless every value of a float ``array`` is finite (no NaN, no infinity)."""
    if array.dtype.kind != "f":
        return
    finite = np.isfinite(array)
    if finite.all():
        return
    bad = np.argwhere(~finite)
    first = tuple(int(i) for i in bad[0])
    raise DataUnavailableError(
        f"{source}: {name} holds {len(bad)} non-finite value{'s' if len(bad) > 1 else ''} "
        f"(NaN or infinity), first at index {first[0] if len(first) == 1 else first}; "
        f"expected finite {what}"
    )


def check_whole_labels(source: str, name: str, y: np.ndarray) -> None:
    """Raise when float class labels are not whole numbers (2.5, NaN): casting them to
    integers would silently relabel the examples."""
    if y.dtype.kind != "f":
        return
    with np.errstate(invalid="ignore"):
        fractional = np.mod(y, 1) != 0
    if fractional.any():
        raise DataUnavailableError(
            f"{source}: {name} holds the class label {y[fractional][0]}; expected whole class "
            "numbers 0, 1, ..., K - 1 (or data.options.task = 'regression')"
        )


def check_labels(source: str, name: str, y: np.ndarray, x: np.ndarray, raw: RawData) -> None:
    """Class labels: whole numbers in ``[0, len(class_names))``, one per example."""
    tokens = raw.kind == "tokens"
    one_per_example = y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)
    if tokens and y.shape != x.shape:
        raise DataUnavailableError(
            f"{source}: {name} has shape {y.shape}; expected one label per token, shape {x.shape}"
        )
    if not tokens and not one_per_example:
        raise DataUnavailableError(
            f"{source}: {name} has shape {y.shape}; expected one class label per example, "
            f"shape ({len(y)},) (are the labels images or one-hot rows?)"
        )
    check_whole_labels(source, name, y)
    low, high = y.min(), y.max()
    if low < 0:
        raise DataUnavailableError(
            f"{source}: {name} holds the class label {low:g}; expected labels 0, 1, ..., K - 1"
        )
    if raw.class_names and high >= len(raw.class_names):
        raise DataUnavailableError(
            f"{source}: {name} holds the class label {high:g}; expected labels 0..."
            f"{len(raw.class_names) - 1} ({len(raw.class_names)} classes)"
        )


def _check_split(source: str, suffix: str, x, y, raw: RawData) -> None:
    x_name, y_name = f"x{suffix}", f"y{suffix}"
    if raw.kind == "text":  # raw strings, vectorized inside the model (dlrecipes.data.text)
        x, y = check_text(source, x_name, x), check_numeric(source, y_name, y)
    else:
        x, y = check_numeric(source, x_name, x), check_numeric(source, y_name, y)
    if x.ndim == 0 or len(x) == 0:
        raise DataUnavailableError(
            f"{source}: {x_name} has shape {x.shape}; expected at least one example"
        )
    if raw.kind not in ("tokens", "text") and x.ndim < 2:
        raise DataUnavailableError(
            f"{source}: {x_name} has shape {x.shape}; expected (examples, features...), "
            f"e.g. ({len(x)}, 1) for one feature"
        )
    if y.ndim == 0 or len(y) != len(x):
        raise DataUnavailableError(
            f"{source}: {x_name} has {len(x)} examples but {y_name} has shape {y.shape}; "
            "expected one target per example"
        )
    check_finite(source, x_name, x)
    if raw.task == "classification":
        check_labels(source, y_name, y, x, raw)
    else:
        check_finite(source, y_name, y, "regression targets")


def check_raw(raw: RawData, source: str) -> RawData:
    """Check what a loader returned (see the module docstring); returns ``raw`` unchanged.

    Raises:
        DataUnavailableError: one line naming the source, the array and what is wrong.
    """
    if raw.task not in ("classification", "regression"):
        raise DataUnavailableError(
            f"{source}: task {raw.task!r}; expected 'classification' or 'regression'"
        )
    suffix = "_train" if raw.x_test is not None else ""
    _check_split(source, suffix, raw.x, raw.y, raw)
    if (raw.x_test is None) != (raw.y_test is None):
        raise DataUnavailableError(
            f"{source}: a test split needs both x_test and y_test; expected both or neither"
        )
    if raw.x_test is not None:
        _check_split(source, "_test", raw.x_test, raw.y_test, raw)
        x, x_test = np.asarray(raw.x), np.asarray(raw.x_test)
        if x_test.shape[1:] != x.shape[1:]:
            raise DataUnavailableError(
                f"{source}: x_test has examples of shape {x_test.shape[1:]}; expected the shape "
                f"of the training examples, {x.shape[1:]}"
            )
        y, y_test = np.asarray(raw.y), np.asarray(raw.y_test)
        if y_test.shape[1:] != y.shape[1:]:
            raise DataUnavailableError(
                f"{source}: y_test has targets of shape {y_test.shape[1:]}; expected the shape "
                f"of the training targets, {y.shape[1:]}"
            )
    return raw
