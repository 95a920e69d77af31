"""Graded questions for convolution.py: cross-correlation, padding, stride."""

import numpy as np

from cnnzoo import ops
from cnnzoo.grading import Question

MODULE = "convolution"
X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]  # the lecture's
K = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
GRID = "a list of lists of numbers"


def conv(x, k, p=0, s=1):
    """cnnzoo.ops.conv2d, proven against tf.nn.conv2d in the library's tests."""
    return ops.conv2d(np.asarray(x, float), np.asarray(k, float), padding=p, strides=s).tolist()


def _flipped(x, k, p=0, s=1):
    return conv(x, np.asarray(k)[::-1, ::-1], p, s)


def _image_and_filter(r):
    n, f = r.randint(3, 9), r.randint(1, 3)
    return ([[r.randint(-3, 3) for _ in range(n)] for _ in range(n)],
            [[r.randint(-2, 2) for _ in range(f)] for _ in range(f)])


def _padded_strided(r):
    x, k = _image_and_filter(r)
    return x, k, r.randint(0, 2), r.randint(2, 3)


FLIPPED = "you flipped the filter: the lecture's 'convolution' is cross-correlation, used as it is"

QUESTIONS = [
    Question("cross_correlate", 3, answer=conv, draw=_image_and_filter, lecture=[(X, K)], expects=GRID,
             hint="multiply each window by the filter element by element and add it all up",
             slips=[(_flipped, FLIPPED)]),
    Question("pad", 1, answer=lambda x, p: ops.pad2d(np.asarray(x), p).tolist(), expects=GRID,
             draw=lambda r: (_image_and_filter(r)[0], r.randint(1, 3)), lecture=[(X, 1)],
             hint="p rows of zeros above and below, p columns left and right",
             slips=[(lambda x, p: ops.pad2d(np.asarray(x), ((p, 0), (p, 0))).tolist(), "pad every side, not only two")]),
    Question("conv2d", 3, answer=conv, draw=_padded_strided, lecture=[(X, K, 1, 2)], expects=GRID,
             hint="pad first, then move the window s pixels at a time (the slide shows 6 where 8 is right)",
             slips=[(_flipped, FLIPPED),
                    (lambda x, k, p, s: conv(x, k, p, 1), "the window moves s pixels at a time, not 1"),
                    (lambda x, k, p, s: conv(x, k, 0, s), "pad the input before sliding the window")]),
]
