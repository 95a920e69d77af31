"""Graded questions for layer_cost.py: MACs, FLOPs and activation memory, checked against
cnnzoo.summarize (its ``macs`` and ``activation_bytes``, per layer and in total)."""

import math

import cnnzoo
from cnnzoo import arithmetic as ar
from cnnzoo.grading import Answer, Cases, Question, Shown
from cnnzoo.specs import VGG_CFGS

MODULE = "layer_cost"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Notebook: LeNet-5, AlexNet, VGG-16 (counts and cost)",
}
LENET = (32, 1, 10)  # the lecture's
CONV1 = (32, 5, 1, 6, 0, 1)  # the lecture's LeNet-5 conv1


def _conv_case(r):
    f = r.randint(1, 7)
    return r.randint(f, 230), f, r.randint(1, 512), r.randint(1, 512), r.randint(0, 3), r.randint(1, 4)


def _bytes_case(r):
    n, f, _, k, p, s = _conv_case(r)
    return n, f, k, p, s, r.choice([1, 2, 4, 8])


def _positions(n, f, p, s):
    return ar.conv_output_size(n, f, p=p, s=s) ** 2


def _macs(n, f, c, k, p, s):
    """One Conv2D layer's MACs as cnnzoo.summarize counts them."""
    spec = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, n, n, c], "name": "in"}},
        {"class_name": "Conv2D", "config": {"name": "conv", "filters": k, "kernel_size": [f, f], "strides": [s, s],
                                            "padding": "valid"}}]}}
    if p:
        spec["config"]["layers"].insert(1, {"class_name": "ZeroPadding2D", "config": {"name": "pad", "padding": p}})
    return cnnzoo.summarize(spec).macs


def _lenet(size, channels, classes):
    return cnnzoo.summarize("lenet5", input_shape=(size, size, channels), num_classes=classes)


def _vgg(cfg, size, channels, classes):
    depth = next(d for d, c in VGG_CFGS.items() if c == cfg)
    return cnnzoo.summarize(f"vgg{depth}", input_shape=(size, size, channels), num_classes=classes)


def _bias_adds(summary, kind):
    """What counting each bias addition as a MAC would add: one per output value of ``kind``."""
    return sum(math.prod(row.output_shape) for row in summary.rows if row.kind == kind and row.params)


def _held(summary, kind):
    return sum(math.prod(row.output_shape) for row in summary.rows if row.kind == kind) * summary.dtype_bytes


BIAS_MAC = "the bias is an addition, not a multiply-accumulate: leave it out"


def _total_questions(function, summarize, draw, lecture, show_args=None):
    def macs_with(*kinds):
        return lambda *a: summarize(*a).macs + sum(_bias_adds(summarize(*a), k) for k in kinds)

    def bytes_less(*kinds):
        return lambda *a: summarize(*a).activation_bytes - sum(_held(summarize(*a), k) for k in kinds)

    return [
        Question(function, 1.5,
                 Answer(lambda *a: summarize(*a).macs, key="macs",
                        hint="add every convolution's and dense layer's MACs; pooling and flatten cost none here",
                        slips=[(lambda *a: 2 * summarize(*a).macs, "MACs, not FLOPs: one per multiply-accumulate")],
                        follows=[(macs_with("Conv2D"), "conv_macs", "with a MAC per bias"),
                                 (macs_with("Dense"), "dense_macs", "with a MAC per bias"),
                                 (macs_with("Conv2D", "Dense"), ("conv_macs", "dense_macs"), "with a MAC per bias")]),
                 Cases(draw, lecture=[lecture], count=3),
                 shown=Shown(label=f"{function}[macs]", args=show_args)),
        Question(function, 1.5,
                 Answer(lambda *a: summarize(*a).activation_bytes, key="activation_bytes",
                        hint="float32 bytes of the input and of every layer's output, for one image",
                        slips=[(bytes_less("InputLayer"), "the input is held in memory too: count it"),
                               (bytes_less("Flatten"), "flatten's output counts as its own copy"),
                               (bytes_less("InputLayer", "Flatten"), "count the input, and flatten's output as its own copy"),
                               (bytes_less("MaxPooling2D"), "the pooling layers' outputs are held too"),
                               (lambda *a: summarize(*a).activation_bytes * 8, "bytes, not bits: a float32 is 4 bytes")],
                        follows=[(lambda *a: summarize(*a).activation_bytes // 4, "conv_activation_bytes",
                                  "in values, not bytes")]),
                 Cases(draw, lecture=[lecture], count=3),
                 shown=Shown(label=f"{function}[activation_bytes]", args=show_args)),
    ]


QUESTIONS = [
    Question("conv_macs", 2,
             Answer(_macs,
                    hint="one MAC per filter weight, for every output value (each position of each filter)",
                    slips=[(lambda n, f, c, k, p, s: _positions(n, f, p, s) * (f * f * c + 1) * k, BIAS_MAC),
                           (lambda n, f, c, k, p, s: _positions(n, f, p, s) * f * f * k,
                            "each output value sums over every input channel"),
                           (lambda n, f, c, k, p, s: n * n * f * f * c * k,
                            "count the output positions (where the filter fits, with padding and stride), not the input pixels")]),
             Cases(_conv_case, lecture=[CONV1])),
    Question("conv_flops", 1,
             Answer(lambda *a: 2 * _macs(*a), hint="a MAC is a multiply and an add",
                    slips=[(_macs, "a multiply-accumulate is two floating-point operations")],
                    follows=[(lambda n, f, c, k, p, s: 2 * _positions(n, f, p, s) * (f * f * c + 1) * k, "conv_macs",
                              "with a MAC per bias"),
                             (lambda n, f, c, k, p, s: 2 * _positions(n, f, p, s) * f * f * k, "conv_macs",
                              "without the input channels"),
                             (lambda n, f, c, k, p, s: 2 * n * n * f * f * c * k, "conv_macs", "over the input pixels")]),
             Cases(_conv_case, lecture=[CONV1])),
    Question("dense_macs", 0.5,
             Answer(lambda a, b: a * b, hint="one MAC per weight",
                    slips=[(lambda a, b: a * b + b, BIAS_MAC)]),
             Cases(lambda r: (r.randint(1, 30_000), r.randint(1, 5000)), lecture=[(400, 120)])),
    Question("conv_activation_bytes", 1,
             Answer(lambda n, f, k, p, s, b: _positions(n, f, p, s) * k * b,
                    hint="output height x width x filters, times the bytes of a value",
                    slips=[(lambda n, f, k, p, s, b: _positions(n, f, p, s) * k, "bytes, not values: multiply by dtype_bytes"),
                           (lambda n, f, k, p, s, b: _positions(n, f, p, s) * k * b * 8, "bytes, not bits"),
                           (lambda n, f, k, p, s, b: n * n * k * b, "the output's size, not the input's")]),
             Cases(_bytes_case, lecture=[(32, 5, 6, 0, 1, 4)])),
    *_total_questions("lenet5_cost", _lenet, lambda r: (r.randint(28, 80), r.randint(1, 4), r.randint(2, 100)), LENET),
    *_total_questions("vgg_cost", _vgg,
                      lambda r: (VGG_CFGS[r.choice(sorted(VGG_CFGS))], 32 * r.randint(1, 7), r.randint(1, 4),
                                 r.randint(2, 1000)),
                      (VGG_CFGS[16], 224, 3, 1000),
                      show_args=lambda a: f"VGG-{len([x for x in a[0] if x != 'M']) + 3}, "
                                          f"{a[1]}x{a[1]}x{a[2]}, {a[3]} classes"),
]
