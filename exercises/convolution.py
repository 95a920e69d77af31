"""Convolution by hand, as in the lecture: cross-correlation (the filter is not flipped).

Inputs and filters are lists of lists of numbers; return lists of lists.
"""


def cross_correlate(x: list[list[float]], k: list[list[float]]) -> list[list[float]]:
    """Valid, stride-1 cross-correlation: out[i][j] = sum of x[i+a][j+b] * k[a][b]."""
    raise NotImplementedError("cross_correlate: fill this in")


def pad(x: list[list[float]], p: int) -> list[list[float]]:
    """``x`` with ``p`` rows and columns of zeros added on every side."""
    raise NotImplementedError("pad: fill this in")


def conv2d(x: list[list[float]], k: list[list[float]], p: int = 0, s: int = 1) -> list[list[float]]:
    """Cross-correlation with ``p`` zeros of padding and stride ``s``."""
    raise NotImplementedError("conv2d: fill this in")
