"""The arithmetic engine: the lecture's numbers, bad input, and random cases checked
against the output shapes of real Keras layers and TensorFlow ops."""

import random

import numpy as np
import pytest

from cnnzoo import arithmetic as ar

RNG = random.Random(20250830)


# ---------------------------------------------------------------- lecture's numbers

def test_valid_convolution_is_n_minus_f_plus_one():
    assert ar.conv_output_size(32, 5) == 28


def test_repeated_5x5_from_32_never_reaches_1x1():
    sizes, n = [], 32
    while True:
        try:
            n = ar.conv_output_size(n, 5)
        except ValueError:
            break
        sizes.append(n)
    assert sizes == [28, 24, 20, 16, 12, 8, 4]


def test_padding_and_stride_formula_with_floor():
    assert ar.conv_output_size(5, 3, p=1, s=2) == 3
    assert ar.conv_output_size(7, 3, p=0, s=2) == 3
    assert ar.conv_output_size(8, 3, p=0, s=2) == 3  # floor((8-3)/2) + 1


@pytest.mark.parametrize("f", [1, 3, 5, 7, 11])
def test_same_padding_keeps_size_for_odd_filters(f):
    p = ar.same_padding(f)
    assert p == (f - 1) // 2
    assert ar.conv_output_size(32, f, p=p) == 32


def test_same_padding_for_even_filters_puts_extra_after():
    assert ar.same_padding(2) == (0, 1)
    assert ar.same_padding(4) == (1, 2)


def test_pixel_usage_corner_once_centre_nine_times():
    grid = ar.pixel_usage(5, 3)
    assert grid[0][0] == 1 and grid[4][4] == 1 and grid[2][2] == 9
    assert sum(map(sum, grid)) == 3 * 3 * 9  # every output reads 9 pixels


def test_mlp_on_108_megapixels():
    params = ar.dense_params(108_000_000 * 3, 100)
    assert params == 32_400_000_100
    assert ar.param_bytes(params) == 129_600_000_400  # 4 bytes each, not 32


def test_transposed_valid_when_stride_exceeds_filter():
    # n*s + max(f - s, 0), not the textbook (n-1)*s + f
    assert ar.transposed_output_size(4, 1, s=3) == 12
    assert ar.transposed_output_size(4, 3, s=2) == 9


def test_pair_anywhere_gives_pair():
    assert ar.conv_output_size((32, 28), 5) == (28, 24)
    assert ar.conv_output_size(32, (5, 3)) == (28, 30)
    assert ar.conv_output_size(32, 3, s=(1, 2)) == (30, 15)


def test_explanations_fill_in_the_numbers():
    assert str(ar.conv_output_size(32, 5, p=0, s=1, explain=True)) == "(32 + 2*0 - 5)//1 + 1 = 28"
    assert str(ar.conv_params(5, 6, 16, explain=True)) == "(5*5*6 + 1)*16 = 2,416"
    assert "ceil(32/2) = 16" in str(ar.conv_output_size(32, 3, p="same", s=2, explain=True))
    r = ar.conv_output_size((32, 28), 5, explain=True)
    assert r.value == (28, 24) and "height" in r.text and "width" in r.text


def test_receptive_field_of_vgg16_features():
    # 13 3x3 convs and 5 2x2 pools: the well-known 212 pixels
    assert ar.receptive_field("vgg16") == 212


# ------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call, message", [
    (lambda: ar.conv_output_size(0, 3), "input size must be at least 1; got 0"),
    (lambda: ar.conv_output_size(5, 0), "filter size must be at least 1; got 0"),
    (lambda: ar.conv_output_size(5, 3, s=0), "stride must be at least 1; got 0"),
    (lambda: ar.conv_output_size(5, 3, d=0), "dilation must be at least 1; got 0"),
    (lambda: ar.conv_output_size(5, 3, p=-1), "padding must be non-negative; got -1"),
    (lambda: ar.conv_output_size(5, 7), "does not fit the padded input 5 + 2*0 = 5"),
    (lambda: ar.conv_output_size(5, 3, d=3), "effective size 7 does not fit"),
    (lambda: ar.conv_output_size(5, 3, p="full"), "padding must be an int, 'valid' or 'same'; got 'full'"),
    (lambda: ar.conv_output_size((5, 5, 5), 3), "an int or an (height, width) pair; got (5, 5, 5)"),
    (lambda: ar.same_padding(3, s=2), "depends on the input size"),
    (lambda: ar.transposed_output_size(4, 3, s=2, output_padding=2), "smaller than the stride 2"),
    (lambda: ar.conv_params(3, 6, 16, groups=4), "groups must divide"),
    (lambda: ar.receptive_field([]), "at least one layer"),
    (lambda: ar.receptive_field([(3,)]), "layer 0 must be"),
    (lambda: ar.param_bytes(10, "float8"), "dtype must be one of"),
])
def test_bad_values_raise_value_error_with_rule_and_value(call, message):
    with pytest.raises(ValueError, match=None) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize("args", [(32.0, 5), (32, 5.5), ("32", 5), (True, 3), (32, None)])
def test_non_integers_raise_type_error(args):
    with pytest.raises(TypeError, match="must be an integer; got"):
        ar.conv_output_size(*args)


@pytest.mark.parametrize("call", [
    lambda: ar.conv_output_size(7, 3, 1, 2),
    lambda: ar.pool_output_size(55, 3, 2),
    lambda: ar.transposed_output_size(4, 3, 2, "same"),
    lambda: ar.pixel_usage(7, 3, 2, 1),
    lambda: ar.same_padding(3, 2),
])
def test_padding_stride_and_dilation_are_keyword_only(call):
    with pytest.raises(TypeError, match="positional argument"):
        call()


def test_numpy_integers_are_integers():
    assert ar.conv_output_size(np.int64(32), np.int32(5)) == 28


# ------------------------------------------------- random cases against Keras / TF

def _cases(n_cases, seed):
    rng = random.Random(seed)
    out = []
    while len(out) < n_cases:
        n, f = rng.randint(1, 40), rng.randint(1, 7)
        s, d = rng.randint(1, 4), rng.randint(1, 3)
        padding = rng.choice(["valid", "same"])
        if padding == "valid" and d * (f - 1) + 1 > n:
            continue
        out.append((n, f, s, d, padding))
    return out


CONV_CASES = _cases(60, 1)


@pytest.mark.parametrize("n, f, s, d, padding", CONV_CASES)
def test_conv_output_size_matches_keras_conv2d(keras, n, f, s, d, padding):
    if s > 1 and d > 1:  # Keras forbids strides and dilation together
        d = 1
    layer = keras.layers.Conv2D(2, f, strides=s, padding=padding, dilation_rate=d)
    _, h, w, _ = layer.compute_output_shape((None, n, n + 3, 1))
    assert ar.conv_output_size((n, n + 3), f, p=padding, s=s, d=d) == (h, w)


@pytest.mark.parametrize("n, f, s, d, padding", _cases(30, 2))
def test_explicit_padding_matches_tf_pad_then_valid_conv(tf, n, f, s, d, padding):
    p = RNG.randint(0, 3)
    x = tf.zeros((1, n, n, 1))
    k = tf.zeros((f, f, 1, 1))
    y = tf.nn.conv2d(tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]), k, strides=s, padding="VALID")
    assert ar.conv_output_size(n, f, p=p, s=s) == y.shape[1]


@pytest.mark.parametrize("n, f, s, d, padding", _cases(30, 3))
def test_same_padding_split_reproduces_tf_same(tf, n, f, s, d, padding):
    x = tf.random.stateless_normal((1, n, n, 1), seed=(n, f))
    k = tf.random.stateless_normal((f, f, 1, 1), seed=(f, s))
    split = ar.same_padding(f, s=s, n=n)
    before, after = split if isinstance(split, tuple) else (split, split)
    padded = tf.pad(x, [[0, 0], [before, after], [before, after], [0, 0]])
    ours = tf.nn.conv2d(padded, k, strides=s, padding="VALID")
    theirs = tf.nn.conv2d(x, k, strides=s, padding="SAME")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n, f, s, d, padding", _cases(40, 4))
def test_pool_output_size_matches_keras_pooling(keras, n, f, s, d, padding):
    if f > n and padding == "valid":
        f = n
    for strides in (None, s):
        layer = keras.layers.MaxPooling2D(f, strides=strides, padding=padding)
        _, h, _, _ = layer.compute_output_shape((None, n, n, 1))
        assert ar.pool_output_size(n, f, s=strides, p=padding) == h


@pytest.mark.parametrize("n, f, s, d, padding", _cases(40, 5))
def test_transposed_output_size_matches_keras(keras, n, f, s, d, padding):
    if s > 1:
        d = 1
    layer = keras.layers.Conv2DTranspose(2, f, strides=s, padding=padding, dilation_rate=d)
    _, h, _, _ = layer.compute_output_shape((None, n, n, 1))
    assert ar.transposed_output_size(n, f, s=s, p=padding, d=d) == h
    if s > 1:
        op = RNG.randint(0, s - 1)
        layer = keras.layers.Conv2DTranspose(2, f, strides=s, padding=padding, output_padding=op)
        _, h, _, _ = layer.compute_output_shape((None, n, n, 1))
        assert ar.transposed_output_size(n, f, s=s, p=padding, output_padding=op) == h


def _input_gradient(tf, y_shape, kernel, x_shape, strides, seed_grad=None):
    """d(sum of seed_grad * conv(x))/dx, by the input gradient alone (conv2d_transpose).

    TensorFlow's full gradient of a convolution also computes the filter gradient, whose
    oneDNN kernel crashes the interpreter on 1x1 filters with stride 2 here; the input
    gradient is all these tests need.
    """
    grad_y = tf.ones(y_shape) if seed_grad is None else tf.constant(seed_grad)
    return tf.nn.conv2d_transpose(grad_y, kernel, output_shape=x_shape, strides=strides, padding="VALID")


def _pixel_cases():
    for seed in range(12):  # include 1x1 filters with stride 2 on a padded input (seeds 6, 10)
        rng = random.Random(seed)
        yield seed, (rng.randint(5, 14), rng.randint(1, 5), rng.randint(1, 3), rng.randint(0, 2))


@pytest.mark.isolated(timeout=300)
def test_pixel_usage_equals_gradient_of_summed_convolution(tf):
    # d(sum of outputs)/d(pixel) with an all-ones kernel counts the outputs reading it
    wrong = []
    for seed, (n, f, s, p) in _pixel_cases():
        o = (n + 2 * p - f) // s + 1
        grad = _input_gradient(tf, (1, o, o, 1), tf.ones((f, f, 1, 1)), (1, n + 2 * p, n + 2 * p, 1), s)
        grad = grad.numpy()[0, p:p + n, p:p + n, 0]  # the padding's gradient is dropped, as tf.pad's is
        if ar.pixel_usage(n, f, p=p, s=s) != grad.astype(int).tolist():
            wrong.append(f"seed {seed}: n={n} f={f} s={s} p={p}")
    assert not wrong, wrong


def _field_cases():
    for seed in range(10):
        rng = random.Random(seed)
        layers = [(rng.randint(1, 5), rng.randint(1, 2), rng.choice([1, 1, 2])) for _ in range(rng.randint(1, 4))]
        yield seed, [(f, s, 1 if s > 1 else d) for f, s, d in layers]


@pytest.mark.isolated(timeout=300)
def test_receptive_field_equals_gradient_support(tf):
    wrong = []
    for seed, layers in _field_cases():
        sizes = [64]
        for f, s, d in layers:
            sizes.append((sizes[-1] - (d * (f - 1) + 1)) // s + 1)
        grad = np.zeros((1, sizes[-1], 1, 1), "float32")
        grad[0, sizes[-1] // 2] = 1.0  # one output pixel in the middle
        for (f, s, d), n_in in zip(reversed(layers), reversed(sizes[:-1])):
            taps = np.zeros((d * (f - 1) + 1, 1, 1, 1), "float32")
            taps[::d] = 1.0  # a dilated filter written out
            grad = _input_gradient(tf, None, taps, (1, n_in, 1, 1), [1, s, 1, 1], grad).numpy()
        support = np.nonzero(grad[0, :, 0, 0])[0]
        if ar.receptive_field(layers) != support.max() - support.min() + 1:
            wrong.append(f"seed {seed}: {layers}")
    assert not wrong, wrong
