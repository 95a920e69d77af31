import numpy as np
import pytest

from cnnzoo import arithmetic as ar
from cnnzoo import ops
from cnnzoo.grading import check

MODULE = "pooling"
X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]


def cases(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 10))
    f = int(rng.integers(1, 4))
    return rng.integers(-5, 6, (n, n)).tolist(), f, int(rng.integers(1, 3))


CASES = [(X, 3, 1), (X, 2, 2)] + [cases(i) for i in range(5)]


@pytest.mark.points(2)
@pytest.mark.parametrize("x, f, s", CASES)
def test_max_pool(student, x, f, s):
    check(student.max_pool(x, f, s), ops.max_pool2d(x, f, s).tolist(),
          "the largest value in each window; windows move s pixels")


@pytest.mark.points(2)
@pytest.mark.parametrize("x, f, s", CASES)
def test_avg_pool(student, x, f, s):
    got = np.round(np.asarray(student.avg_pool(x, f, s), float), 6).tolist()
    check(got, np.round(ops.avg_pool2d(x, f, s), 6).tolist(),
          "the mean of each window: the sum divided by f*f")


@pytest.mark.points(1)
@pytest.mark.parametrize("n, f, s", [(28, 2, 2), (55, 3, 2), (5, 3, 1), (13, 3, 2), (9, 4, 3)])
def test_pool_output(student, n, f, s):
    check(student.pool_output(n, f, s), ar.pool_output_size(n, f, s), "the convolution formula applies")


@pytest.mark.points(1)
@pytest.mark.parametrize("f, c", [(2, 6), (3, 96)])
def test_pooling_has_no_parameters(student, f, c):
    check(student.pool_params(f, c), 0, "what would pooling learn?")
