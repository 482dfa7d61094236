"""Build a recipe's model and its inference wrapper, and unwrap it again.

The one place that turns ``recipe.model`` + the data into a ``keras.Model``::

    Input -> [min-max or Normalization, from the training split] -> the builder's model
    [-> float32 outputs under mixed precision]

so ``model.keras`` takes raw (scaled) inputs and holds only inference layers: sample
expansion (``data.augment_shift`` / ``augment_rotation``) runs in the input pipeline
(:class:`dlrecipes.training.augmented_batches.AugmentedBatches`), not in the model.
:func:`unwrap` gives back the builder's model (and passes inputs through the wrapper's
layers), for probes and reports that look inside it. Mixed precision is not set here:
the run scopes it (:func:`dlrecipes.training.precision_policy`) around building and
training.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from dlrecipes.spec import RecipeError, thaw
from dlrecipes.spec.lookup import suggest_names

# Options the builder gets from the data when it accepts them and the recipe is silent.
FROM_DATA = ("input_shape", "num_classes", "num_outputs")

#: Losses that compare outputs with class labels. On regression targets they "train" to a
#: meaningless loss of 0.0 and accuracy 0.0, so such a run is refused before it starts.
CLASSIFICATION_LOSSES = frozenset(
    {
        "sparse_categorical_crossentropy",
        "categorical_crossentropy",
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
        "categorical_hinge",
        "hinge",
        "squared_hinge",
        "rbf_map",
    }
)
#: Metric names Keras' ``compile`` resolves itself (adapting to the loss), beyond
#: ``keras.metrics.get``'s names.
KERAS_METRIC_ALIASES = ("accuracy", "acc", "crossentropy", "ce")


def builder_kwargs(builder, options, splits) -> dict[str, Any]:
    """The builder's keyword arguments: recipe options plus shapes from the data.

    Options are thawed to plain Python data (Keras reads ``dict`` configs, e.g. an
    initializer's ``{"class_name": ..., "config": ...}``); tuples become lists
    except ``input_shape``. Unknown option names are a one-line error listing the
    builder's parameters.
    """
    parameters = inspect.signature(builder).parameters
    for key in options:
        if key not in parameters:
            raise RecipeError(
                f"model builder {builder.__name__!r} has no option {key!r}."
                f"{suggest_names(key, parameters)} "
                f"Expected one of: {', '.join(p for p in parameters if p != 'name')}"
            )
    kwargs = thaw(dict(options))
    if splits is not None:
        for key in FROM_DATA:
            if key in parameters and key not in kwargs:
                kwargs[key] = getattr(splits, key)
    return {
        k: list(v) if isinstance(v, tuple) and k != "input_shape" else v for k, v in kwargs.items()
    }


def build_base(recipe, splits):
    """The builder's own model for ``recipe.model`` on ``splits`` (no wrapper)."""
    from dlrecipes import models

    try:
        builder = models.get(recipe.model.builder)
    except ValueError as error:
        raise RecipeError(str(error)) from None
    kwargs = builder_kwargs(builder, recipe.model.options, splits)
    try:
        base = builder(**kwargs)
    except (ValueError, TypeError) as error:
        raise RecipeError(f"model builder {recipe.model.builder!r}: {error}") from None
    expected = tuple(base.input_shape[1:]) if not isinstance(base.input_shape, list) else None
    if expected is not None and tuple(expected) != tuple(splits.input_shape):
        raise RecipeError(
            f"model {recipe.model.builder!r} expects inputs of shape {expected}; data "
            f"{splits.source!r} gives {splits.input_shape} (adjust data.pad_to / data.image_size "
            "/ data.layout or the builder's input_shape)"
        )
    return base


def check_task(recipe, splits) -> None:
    """Refuse, before a model is built, a loss or metric that cannot fit the data.

    - a classification loss (``sparse_categorical_crossentropy``, ...) on regression
      targets, e.g. ``run mlp --set data.source=function1d`` (it would "complete" with
      loss 0.0 and accuracy 0.0);
    - a metric name neither Keras nor the library knows (``train.metrics=["acuracy"]``).

    Raises:
        RecipeError: one line naming the received value and what was expected.
    """
    import keras

    from dlrecipes.training.fit import CUSTOM_METRICS

    loss = recipe.train.loss
    if splits.task == "regression" and loss in CLASSIFICATION_LOSSES:
        outputs = f"{splits.num_outputs} output{'s' if splits.num_outputs > 1 else ''}"
        raise RecipeError(
            f"train.loss={loss!r} needs class labels, but data {splits.source!r} holds "
            f"regression targets ({outputs}); expected a regression loss (e.g. train.loss=mse, "
            "train.metrics=['mae']) or integer class labels"
        )
    for name in recipe.train.metrics:
        if name in KERAS_METRIC_ALIASES or name in CUSTOM_METRICS:
            continue
        try:
            keras.metrics.get(name)
        except (ValueError, TypeError):
            raise RecipeError(
                f"unknown metric {name!r} in train.metrics. Expected a keras.metrics name "
                f"(e.g. accuracy, mae, mse, auc) or {', '.join(CUSTOM_METRICS)}"
            ) from None


def check_outputs(recipe, splits, model) -> None:
    """Refuse a classifier with fewer outputs than the data has classes: labels beyond the
    softmax make the loss NaN, which would otherwise be reported as divergence.

    Raises:
        RecipeError: one line naming the output width and the number of classes.
    """
    loss = recipe.train.loss
    output_shape = getattr(model, "output_shape", None)
    if splits.task != "classification" or not isinstance(output_shape, tuple):
        return
    width = output_shape[-1]
    if isinstance(width, int) and 1 < width < splits.num_classes:
        raise RecipeError(
            f"model {recipe.model.builder!r} has {width} outputs but data {splits.source!r} has "
            f"{splits.num_classes} classes (labels 0..{splits.num_classes - 1}); expected at "
            f"least {splits.num_classes} outputs (leave model.num_classes to the data)"
        )
    if width == 1 and splits.num_classes > 2 and loss in CLASSIFICATION_LOSSES:
        raise RecipeError(
            f"model {recipe.model.builder!r} has one (binary) output but data {splits.source!r} "
            f"has {splits.num_classes} classes; expected one output per class (binary=false)"
        )


def adapt_text_vectorization(model, splits) -> None:
    """Adapt the model's ``TextVectorization`` layers, if any, on the training text
    (:func:`dlrecipes.models.text.adapt_text_vectorization`)."""
    dtype = getattr(getattr(splits, "x_train", None), "dtype", None)
    if dtype is None or dtype.kind != "O":  # only raw strings (kind="text" data) are adapted
        return
    from dlrecipes.models.text import adapt_text_vectorization as adapt

    try:
        adapt(model, splits)
    except ValueError as error:
        raise RecipeError(str(error)) from None


def min_max_layer(x_train):
    """Min-max normalisation as a layer: ``(x - min) / (max - min)`` per feature.

    The minimum and maximum are the training split's, per last-axis feature (per
    channel of an image), so validation and test inputs may fall outside [0, 1]. It is
    a ``keras.layers.Normalization`` with ``mean = min`` and ``variance = (max - min)^2``,
    so it saves, loads in safe mode and exports like standardisation; a feature constant
    on the training split (``max = min``) becomes ``x - min`` (0 on the training split),
    as in scikit-learn's ``MinMaxScaler``.

    Args:
        x_train: the training inputs, ``(N, ..., features)``.
    """
    import keras

    x = np.asarray(x_train, dtype="float64")
    axes = tuple(range(x.ndim - 1))
    low, high = x.min(axis=axes), x.max(axis=axes)
    spread = np.where(high > low, high - low, 1.0)  # a constant feature: x - min (as scikit-learn)
    return keras.layers.Normalization(axis=-1, mean=low, variance=np.square(spread), name="minmax")


def build_model(recipe, splits):
    """Build the recipe's model, wrapped with its min-max or standardisation layer.

    Args:
        recipe: a resolved :class:`~dlrecipes.spec.Recipe`.
        splits: the prepared :class:`~dlrecipes.data.Splits` (shapes; the training
            split adapts ``Normalization``).

    Returns:
        The builder's model itself when nothing wraps it, else a Functional model
        ``inputs -> wrapper layers -> base``.

    Raises:
        RecipeError: unknown builder or option, input shape, loss, metric or output
            width that does not fit the data (:func:`check_task`).
    """
    import keras

    check_task(recipe, splits)
    base = build_base(recipe, splits)
    check_outputs(recipe, splits, base)
    adapt_text_vectorization(base, splits)  # a TextVectorization learns the training text
    data = recipe.data
    mixed = recipe.train.mixed_precision
    minmax = data.scale == "minmax"
    if not (data.standardize or minmax or mixed):
        return base
    inputs = keras.Input(shape=splits.input_shape, name="inputs")
    x = inputs
    if minmax:
        x = min_max_layer(splits.x_train)(x)
    if data.standardize:
        normalization = keras.layers.Normalization(axis=-1, name="standardize")
        normalization.adapt(splits.x_train)
        x = normalization(x)
    outputs = base(x)
    if mixed:  # compute the loss from float32 outputs (Keras mixed-precision guide)
        outputs = keras.layers.Activation("linear", dtype="float32", name="outputs_float32")(
            outputs
        )
    return keras.Model(inputs, outputs, name=base.name)


def unwrap(model, x=None):
    """The builder's model inside :func:`build_model`'s wrapper, and ``x`` passed through
    the wrapper's layers in inference mode (standardised).

    Returns ``(base, x)``; ``(model, x)`` when the model is not wrapped.
    """
    import keras

    if not any(isinstance(layer, keras.Model) for layer in model.layers):
        return model, x
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            return layer, x
        if x is not None and not isinstance(layer, keras.layers.InputLayer):
            x = keras.ops.convert_to_numpy(layer(x, training=False))
    return model, x


def load_saved_model(path, *, compile: bool = True):
    """Load a ``.keras`` file a run saved, in Keras' safe mode (no code is deserialised).

    The library's custom layers, losses, metrics and schedules are registered first so
    that they load by name. A file that is not a complete ``.keras`` archive (truncated,
    corrupt, not a zip) and a file safe mode refuses (a ``Lambda`` layer or other code)
    are one-line errors instead of Keras' "File not found" or a traceback.

    Args:
        path: the ``.keras`` file (e.g. ``RUN_DIR/model.keras``).
        compile: restore the training configuration too.

    Raises:
        RecipeError: missing, unreadable, corrupt or refused by safe mode.
    """
    import json
    import zipfile
    from pathlib import Path

    import keras

    import dlrecipes.layers  # noqa: F401  (registers custom layers)
    import dlrecipes.training  # noqa: F401  (registers schedules)

    for optional in ("dlrecipes.losses", "dlrecipes.metrics"):
        try:
            __import__(optional)
        except ImportError:
            pass
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"no saved model: {str(path)!r} does not exist; was the run completed?")
    check_keras_archive(path)
    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except ValueError as error:
        raise safe_mode_refusal(path, error) from None
    except (OSError, json.JSONDecodeError, zipfile.BadZipFile) as error:  # a damaged member
        raise RecipeError(
            f"{str(path)!r} is a corrupt .keras file ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}); expected the model.keras "
            "a completed run saved"
        ) from None


def safe_mode_refusal(path, error: ValueError) -> RecipeError:
    """The one-line error for a ``.keras`` file Keras' safe mode refused to deserialise;
    ``error`` itself is re-raised when it is not such a refusal (a genuine bug stays one).

    Safe mode refuses Python code in a model file (a ``Lambda`` layer's function, an
    unregistered class): loading it would run its author's code.
    """
    if "safe_mode" not in str(error):
        raise error
    first = str(error).split(". ")[0]
    return RecipeError(
        f"{str(path)!r} was refused by Keras' safe mode ({first}); expected a model without "
        "Python code, as dlrecipes saves them (load it with safe_mode=False only if you "
        "trust its author)"
    )


#: The members every ``.keras`` archive written by ``model.save`` holds.
KERAS_ARCHIVE_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")


def check_keras_archive(path) -> None:
    """Raise unless ``path`` is a complete zip archive with the members of a ``.keras`` file."""
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()  # the first member whose CRC fails, else None
            members = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise RecipeError(
            f"{str(path)!r} is not a readable .keras archive ({error}); expected the zip file "
            "a completed run saved (is it truncated or corrupt?)"
        ) from None
    missing = [name for name in KERAS_ARCHIVE_MEMBERS if name not in members]
    if damaged or missing:
        what = f"member {damaged!r} is damaged" if damaged else f"it lacks {', '.join(missing)}"
        raise RecipeError(
            f"{str(path)!r} is a corrupt .keras archive: {what}; expected the model.keras "
            "a completed run saved"
        )


def parameter_counts(model) -> dict[str, int]:
    """Trainable and non-trainable parameter counts."""
    import numpy as np

    def count(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    return {
        "trainable": count(model.trainable_weights),
        "non_trainable": count(model.non_trainable_weights),
    }
