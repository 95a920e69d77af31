"""What every figure shares: the lecture's arrays, a pyplot-free figure, saving."""

from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np

__all__ = ["LECTURE_X", "LECTURE_K", "EDGE_FILTERS", "figure", "save"]


#: The lecture's 5x5 input and 3x3 filter.
LECTURE_X = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]],
                     dtype=np.float32)
LECTURE_K = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=np.float32)

#: Edge filters for :func:`edge_detection` (cross-correlation, as everywhere here).
EDGE_FILTERS = {
    "vertical": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], np.float32),
    "horizontal": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], np.float32),
    "sobel x": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], np.float32),
    "sobel y": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], np.float32),
}


def figure(*args: Any, **kwargs: Any) -> Any:
    """A new Figure that does not need a display (no pyplot state machine)."""
    from matplotlib.figure import Figure

    return Figure(*args, **kwargs)


def save(fig: Any, path: Optional[str]) -> Any:
    if path is not None:
        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig
