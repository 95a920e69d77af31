"""Graded questions for pooling.py: max and average pooling by hand."""

import math

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo import ops
from cnnzoo.grading import Answer, Cases, Question

MODULE = "pooling"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Pooling, max and average (the average rounded on the slide)",
}
X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]  # the lecture's
GRID = "a list of lists of numbers"


def _case(r):
    n = r.randint(4, 9)
    return [[r.randint(-5, 5) for _ in range(n)] for _ in range(n)], r.randint(1, 3), r.randint(1, 3)


def _avg(x, f, s):
    return ops.avg_pool2d(np.asarray(x, float), f, strides=s).tolist()


def _window(x, f, s, i, j):
    return [x[i * s + a][j * s + b] for a in range(f) for b in range(f)]


def _entry(r):
    x, f, s = _case(r)
    size = ar.pool_output_size(len(x), f, s=s)
    return x, f, s, r.randrange(size), r.randrange(size)


def _fraction(got, args):
    """Right when ``got`` is a fraction (numerator, denominator) equal to the window's mean."""
    x, f, s, i, j = args
    total, count = sum(_window(*args)), f * f
    if isinstance(got, (int, float)):
        if math.isclose(got, round(total / count, 1)) and total % count and not math.isclose(got, total / count):
            return ("that is the mean rounded to one decimal, as the slide shows it: the mean of f*f integers "
                    "is a fraction; return it exactly, as (numerator, denominator)")
        return "return the mean exactly, as a fraction (numerator, denominator), so nothing is rounded"
    if not (isinstance(got, (tuple, list)) and len(got) == 2 and all(type(v) is int for v in got)) or got[1] == 0:
        return "return a tuple (numerator, denominator) of integers"
    if got[0] * count == got[1] * total:
        return None
    if got[0] * 1 == got[1] * total:
        return "that is the window's sum: divide by the number of values, f*f"
    return "the mean of the window: the sum of its f*f values over f*f"


QUESTIONS = [
    Question("max_pool", 2,
             Answer(lambda x, f, s: ops.max_pool2d(np.asarray(x), f, strides=s).tolist(), expects=GRID,
                    hint="the largest value of each window; windows start s pixels apart",
                    slips=[(lambda x, f, s: ops.max_pool2d(np.asarray(x), f, strides=1).tolist(), "windows start s pixels apart, not 1")]),
             Cases(_case, lecture=[(X, 3, 1)])),
    Question("avg_pool", 2,
             Answer(_avg, expects=GRID, hint="the mean of each window: its sum over its f*f values",
                    slips=[(lambda x, f, s: np.round(_avg(x, f, s), 1).tolist(),
                            "keep the exact mean: the slide rounds to one decimal for display only"),
                           (lambda x, f, s: np.round(_avg(x, f, s), 2).tolist(),
                            "keep the exact mean: rounding, as the slide does for display, changes the value"),
                           (lambda x, f, s: ops.avg_pool2d(np.asarray(x, float), f, strides=s).__mul__(f * f).tolist(),
                            "that is the window's sum: divide by the number of values")]),
             Cases(_case, lecture=[(X, 3, 1)])),
    Question("pool_output", 1,
             Answer(lambda n, f, s: ar.pool_output_size(n, f, s=s),
                    hint="pooling windows move like a convolution's filter, without padding",
                    slips=[(lambda n, f, s: n // s, "overlapping or uneven windows do not simply divide n by s")]),
             Cases(lambda r: (r.randint(4, 100), r.randint(2, 4), r.randint(1, 4)), lecture=[(55, 3, 2)])),
    Question("pool_params", 0.5,
             Answer(lambda f, c: 0, hint="what would a pooling layer learn?"),
             Cases(lambda r: (r.randint(2, 5), r.randint(1, 512)))),
    Question("exact_average", 1,
             Answer(lambda *a: (sum(_window(*a)), a[1] * a[1]), grade=_fraction,
                    expects="a tuple (numerator, denominator)"),
             Cases(_entry, lecture=[(X, 3, 1, 0, 0)])),
]
