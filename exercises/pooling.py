"""Max and average pooling by hand; pooling has no parameters.

Erratum to find: the lecture's average pooling (3x3 windows, stride 1) shows 1.7 for the
top-left window. What is the exact value there, and why does the slide show 1.7?
:func:`exact_average` answers it for any window, as a fraction.
"""


def max_pool(x: list[list[float]], f: int, s: int) -> list[list[float]]:
    """The largest value of each ``f`` x ``f`` window, windows ``s`` apart (no padding)."""
    raise NotImplementedError("max_pool: fill this in")


def avg_pool(x: list[list[float]], f: int, s: int) -> list[list[float]]:
    """The mean of each ``f`` x ``f`` window, windows ``s`` apart (no padding)."""
    raise NotImplementedError("avg_pool: fill this in")


def pool_output(n: int, f: int, s: int) -> int:
    """Output side of pooling an ``n`` x ``n`` map with window ``f`` and stride ``s``."""
    raise NotImplementedError("pool_output: fill this in")


def pool_params(f: int, channels: int) -> int:
    """Trainable parameters of an ``f`` x ``f`` pooling layer over ``channels`` maps."""
    raise NotImplementedError("pool_params: fill this in")


def exact_average(x: list[list[int]], f: int, s: int, i: int, j: int) -> tuple[int, int]:
    """The exact average of output ``(i, j)`` of :func:`avg_pool` on an integer grid ``x``, as a
    fraction ``(numerator, denominator)``: ``(5, 2)`` for 2.5 (any equal fraction will do)."""
    raise NotImplementedError("exact_average: fill this in")
