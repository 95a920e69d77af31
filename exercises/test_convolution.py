"""Graded questions for convolution.py: cross-correlation, padding, stride."""

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo import ops
from cnnzoo.grading import Answer, Cases, Question

MODULE = "convolution"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Filters and convolution (cross-correlation; strides)",
    "pad": "Padding, and the padding frames (6.0 for 8, 4.0 for 3)",
    "slide_errata": "Padding, and the padding frames (6.0 for 8, 4.0 for 3)",
    "frames_stride": "Padding, and the padding frames (6.0 for 8, 4.0 for 3)",
}
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


def _errata(x, k, p, s, shown):
    right = conv(x, k, p, s)
    return [(i, j, v) for i, row in enumerate(right) for j, v in enumerate(row) if v != shown[i][j]]


def _shown_with_slips(r):
    """An output as a slide might show it: right, except for up to two entries."""
    x, k, p, s = _padded_strided(r)
    shown = conv(x, k, p, s)
    for _ in range(r.randint(0, 2)):
        i, j = r.randrange(len(shown)), r.randrange(len(shown[0]))
        shown[i][j] += r.choice([-3, -2, -1, 1, 2, 3])
    return x, k, p, s, shown


def _frames(r):
    """A strided convolution's frames, with an output of at least 2x2."""
    while True:
        f = r.randint(1, 7)
        n, p, s = r.randint(f, 80), r.randint(0, 3), r.randint(2, 4)
        out = ar.conv_output_size(n, f, p=p, s=s)
        if out >= 2:
            return n, f, p, out


def _smallest_stride(n, f, p, out):
    return next(s for s in range(1, n + 2 * p + 2) if ar.conv_output_size(n, f, p=p, s=s) == out)


SLIDE = [[6, 17, 3], [6, 17, 13], [6, 4, 4]]  # the lecture's padding frames, as shown
FRAME = [[6, 17, 4], [6, 17, 13], [6, 4, 4]]  # one frame, as shown

FLIPPED = "you flipped the filter: the lecture's 'convolution' is cross-correlation, used as it is"

QUESTIONS = [
    Question("cross_correlate", 3,
             Answer(conv, expects=GRID,
                    hint="multiply each window by the filter element by element and add it all up",
                    slips=[(_flipped, FLIPPED)]),
             Cases(_image_and_filter, lecture=[(X, K)])),
    Question("pad", 1,
             Answer(lambda x, p: ops.pad2d(np.asarray(x), p).tolist(), expects=GRID,
                    hint="p rows of zeros above and below, p columns left and right",
                    slips=[(lambda x, p: ops.pad2d(np.asarray(x), ((p, 0), (p, 0))).tolist(), "pad every side, not only two")]),
             Cases(lambda r: (_image_and_filter(r)[0], r.randint(1, 3)), lecture=[(X, 1)])),
    Question("conv2d", 3,
             Answer(conv, expects=GRID,
                    hint="pad first, then move the window s pixels at a time (the slides' padded frames hold slips: "
                         "see slide_errata)", slips=[(_flipped, FLIPPED),
                                                     (lambda x, k, p, s: conv(x, k, p, 1), "the window moves s pixels at a time, not 1"),
                                                     (lambda x, k, p, s: conv(x, k, 0, s), "pad the input before sliding the window")]),
             Cases(_padded_strided, lecture=[(X, K, 1, 2)])),
    Question("slide_errata", 1,
             Answer(_errata, expects="a list of (row, col, right value)",
                    hint="compute every entry (pad, then stride) and list, row by row, where the grid shown differs",
                    slips=[(lambda x, k, p, s, shown: [(i, j, shown[i][j]) for i, j, _ in _errata(x, k, p, s, shown)],
                            "give the right value of each wrong entry, not the value shown"),
                           (lambda x, k, p, s, shown: [(j, i, v) for i, j, v in _errata(x, k, p, s, shown)],
                            "(row, col, value): the row first")],
                    follows=[(lambda x, k, p, s, shown: _errata(x, np.asarray(k)[::-1, ::-1].tolist(), p, s, shown), "conv2d",
                              "with the filter flipped")]),
             Cases(_shown_with_slips, lecture=[(X, K, 1, 2, SLIDE), (X, K, 1, 2, FRAME)])),
    Question("frames_stride", 1,
             Answer(_smallest_stride,
                    hint="the frames follow the strided formula floor((n + 2p - f) / s) + 1: which s gives their output?",
                    slips=[(lambda n, f, p, out: 1, "at stride 1 the output would be n + 2p - f + 1, larger than the frames "
                            "show: the frames move the filter more than one pixel at a time"),
                           (lambda n, f, p, out: n + 2 * p - f + 1, "that is the stride-1 output size; the question asks for "
                            "the stride")]),
             Cases(_frames, lecture=[(5, 3, 1, 3)])),
]
