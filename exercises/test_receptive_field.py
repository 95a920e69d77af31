"""Graded questions for receptive_field.py."""

from cnnzoo import arithmetic as ar
from cnnzoo.grading import Answer, Cases, Question

MODULE = "receptive_field"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "The corner pixel is used once, the middle one nine times (receptive field)",
}


def _stack(r):
    return ([(r.randint(1, 7), r.randint(1, 3)) for _ in range(r.randint(1, 6))],)


QUESTIONS = [
    Question("receptive_field", 3,
             Answer(lambda layers: ar.receptive_field(layers),
                    hint="each layer widens the field by (f - 1) steps of the layer below, and a step is as long as the strides before it",
                    slips=[(lambda layers: 1 + sum(f - 1 for f, _ in layers), "strides before a layer multiply how far its taps reach"),
                           (lambda layers: sum(f for f, _ in layers), "two 3x3 layers see 5 pixels, not 6: overlapping taps count once")]),
             Cases(_stack, lecture=[([(3, 1), (3, 1)],)])),
]
