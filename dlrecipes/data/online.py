"""Online sources: the real ``keras.datasets`` and TensorFlow Datasets loaders.

They download on first use and cache (``~/.keras/datasets``, ``~/tensorflow_datasets``).
Without a network and without a cached copy they fail with one line that names
the embedded and file sources to use instead.
"""

from __future__ import annotations

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
    if argument not in KERAS_DATASETS:
        raise DataUnavailableError(
            f"unknown Keras dataset {argument!r}. Expected one of: {', '.join(KERAS_DATASETS)}"
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


def tfds_dataset(argument: str, options: dict, seed: int) -> RawData:
    """``tfds:NAME`` through ``tensorflow_datasets.load`` (image classification datasets)."""
    if not argument:
        raise DataUnavailableError("tfds needs a dataset name: use tfds:NAME, e.g. tfds:mnist")
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DataUnavailableError(
            "tensorflow-datasets is not installed: pip install tensorflow-datasets"
        ) from None
    try:
        (train, test), info = tfds.load(
            argument,
            split=["train", "test"],
            as_supervised=True,
            batch_size=-1,
            with_info=True,
            data_dir=options.get("data_dir"),
        )
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
