"""Graded questions for parameters.py: counting weights, from one layer to VGG and AlexNet."""

import cnnzoo
from cnnzoo import arithmetic as ar
from cnnzoo.grading import Answer, Cases, Question, Shown
from cnnzoo.specs import VGG_CFGS

MODULE = "parameters"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Exercise LeNet-5, Q1-Q7 and the total",
    "vgg_params": "Notebook: LeNet-5, AlexNet, VGG-16 (counts and cost)",
    "alexnet_params": "Notebook: LeNet-5, AlexNet, VGG-16 (counts and cost)",
}
LECTURE = (32, 1, 10)
LAYERS = ("conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3")


def _lenet(size, channels, classes):
    return cnnzoo.summarize("lenet5", input_shape=(size, size, channels), num_classes=classes)


def _lenet_case(r):
    return r.randint(28, 80), r.randint(1, 4), r.randint(2, 100)


# One slip, charged once: a total built on conv_params or dense_params without their biases
# earns its points here, with a note naming the question where the slip is charged.
BIASLESS = [(("Conv2D",), "conv_params", "without the convolutions' biases"),
            (("Dense",), "dense_params", "without the dense layers' biases"),
            (("Conv2D", "Dense"), ("conv_params", "dense_params"), "without any bias")]


def _bias(row, kinds):
    """The biases of one layer, when it is one of ``kinds`` (one per filter or unit)."""
    return row.output_shape[-1] if row.kind in kinds and row.params else 0


def _biasless(summary, kinds):
    """Per-layer parameters and the total as an earlier formula without its bias gives them."""
    params = {row.name: (row.params or 0) - _bias(row, kinds) for row in summary.rows}
    return params, sum(params.values())


def _charged_once(summarize, answer_of):
    """``follows``: the answers ``answer_of(per_layer, total)`` as each bias slip gives them."""
    return [(lambda *args, kinds=kinds: answer_of(*_biasless(summarize(*args), kinds)), names, what)
            for kinds, names, what in BIASLESS]


def _total(per_layer, total):
    return total


def _per_layer(per_layer, total):
    return {name: per_layer[name] for name in LAYERS}


def _lenet_question(key, points, answer, hint, expects="a number", follows=()):
    return Question("lenet5_answers", points,
                    Answer(answer, key=key, hint=hint, expects=expects, follows=follows),
                    Cases(_lenet_case, lecture=[LECTURE], count=3),
                    shown=Shown(label=f"lenet5_answers[{key}]"))


def _vgg_case(r):
    return VGG_CFGS[r.choice(sorted(VGG_CFGS))], 32 * r.randint(1, 8), r.randint(1, 4), r.randint(2, 1000)


def _vgg_summary(cfg, size, channels, classes):
    depth = next(d for d, c in VGG_CFGS.items() if c == cfg)
    return cnnzoo.summarize(f"vgg{depth}", input_shape=(size, size, channels), num_classes=classes)


def _alexnet_summary(size, groups, classes):
    variant = "paper" if groups == 2 else "single"
    return cnnzoo.summarize("alexnet", input_shape=(size, size, 3), num_classes=classes, variant=variant)


BIAS = "did you count the bias?"

QUESTIONS = [
    Question("conv_params", 2,
             Answer(lambda f, c, k: ar.conv_params(f, c, k),
                    hint="each filter spans every input channel, and has its own bias",
                    slips=[(lambda f, c, k: f * f * c * k, "one bias per filter: did you count it?"),
                           (lambda f, c, k: (f * f + 1) * k, "each filter spans every input channel"),
                           (lambda f, c, k: f * f * c * k + 1, "one bias per filter, not one per layer")]),
             Cases(lambda r: (r.randint(1, 11), r.randint(1, 512), r.randint(1, 512)), lecture=[(5, 6, 16)])),
    Question("dense_params", 1,
             Answer(lambda a, b: ar.dense_params(a, b),
                    hint="every input connects to every output, and every output has a bias",
                    slips=[(lambda a, b: a * b, BIAS), (lambda a, b: a * b + a, "one bias per output unit, not per input")]),
             Cases(lambda r: (r.randint(1, 10_000), r.randint(1, 1000)), lecture=[(400, 120)])),
    _lenet_question("q1_input", 0.25, lambda s, c, k: (s, s, c), "height, width and channels of the input",
                    expects="a tuple (h, w, c)"),
    _lenet_question("q2_filter", 0.25, lambda s, c, k: 5, "conv1's filter side"),
    _lenet_question("q3_filters", 0.25, lambda s, c, k: _lenet(s, c, k)["conv1"].output_shape[-1],
                    "count the feature maps after conv1"),
    _lenet_question("q4_pool", 0.25, lambda s, c, k: (2, 2), "the pool's (f, s)", expects="a tuple (f, s)"),
    _lenet_question("q5_conv2", 0.25, lambda s, c, k: (16, 5), "(number of filters, f) of conv2",
                    expects="a tuple (filters, f)"),
    _lenet_question("q6_pool", 0.25, lambda s, c, k: (2, 2), "the pool's (f, s)", expects="a tuple (f, s)"),
    _lenet_question("q7_flatten", 2, lambda s, c, k: _lenet(s, c, k)["flatten"].output_shape[0],
                    "h * w * channels after pool2: follow the size through both convs and pools"),
    _lenet_question("params", 3, lambda s, c, k: {n: _lenet(s, c, k)[n].params for n in LAYERS},
                    "pooling learns nothing; a conv filter spans every input channel; fc1 sees the flattened pool2",
                    expects="a dict of ints per layer", follows=_charged_once(_lenet, _per_layer)),
    _lenet_question("total", 1, lambda s, c, k: _lenet(s, c, k).total, "add up every layer",
                    follows=_charged_once(_lenet, _total)),
    Question("vgg_params", 4,
             Answer(lambda *a: _vgg_summary(*a).total, follows=_charged_once(_vgg_summary, _total),
                    hint="same padding keeps the size, each M halves it; the first dense layer sees h*w*512 values"),
             Cases(_vgg_case, lecture=[(VGG_CFGS[16], 224, 3, 1000)], count=4),
             shown=Shown(args=lambda a: f"VGG-{len([x for x in a[0] if x != 'M']) + 3}, {a[1]}x{a[1]}x{a[2]}, {a[3]} classes")),
    Question("alexnet_params", 3,
             Answer(lambda *a: _alexnet_summary(*a).total, follows=_charged_once(_alexnet_summary, _total),
                    hint="follow the size: conv1 (stride 4, no padding) then three 3/2 pools; with groups each filter sees c/groups channels"),
             Cases(lambda r: (r.randint(195, 300), r.choice([1, 2]), r.randint(2, 1000)),
                   lecture=[(227, 1, 1000)], count=4)),
]
