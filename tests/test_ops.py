"""NumPy convolution and pooling, proven against TensorFlow on random configurations."""

import random

import numpy as np
import pytest

from cnnzoo import ops

X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
K = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]


def test_lecture_examples_exactly():
    assert ops.conv2d(X, K).tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert ops.conv2d(X, K, padding=1, strides=2).tolist() == [[6, 17, 3], [8, 17, 13], [6, 4, 4]]
    assert ops.max_pool2d(X, 3, strides=1).tolist() == [[3, 3, 3], [3, 3, 3], [3, 2, 3]]
    assert np.round(ops.avg_pool2d(X, 3, strides=1), 1).tolist() == \
        [[1.7, 1.7, 1.7], [1.0, 1.2, 1.8], [1.1, 0.8, 1.3]]


def _conv_case(seed):
    rng = random.Random(seed)
    groups = rng.choice([1, 1, 2, 3])
    c_in, f = groups * rng.randint(1, 3), groups * rng.randint(1, 3)
    kh, kw = rng.randint(1, 4), rng.randint(1, 4)
    s = (rng.randint(1, 3), rng.randint(1, 3))
    d = (1, 1) if max(s) > 1 else (rng.randint(1, 3), rng.randint(1, 2))
    h, w = rng.randint(max(kh * d[0], 3), 14), rng.randint(max(kw * d[1], 3), 14)
    padding = rng.choice(["valid", "same", 1, ((0, 2), (1, 0))])
    return dict(shape=(2, h, w, c_in), kernel=(kh, kw, c_in // groups, f), strides=s, dilation=d,
                padding=padding, groups=groups)


@pytest.mark.parametrize("case", [_conv_case(i) for i in range(40)], ids=lambda c: str(sorted(c.items())))
def test_conv2d_matches_tf(tf, case):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(case["shape"]).astype(np.float32)
    k = rng.standard_normal(case["kernel"]).astype(np.float32)
    bias = rng.standard_normal(case["kernel"][3]).astype(np.float32)
    padding = case["padding"]
    if isinstance(padding, str):
        tf_pad = padding.upper()
    else:
        (t, b), (left, r) = ((padding, padding), (padding, padding)) if isinstance(padding, int) else padding
        tf_pad = [[0, 0], [t, b], [left, r], [0, 0]]
    expected = tf.nn.conv2d(x, k, strides=case["strides"], padding=tf_pad, dilations=case["dilation"]) + bias
    got = ops.conv2d(x, k, bias, strides=case["strides"], padding=padding, dilation_rate=case["dilation"], groups=case["groups"])
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-4, atol=1e-4)
    naive = ops.conv2d_naive(x[:1], k, bias, strides=case["strides"], padding=padding, dilation_rate=case["dilation"], groups=case["groups"])
    np.testing.assert_allclose(naive, got[:1], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("seed", range(20))
def test_pooling_matches_tf(tf, seed):
    rng = random.Random(seed)
    p, s = rng.randint(1, 4), rng.choice([None, 1, 2, 3])
    padding = rng.choice(["valid", "same"])
    h, w = rng.randint(p, 12), rng.randint(p, 12)
    x = np.random.default_rng(seed).standard_normal((2, h, w, 3)).astype(np.float32)
    stride = p if s is None else s
    np.testing.assert_allclose(ops.max_pool2d(x, p, strides=s, padding=padding),
                               tf.nn.max_pool2d(x, p, stride, padding.upper()).numpy(), rtol=1e-6)
    np.testing.assert_allclose(ops.avg_pool2d(x, p, strides=s, padding=padding),
                               tf.nn.avg_pool2d(x, p, stride, padding.upper()).numpy(), rtol=1e-5, atol=1e-6)
    if padding == "valid":
        np.testing.assert_allclose(ops.pool2d_naive(x, p, strides=s, kind="avg"), ops.avg_pool2d(x, p, strides=s), rtol=1e-5)
        np.testing.assert_allclose(ops.pool2d_naive(x, p, strides=s, kind="max"), ops.max_pool2d(x, p, strides=s))


def test_global_pooling():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    np.testing.assert_allclose(ops.global_avg_pool2d(x), x.mean(axis=(1, 2)))
    np.testing.assert_allclose(ops.global_max_pool2d(x), x.max(axis=(1, 2)))


@pytest.mark.parametrize("call, message", [
    (lambda: ops.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4))), "the input has 3"),
    (lambda: ops.conv2d(X, K, strides=0), "strides must be at least 1"),
    (lambda: ops.conv2d(X, np.ones((7, 7))), "larger than the padded input 5x5"),
    (lambda: ops.conv2d(np.zeros((5, 5, 3)), K), "must be 2-D (H, W) or 4-D"),
    (lambda: ops.conv2d(X, K, padding="full"), "padding must be"),
    (lambda: ops.conv2d(np.zeros((1, 5, 5, 4)), np.zeros((3, 3, 2, 3)), groups=2), "groups=2 must divide"),
    (lambda: ops.max_pool2d(X, 6), "larger than the input"),
    (lambda: ops.pad2d(X, -1), "non-negative"),
])
def test_bad_input_states_the_rule(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
