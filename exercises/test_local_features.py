"""Graded questions for local_features.py: dense vs convolutional layers, translation equivariance."""

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo import ops
from cnnzoo.grading import Answer, Cases, Question, Shown

MODULE = "local_features"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Are MLPs well suited for images? (two cats, translation invariance, local features)",
}
GRID = "a list of lists of numbers"
CATS = (100, 3)  # the cat slides: 100x100 RGB images, the ear inside a 10x10 box


def _fmap(x, k):
    """cnnzoo.ops.conv2d, proven against tf.nn.conv2d in the library's tests."""
    return ops.conv2d(np.asarray(x, float), np.asarray(k, float)).tolist()


def _moved(x, dy, dx, wrap=False):
    """``x`` moved by (dy, dx): zeros come in (or, with ``wrap``, what leaves comes back)."""
    a = np.asarray(x, float)
    if wrap:
        return np.roll(a, (dy, dx), axis=(0, 1)).tolist()
    h, w = a.shape
    out = np.zeros_like(a)
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = a[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out.tolist()


def _grid(r, h, w, low=-3, high=3):
    return [[r.randint(low, high) for _ in range(w)] for _ in range(h)]


def _offset(r, limit):
    while True:
        dy, dx = r.randint(-limit, limit), r.randint(-limit, limit)
        if dy or dx:
            return dy, dx


def _shift_case(r):
    h, w = r.randint(3, 8), r.randint(3, 8)
    return (_grid(r, h, w, 1, 9), *_offset(r, min(h, w) - 1))


def _shifted_image_and_filter(r):
    """A random image moved by a random offset, and a filter: the detector must follow it."""
    f = r.randint(1, 3)
    h, w = r.randint(f + 2, 9), r.randint(f + 2, 9)
    return _moved(_grid(r, h, w), *_offset(r, 2)), _grid(r, f, f, -2, 2)


def _compose_case(r):
    x, k = _shifted_image_and_filter(r)
    return (x, k, *_offset(r, 2))


def _ear_case(r):
    """Noise with an ear (a +-1 pattern) planted somewhere: the strongest response finds it."""
    rng = np.random.default_rng(r.getrandbits(32))
    n, f = r.randint(10, 24), r.randint(3, 5)
    ear = rng.choice([-1.0, 1.0], size=(f, f))
    image = np.round(rng.normal(0, 0.3, size=(n, n)), 2)
    i, j = r.randint(0, n - f), r.randint(0, n - f)
    image[i:i + f, j:j + f] += ear
    return image, ear


def _strongest(image, ear, flip=False):
    scores = ops.conv2d(np.asarray(image, float), np.asarray(ear, float)[::-1, ::-1] if flip else ear)
    return tuple(int(v) for v in np.unravel_index(np.argmax(scores), scores.shape))


def _params_case(r):
    size = r.randint(8, 300)
    return size, r.choice([1, 3, 4]), r.randint(1, min(size, 11)), r.randint(1, 64)


def _flipped(x, k, *rest):
    return _fmap(x, np.asarray(k)[::-1, ::-1])


FLIPPED = "you flipped the filter: the lecture's 'convolution' is cross-correlation, used as it is"
SHOW = {"grids": lambda a: f"{np.shape(a[0])[0]}x{np.shape(a[0])[1]} image, {len(a[1])}x{len(a[1])} filter"
                           + (f", shift ({a[2]}, {a[3]})" if len(a) > 2 else "")}

QUESTIONS = [
    Question("dense_layer_params", 1,
             Answer(lambda s, c, u: ar.dense_params(s * s * c, u),
                    hint="every value of every pixel connects to every unit, and each unit has a bias",
                    slips=[(lambda s, c, u: s * s * c * u, "did you count the biases?"),
                           (lambda s, c, u: s * s * u + u, "every channel of every pixel is an input")]),
             Cases(lambda r: (r.randint(8, 1000), r.choice([1, 3, 4]), r.randint(1, 500)),
                   lecture=[(*CATS, 100)])),
    Question("conv_layer_params", 1.5,
             Answer(lambda s, c, f, k: ar.conv_params(f, c, k),
                    hint="a filter spans every input channel and has a bias; how many filters?",
                    slips=[(lambda s, c, f, k: ar.conv_output_size(s, f) ** 2 * ar.conv_params(f, c, k),
                            "the same weights serve every position: a conv layer's size does not grow with the image"),
                           (lambda s, c, f, k: f * f * c * k, "one bias per filter: did you count it?"),
                           (lambda s, c, f, k: (f * f + 1) * k, "each filter spans every input channel")]),
             Cases(_params_case, lecture=[(*CATS, 10, 1)])),
    Question("locally_connected_params", 1,
             Answer(lambda s, c, f, k: ar.conv_output_size(s, f) ** 2 * ar.conv_params(f, c, k),
                    hint="one set of detectors per output position: count the positions where an f x f window fits",
                    slips=[(lambda s, c, f, k: ar.conv_params(f, c, k),
                            "that is a convolution: here the weights are not shared, each position has its own"),
                           (lambda s, c, f, k: s * s * ar.conv_params(f, c, k),
                            "count the output positions, where a whole window fits, not the input pixels")]),
             Cases(_params_case, lecture=[(*CATS, 10, 1)])),
    Question("shift", 1,
             Answer(_moved, expects=GRID,
                    hint="every pixel moves dy rows down and dx columns right; what is pushed out is lost, the places left are 0",
                    slips=[(lambda x, dy, dx: _moved(x, dy, dx, wrap=True),
                            "what leaves the frame is lost and zeros come in: np.roll wraps it around"),
                           (lambda x, dy, dx: _moved(x, -dy, -dx), "positive dy moves the picture down, positive dx right"),
                           (lambda x, dy, dx: _moved(x, dx, dy), "dy moves rows (down), dx columns (right)")]),
             Cases(_shift_case)),
    Question("feature_map", 2,
             Answer(_fmap, expects=GRID,
                    hint="slide the filter over every window of the (possibly shifted) image, multiply and add",
                    slips=[(_flipped, FLIPPED),
                           (lambda x, k: np.asarray(_fmap(x, k)).T.tolist(), "rows first: out[i][j] is row i, column j")]),
             Cases(_shifted_image_and_filter),
             shown=Shown(args=SHOW["grids"])),
    Question("shift_then_conv", 0.5,
             Answer(lambda x, k, dy, dx: _fmap(_moved(x, dy, dx), k), expects=GRID,
                    hint="shift the image first, then take its feature map",
                    slips=[(lambda x, k, dy, dx: _moved(_fmap(x, k), dy, dx), "that is conv_then_shift: shift first here")],
                    follows=[(lambda x, k, dy, dx: _fmap(_moved(x, dy, dx, wrap=True), k), "shift", "with the image wrapped around"),
                             (lambda x, k, dy, dx: _flipped(_moved(x, dy, dx), k), "feature_map", "with the filter flipped")]),
             Cases(_compose_case),
             shown=Shown(args=SHOW["grids"])),
    Question("conv_then_shift", 0.5,
             Answer(lambda x, k, dy, dx: _moved(_fmap(x, k), dy, dx), expects=GRID,
                    hint="take the feature map first, then shift it",
                    slips=[(lambda x, k, dy, dx: _fmap(_moved(x, dy, dx), k), "that is shift_then_conv: convolve first here")],
                    follows=[(lambda x, k, dy, dx: _moved(_fmap(x, k), dy, dx, wrap=True), "shift", "with the map wrapped around"),
                             (lambda x, k, dy, dx: _moved(_flipped(x, k), dy, dx), "feature_map", "with the filter flipped")]),
             Cases(_compose_case),
             shown=Shown(args=SHOW["grids"])),
    Question("find_ear", 1.5,
             Answer(_strongest, expects="a tuple (row, col)",
                    hint="take the feature map and return where it is largest (row, col)",
                    slips=[(lambda x, e: _strongest(x, e)[::-1], "return (row, col): the row first"),
                           (lambda x, e: tuple(v + len(e) // 2 for v in _strongest(x, e)),
                            "return the window's top-left corner, not its centre")],
                    follows=[(lambda x, e: _strongest(x, e, flip=True), "feature_map", "with the filter flipped")]),
             Cases(_ear_case),
             shown=Shown(args=lambda a: f"{a[0].shape[0]}x{a[0].shape[1]} image, {a[1].shape[0]}x{a[1].shape[1]} ear")),
]
