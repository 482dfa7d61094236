"""The parts of a run's model that reports and probes look at.

When a recipe standardises or augments its inputs (or trains in mixed
precision), the run wraps the builder's model (:func:`dlrecipes.models.build.build_model`)::

    Input -> [RandomTranslation] -> [RandomRotation] -> [Normalization] -> builder's model
          [-> Activation("linear", dtype="float32")]

so that ``model.keras`` takes raw inputs. Figures of layers (filters, feature
maps, activation scales, hidden units) need the builder's model and the inputs it
really sees; :func:`dlrecipes.models.build.unwrap` gives both, and these are its
shorthands.
"""

from __future__ import annotations

import numpy as np

# dlrecipes.models imports Keras (its builders), so it is imported inside the
# functions: the report and probe registries import this module, and checking a
# recipe's names must not import Keras.


def base_model(model):
    """The builder's model: ``model`` itself, or the model nested in the run's wrapper."""
    from dlrecipes.models.build import unwrap

    return unwrap(model)[0]


def base_inputs(model, x) -> np.ndarray:
    """``x`` as the builder's model receives it: the wrapper's layers run with ``training=False``.

    Augmentation layers are the identity at inference; ``Normalization`` computes
    ``(x - mean) / sqrt(variance)``. ``x`` itself when the model is not wrapped.
    """
    from dlrecipes.models.build import unwrap

    return np.asarray(unwrap(model, x)[1])


def weight_layers(model) -> list:
    """The builder's layers that hold a kernel, input to output (``hidden_1 .. output``)."""
    return [
        layer for layer in base_model(model).layers if getattr(layer, "kernel", None) is not None
    ]
