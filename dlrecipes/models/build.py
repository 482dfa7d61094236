"""Build a recipe's model and its inference wrapper, and unwrap it again.

The one place that turns ``recipe.model`` + the data into a ``keras.Model``::

    Input -> [RandomTranslation, RandomRotation] -> [Normalization adapted on the
    training split] -> the builder's model [-> float32 outputs under mixed precision]

so ``model.keras`` takes raw (scaled) inputs. :func:`unwrap` gives back the
builder's model (and passes inputs through the wrapper's layers), for probes and
reports that look inside it. Mixed precision is not set here: the run scopes it
(:func:`dlrecipes.training.precision_policy`) around building and training.
"""

from __future__ import annotations

import inspect
from typing import Any

from dlrecipes.spec import RecipeError, thaw
from dlrecipes.spec.lookup import suggest_names

# Options the builder gets from the data when it accepts them and the recipe is silent.
FROM_DATA = ("input_shape", "num_classes", "num_outputs")


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


def build_model(recipe, splits):
    """Build the recipe's model, wrapped with augmentation and standardisation layers.

    Args:
        recipe: a resolved :class:`~dlrecipes.spec.Recipe`.
        splits: the prepared :class:`~dlrecipes.data.Splits` (shapes; the training
            split adapts ``Normalization``).

    Returns:
        The builder's model itself when nothing wraps it, else a Functional model
        ``inputs -> wrapper layers -> base``.
    """
    import keras

    base = build_base(recipe, splits)
    data = recipe.data
    mixed = recipe.train.mixed_precision
    if not (data.standardize or data.augment_shift or data.augment_rotation or mixed):
        return base
    inputs = keras.Input(shape=splits.input_shape, name="inputs")
    x = inputs
    if data.augment_shift:
        x = keras.layers.RandomTranslation(
            data.augment_shift, data.augment_shift, fill_mode="constant", name="augment_shift"
        )(x)
    if data.augment_rotation:
        x = keras.layers.RandomRotation(
            data.augment_rotation, fill_mode="constant", name="augment_rotation"
        )(x)
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
    the wrapper's layers in inference mode (no augmentation; standardised).

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


def parameter_counts(model) -> dict[str, int]:
    """Trainable and non-trainable parameter counts."""
    import numpy as np

    def count(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    return {
        "trainable": count(model.trainable_weights),
        "non_trainable": count(model.non_trainable_weights),
    }
