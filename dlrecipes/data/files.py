"""File sources: a standard MNIST IDX directory and NumPy ``.npz`` archives.

The IDX format (LeCun et al.) is a big-endian header -- two zero bytes, a type
code (0x08 = unsigned byte), the number of dimensions -- then one 32-bit size
per dimension and the raw values. MNIST ships four such files, optionally gzipped:
``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``. Both the ``-idx3-ubyte`` and ``.idx3-ubyte`` spellings
are accepted.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.splits import RawData

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a NumPy array of its declared shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:
        raise DataUnavailableError(f"cannot read IDX file {str(path)!r}: {error}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise DataUnavailableError(
            f"{str(path)!r} is not an IDX file: expected a header 00 00 <type> <ndim>. "
            f"Received: {data[:4].hex(' ')}"
        )
    dtype, ndim = np.dtype(IDX_TYPES[data[2]]), data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise DataUnavailableError(
            f"{str(path)!r} is truncated: header says shape {shape}, found {body.size} values"
        )
    return body.reshape(shape)


def _find(directory: Path, stem: str) -> Path:
    candidates = [f"{stem}-idx{{}}-ubyte", f"{stem}.idx{{}}-ubyte"]
    for pattern in candidates:
        for ndim in (1, 3):
            for suffix in ("", ".gz"):
                path = directory / (pattern.format(ndim) + suffix)
                if path.is_file():
                    return path
    raise DataUnavailableError(
        f"no {stem}-idx*-ubyte[.gz] file in {str(directory)!r}; expected the four MNIST IDX files "
        "(train-images, train-labels, t10k-images, t10k-labels)"
    )


def mnist_idx(argument: str, options: dict, seed: int) -> RawData:
    """A directory holding the four MNIST IDX files (e.g. ``../shared/data/mnist-8k``)."""
    if not argument:
        raise DataUnavailableError("mnist_idx needs a directory: use mnist_idx:PATH")
    directory = Path(argument).expanduser()
    if not directory.is_dir():
        raise DataUnavailableError(
            f"MNIST directory not found. Received: {argument!r} (expected a directory with the "
            "four IDX files, e.g. mnist_idx:../shared/data/mnist-8k)"
        )
    x_train = read_idx(_find(directory, "train-images"))
    y_train = read_idx(_find(directory, "train-labels"))
    x_test = read_idx(_find(directory, "t10k-images"))
    y_test = read_idx(_find(directory, "t10k-labels"))
    for name, images, labels in (("train", x_train, y_train), ("t10k", x_test, y_test)):
        if images.ndim != 3 or len(images) != len(labels):
            raise DataUnavailableError(
                f"{name} images and labels disagree in {str(directory)!r}: images "
                f"{images.shape}, labels {labels.shape}"
            )
    return RawData(
        x=x_train.astype("float32"),  # (N, 28, 28)
        y=y_train.astype("int32"),
        x_test=x_test.astype("float32"),
        y_test=y_test.astype("int32"),
        kind="image",
        value_range=(0.0, 255.0),
        class_names=tuple(str(i) for i in range(10)),
    )


def npz(argument: str, options: dict, seed: int) -> RawData:
    """A NumPy archive with ``x`` and ``y`` or ``x_train, y_train, x_test, y_test``.

    Options: ``kind`` (``image``, ``flat``, ``sequence``; default: ``image`` for
    3-D/4-D ``x``), ``task`` (``classification`` for integer labels, else
    ``regression``), ``value_max`` (the raw maximum, e.g. 255, used by ``scale="unit"``).
    """
    path = Path(argument).expanduser()
    if not path.is_file():
        raise DataUnavailableError(f"npz file not found. Received: {argument!r}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise DataUnavailableError(f"cannot read {argument!r} as .npz: {error}") from None
    keys = set(archive.files)
    if {"x_train", "y_train", "x_test", "y_test"} <= keys:
        x, y = archive["x_train"], archive["y_train"]
        x_test, y_test = archive["x_test"], archive["y_test"]
    elif {"x", "y"} <= keys:
        x, y, x_test, y_test = archive["x"], archive["y"], None, None
    else:
        raise DataUnavailableError(
            f"{argument!r} must hold arrays x, y or x_train, y_train, x_test, y_test. "
            f"Received: {', '.join(sorted(keys))}"
        )
    integer_labels = np.issubdtype(y.dtype, np.integer)
    task = options.get("task", "classification" if integer_labels else "regression")
    kind = options.get("kind", "image" if x.ndim in (3, 4) else "flat")
    value_max = options.get("value_max")
    num_classes = int(y.max()) + 1 if task == "classification" else 0
    return RawData(
        x=x.astype("float32"),
        y=y.astype("int32") if task == "classification" else y.astype("float32"),
        x_test=None if x_test is None else x_test.astype("float32"),
        y_test=None
        if y_test is None
        else (y_test.astype("int32") if task == "classification" else y_test.astype("float32")),
        kind=kind,
        task=task,
        value_range=(0.0, float(value_max)) if value_max else None,
        class_names=tuple(str(i) for i in range(num_classes)),
    )
