"""Online sources: the real ``keras.datasets`` and TensorFlow Datasets loaders.

They download on first use and cache (``~/.keras/datasets``, ``~/tensorflow_datasets``).
Without a network and without a cached copy they fail with one line that names
the embedded and file sources to use instead.
"""

from __future__ import annotations

import contextlib
import logging

import numpy as np

from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.splits import RawData

OFFLINE_HINT = "use the embedded source 'digits' or a local copy with 'mnist_idx:DIR' / 'npz:FILE'"

KERAS_DATASETS = {
    "mnist": ("image", (0.0, 255.0), tuple(str(i) for i in range(10))),
    "fashion_mnist": (
        "image",
        (0.0, 255.0),
        (
            "t-shirt", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle boot",
        ),
    ),
    "cifar10": (
        "image",
        (0.0, 255.0),
        (
            "airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck",
        ),
    ),
}  # fmt: skip


def keras_dataset(argument: str, options: dict, seed: int) -> RawData:
    """``keras:mnist``, ``keras:fashion_mnist``, ``keras:cifar10`` via ``keras.datasets``."""
    if argument == "imdb":  # raw text for the text classifiers (dlrecipes.data.text)
        from dlrecipes.data.text import keras_imdb

        return keras_imdb(options, seed)
    if argument not in KERAS_DATASETS:
        raise DataUnavailableError(
            f"unknown Keras dataset {argument!r}. "
            f"Expected one of: {', '.join(KERAS_DATASETS)}, imdb"
        )
    import keras

    module = getattr(keras.datasets, argument)
    try:
        (x, y), (x_test, y_test) = module.load_data()
    except Exception as error:  # urllib, socket and Keras' own download errors
        raise DataUnavailableError(
            f"could not download keras:{argument} (offline?): {type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}; {OFFLINE_HINT}"
        ) from None
    kind, value_range, class_names = KERAS_DATASETS[argument]
    return RawData(
        x=x.astype("float32"),
        y=np.asarray(y).reshape(-1).astype("int32"),
        x_test=x_test.astype("float32"),
        y_test=np.asarray(y_test).reshape(-1).astype("int32"),
        kind=kind,
        value_range=value_range,
        class_names=class_names,
    )


#: Download retries of tensorflow-datasets while we load: its own 10 retries with
#: exponential back-off take 3.5 minutes to report that there is no network.
TFDS_DOWNLOAD_RETRIES = 3


@contextlib.contextmanager
def _few_download_retries():
    """Lower tensorflow-datasets' HTTP retries to :data:`TFDS_DOWNLOAD_RETRIES` (~1.4 s of
    back-off instead of ~200 s offline), restoring its value afterwards."""
    try:
        from tensorflow_datasets.core.download import downloader
    except ImportError:
        yield
        return
    previous = getattr(downloader, "MAX_RETRIES", None)
    if previous is None:
        yield
        return
    downloader.MAX_RETRIES = min(previous, TFDS_DOWNLOAD_RETRIES)
    try:
        yield
    finally:
        downloader.MAX_RETRIES = previous


@contextlib.contextmanager
def _tfds_warnings_quiet():
    """tensorflow-datasets logs its own warnings through absl (e.g. "Variant folder ... has
    no dataset_info.json" about an earlier partial download): only errors are shown while
    it loads, so that a failure is the one line of :class:`DataUnavailableError`."""
    logger = logging.getLogger("absl")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


#: Import names whose pip distribution is spelled differently.
PIP_NAMES = {
    "tensorflow_datasets": "tensorflow-datasets",
    "importlib_resources": "importlib-resources",
}


def _missing_dependency(argument: str, error: ImportError) -> DataUnavailableError:
    """The one-line error for a package tensorflow-datasets needs and cannot import.

    tensorflow-datasets 4.9 imports ``importlib_resources`` only when it builds a
    dataset, without declaring it: a fresh install fails there, not on the network.
    """
    module = (error.name or str(error)).split(".")[0]
    package = PIP_NAMES.get(module, module.replace("_", "-"))
    return DataUnavailableError(
        f"tfds:{argument} needs the Python package {package!r}, which is not installed "
        f"({type(error).__name__}: {error}); expected it installed: pip install {package}"
    )


def tfds_dataset(argument: str, options: dict, seed: int) -> RawData:
    """``tfds:NAME`` through ``tensorflow_datasets.load`` (image classification datasets)."""
    if not argument:
        raise DataUnavailableError("tfds needs a dataset name: use tfds:NAME, e.g. tfds:mnist")
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise _missing_dependency(argument, error) from None
    try:
        with _few_download_retries(), _tfds_warnings_quiet():
            (train, test), info = tfds.load(
                argument,
                split=["train", "test"],
                as_supervised=True,
                batch_size=-1,
                with_info=True,
                data_dir=options.get("data_dir"),
            )
    except ImportError as error:  # tensorflow-datasets imports some dependencies lazily
        raise _missing_dependency(argument, error) from None
    except Exception as error:  # DatasetNotFoundError, download and network errors
        raise DataUnavailableError(
            f"could not load tfds:{argument} (offline or unknown dataset?): "
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}; "
            f"{OFFLINE_HINT}"
        ) from None
    (x, y), (x_test, y_test) = tfds.as_numpy(train), tfds.as_numpy(test)
    label = info.features["label"]
    return RawData(
        x=x.astype("float32"),
        y=y.astype("int32"),
        x_test=x_test.astype("float32"),
        y_test=y_test.astype("int32"),
        kind="image",
        value_range=(0.0, 255.0),
        class_names=tuple(label.names),
    )
