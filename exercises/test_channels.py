"""Graded questions for channels.py: batches, channels and filters; 1x1, non-square, dilated."""

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo import ops
from cnnzoo.grading import Answer, Cases, Question, Shown

MODULE = "channels"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Multiple channels, non-linearity: g(conv + b), one map per filter",
}
ARRAY = "a NumPy array"
FLIPPED = "you flipped the filter: the lecture's 'convolution' is cross-correlation, used as it is"


def _ints(rng, shape, low=-3, high=3):
    return rng.integers(low, high + 1, size=shape).astype(float)


def _batch(r):
    """x (N, H, W, C), w (f, f, C, F), b (F,), stride, pad: small integers, any of them 1."""
    rng = np.random.default_rng(r.getrandbits(32))
    f, pad, stride = r.randint(1, 3), r.randint(0, 2), r.randint(1, 3)
    h, w, c, filters = r.randint(max(f - 2 * pad, 3), 8), r.randint(max(f - 2 * pad, 3), 8), r.randint(1, 3), r.randint(1, 4)
    return (_ints(rng, (r.randint(1, 3), h, w, c)), _ints(rng, (f, f, c, filters), -2, 2),
            _ints(rng, (filters,)), stride, pad)


def _conv(x, w, b, stride, pad, bias=True):
    """cnnzoo.ops.conv2d, proven against tf.nn.conv2d in the library's tests."""
    return ops.conv2d(x, w, b if bias else None, strides=stride, padding=pad)


def _shapes(r):
    x, w, _, stride, pad = _batch(r)
    return x.shape, w.shape, stride, pad


def _show(a):
    return f"x {a[0].shape}, w {a[1].shape}, b {a[2].shape}, " + ", ".join(map(str, a[3:]))


def _general(r):
    rng = np.random.default_rng(r.getrandbits(32))
    kernel = (r.randint(1, 3), r.randint(1, 5))
    dilation = (r.randint(1, 2), r.randint(1, 2))
    pad = (r.randint(0, 2), r.randint(0, 2))
    stride = (r.randint(1, 3), r.randint(1, 4))
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    h, w = (r.randint(max(s - 2 * p, 1), s + 8) for s, p in zip(span, pad))
    c, filters = r.randint(1, 3), r.randint(1, 3)
    return (_ints(rng, (r.randint(1, 2), h, w, c)), _ints(rng, (*kernel, c, filters), -2, 2), _ints(rng, (filters,)),
            stride, pad, dilation)


def _conv_general(x, w, b, stride, pad, dilation):
    return ops.conv2d(x, w, b, strides=stride, padding=((pad[0], pad[0]), (pad[1], pad[1])), dilation_rate=dilation)


def _size(h, w, kernel, pad, stride, dilation):
    return tuple(ar.conv_output_size(n, k, p=p, s=s, d=d) for n, k, p, s, d in zip((h, w), kernel, pad, stride, dilation))


def _size_case(r):
    x, w, _, stride, pad, dilation = _general(r)
    return x.shape[1], x.shape[2], w.shape[:2], pad, stride, dilation


def _pointwise_case(r):
    rng = np.random.default_rng(r.getrandbits(32))
    c, filters = r.randint(1, 6), r.randint(1, 6)
    return _ints(rng, (r.randint(1, 3), r.randint(1, 6), r.randint(1, 6), c)), _ints(rng, (c, filters), -2, 2), \
        _ints(rng, (filters,))


def _relu_case(r):
    rng = np.random.default_rng(r.getrandbits(32))
    return (np.round(rng.normal(size=(r.randint(1, 3), r.randint(1, 5), r.randint(1, 5), r.randint(1, 4))), 3),)


def _swap(pair):
    return pair[::-1]


QUESTIONS = [
    Question("conv_forward", 3,
             Answer(_conv, expects=ARRAY,
                    hint="pad each image, then for each window: sum of window * filter over rows, columns and every "
                         "channel, plus the filter's bias; one output channel per filter",
                    slips=[(lambda x, w, b, s, p: _conv(x, w, b, s, p, bias=False), "each filter adds its bias to every output value"),
                           (lambda x, w, b, s, p: _conv(x, w[::-1, ::-1], b, s, p), FLIPPED),
                           (lambda x, w, b, s, p: _conv(x, w, b, 1, p), "windows start `stride` pixels apart, not 1"),
                           (lambda x, w, b, s, p: _conv(x, w, b, s, 0), "pad every image before sliding the window")]),
             Cases(_batch, lecture=[(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 1)), np.zeros(1), 1, 0)]),
             shown=Shown(args=_show)),
    Question("relu", 0.5,
             Answer(lambda x: np.maximum(x, 0), expects=ARRAY, hint="negatives become 0, the rest stays",
                    slips=[(np.abs, "negatives become 0, not positive")]),
             Cases(_relu_case),
             shown=Shown(args=lambda a: f"an array of shape {a[0].shape}")),
    Question("conv_relu", 0.5,
             Answer(lambda *a: np.maximum(_conv(*a), 0), expects=ARRAY,
                    hint="the activation comes last, after the bias: g(window * filter + b)",
                    slips=[(lambda x, w, b, s, p: np.maximum(_conv(x, w, b, s, p, bias=False), 0) + b,
                            "add the bias before the activation: g(window * filter + b)")],
                    follows=[(lambda x, w, b, s, p: np.maximum(_conv(x, w, b, s, p, bias=False), 0), "conv_forward",
                              "without the biases"),
                             (lambda x, w, b, s, p: np.maximum(_conv(x, w[::-1, ::-1], b, s, p), 0), "conv_forward",
                              "with the filters flipped")]),
             Cases(_batch),
             shown=Shown(args=_show)),
    Question("output_shape", 1,
             Answer(lambda xs, ws, s, p: (xs[0], *(ar.conv_output_size(n, ws[0], p=p, s=s) for n in xs[1:3]), ws[3]),
                    expects="a tuple (N, H', W', F)",
                    hint="the batch stays, each side follows the strided formula, and the depth is the number of filters",
                    slips=[(lambda xs, ws, s, p: (xs[0], *(ar.conv_output_size(n, ws[0], p=p, s=s) for n in xs[1:3]), xs[3]),
                            "each filter gives one map, whatever the input's depth: the depth is the number of filters"),
                           (lambda xs, ws, s, p: (xs[0], *(ar.conv_output_size(n, ws[0], p=p, s=s) for n in xs[1:3]),
                                                  xs[3] * ws[3]),
                            "a filter spans every input channel and gives one map: the depth is the number of filters")]),
             Cases(_shapes, lecture=[((1, 5, 5, 3), (3, 3, 3, 1), 1, 0)])),
    Question("pointwise", 1.5,
             Answer(lambda x, w, b: ops.conv2d(x, w[None, None], b), expects=ARRAY,
                    hint="at every pixel, a dense layer from its C channel values to F units (weights w, biases b)",
                    slips=[(lambda x, w, b: ops.conv2d(x, w[None, None]), "each of the F units has its bias")]),
             Cases(_pointwise_case),
             shown=Shown(args=lambda a: f"x {a[0].shape}, w {a[1].shape}, b {a[2].shape}")),
    Question("conv_general", 3,
             Answer(_conv_general, expects=ARRAY,
                    hint="per axis: pad, space the taps d apart, move s at a time; the first of each pair is for rows",
                    slips=[(lambda x, w, b, s, p, d: _conv_general(x, w, b, _swap(s), p, d),
                            "the stride's first number moves down the rows, the second along the columns"),
                           (lambda x, w, b, s, p, d: _conv_general(x, w, b, s, _swap(p), d),
                            "the padding's first number adds rows (above and below), the second columns"),
                           (lambda x, w, b, s, p, d: _conv_general(x, w, b, s, p, (1, 1)),
                            "dilation spaces a filter's taps d pixels apart (d - 1 skipped between them)"),
                           (lambda x, w, b, s, p, d: _conv_general(x, w[::-1, ::-1], b, s, p, d), FLIPPED)]),
             Cases(_general, count=6,
                   lecture=[(np.ones((1, 9, 12, 1)), np.ones((3, 5, 1, 1)), np.zeros(1), (3, 4), (0, 1), (1, 1))]),
             shown=Shown(args=lambda a: f"x {a[0].shape}, w {a[1].shape}, stride {a[3]}, pad {a[4]}, dilation {a[5]}")),
    Question("general_output_size", 1,
             Answer(_size, expects="a tuple (H', W')",
                    hint="per axis: floor((n + 2p - f') / s) + 1 with the dilated filter f' = d*(f - 1) + 1",
                    slips=[(lambda h, w, k, p, s, d: _size(h, w, k, p, s, (1, 1)),
                            "a dilated filter covers d*(f - 1) + 1 pixels, not f"),
                           (lambda h, w, k, p, s, d: _size(w, h, k, p, s, d)[::-1], "each pair is (rows, columns)"),
                           (lambda h, w, k, p, s, d: _size(h, w, k, p, _swap(s), d), "each pair is (rows, columns)")]),
             Cases(_size_case, lecture=[(9, 12, (3, 5), (0, 1), (3, 4), (1, 1))])),
]
