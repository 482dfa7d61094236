"""Moved to :mod:`dlrecipes.reports.curves` (figures: :mod:`dlrecipes.reports.figures`)."""

from dlrecipes.reports.curves import *  # noqa: F403
from dlrecipes.reports.curves import confusion_matrix, learning_curves, overlay  # noqa: F401
from dlrecipes.reports.figures import pyplot as _pyplot  # noqa: F401
