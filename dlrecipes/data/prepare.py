"""Split and preprocess a source's raw arrays as the recipe's ``DataSpec`` declares.

Order: split (deterministic for the seed, stratified for classes) -> limit ->
scale to [0, 1] -> image layout (channels, centred zero padding, resizing) ->
``flat`` / ``sequence`` reshaping. Standardisation is *not* done here: the
runner puts a ``keras.layers.Normalization`` adapted on the training split into
the model, so that a saved model takes raw inputs. Augmentation is not done here
either: ``extras["augment"]`` records it (:func:`dlrecipes.data.augment.augmentation_of`)
and the training pipeline applies it to each batch
(:class:`dlrecipes.training.augmented_batches.AugmentedBatches`).
"""

from __future__ import annotations

import numpy as np

from dlrecipes.data.augment import augmentation_of
from dlrecipes.data.splits import RawData, Splits
from dlrecipes.recipe import RecipeError


def _split(x, y, fraction: float, seed: int, classification: bool, name: str, source: str):
    from sklearn.model_selection import train_test_split

    counts = np.bincount(y) if classification and y.ndim == 1 else None
    can_stratify = counts is not None and counts[counts > 0].min() >= 2
    num_held_out = int(round(fraction * len(x)))
    if counts is not None and can_stratify and num_held_out < np.count_nonzero(counts):
        can_stratify = False
    try:
        return train_test_split(
            x, y, test_size=fraction, random_state=seed, stratify=y if can_stratify else None
        )
    except ValueError as error:  # a fraction that leaves one side empty
        raise RecipeError(
            f"{source}: data.{name}={fraction} of {len(x)} examples leaves a split empty "
            f"({str(error).splitlines()[0]}); expected a fraction that keeps at least one "
            "example on each side"
        ) from None


def split(raw: RawData, spec, seed: int):
    """(x_train, y_train, x_val, y_val, x_test, y_test), deterministic for ``seed``."""
    classification = raw.task == "classification"
    if raw.same_splits:  # no split: train in the given order, evaluate on x_test (or x)
        x_eval = raw.x if raw.x_test is None else raw.x_test
        y_eval = raw.y if raw.y_test is None else raw.y_test
        return raw.x, raw.y, x_eval, y_eval, x_eval, y_eval
    if raw.x_test is not None:
        x, y, x_test, y_test = raw.x, raw.y, raw.x_test, raw.y_test
    elif spec.test_fraction == 0:
        raise RecipeError(
            f"data.test_fraction=0 leaves no test split: {spec.source!r} has no test split of "
            "its own; expected a fraction in (0, 1), e.g. data.test_fraction=0.2"
        )
    else:
        x, x_test, y, y_test = _split(
            raw.x, raw.y, spec.test_fraction, seed, classification, "test_fraction", spec.source
        )
    if spec.val_fraction > 0:
        x, x_val, y, y_val = _split(
            x, y, spec.val_fraction, seed + 1, classification, "val_fraction", spec.source
        )
    else:
        x_val, y_val = x[:0], y[:0]
    if raw.x_test is not None or spec.val_fraction == 0:
        order = np.random.default_rng(seed).permutation(len(x))
        x, y = x[order], y[order]
    return x, y, x_val, y_val, x_test, y_test


def to_images(x: np.ndarray) -> np.ndarray:
    """(N, H, W) -> (N, H, W, 1); (N, H, W, C) unchanged."""
    if x.ndim == 3:
        return x[..., None]
    if x.ndim == 4:
        return x
    raise RecipeError(f"image data must be (N, H, W[, C]). Received shape: {x.shape}")


def pad_images(x: np.ndarray, size: int) -> np.ndarray:
    """Zero-pad (N, H, W, C) images, centred, to (N, size, size, C)."""
    height, width = x.shape[1:3]
    if size < height or size < width:
        raise RecipeError(
            f"data.pad_to must be >= the image size {height}x{width}. Received: {size}"
        )
    top, left = (size - height) // 2, (size - width) // 2
    return np.pad(x, ((0, 0), (top, size - height - top), (left, size - width - left), (0, 0)))


def resize_images(x: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of (N, H, W, C) images to (N, size, size, C)."""
    if x.shape[1:3] == (size, size):
        return x
    from keras import ops

    out = ops.image.resize(x, (size, size), interpolation="bilinear", antialias=True)
    return np.asarray(ops.convert_to_numpy(out), dtype="float32")


def prepare_inputs(x: np.ndarray, raw: RawData, spec) -> np.ndarray:
    return _prepare_inputs(x, raw, spec)[0]


def _prepare_inputs(x: np.ndarray, raw: RawData, spec) -> tuple[np.ndarray, int | None]:
    """Scale and lay out one array of inputs exactly as the spec says."""
    if raw.kind in ("tokens", "text"):  # ids, or raw strings the model vectorizes
        return x, None
    x = x.astype("float32")
    image_size = None
    if spec.scale == "unit" and raw.value_range is not None:
        low, high = raw.value_range
        x = (x - low) / (high - low)
    layout = raw.kind if spec.layout == "auto" else spec.layout
    if raw.kind == "image":
        x = to_images(x)  # (N, H, W, C)
        if spec.image_size:
            x = resize_images(x, spec.image_size)
        image_size = x.shape[1]
        if spec.pad_to:
            x = pad_images(x, spec.pad_to)
    elif spec.image_size or spec.pad_to:
        raise RecipeError(
            f"data.image_size and data.pad_to need image data; {spec.source!r} is {raw.kind}"
        )
    if layout == "flat":
        x = x.reshape(len(x), int(np.prod(x.shape[1:])))
    elif layout == "sequence" and raw.kind == "image":
        x = x.reshape(len(x), x.shape[1], int(np.prod(x.shape[2:])))  # rows: (N, H, W * C)
    elif layout == "image" and raw.kind != "image":
        raise RecipeError(
            f"data.layout='image' needs an image source; {spec.source!r} gives {raw.kind} data"
        )
    return x, image_size


def prepare(raw: RawData, spec, seed: int) -> Splits:
    """Split, limit and preprocess ``raw`` into :class:`Splits`."""
    if len(raw.x) != len(raw.y):
        raise RecipeError(
            f"{spec.source}: inputs and targets differ in length: {len(raw.x)} vs {len(raw.y)}"
        )
    x_train, y_train, x_val, y_val, x_test, y_test = split(raw, spec, seed)
    if spec.limit and not raw.same_splits:
        x_train, y_train = x_train[: spec.limit], y_train[: spec.limit]
        x_val, y_val = x_val[: spec.limit], y_val[: spec.limit]
        x_test, y_test = x_test[: spec.limit], y_test[: spec.limit]
    (x_train, image_size), (x_val, _), (x_test, _) = (
        _prepare_inputs(x, raw, spec) for x in (x_train, x_val, x_test)
    )
    classification = raw.task == "classification"
    if classification:
        num_classes = len(raw.class_names) or int(max(y_train.max(), y_test.max())) + 1
        num_outputs = 0
    else:
        num_classes = 0
        num_outputs = 1 if y_train.ndim == 1 else int(np.prod(y_train.shape[1:]))
    try:
        augment = augmentation_of(spec, x_train, seed)
    except ValueError as error:
        raise RecipeError(str(error)) from None
    return Splits(
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        x_test=x_test,
        y_test=y_test,
        input_shape=tuple(int(d) for d in x_train.shape[1:]),
        task=raw.task,
        num_classes=num_classes,
        num_outputs=num_outputs,
        class_names=raw.class_names or tuple(str(i) for i in range(num_classes)),
        source=spec.source,
        extras={
            **raw.extras,
            **({"image_size": image_size} if image_size else {}),
            **({"augment": augment} if augment else {}),
        },
    )
