"""Graded questions for backward.py: each gradient against the numerical gradient of the
reference forward pass (cnnzoo.ops, float64 central differences), relative error < 1e-6.

No analytic gradient is written here: the grader differentiates the forward pass the
same way the students' helper does, so the references cannot hold an answer.
"""

import numpy as np

from cnnzoo import ops
from cnnzoo.grading import Answer, Cases, Question, Shown

MODULE = "backward"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Training the layers: their gradients (after the slides on channels)",
}

# ---- the students' helpers, word for word (a test keeps the two copies identical) ----

TOLERANCE = 1e-6  # the largest relative error the grader accepts


def numerical_gradient(forward, x, dout, h=2.0 ** -17):
    """The gradient of ``sum(forward(x) * dout)`` with respect to ``x``, by central
    differences in float64: ``(L(x + h) - L(x - h)) / 2h``, one element at a time.

    ``h`` (about 7.6e-6) is a power of two: for inputs on a grid of eighths or integers,
    as the grader draws them, ``x + h`` and ``x - h`` are exact, and so is the difference.
    """
    point = np.array(x, dtype=np.float64)  # a float64 copy: the caller's x is left alone
    weights = np.asarray(dout, dtype=np.float64)
    grad = np.zeros(point.shape)
    for index in np.ndindex(point.shape):
        kept = point[index]
        point[index] = kept + h
        above = float(np.sum(np.asarray(forward(point), dtype=np.float64) * weights))
        point[index] = kept - h
        below = float(np.sum(np.asarray(forward(point), dtype=np.float64) * weights))
        point[index] = kept
        grad[index] = (above - below) / (2 * h)
    return grad


def relative_error(got, expected):
    """``||got - expected|| / (||got|| + ||expected||)`` over whole arrays (0 when both are
    0; infinite when the shapes differ)."""
    mine, theirs = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if mine.shape != theirs.shape:
        return float("inf")
    scale = np.linalg.norm(mine) + np.linalg.norm(theirs)
    return float(np.linalg.norm(mine - theirs) / scale) if scale > 0 else 0.0


# ---- cases -----------------------------------------------------------------------------

def _rng(r):
    return np.random.default_rng(r.getrandbits(32))


def _nonzero(rng, shape):
    """Integers in -3..3 without 0: no gradient vanishes by chance."""
    return rng.choice([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], size=shape)


def _conv(x, w, b, stride, pad):
    return ops.conv2d(x, w, b, strides=stride, padding=pad)


def _conv_case(r):
    rng = _rng(r)
    f, pad, stride = r.randint(1, 3), r.randint(0, 2), r.randint(1, 2)
    n, h, w, c, filters = r.randint(1, 2), r.randint(3, 7), r.randint(3, 7), r.randint(1, 3), r.randint(1, 3)
    x = rng.integers(-3, 4, size=(n, h, w, c)).astype(float)
    weights = rng.integers(-2, 3, size=(f, f, c, filters)).astype(float)
    b = rng.integers(-2, 3, size=filters).astype(float)
    out = _conv(x, weights, b, stride, pad)
    return _nonzero(rng, out.shape), (x, weights, b, stride, pad)


def _pool_case(r):
    """Distinct eighths, so no window holds a tie; windows overlap when s < f."""
    rng = _rng(r)
    f, s = r.randint(2, 3), r.randint(1, 3)
    shape = (r.randint(1, 2), r.randint(f, 7), r.randint(f, 7), r.randint(1, 3))
    x = rng.permutation(int(np.prod(shape))).reshape(shape) / 8 - 2
    out = ops.max_pool2d(x, f, strides=s)
    return _nonzero(rng, out.shape), (x, f, s)


def _relu_case(r):
    rng = _rng(r)
    x = np.round(rng.normal(size=(r.randint(1, 2), r.randint(1, 5), r.randint(1, 5), r.randint(1, 3))) * 64) / 64
    x[x == 0] = 0.5  # the kink at 0 has no gradient
    return _nonzero(rng, x.shape), x


def _show(args):
    dout, cache = args
    if isinstance(cache, np.ndarray):
        return f"dout {dout.shape}, x {cache.shape}"
    shapes = ", ".join(str(v.shape) if isinstance(v, np.ndarray) else str(v) for v in cache)
    return f"dout {dout.shape}, cache ({shapes})"


# ---- grading ----------------------------------------------------------------------------

def _arrays(got, names):
    """The answer as float64 arrays, one per name, or the hint saying what to return."""
    want = f"a tuple ({', '.join(names)})" if len(names) > 1 else "a NumPy array"
    if len(names) == 1:
        got = (got,)
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        missing = f": {names[-1]} is missing" if isinstance(got, (tuple, list)) and len(got) == len(names) - 1 else ""
        return f"return {want}{missing}"
    try:
        return [np.asarray(g, dtype=np.float64) for g in got]
    except (TypeError, ValueError):
        return f"return {want} of numbers"


def _off(name, got, numeric, shape_of):
    """``None`` when ``got`` matches ``numeric``, else what is wrong with it (never the value)."""
    if got.shape != numeric.shape:
        return f"{name} has shape {got.shape}: it must have the shape of {shape_of} {numeric.shape}"
    error = relative_error(got, numeric)
    return None if error < TOLERANCE else f"{name} is off (relative error {error:.2g}, at most {TOLERANCE:g} allowed)"


def _matches(got, other):
    return got.shape == other.shape and relative_error(got, other) < TOLERANCE


def _only_overlaps_differ(got, numeric, counts):
    """Right wherever one window reaches an element, wrong only where several do."""
    shared = counts > 1
    return shared.any() and relative_error(got[~shared], numeric[~shared]) < TOLERANCE


ADD = "where windows overlap, an element can get gradient from several windows: add every share, don't overwrite"


def _grade_conv(got, args):
    dout, (x, w, b, stride, pad) = args
    parts = _arrays(got, ("dx", "dw", "db"))
    if isinstance(parts, str):
        return parts
    dx, dw, db = parts
    numeric = {"dx": numerical_gradient(lambda v: _conv(v, w, b, stride, pad), x, dout),
               "dw": numerical_gradient(lambda v: _conv(x, v, b, stride, pad), w, dout),
               "db": numerical_gradient(lambda v: _conv(x, w, v, stride, pad), b, dout)}
    problems = [p for p in (_off("dx", dx, numeric["dx"], "x"), _off("dw", dw, numeric["dw"], "w"),
                            _off("db", db, numeric["db"], "b")) if p]
    if not problems:
        return None
    if db.shape == b.shape and not db.any() and numeric["db"].any():
        return "db is all zeros: each filter's bias is added to every output value of that filter, " \
               "in every image, so its gradient gathers all of them"
    if _matches(dx, numerical_gradient(lambda v: _conv(v, w[::-1, ::-1], b, stride, pad), x, dout)) or \
            _matches(dw, numeric["dw"][::-1, ::-1]):
        return "the filter is flipped: each dout flows back through the weights exactly as they met the input"
    if dx.shape == (x.shape[0], x.shape[1] + 2 * pad, x.shape[2] + 2 * pad, x.shape[3]) and pad:
        return "dx has the shape of the padded input: the padding is not an input, crop it away"
    return "; ".join(problems)


def _pool_numeric(kind, x, f, s, dout):
    if kind == "max":
        return numerical_gradient(lambda v: ops.max_pool2d(v, f, strides=s), x, dout)
    return numerical_gradient(lambda v: ops.avg_pool2d(v, f, strides=s), x, dout)


def _grade_pool(kind):
    other = "avg" if kind == "max" else "max"

    def grade(got, args):
        dout, (x, f, s) = args
        parts = _arrays(got, ("dx",))
        if isinstance(parts, str):
            return parts
        dx, numeric = parts[0], _pool_numeric(kind, x, f, s, dout)
        problem = _off("dx", dx, numeric, "x")
        if problem is None:
            return None
        ones = np.ones_like(dout)
        if _only_overlaps_differ(dx, numeric, _pool_numeric(kind, x, f, s, ones) * (f * f if kind == "avg" else 1)):
            return ADD
        if _matches(dx, _pool_numeric("avg", x, f, s, dout) * (f * f)):
            return ("only the largest value of each window reached the output: dout goes to it alone, "
                    "not to every element of the window") if kind == "max" else \
                "every value moves the mean by 1/(f*f) of its change: share dout out, don't copy it"
        if _matches(dx, _pool_numeric(other, x, f, s, dout)):
            return f"that is {other} pooling's gradient"
        return problem

    return grade


def _grade_relu(got, args):
    dout, x = args
    parts = _arrays(got, ("dx",))
    if isinstance(parts, str):
        return parts
    numeric = numerical_gradient(lambda v: np.maximum(v, 0), x, dout)
    problem = _off("dx", parts[0], numeric, "x")
    if problem and _matches(parts[0], dout * np.maximum(x, 0)):
        return "where x > 0 the ReLU passes its input unchanged: its slope is 1 there, not x"
    if problem and _matches(parts[0], np.asarray(dout, float)):
        return "where x < 0 the ReLU is flat: no gradient passes there"
    return problem


QUESTIONS = [
    Question("conv_backward", 4,
             Answer(grade=_grade_conv, expects="a tuple (dx, dw, db) of NumPy arrays"),
             Cases(_conv_case, count=5),
             shown=Shown(args=_show)),
    Question("max_pool_backward", 2,
             Answer(grade=_grade_pool("max"), expects="a NumPy array"),
             Cases(_pool_case, count=5),
             shown=Shown(args=_show)),
    Question("avg_pool_backward", 2,
             Answer(grade=_grade_pool("avg"), expects="a NumPy array"),
             Cases(_pool_case, count=5),
             shown=Shown(args=_show)),
    Question("relu_backward", 0.5,
             Answer(grade=_grade_relu, expects="a NumPy array"),
             Cases(_relu_case),
             shown=Shown(args=_show)),
]
