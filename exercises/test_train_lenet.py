"""Graded questions for train_lenet.py: LeNet-5 trained by the student, measured by the grader.

The grader sends 4,000 MNIST digits (the sample shipped with cnnzoo, padded to 32x32) and keeps the
other 1,000: no student process can read the file they come from. MNIST itself is public,
so each grading also turns all digits by one of the square's 8 symmetries and renames the
classes by a permutation, both drawn from the grading's seed and applied to the kept-back
digits alike: a model trained beforehand (on all of MNIST, shipped in the source) scores
like chance; one trained on what it was sent does as well as ever. The trained model comes
back as its config and weight arrays; the grader checks its layers against LeNet-5 and
rebuilds it from data alone (cnnzoo.grading.rebuild: Keras' own layers, safe mode, no
student code), in a grader-owned process (cnnzoo.grading.measure), to count the
kept-back digits it gets right.
"""

import numpy as np

from cnnzoo.grading import Answer, Call, Cases, Question, Shown, once
from cnnzoo.grading.hints import model_hint
from cnnzoo.grading.wire import KerasModel

MODULE = "train_lenet"
ALLOW = ("numpy", "keras")
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Training CNNs for own applications (LeNet-5 on MNIST)",
}
THRESHOLD = 0.95
SECONDS = 180  # the call's limit: wall-clock and CPU time (all threads) alike


@once  # computed once per grader process, shared by every student and grading thread
def _split():
    from cnnzoo.data import mnist

    return mnist(pad=True)  # the same 4,000 / 1,000 split every grading; the 1,000 never leave here


def _turned(x, k):
    """Images (N, H, W) turned by the square's symmetry ``k`` (0..7: 4 rotations, then mirrored)."""
    x = np.rot90(x, k % 4, axes=(1, 2))
    return np.ascontiguousarray(x[:, :, ::-1] if k >= 4 else x)


def _training(r):
    (x_train, y_train), _ = _split()
    k, names = r.randrange(8), list(range(10))
    r.shuffle(names)
    return _turned(x_train, k), np.asarray(names, dtype=y_train.dtype)[y_train]


def _kept_back(args):
    """The kept-back digits as this grading sent the training ones: same turn, same class names."""
    (x_train, y_train), (x_test, y_test) = _split()
    sent_x, sent_y = args
    k = next(k for k in range(8) if np.array_equal(_turned(x_train[:16], k), sent_x[:16]))
    names = np.zeros(10, dtype=y_test.dtype)
    names[y_train] = sent_y
    return _turned(x_test, k), names[y_test]


def _measured(model, data=None):
    """The model's accuracy on ``data`` (or ``None`` without), measured in a grader-owned
    process (cnnzoo.grading.measure), or the hint that says why it cannot be."""
    from cnnzoo.grading.measure import measure
    from cnnzoo.grading.rebuild import Refused

    if not isinstance(model, KerasModel):
        return "return the trained keras.Model"
    x, y = data if data is not None else (None, None)
    try:
        return measure(model, (32, 32, 1), None if x is None else (x[..., None] / 255.0).astype("float32"), y)
    except Refused as err:
        return str(err)


def _architecture(model, args):
    built = _measured(model)
    return built if isinstance(built, str) else model_hint(model.config, "lenet5")


def _held_out(model, args):
    right = _measured(model, _kept_back(args))
    if isinstance(right, str):
        return right
    if right >= THRESHOLD:
        return None
    return (f"your model gets {right:.1%} of the kept-back digits right; {THRESHOLD:.0%} "
            "needed: scale the images as the grader does (x / 255), train for more epochs, check the loss "
            "falls (a softmax output with sparse_categorical_crossentropy)")


def _shown(args):
    return f"{len(args[0]):,} MNIST training digits"


QUESTIONS = [
    Question("train_lenet5", 2,
             Answer(grade=_architecture, expects="a keras.Model"),
             Cases(_training, count=1),
             shown=Shown(label="train_lenet5 (LeNet-5's layers)", args=_shown),
             call=Call(timeout=SECONDS)),
    Question("train_lenet5", 4,
             Answer(grade=_held_out, expects="a keras.Model"),
             Cases(_training, count=1),
             shown=Shown(label="train_lenet5 (kept-back accuracy)", args=_shown),
             call=Call(timeout=SECONDS)),
]
