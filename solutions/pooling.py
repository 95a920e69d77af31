"""Max and average pooling by hand; pooling has no parameters.

Erratum to find: the lecture's average pooling (3x3 windows, stride 1) shows 1.7 for the
top-left window. What is the exact value there, and why does the slide show 1.7?
:func:`exact_average` answers it for any window, as a fraction.
"""


def max_pool(x: list[list[float]], f: int, s: int) -> list[list[float]]:
    """The largest value of each ``f`` x ``f`` window, windows ``s`` apart (no padding)."""
    # BEGIN SOLUTION
    size = (len(x) - f) // s + 1
    windows = [[[x[i * s + a][j * s + b] for a in range(f) for b in range(f)]
                for j in range(size)] for i in range(size)]
    return [[max(w) for w in row] for row in windows]
    # END SOLUTION


def avg_pool(x: list[list[float]], f: int, s: int) -> list[list[float]]:
    """The mean of each ``f`` x ``f`` window, windows ``s`` apart (no padding)."""
    # BEGIN SOLUTION
    size = (len(x) - f) // s + 1
    return [[sum(x[i * s + a][j * s + b] for a in range(f) for b in range(f)) / (f * f)
             for j in range(size)] for i in range(size)]
    # END SOLUTION


def pool_output(n: int, f: int, s: int) -> int:
    """Output side of pooling an ``n`` x ``n`` map with window ``f`` and stride ``s``."""
    # BEGIN SOLUTION
    return (n - f) // s + 1
    # END SOLUTION


def pool_params(f: int, channels: int) -> int:
    """Trainable parameters of an ``f`` x ``f`` pooling layer over ``channels`` maps."""
    # BEGIN SOLUTION
    return 0
    # END SOLUTION


def exact_average(x: list[list[int]], f: int, s: int, i: int, j: int) -> tuple[int, int]:
    """The exact average of output ``(i, j)`` of :func:`avg_pool` on an integer grid ``x``, as a
    fraction ``(numerator, denominator)``: ``(5, 2)`` for 2.5 (any equal fraction will do)."""
    # BEGIN SOLUTION
    total = sum(x[i * s + a][j * s + b] for a in range(f) for b in range(f))
    return total, f * f
    # END SOLUTION
