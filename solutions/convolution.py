"""Convolution by hand, as in the lecture: cross-correlation (the filter is not flipped).

Inputs and filters are lists of lists of numbers; return lists of lists.
"""


def cross_correlate(x: list[list[float]], k: list[list[float]]) -> list[list[float]]:
    """Valid, stride-1 cross-correlation: out[i][j] = sum of x[i+a][j+b] * k[a][b]."""
    # BEGIN SOLUTION
    n, f = len(x), len(k)
    size = n - f + 1
    return [[sum(x[i + a][j + b] * k[a][b] for a in range(f) for b in range(f))
             for j in range(size)] for i in range(size)]
    # END SOLUTION


def pad(x: list[list[float]], p: int) -> list[list[float]]:
    """``x`` with ``p`` rows and columns of zeros added on every side."""
    # BEGIN SOLUTION
    width = len(x[0]) + 2 * p
    rows = [[0] * width for _ in range(p)]
    return rows + [[0] * p + list(r) + [0] * p for r in x] + [[0] * width for _ in range(p)]
    # END SOLUTION


def conv2d(x: list[list[float]], k: list[list[float]], p: int = 0, s: int = 1) -> list[list[float]]:
    """Cross-correlation with ``p`` zeros of padding and stride ``s``."""
    # BEGIN SOLUTION
    x = pad(x, p)
    n, f = len(x), len(k)
    size = (n - f) // s + 1
    return [[sum(x[i * s + a][j * s + b] * k[a][b] for a in range(f) for b in range(f))
             for j in range(size)] for i in range(size)]
    # END SOLUTION
