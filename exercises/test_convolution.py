import numpy as np
import pytest

from cnnzoo import ops
from cnnzoo.grading import check

MODULE = "convolution"
X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
K = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
RNG = np.random.default_rng(7)


def reference(x, k, p=0, s=1):
    """cnnzoo.ops.conv2d, proven against tf.nn.conv2d in the library's tests."""
    return ops.conv2d(np.asarray(x, float), np.asarray(k, float), padding=p, strides=s).tolist()


def random_case(seed):
    rng = np.random.default_rng(seed)
    n, f = int(rng.integers(3, 9)), int(rng.integers(1, 4))
    return rng.integers(-3, 4, (n, n)).tolist(), rng.integers(-2, 3, (f, f)).tolist()


@pytest.mark.points(3)
@pytest.mark.parametrize("x, k", [(X, K)] + [random_case(i) for i in range(5)])
def test_cross_correlate(student, x, k):
    check(student.cross_correlate(x, k), reference(x, k),
          "multiply the window by the filter element by element and sum; do not flip the filter")


@pytest.mark.points(1)
@pytest.mark.parametrize("p", [1, 2])
def test_pad(student, p):
    check(student.pad(X, p), ops.pad2d(X, p).tolist(), "p zeros on every side, rows and columns")


@pytest.mark.points(3)
@pytest.mark.parametrize("x, k, p, s", [(X, K, 1, 2), (X, K, 0, 1), (X, K, 2, 3)] + [
    (*random_case(10 + i), int(RNG.integers(0, 3)), int(RNG.integers(1, 4))) for i in range(5)])
def test_conv2d_with_padding_and_stride(student, x, k, p, s):
    check(student.conv2d(x, k, p, s), reference(x, k, p, s),
          "pad first, then move the window s pixels at a time; the lecture's slide shows 6 where 8 is right")
