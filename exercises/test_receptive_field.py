import random

import pytest

from cnnzoo import arithmetic as ar
from cnnzoo.grading import check

MODULE = "receptive_field"
R = random.Random(3)
CASES = [[(3, 1), (3, 1)], [(5, 1), (2, 2), (5, 1), (2, 2)], [(11, 4), (3, 2), (5, 1)]] + [
    [(R.randint(1, 7), R.randint(1, 3)) for _ in range(R.randint(1, 6))] for _ in range(5)]


@pytest.mark.points(3)
@pytest.mark.parametrize("layers", CASES)
def test_receptive_field(student, layers):
    check(student.receptive_field(layers), ar.receptive_field(layers),
          "each layer adds (f - 1) times the product of the strides before it")
