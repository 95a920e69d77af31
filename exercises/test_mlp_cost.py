"""Graded questions for mlp_cost.py: the cost of an MLP on raw pixels."""

from cnnzoo import arithmetic as ar
from cnnzoo.grading import Answer, Cases, Question

MODULE = "mlp_cost"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Modern cameras: an MLP on a 108-megapixel photo",
}


def _image(r):
    return r.randint(1, 4000), r.randint(1, 4000), r.choice([1, 3, 4]), r.randint(1, 500)


QUESTIONS = [
    Question("mlp_params", 2,
             Answer(lambda h, w, c, k: ar.dense_params(h * w * c, k),
                    hint="every value of every pixel connects to every hidden unit, and each unit has a bias",
                    slips=[(lambda h, w, c, k: h * w * c * k, "did you count the biases?"),
                           (lambda h, w, c, k: h * w * k + k, "did you count every channel of every pixel?"),
                           (lambda h, w, c, k: h * w * c * k * 10 + k, "the slide's '324 billion' is a slip: recount")]),
             Cases(_image, lecture=[(12_000, 9_000, 3, 100)])),
    Question("weight_bytes", 1,
             Answer(lambda p, b: p * b // 8, hint="how many bits does a byte hold?",
                    slips=[(lambda p, b: p * b, "that is bits, not bytes (the slide's '32 bytes' per float is a slip)")]),
             Cases(lambda r: (r.randint(1, 10**12), r.choice([8, 16, 32, 64])),
                   lecture=[(32_400_000_100, 32)])),
]
