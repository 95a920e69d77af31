"""The lecture's figures with matplotlib, headless-safe.

Every function returns a ``matplotlib.figure.Figure`` (made without pyplot, so no display
is needed) and, given ``path``, saves it there. Numbers come from :mod:`cnnzoo.ops` and
:mod:`cnnzoo.arithmetic`, so what a figure shows is what the library computes.

>>> fig = pixel_usage_map(5, 3)
>>> fig.axes[0].get_title()
'how often each pixel is read: 5x5 input, 3x3 filter, stride 1, padding 0'
"""

from cnnzoo.viz.base import EDGE_FILTERS, LECTURE_K, LECTURE_X
from cnnzoo.viz.diagrams import architecture, plot_history
from cnnzoo.viz.images import (
           edge_detection,
           edge_maps,
           embed,
           embedding,
           filters_and_feature_maps,
           hidden_features,
)
from cnnzoo.viz.steps import convolution_steps, pixel_usage_map, pooling_steps

__all__ = ["plot_history", "convolution_steps", "pooling_steps", "pixel_usage_map", "edge_maps",
           "edge_detection", "filters_and_feature_maps", "hidden_features", "embed", "embedding",
           "architecture", "LECTURE_X", "LECTURE_K", "EDGE_FILTERS"]
