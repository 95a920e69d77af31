import random

import pytest

from cnnzoo import arithmetic as ar
from cnnzoo.grading import check

MODULE = "mlp_cost"
R = random.Random(1)
CASES = [(108_000_000, 1, 3, 100)] + [
    (R.randint(1, 4000), R.randint(1, 4000), R.choice([1, 3, 4]), R.randint(1, 500)) for _ in range(6)]


@pytest.mark.points(2)
@pytest.mark.parametrize("h, w, c, hidden", CASES)
def test_mlp_params(student, h, w, c, hidden):
    check(student.mlp_params(h, w, c, hidden), ar.dense_params(h * w * c, hidden),
          "every input value connects to every hidden unit; did you count the biases and all channels?")


@pytest.mark.points(1)
@pytest.mark.parametrize("params, bits", [(32_400_000_100, 32), (61_706, 32), (1_000, 16), (7, 64)])
def test_weight_bytes(student, params, bits):
    check(student.weight_bytes(params, bits), params * bits // 8,
          "a float32 is 32 bits; a byte is 8 bits (the slide's '32 bytes' is a slip)")
