"""Model builders, grouped by lecture: ``(**options) -> keras.Model``, pure, no data access.

    >>> from dlrecipes.models import mlp, lenet5
    >>> from dlrecipes.models import get
    >>> get("mlp") is mlp
    True

The runner fills ``input_shape`` and ``num_classes`` / ``num_outputs`` from the
data when a builder accepts them.
"""

from __future__ import annotations

import importlib

from dlrecipes.spec.lookup import lookup

# builder name -> module that defines it; modules are imported on first use.
BUILDERS: dict[str, str] = {
    "linear_regression": "dlrecipes.models.linear",
    "logistic_regression": "dlrecipes.models.linear",
    "softmax_regression": "dlrecipes.models.linear",
    "mlp": "dlrecipes.models.mlp",
    "matched_mlp": "dlrecipes.models.foundations",
    "lecture_mlp": "dlrecipes.models.foundations",
    "perceptron": "dlrecipes.models.perceptron",
    "lenet5": "dlrecipes.models.cnn",
    "convnet": "dlrecipes.models.cnn",
    "resnet_small": "dlrecipes.models.cnn",
    "conv_demo": "dlrecipes.models.cnn",
    "qnet": "dlrecipes.models.qnet",
    "sequence_classifier": "dlrecipes.models.rnn",
    "sequence_regressor": "dlrecipes.models.rnn",
    "char_language_model": "dlrecipes.models.rnn",
    "text_logistic_regression": "dlrecipes.models.text",
    "text_lstm_classifier": "dlrecipes.models.text",
}


def _bind_builders() -> None:
    """Bind each builder function as a package attribute.

    A submodule import sets ``dlrecipes.models.mlp`` to the *module* ``mlp.py``;
    binding the functions here makes ``from dlrecipes.models import mlp`` the builder.
    """
    for builder_name, module_name in BUILDERS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue  # an optional builder module that is not installed
        globals()[builder_name] = getattr(module, builder_name)


def builder_names() -> list[str]:
    """All builder names."""
    return sorted(BUILDERS)


def get(name: str):
    """The builder function called ``name``; unknown names list close matches."""
    module_name = lookup(BUILDERS, name, kind="model builder")
    builder = getattr(importlib.import_module(module_name), name)
    globals()[name] = builder
    return builder


# other public names of builder modules (constants such as the conv_demo image)
CONSTANTS: dict[str, str] = {
    "CONV_DEMO_IMAGE": "dlrecipes.models.cnn",
    "CONV_DEMO_FILTERS": "dlrecipes.models.cnn",
}


def __getattr__(name: str):
    if name in BUILDERS:
        return get(name)
    if name in CONSTANTS:
        return getattr(importlib.import_module(CONSTANTS[name]), name)
    raise AttributeError(f"module 'dlrecipes.models' has no attribute {name!r}")


__all__ = ["BUILDERS", "builder_names", "get", *BUILDERS]

_bind_builders()
