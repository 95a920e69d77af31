"""Hidden questions for output_size.py: graded with --grade-instructor and on Gradescope, never released."""

from cnnzoo import arithmetic as ar
from cnnzoo.grading import Answer, Cases, Question, Shown

MODULE = "output_size"


def _large(r):
    f = r.randint(1, 31)
    return r.randint(f, 4000), f, r.randint(0, 15), r.randint(1, 16)


QUESTIONS = [
    Question("strided_output", 2,
             Answer(lambda n, f, p, s: ar.conv_output_size(n, f, p=p, s=s),
                    hint="the general formula, with the floor, at any size"),
             Cases(_large),
             shown=Shown(label="strided_output (large inputs)")),
]
