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
import zipfile
import zlib
from pathlib import Path

import numpy as np

from dlrecipes.data.checks import check_numeric, check_whole_labels
from dlrecipes.data.embedded import check_options
from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.splits import RawData

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a NumPy array of its declared shape.

    Raises:
        DataUnavailableError: the file cannot be read or decompressed (a damaged gzip
            stream), its header is not an IDX header or is cut short, or it holds
            fewer or more values than its header declares.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as error:  # zlib.error: a damaged deflate stream
        raise DataUnavailableError(
            f"cannot read IDX file {str(path)!r} ({type(error).__name__}: {error}); expected "
            "an IDX file, optionally gzipped (is the download complete?)"
        ) from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise DataUnavailableError(
            f"{str(path)!r} is not an IDX file: expected a header 00 00 <type> <ndim>. "
            f"Received: {data[:4].hex(' ') or 'an empty file'}"
        )
    dtype, ndim = np.dtype(IDX_TYPES[data[2]]), data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataUnavailableError(
            f"{str(path)!r} has a header cut short: {len(data)} bytes, expected {header_size} "
            f"(4 + 4 per dimension for {ndim} dimensions)"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    body_size = len(data) - header_size
    expected = int(np.prod(shape, dtype=np.int64))
    if body_size != expected * dtype.itemsize:
        raise DataUnavailableError(
            f"{str(path)!r} is truncated or padded: header says shape {shape} "
            f"({expected} values), found {body_size // dtype.itemsize} values"
        )
    return np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)


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
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataUnavailableError(
                f"{name} images and labels disagree in {str(directory)!r}: images "
                f"{images.shape}, labels {labels.shape}; expected images (N, height, width) "
                "and labels (N,)"
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


NPZ_KINDS = ("image", "flat", "sequence")
#: More classes than this in an .npz is taken as a mistake (regression targets as labels).
MAX_CLASSES = 100_000
NPZ_TASKS = ("classification", "regression")


def _npz_arrays(argument: str, path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive, read without pickle, or a one-line error."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            if {"x_train", "y_train", "x_test", "y_test"} <= keys:
                names = ("x_train", "y_train", "x_test", "y_test")
            elif {"x", "y"} <= keys:
                names = ("x", "y")
            else:
                raise DataUnavailableError(
                    f"{argument!r} must hold arrays x, y or x_train, y_train, x_test, y_test. "
                    f"Received: {', '.join(sorted(keys)) or 'no arrays'}"
                )
            return {name: archive[name] for name in names}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        if isinstance(error, DataUnavailableError):
            raise
        # ValueError: object arrays (pickle refused), a damaged member; BadZipFile: truncated.
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        if "pickle" in detail and "Object arrays" not in detail:
            detail = "it holds pickled data, which is not read: unpickling runs code"
        raise DataUnavailableError(
            f"cannot read {argument!r} as .npz ({detail}); expected a NumPy archive of numeric "
            "arrays written by numpy.savez"
        ) from None


def npz(argument: str, options: dict, seed: int) -> RawData:
    """A NumPy archive with ``x`` and ``y`` or ``x_train, y_train, x_test, y_test``.

    Options: ``kind`` (``image``, ``flat``, ``sequence``; default: ``image`` for
    3-D/4-D ``x``), ``task`` (``classification`` for integer labels, else
    ``regression``), ``value_max`` (the raw maximum, e.g. 255, used by ``scale="unit"``).
    Arrays must be numeric (no pickled objects are read); what they hold is checked
    by :func:`dlrecipes.data.checks.check_raw`.
    """
    check_options("npz", options, ("kind", "task", "value_max"))
    path = Path(argument).expanduser()
    if not path.is_file():
        raise DataUnavailableError(f"npz file not found. Received: {argument!r}")
    arrays = {
        name: check_numeric(f"npz:{argument}", name, array)
        for name, array in _npz_arrays(argument, path).items()
    }
    x, y = arrays.get("x_train", arrays.get("x")), arrays.get("y_train", arrays.get("y"))
    x_test, y_test = arrays.get("x_test"), arrays.get("y_test")
    integer_labels = np.issubdtype(y.dtype, np.integer)
    task = options.get("task", "classification" if integer_labels else "regression")
    kind = options.get("kind", "image" if x.ndim in (3, 4) else "flat")
    value_max = options.get("value_max")
    if task not in NPZ_TASKS:
        raise DataUnavailableError(
            f"data.options.task for npz must be one of {', '.join(NPZ_TASKS)}. Received: {task!r}"
        )
    if kind not in NPZ_KINDS:
        raise DataUnavailableError(
            f"data.options.kind for npz must be one of {', '.join(NPZ_KINDS)}. Received: {kind!r}"
        )
    if value_max is not None and not (
        isinstance(value_max, (int, float)) and np.isfinite(value_max) and value_max > 0
    ):
        raise DataUnavailableError(
            f"data.options.value_max must be a positive number. Received: {value_max!r}"
        )
    if task == "classification":
        for name in ("y_train", "y_test") if x_test is not None else ("y",):
            check_whole_labels(f"npz:{argument}", name, arrays[name])
    num_classes = 0
    if task == "classification" and y.size and (y_test is None or y_test.size):
        num_classes = int(max(y.max(), y_test.max() if y_test is not None else 0)) + 1
        if num_classes > MAX_CLASSES:
            raise DataUnavailableError(
                f"npz:{argument}: the labels go up to {num_classes - 1}; expected class numbers "
                f"0, 1, ..., K - 1 with K <= {MAX_CLASSES:,} (regression targets? set "
                "data.options.task = 'regression')"
            )
    labels = "int32" if task == "classification" else "float32"
    return RawData(
        x=x.astype("float32"),
        y=y.astype(labels),
        x_test=None if x_test is None else x_test.astype("float32"),
        y_test=None if y_test is None else y_test.astype(labels),
        kind=kind,
        task=task,
        value_range=(0.0, float(value_max)) if value_max else None,
        class_names=tuple(str(i) for i in range(max(num_classes, 0))),
    )
