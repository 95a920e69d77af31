"""Graded questions for visualise.py: PCA by SVD, a network's last hidden layer, the plot.

pca is compared with scikit-learn's PCA on random data, each component up to its sign.
hidden_pca gets a LeNet-5's weights and images; the grader computes fc2's activations
with its own LeNet-5 (cnnzoo's) and their PCA. plot_embedding is asked to save a PNG in
the student's folder; the grader reads the file's first bytes only (the PNG signature
and size, never decoding the image) and compares the positions the student read back
from the figure with the points it sent.
"""

import struct

import numpy as np

from cnnzoo.grading import Answer, Call, Cases, Question, Shown, once

MODULE = "visualise"
ALLOW = ("numpy", "keras", "matplotlib")
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Visualising CNNs (the last hidden layer in 2-D)",
}


def _signs_free(got, expected):
    """``got`` equals ``expected`` with any column negated (a principal axis has no sign)."""
    if not isinstance(got, (np.ndarray, list, tuple)):
        return False
    got = np.asarray(got, dtype=float)
    if got.shape != expected.shape or not np.isfinite(got).all():
        return False
    tol = 1e-4 * max(1.0, float(np.abs(expected).max(initial=0.0)))
    return all(np.allclose(g, e, atol=tol) or np.allclose(-g, e, atol=tol) for g, e in zip(got.T, expected.T))


def _sklearn_pca(x, k):
    from sklearn.decomposition import PCA

    return PCA(n_components=k).fit_transform(np.asarray(x, dtype=float))


def _uncentred(x, k):
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return x @ vt[:k].T


def _unscaled(x, k):
    u, _, _ = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    return u[:, :k]


def _random_data(r):
    rng = np.random.default_rng(r.randrange(2**32))
    n, d = r.randint(8, 60), r.randint(2, 12)
    scales = np.sort(rng.uniform(0.5, 5.0, d))[::-1] * np.linspace(1.0, 0.3, d)  # distinct variances
    x = rng.normal(size=(n, d)) * scales + rng.normal(0, 3, d)  # off-centre on purpose
    return x, r.randint(1, min(n - 1, d, 4))


# --------------------------------------------------------------------------- hidden_pca

@once  # computed once per grader process, shared by every student and grading thread
def _lenet():
    import keras

    from cnnzoo.data import mnist
    from cnnzoo.models import lenet5

    keras.utils.set_random_seed(5)
    net = lenet5()
    _, (images, _) = mnist(pad=True)
    return net, keras.Model(net.inputs, net.get_layer("fc2").output), images


def _hidden_case(r):
    net, _, images = _lenet()
    return [np.asarray(w) for w in net.get_weights()], images[sorted(r.sample(range(len(images)), 60))]


def _hidden_reference(weights, images):
    _, hidden, _ = _lenet()
    return _sklearn_pca(np.asarray(hidden.predict_on_batch((images[..., None] / 255.0).astype("float32"))), 2)


# ------------------------------------------------------------------------ plot_embedding

FILE = "embedding.png"


def _plot_case(r):
    rng = np.random.default_rng(r.randrange(2**32))
    n = r.randint(20, 120)
    return rng.normal(size=(n, 2)) * rng.uniform(0.5, 20.0), rng.integers(0, 10, n)


def _plot_dialogue(student, args):
    points, labels = args
    drawn = student.call("plot_embedding", points, labels, FILE)
    head = student.file_head(FILE, 24)
    size = None
    if head is not None and len(head) == 24 and head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        size = struct.unpack(">II", head[16:24])
    return {"drawn": drawn, "png": size}


def _grade_plot(got, args):
    points, _ = args
    if got["png"] is None or min(got["png"]) < 1:
        return f"save the figure as a PNG named as asked ({FILE}) in the current folder"
    drawn = got["drawn"]
    if not isinstance(drawn, (np.ndarray, list, tuple)):
        return "return the positions the figure holds (an array (N, 2))"
    drawn = np.asarray(drawn, dtype=float)
    if drawn.shape != points.shape:
        return (f"the figure holds {drawn.shape[0] if drawn.ndim else 0} points for {len(points)}: "
                "one point per example, every example")
    order = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731  (any order of the points)
    if not np.allclose(order(drawn), order(points), rtol=1e-6, atol=1e-9):
        return "the figure's points are not the ones given: plot points[:, 0] against points[:, 1]"
    return None


QUESTIONS = [
    Question("pca", 3,
             Answer(_sklearn_pca, compare=_signs_free, expects="an array (N, k)",
                    hint="centre the columns, then project on the first k right singular vectors",
                    slips=[(_uncentred, "subtract each column's mean before the SVD"),
                           (_unscaled, "U alone is scaled to length 1: multiply by the singular values (or project on Vt)")]),
             Cases(_random_data, count=4),
             shown=Shown(args=lambda a: f"x of shape {a[0].shape}, k={a[1]}")),
    Question("hidden_pca", 2,
             Answer(_hidden_reference, compare=_signs_free, expects="an array (N, 2)",
                    hint="fc2's output (a keras.Model from the inputs to fc2), then pca(..., 2)"),
             Cases(_hidden_case, count=2),
             shown=Shown(args=lambda a: f"LeNet-5's weights, {len(a[1])} images"),
             call=Call(timeout=60)),
    Question("plot_embedding", 1,
             Answer(grade=_grade_plot, expects="the plotted positions"),
             Cases(_plot_case, count=1),
             shown=Shown(args=lambda a: f"{len(a[0])} points"),
             call=Call(dialogue=_plot_dialogue, timeout=60)),
]
