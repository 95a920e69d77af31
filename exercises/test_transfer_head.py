"""Graded questions for transfer_head.py: features from a frozen backbone, a head on stored ones.

The backbone (LeNet-5's convolutional part) is trained here, in the grader, on MNIST's
digits 0 to 4; the task is the digits 5 to 9. extract_features is checked against the
grader's own pass over the same images. head_step never holds the backbone: the grader
serves the features of the training images it asks for and counts every image served,
so the backbone passes are counted where the student cannot change the count. The head
comes back as config and weights, is rebuilt from data alone (cnnzoo.grading.rebuild)
and measured on the features of digits the student never receives.
"""

from dataclasses import dataclass

import numpy as np

from cnnzoo.grading import Answer, Call, Cases, Question, Shown, once
from cnnzoo.grading.wire import KerasModel

MODULE = "transfer_head"
ALLOW = ("numpy", "keras")
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Training CNNs for own applications (transfer with stored activations)",
}
THRESHOLD = 0.92  # a linear head on these features gets about 96%; logistic regression on pixels 93%
ROUNDS = 60
SECONDS = 120
FEATURES = 400


@dataclass(frozen=True)
class _World:
    net: object
    weights: tuple
    images: np.ndarray  # kept-back images of every digit, for extract_features
    train: tuple  # features and labels of the digits 5-9 the student may ask for
    test: tuple  # features and labels of the digits 5-9 kept back


@once  # computed once per grader process, shared by every student and grading thread
def _world():
    import keras

    from cnnzoo.data import mnist

    (x, y), (xt, yt) = mnist(pad=True)
    scaled = lambda images: (images[..., None] / 255.0).astype("float32")  # noqa: E731
    keras.utils.set_random_seed(1998)
    L = keras.layers
    trunk = keras.Sequential([keras.Input(shape=(32, 32, 1)), L.Conv2D(6, 5, activation="relu", name="conv1"),
                            L.MaxPooling2D(2, name="pool1"), L.Conv2D(16, 5, activation="relu", name="conv2"),
                            L.MaxPooling2D(2, name="pool2"), L.Flatten(name="flatten")], name="backbone")
    source = keras.Sequential([trunk, L.Dense(84, activation="relu"), L.Dense(5, activation="softmax")])
    source.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    source.fit(scaled(x[y < 5]), y[y < 5], epochs=3, batch_size=32, verbose=0)  # the source task: 0 to 4
    features = lambda images: trunk.predict(scaled(images), batch_size=256, verbose=0)  # noqa: E731
    new, kept = y >= 5, yt >= 5
    return _World(trunk, tuple(np.asarray(w) for w in trunk.get_weights()), xt,
                  (features(x[new]), y[new].astype(np.int64)), (features(xt[kept]), yt[kept].astype(np.int64)))


# ----------------------------------------------------------------------- extract_features

def _extract_case(r):
    world = _world()
    return list(world.weights), world.images[sorted(r.sample(range(len(world.images)), 40))]


def _reference(weights, images):
    return np.asarray(_world().net.predict_on_batch((images[..., None] / 255.0).astype("float32")))


def _close(got, expected):
    got = np.asarray(got, dtype=float) if isinstance(got, (np.ndarray, list, tuple)) else None
    return got is not None and got.shape == expected.shape and np.allclose(got, expected, rtol=1e-3, atol=1e-4)


def _unscaled(weights, images):
    return np.asarray(_world().net.predict_on_batch(images[..., None].astype("float32")))


# ------------------------------------------------------------------------------ head_step

def _converse(student, args):
    """Serve features on request until the student returns a head; count the images served."""
    (n,) = args
    features, labels = _world().train
    passes, served, answer = 0, np.zeros(n, bool), student.call("head_step", n, None, None, None)
    for _ in range(ROUNDS):
        if isinstance(answer, KerasModel):
            return {"head": answer, "passes": passes, "n": n, "served": int(served.sum())}
        wanted = _indices(answer, n)
        if isinstance(wanted, str):
            return {"problem": wanted, "passes": passes, "n": n}
        passes += len(wanted)
        served[wanted] = True
        answer = student.call("head_step", n, wanted, features[wanted], labels[wanted])
    return {"problem": f"no head after {ROUNDS} calls: return your trained keras.Model", "passes": passes, "n": n}


def _indices(answer, n):
    if isinstance(answer, np.ndarray) and answer.ndim == 1 and answer.dtype.kind in "iu":
        answer = answer.tolist()
    if not isinstance(answer, (list, tuple)) or not all(type(i) is int for i in answer):
        return "return a list of image indices (ints) or your trained keras.Model"
    if len(answer) > n or not all(0 <= i < n for i in answer):
        return f"ask for at most {n:,} images at a time, by indices from 0 to {n - 1:,}"
    return np.array(answer, dtype=np.int64)


def _head_accuracy(got):
    """The kept-back accuracy of the head in ``got``, or the hint that says why there is none."""
    from cnnzoo.grading.measure import measure
    from cnnzoo.grading.rebuild import Refused

    if not isinstance(got, dict):
        return "return a list of image indices or your trained keras.Model"
    if "problem" in got:
        return got["problem"]
    features, labels = _world().test
    try:
        return measure(got["head"], (FEATURES,), features, labels)
    except Refused as err:
        return str(err)


def _grade_accuracy(got, args):
    right = _head_accuracy(got)
    if isinstance(right, str) or right >= THRESHOLD:
        return right if isinstance(right, str) else None
    return (f"your head gets {right:.1%} of the kept-back digits right; {THRESHOLD:.0%} needed: train it on "
            "every training image's features for more epochs (a softmax over 10 scores, labels 5 to 9)")


def _grade_passes(got, args):
    right = _head_accuracy(got)
    if isinstance(right, str):
        return right
    passes, n = got["passes"], got["n"]
    if got["served"] < n:  # a head fitted beforehand never needs the features: it earns no passes
        return (f"your head saw the features of {got['served']:,} of the {n:,} training images: ask for "
                "every image once, store the features, and train the head on them")
    if passes > n:
        return (f"the backbone ran {passes:,} times for {n:,} training images: store each image's features "
                "the first time and train on the stored ones")
    if right < THRESHOLD:
        return "the backbone passes count once your head reaches the accuracy asked for"
    return None


def _shown(args):
    return f"{args[0]:,} training images of the digits 5 to 9"


def _n(r):
    return (len(_world().train[1]),)


QUESTIONS = [
    Question("extract_features", 2,
             Answer(_reference, compare=_close, expects="an array (N, 400)",
                    hint="set the backbone's weights, then run it once over the images scaled as x[..., None] / 255.0",
                    slips=[(_unscaled, "scale the pixels to [0, 1] (x / 255.0), as the backbone was trained")]),
             Cases(_extract_case, count=2),
             shown=Shown(args=lambda a: f"the backbone's weights, {len(a[1])} images"),
             call=Call(timeout=60)),
    Question("head_step", 2,
             Answer(grade=_grade_passes, expects="indices, then a keras.Model"),
             Cases(_n, count=1),
             shown=Shown(label="head_step (backbone passes)", args=_shown),
             call=Call(dialogue=_converse, timeout=SECONDS)),
    Question("head_step", 3,
             Answer(grade=_grade_accuracy, expects="indices, then a keras.Model"),
             Cases(_n, count=1),
             shown=Shown(label="head_step (kept-back accuracy)", args=_shown),
             call=Call(dialogue=_converse, timeout=SECONDS)),
]
