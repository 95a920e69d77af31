import random

import pytest

from cnnzoo import arithmetic as ar
from cnnzoo.grading import check

MODULE = "output_size"
R = random.Random(5)
NF = [(32, 5), (5, 3)] + [(n, R.randint(1, n)) for n in (R.randint(3, 60) for _ in range(6))]


@pytest.mark.points(1)
@pytest.mark.parametrize("n, f", NF)
def test_valid_output(student, n, f):
    check(student.valid_output(n, f), ar.conv_output_size(n, f), "how many positions can the filter take?")


@pytest.mark.points(2)
@pytest.mark.parametrize("n, f", [(32, 5), (28, 3), (10, 4), (7, 7), (3, 5)])
def test_repeated_valid(student, n, f):
    expected, size = [], n
    while True:
        try:
            size = ar.conv_output_size(size, f)
        except ValueError:  # the filter no longer fits
            break
        expected.append(size)
    check(student.repeated_valid(n, f), expected,
          "apply n - f + 1 while the filter still fits; 1x1 may never be reached")


@pytest.mark.points(2)
@pytest.mark.parametrize("n, f, row, col", [(5, 3, 0, 0), (5, 3, 2, 2), (5, 3, 0, 2)] + [
    (n, f, R.randrange(n), R.randrange(n)) for n, f in ((R.randint(4, 20), R.randint(1, 4)) for _ in range(5))])
def test_pixel_uses(student, n, f, row, col):
    check(student.pixel_uses(n, f, row, col), ar.pixel_usage(n, f)[row][col],
          "count the output windows that cover the pixel, per axis; corners are covered once")


@pytest.mark.points(1)
@pytest.mark.parametrize("n, f, p", [(5, 3, 1), (32, 5, 2)] + [(R.randint(5, 40), R.randint(1, 5), R.randint(0, 3)) for _ in range(4)])
def test_padded_output(student, n, f, p):
    check(student.padded_output(n, f, p), ar.conv_output_size(n, f, p), "padding adds p on both sides")


@pytest.mark.points(1)
@pytest.mark.parametrize("f", [1, 3, 5, 7, 11])
def test_same_padding(student, f):
    check(student.same_padding(f), ar.same_padding(f), "solve n + 2p - f + 1 = n for p")


@pytest.mark.points(3)
@pytest.mark.parametrize("n, f, p, s", [(5, 3, 1, 2), (7, 3, 0, 2), (227, 11, 0, 4)] + [
    (R.randint(5, 60), R.randint(1, 5), R.randint(0, 2), R.randint(1, 4)) for _ in range(7)])
def test_strided_output(student, n, f, p, s):
    check(student.strided_output(n, f, p, s), ar.conv_output_size(n, f, p, s),
          "stride divides after padding, and the division rounds down (floor)")
