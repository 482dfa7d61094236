"""Data sources by name, and the one ``load(spec, seed) -> Splits`` every recipe uses.

A source is one string: ``NAME`` or ``NAME:ARGUMENT`` (``digits``,
``mnist_idx:../shared/data/mnist-8k``, ``keras:mnist``). ``python -m recipes
list-data`` prints the table below. Loaders are imported lazily, so listing
sources imports neither TensorFlow nor scikit-learn.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass

from dlrecipes.data.checks import check_raw
from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.splits import RawData, Splits


@dataclass(frozen=True)
class Source:
    """A named data source: where its loader lives and what it is."""

    loader: str  # "module:function", imported on first use
    description: str
    example: str


SOURCES: dict[str, Source] = {
    "digits": Source(
        "dlrecipes.data.embedded:digits",
        "embedded: scikit-learn's 1,797 handwritten digits, 8x8 (no files, no network)",
        "digits",
    ),
    "xor": Source("dlrecipes.data.embedded:xor", "embedded: the 4-point XOR truth table", "xor"),
    "parity": Source(
        "dlrecipes.data.embedded:parity",
        "embedded: all 2^n bit strings labelled by their parity (no split: fit the table)",
        "parity:8",
    ),
    "spirals": Source(
        "dlrecipes.data.embedded:spirals", "embedded: two interleaved spirals", "spirals"
    ),
    "blobs": Source("dlrecipes.data.embedded:blobs", "embedded: Gaussian clusters", "blobs"),
    "function1d": Source(
        "dlrecipes.data.embedded:function1d",
        "embedded: y = f(x) on [-1, 1] (sin, abs, bump, cubic, sawtooth)",
        "function1d:sin",
    ),
    "linear": Source("dlrecipes.data.embedded:linear", "embedded: y = Xw + b + noise", "linear"),
    "separable": Source(
        "dlrecipes.data.embedded:separable",
        "embedded: linearly separable 2-D points with a margin",
        "separable",
    ),
    "adding": Source(
        "dlrecipes.data.sequences:adding",
        "embedded: the adding problem, T steps of (value, marker); target the marked sum",
        "adding:100",
    ),
    "text": Source(
        "dlrecipes.data.sequences:text",
        "file: a text file as next-character windows (bare 'text' = stdlib_text)",
        "text:../shared/data/tinyshakespeare/input.txt",
    ),
    "stdlib_text": Source(
        "dlrecipes.data.sequences:stdlib_text",
        "embedded: Python's standard library sources as a character corpus",
        "stdlib_text",
    ),
    "stdlib_docs": Source(
        "dlrecipes.data.text:stdlib_docs",
        "embedded: standard-library docstrings labelled by package (text classification)",
        "stdlib_docs",
    ),
    "text_dir": Source(
        "dlrecipes.data.text:text_dir",
        "file: one folder of .txt files per class (keras.utils.text_dataset_from_directory)",
        "text_dir:reviews",
    ),
    "mnist_idx": Source(
        "dlrecipes.data.files:mnist_idx",
        "file: a directory with the four MNIST IDX files (gzipped or not)",
        "mnist_idx:../shared/data/mnist-8k",
    ),
    "npz": Source(
        "dlrecipes.data.files:npz",
        "file: .npz with x, y or x_train, y_train, x_test, y_test",
        "npz:data.npz",
    ),
    "keras": Source(
        "dlrecipes.data.online:keras_dataset",
        "online: keras.datasets mnist, fashion_mnist, cifar10, imdb (downloads)",
        "keras:mnist",
    ),
    "tfds": Source(
        "dlrecipes.data.online:tfds_dataset",
        "online: TensorFlow Datasets image classification sets (downloads)",
        "tfds:mnist",
    ),
}


def source_names() -> list[str]:
    """The names of all data sources."""
    return sorted(SOURCES)


def check_source_name(source: str) -> None:
    """Raise a one-line :class:`DataUnavailableError` unless ``source`` (``"NAME"`` or
    ``"NAME:ARGUMENT"``) names one of :data:`SOURCES`; nothing is loaded."""
    name = source.partition(":")[0]
    if name not in SOURCES:
        close = difflib.get_close_matches(name, SOURCES, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise DataUnavailableError(
            f"unknown data source {source!r}.{hint} Expected one of: {', '.join(source_names())}"
        )


def load_raw(source: str, options: dict | None = None, seed: int = 0) -> RawData:
    """Run a source's loader: ``"mnist_idx:DIR"`` -> :class:`RawData` (no preprocessing).

    What the loader returns is checked (:func:`dlrecipes.data.checks.check_raw`):
    numeric, non-empty, finite inputs, class labels in range, a test split shaped
    like the training split; anything else is a one-line :class:`DataUnavailableError`.
    """
    check_source_name(source)
    name, _, argument = source.partition(":")
    module_name, function_name = SOURCES[name].loader.split(":")
    loader = getattr(importlib.import_module(module_name), function_name)
    return check_raw(loader(argument, dict(options or {}), seed), source)


def load(spec, seed: int = 0) -> Splits:
    """Load ``spec.source`` and prepare train / validation / test as the spec declares.

    Args:
        spec: a :class:`dlrecipes.recipe.DataSpec`.
        seed: makes the splits deterministic.
    """
    from dlrecipes.data.prepare import prepare

    raw = load_raw(spec.source, spec.options, seed)
    return prepare(raw, spec, seed)


__all__ = [
    "DataUnavailableError",
    "RawData",
    "SOURCES",
    "Source",
    "Splits",
    "check_source_name",
    "load",
    "load_raw",
    "source_names",
]
