"""Compatibility name of :mod:`dlrecipes.spec` (recipes and user code import from here).

``from dlrecipes.recipe import Recipe, DataSpec, ...`` keeps working; the spec
itself lives in :mod:`dlrecipes.spec`.
"""

from dlrecipes.spec import *  # noqa: F403
from dlrecipes.spec import __all__  # noqa: F401
