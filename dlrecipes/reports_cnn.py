"""Moved to :mod:`dlrecipes.reports.cnn` (model access: :mod:`dlrecipes.reports.unwrap`)."""

from dlrecipes.reports.cnn import *  # noqa: F403
from dlrecipes.reports.cnn import (  # noqa: F401
    MAX_MAPS_PER_ROW,
    _label_name,
    _mosaic,
    _plot_annotated,
    base_inputs,
    base_model,
    convolution_layers,
    feature_maps,
    feature_maps_of,
    filters,
    map_layers,
    plot_feature_maps,
    plot_filters,
)
