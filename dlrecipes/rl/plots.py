"""Moved to :mod:`dlrecipes.reports.rl`."""

from dlrecipes.reports.figures import pyplot as _pyplot  # noqa: F401
from dlrecipes.reports.rl import *  # noqa: F403
from dlrecipes.reports.rl import (  # noqa: F401
    ACTION_ARROWS,
    _cell_labels,
    _grid_shape,
    policy_table,
    returns,
)
