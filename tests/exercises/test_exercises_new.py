"""The NumPy exercises (local_features, channels, backward, layer_cost), the slides' errata
and "one slip, charged once": stubs 0, solutions full, mutants lose points with the slip
named, and a slip made in one question is not charged again in the questions built on it."""

import pytest

NEW = ["local_features", "channels", "backward", "layer_cost"]


@pytest.mark.parametrize("module", NEW)
def test_stub_scores_zero_and_solution_full_marks(module, grade, solution, stub):
    score, total, results = grade(module, stub(module))
    assert score == 0 and total > 0
    assert all(h.endswith("not answered yet") for r in results for h in r.hints)
    for seed in ("fixed", 1, 2):
        score, total, results = grade(module, solution(module), seed=seed)
        assert score == total, [(r.question, r.hints) for r in results if r.hints]


MUTANTS = [  # (module, [(old, new)], the question that must lose points, words its hints must contain)
    ("local_features", [("return size * size * channels * units + units", "return size * size * channels * units")],
     "dense_layer_params", "biases"),
    ("local_features", [("return (f * f * channels + 1) * filters", "return (size - f + 1) ** 2 * (f * f * channels + 1) * filters")],
     "conv_layer_params", "same weights serve every position"),
    ("local_features", [("return positions * (f * f * channels + 1) * filters", "return (f * f * channels + 1) * filters")],
     "locally_connected_params", "not shared"),
    ("local_features", [("if 0 <= i - dy < h and 0 <= j - dx < w:", "if True:"),
                        ("out[i][j] = x[i - dy][j - dx]", "out[i][j] = x[(i - dy) % h][(j - dx) % w]")],
     "shift", "np.roll wraps"),
    ("local_features", [("x[i + a][j + b] * k[a][b]", "x[i + a][j + b] * k[f - 1 - a][f - 1 - b]")], "feature_map", "flipped"),
    ("local_features", [("return best[1], best[2]", "return best[2], best[1]")], "find_ear", "the row first"),
    ("channels", [("out[:, i, j, :] = np.tensordot(window, w, axes=([1, 2, 3], [0, 1, 2])) + b",
                   "out[:, i, j, :] = np.tensordot(window, w, axes=([1, 2, 3], [0, 1, 2]))")], "conv_forward", "bias"),
    ("channels", [("return np.where(x > 0, x, 0.0)", "return np.abs(x)")], "relu", "negatives become 0"),
    ("channels", [("return relu(conv_forward(x, w, b, stride, pad))", "return relu(conv_forward(x, w, 0 * b, stride, pad)) + b")],
     "conv_relu", "before the activation"),
    ("channels", [("// stride + 1, filters", "// stride + 1, x_shape[3]")], "output_shape", "number of filters"),
    ("channels", [('return np.einsum("nhwc,cf->nhwf", x, w) + b', 'return np.einsum("nhwc,cf->nhwf", x, w)')],
     "pointwise", "bias"),
    ("channels", [("(sh, sw), (ph, pw), (dh, dw) = stride, pad, dilation", "(sw, sh), (ph, pw), (dh, dw) = stride, pad, dilation")],
     "conv_general", "down the rows"),
    ("channels", [("(sh, sw), (ph, pw), (dh, dw) = stride, pad, dilation", "(sh, sw), (ph, pw), (dh, dw) = stride, pad, (1, 1)")],
     "conv_general", "dilation spaces"),
    ("channels", [("sizes.append((n + 2 * p - (d * (k - 1) + 1)) // s + 1)", "sizes.append((n + 2 * p - k) // s + 1)")],
     "general_output_size", "dilated filter covers"),
    ("backward", [("return dx, dw, db", "return dx, dw")], "conv_backward", "db is missing"),
    ("backward", [("db = dout.sum(axis=(0, 1, 2))", "db = np.zeros(b.shape)")], "conv_backward", "db is all zeros"),
    ("backward", [("dx = dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2], :]", "dx = dxp")], "conv_backward", "crop"),
    ("backward", [("dxp[:, rows, cols, :] += np.tensordot(g, w, axes=([1], [3]))",
                   "dxp[:, rows, cols, :] += np.tensordot(g, w[::-1, ::-1], axes=([1], [3]))")], "conv_backward", "flipped"),
    ("backward", [("a, col = divmod(int(best[b, ch]), f)", "pass"),
                  ("dx[b, i * s + a, j * s + col, ch] += dout[b, i, j, ch]",
                   "dx[b, i * s:i * s + f, j * s:j * s + f, ch] += dout[b, i, j, ch]")],
     "max_pool_backward", "not to every element of the window"),
    ("backward", [("dx[b, i * s + a, j * s + col, ch] += dout[b, i, j, ch]",
                   "dx[b, i * s + a, j * s + col, ch] = dout[b, i, j, ch]")], "max_pool_backward", "don't overwrite"),
    ("backward", [("+= dout[:, i:i + 1, j:j + 1, :] / (f * f)", "+= dout[:, i:i + 1, j:j + 1, :]")],
     "avg_pool_backward", "share dout out"),
    ("backward", [("return dout * (x > 0)", "return dout * np.maximum(x, 0)")], "relu_backward", "slope is 1"),
    ("layer_cost", [("return side * side * c_out * f * f * c_in", "return side * side * c_out * (f * f * c_in + 1)")],
     "conv_macs", "the bias is an addition"),
    ("layer_cost", [("return 2 * conv_macs(n, f, c_in, c_out, p, s)", "return conv_macs(n, f, c_in, c_out, p, s)")],
     "conv_flops", "two floating-point operations"),
    ("layer_cost", [("return inputs * units", "return inputs * units + units")], "dense_macs", "the bias is an addition"),
    ("layer_cost", [("return side * side * c_out * dtype_bytes", "return side * side * c_out")],
     "conv_activation_bytes", "bytes, not values"),
    ("layer_cost", [("macs, values = 0, side * side * depth", "macs, values = 0, 0")],
     "vgg_cost[activation_bytes]", "the input is held in memory too"),
    # the slides' errata, asked in the modules that teach them
    ("convolution", [("return [(i, j, right[i][j])", "return [(i, j, shown[i][j])")], "slide_errata", "not the value shown"),
    ("convolution", [("while (n + 2 * p - f) // s + 1 != out:", "while False:")], "frames_stride", "more than one pixel"),
    ("pooling", [("return total, f * f", "return round(total / (f * f), 1)")], "exact_average",
     "rounded to one decimal, as the slide shows it"),
    ("pooling", [("return [[sum(x[i * s + a][j * s + b] for a in range(f) for b in range(f)) / (f * f)",
                  "return [[round(sum(x[i * s + a][j * s + b] for a in range(f) for b in range(f)) / (f * f), 1)")],
     "avg_pool", "the slide rounds to one decimal"),
]


@pytest.mark.parametrize("module, replacements, question, words", MUTANTS,
                         ids=[f"{m[0]}-{m[2]}-{m[3][:24]}" for m in MUTANTS])
def test_mutants_lose_points_with_a_named_slip(module, replacements, question, words, mutant):
    results = mutant(module, replacements)
    assert results[question].score < results[question].max_score
    hints = " ".join(results[question].hints)
    assert words in hints, hints


# ------------------------------------------------------------- one slip, charged once

CHARGED_ONCE = [  # (module, [(old, new)], the question charged, the questions that build on it)
    ("parameters", [("return (f * f * c_in + 1) * c_out", "return f * f * c_in * c_out")], "conv_params",
     ["lenet5_answers[params]", "lenet5_answers[total]", "vgg_params", "alexnet_params"]),
    ("parameters", [("return inputs * units + units", "return inputs * units")], "dense_params",
     ["lenet5_answers[params]", "lenet5_answers[total]", "vgg_params", "alexnet_params"]),
    ("layer_cost", [("return side * side * c_out * f * f * c_in", "return side * side * c_out * (f * f * c_in + 1)")],
     "conv_macs", ["conv_flops", "lenet5_cost[macs]", "vgg_cost[macs]"]),
    ("layer_cost", [("return side * side * c_out * dtype_bytes", "return side * side * c_out")],
     "conv_activation_bytes", []),
    ("channels", [("out[:, i, j, :] = np.tensordot(window, w, axes=([1, 2, 3], [0, 1, 2])) + b",
                   "out[:, i, j, :] = np.tensordot(window, w, axes=([1, 2, 3], [0, 1, 2]))")],
     "conv_forward", ["conv_relu"]),
    ("local_features", [("if 0 <= i - dy < h and 0 <= j - dx < w:", "if True:"),
                        ("out[i][j] = x[i - dy][j - dx]", "out[i][j] = x[(i - dy) % h][(j - dx) % w]")],
     "shift", ["shift_then_conv", "conv_then_shift"]),
    ("local_features", [("x[i + a][j + b] * k[a][b]", "x[i + a][j + b] * k[f - 1 - a][f - 1 - b]")],
     "feature_map", ["shift_then_conv", "conv_then_shift", "find_ear"]),
]


@pytest.mark.parametrize("module, replacements, charged, later", CHARGED_ONCE,
                         ids=[f"{c[0]}-{c[2]}" for c in CHARGED_ONCE])
def test_one_slip_is_charged_once(module, replacements, charged, later, mutant):
    for seed in ("fixed", 7):
        results = mutant(module, replacements, seed=seed)
        lost = [q for q, r in results.items() if r.score < r.max_score - 1e-9]
        assert lost == [charged], {q: results[q].hints[:1] for q in lost}
        for question in later:  # full marks, and told where the slip is charged
            assert any(f"charged once, in {charged}" in h for h in results[question].hints), results[question].hints


def test_a_later_slip_of_its_own_is_still_charged(mutant):
    # conv_params is right, but the VGG total leaves the convolutions' biases out: that is vgg_params' own slip
    results = mutant("parameters", [("total += conv_params(3, c, item)", "total += conv_params(3, c, item) - item")])
    vgg = results["vgg_params"]
    assert vgg.score == 0 and results["conv_params"].score == results["conv_params"].max_score
    assert all("without the convolutions' biases; your conv_params gets it right" in h for h in vgg.hints), vgg.hints
