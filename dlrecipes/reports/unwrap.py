"""Look inside the runner's model: the builder's network and the inputs it really sees.

When a recipe standardises or augments its inputs (or trains in mixed
precision), the runner wraps the builder's model in an outer Functional model::

    Input -> [RandomTranslation] -> [RandomRotation] -> [Normalization] -> builder's model
          [-> Activation("linear", dtype="float32")]

so that ``model.keras`` takes raw inputs. Reports and probes that look at
layers (filters, feature maps, activation scales, hidden units) need the
builder's model, :func:`base_model`, and its inputs, :func:`base_inputs`: the
wrapper's preprocessing in inference mode (augmentation off; ``Normalization``
computes ``(x - mean) / sqrt(variance)``).
"""

from __future__ import annotations

import numpy as np

# Keras is imported inside the functions: the report registries import this
# module, and a recipe check must not import Keras (``python -m recipes list``).


def base_model(model):
    """The builder's model: ``model`` itself, or the one model nested in the runner's wrapper.

    Args:
        model: the trained ``keras.Model`` of a run.

    Returns:
        The builder's model (a ``keras.Model``).

    Raises:
        ValueError: the wrapper holds more than one nested model (ambiguous).
    """
    import keras

    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if not nested:
        return model
    if len(nested) > 1:
        raise ValueError(
            "expected at most one nested model inside the runner's wrapper. Received: "
            f"{[layer.name for layer in nested]} in model {model.name!r}"
        )
    return nested[0]


def base_inputs(model, x: np.ndarray) -> np.ndarray:
    """``x`` as the builder's model receives it: the wrapper's layers run with ``training=False``.

    Args:
        model: the run's model (wrapped or not).
        x: a batch of raw inputs, e.g. ``(batch, height, width, channels)``.

    Returns:
        A NumPy array of the same shape (``x`` itself when the model is not wrapped).
    """
    import keras

    base = base_model(model)
    if base is model:
        return np.asarray(x)
    out = keras.ops.convert_to_tensor(x)
    for layer in model.layers:
        if layer is base:
            break
        if isinstance(layer, keras.layers.InputLayer):
            continue
        out = layer(out, training=False)
    return np.asarray(keras.ops.convert_to_numpy(out))


def weight_layers(model) -> list:
    """The builder's layers that hold a kernel, input to output (``hidden_1 .. output``)."""
    return [
        layer for layer in base_model(model).layers if getattr(layer, "kernel", None) is not None
    ]


def hidden_layers(model) -> list:
    """The builder's layers named ``hidden_<l>`` (the MLP builders' hidden layers), in order."""
    return [layer for layer in base_model(model).layers if layer.name.startswith("hidden_")]
