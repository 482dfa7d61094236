"""The recipe spec: immutable dataclasses, the dotted-path language, resolution, TOML.

- :mod:`~dlrecipes.spec.schema`: ``Recipe`` and its sections (deeply immutable);
- :mod:`~dlrecipes.spec.paths`: ``a.b=value`` parsing, get, set, flatten (the one parser);
- :mod:`~dlrecipes.spec.resolve`: ``resolve`` / ``resolve_run`` -> ``Resolved``, TOML I/O;
- :mod:`~dlrecipes.spec.lookup`: name -> object with close-match hints (every registry);
- :mod:`~dlrecipes.spec.errors`: ``RecipeError``, the one user-facing error.

Importing it imports neither TensorFlow nor Keras.
"""

from dlrecipes.spec.coerce import from_dict, to_dict
from dlrecipes.spec.errors import RecipeError
from dlrecipes.spec.frozen import FrozenDict, freeze, thaw
from dlrecipes.spec.lookup import lookup
from dlrecipes.spec.paths import (
    flatten,
    get_path,
    override_pairs,
    parse_override,
    parse_value,
    set_path,
)
from dlrecipes.spec.resolve import (
    Resolved,
    expectation_applies,
    load_toml,
    recipe_from_toml,
    recipe_to_toml,
    resolve,
    resolve_run,
    with_overrides,
)
from dlrecipes.spec.schema import (
    HYPERPARAMETER_KINDS,
    OPTION_FIELDS,
    SECTIONS,
    TASKS,
    AgentSpec,
    DataSpec,
    ExpectSpec,
    Hyperparameter,
    ModelSpec,
    Recipe,
    SearchSpec,
    TrainSpec,
    Variant,
    boolean,
    choice,
    int_range,
    log_uniform,
    uniform,
)

__all__ = [
    "HYPERPARAMETER_KINDS",
    "OPTION_FIELDS",
    "SECTIONS",
    "TASKS",
    "AgentSpec",
    "DataSpec",
    "ExpectSpec",
    "FrozenDict",
    "Hyperparameter",
    "ModelSpec",
    "Recipe",
    "RecipeError",
    "Resolved",
    "SearchSpec",
    "TrainSpec",
    "Variant",
    "boolean",
    "choice",
    "expectation_applies",
    "flatten",
    "freeze",
    "from_dict",
    "get_path",
    "int_range",
    "load_toml",
    "log_uniform",
    "lookup",
    "override_pairs",
    "parse_override",
    "parse_value",
    "recipe_from_toml",
    "recipe_to_toml",
    "resolve",
    "resolve_run",
    "set_path",
    "thaw",
    "to_dict",
    "uniform",
    "with_overrides",
]
