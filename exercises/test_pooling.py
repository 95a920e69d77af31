"""Graded questions for pooling.py: max and average pooling by hand."""

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo import ops
from cnnzoo.grading import Question

MODULE = "pooling"
X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]  # the lecture's
GRID = "a list of lists of numbers"


def _case(r):
    n = r.randint(4, 9)
    return [[r.randint(-5, 5) for _ in range(n)] for _ in range(n)], r.randint(1, 3), r.randint(1, 3)


def _avg(x, f, s):
    return ops.avg_pool2d(np.asarray(x, float), f, strides=s).tolist()


QUESTIONS = [
    Question("max_pool", 2, answer=lambda x, f, s: ops.max_pool2d(np.asarray(x), f, strides=s).tolist(), draw=_case,
             lecture=[(X, 3, 1)], expects=GRID, hint="the largest value of each window; windows start s pixels apart",
             slips=[(lambda x, f, s: ops.max_pool2d(np.asarray(x), f, strides=1).tolist(), "windows start s pixels apart, not 1")]),
    Question("avg_pool", 2, answer=_avg, draw=_case, lecture=[(X, 3, 1)], expects=GRID,
             hint="the mean of each window: its sum over its f*f values",
             slips=[(lambda x, f, s: np.round(_avg(x, f, s), 1).tolist(),
                     "keep the exact mean: the slide rounds to one decimal for display only"),
                    (lambda x, f, s: ops.avg_pool2d(np.asarray(x, float), f, strides=s).__mul__(f * f).tolist(),
                     "that is the window's sum: divide by the number of values")]),
    Question("pool_output", 1, answer=lambda n, f, s: ar.pool_output_size(n, f, s=s),
             draw=lambda r: (r.randint(4, 100), r.randint(2, 4), r.randint(1, 4)), lecture=[(55, 3, 2)],
             hint="pooling windows move like a convolution's filter, without padding",
             slips=[(lambda n, f, s: n // s, "overlapping or uneven windows do not simply divide n by s")]),
    Question("pool_params", 0.5, answer=lambda f, c: 0, draw=lambda r: (r.randint(2, 5), r.randint(1, 512)),
             hint="what would a pooling layer learn?"),
]
