"""Graded questions for keras_lenet.py: LeNet-5 built with Keras, checked layer by layer.

The model crosses from the student's process as its JSON config and weight shapes and is
counted by cnnzoo.summarize here, without being built.
"""

from cnnzoo.grading import Answer, Cases, Question
from cnnzoo.grading.hints import model_hint
from cnnzoo.grading.wire import KerasModel

MODULE = "keras_lenet"
ALLOW = ("numpy", "keras")
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Exercise LeNet-5, Q1-Q7 (built with Keras)",
}


def _grade(model, args):
    (h, w, c), classes = args
    if not isinstance(model, KerasModel):
        return "return a keras.Model"
    return model_hint(model.config, "lenet5", input_shape=(h, w, c), num_classes=classes)


def _case(r):
    side = r.randint(28, 64)
    return (side, side, r.choice([1, 3])), r.randint(2, 20)


QUESTIONS = [
    Question("build_lenet5", 6,
             Answer(grade=_grade, expects="a keras.Model"),
             Cases(_case, lecture=[((32, 32, 1), 10)], count=2)),
]
