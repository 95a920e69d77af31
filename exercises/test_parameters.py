import random

import pytest

import cnnzoo
from cnnzoo import arithmetic as ar
from cnnzoo.grading import check

MODULE = "parameters"
R = random.Random(11)


@pytest.mark.points(2)
@pytest.mark.parametrize("f, c, k", [(5, 1, 6), (5, 6, 16), (3, 3, 64)] + [
    (R.randint(1, 7), R.randint(1, 64), R.randint(1, 64)) for _ in range(5)])
def test_conv_params(student, f, c, k):
    check(student.conv_params(f, c, k), ar.conv_params(f, c, k),
          "each filter spans all input channels (f*f*c weights) and has one bias")


@pytest.mark.points(1)
@pytest.mark.parametrize("a, b", [(400, 120), (84, 10)] + [(R.randint(1, 5000), R.randint(1, 500)) for _ in range(4)])
def test_dense_params(student, a, b):
    check(student.dense_params(a, b), ar.dense_params(a, b), "did you count the bias?")


LENET = cnnzoo.summarize("lenet5")


@pytest.mark.points(7)
@pytest.mark.parametrize("key, expected, hint", [
    ("q1_input", (32, 32, 1), "grayscale has one channel"),
    ("q2_filter", 5, "32 - f + 1 = 28"),
    ("q3_filters", LENET["conv1"].output_shape[-1], "count the feature maps after conv1"),
    ("q4_pool", (2, 2), "28 -> 14"),
    ("q5_conv2", (LENET["conv2"].output_shape[-1], 5), "14 - f + 1 = 10, and 16 maps"),
    ("q6_pool", (2, 2), "10 -> 5"),
    ("q7_flatten", LENET["flatten"].output_shape[0], "h * w * channels after pool2"),
])
def test_lenet5_questions(student, key, expected, hint):
    check(student.lenet5_answers()[key], expected, hint)


@pytest.mark.points(3)
@pytest.mark.parametrize("layer", ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3"])
def test_lenet5_layer_params(student, layer):
    check(student.lenet5_answers()["params"][layer], LENET[layer].params,
          "pooling has no parameters; conv: (f*f*c + 1)*filters; dense: in*out + out")


@pytest.mark.points(1)
def test_lenet5_total(student):
    check(student.lenet5_answers()["total"], LENET.total, "add up every layer")


@pytest.mark.points(4)
@pytest.mark.parametrize("depth, size, classes", [(16, 224, 1000), (11, 224, 1000), (19, 64, 10), (13, 32, 100)])
def test_vgg_params(student, depth, size, classes):
    from cnnzoo.specs import VGG_CFGS

    expected = cnnzoo.summarize(f"vgg{depth}", input_shape=(size, size, 3), num_classes=classes).total
    check(student.vgg_params(VGG_CFGS[depth], size, 3, classes), expected,
          "same padding keeps the size, each M halves it; the first dense layer sees h*w*512")


@pytest.mark.points(2)
@pytest.mark.parametrize("groups, variant", [(1, "single"), (2, "paper")])
def test_alexnet_params(student, groups, variant):
    check(student.alexnet_params(groups), cnnzoo.summarize("alexnet", variant=variant).total,
          "227 -> 55 -> 27 -> 13 -> 6; with groups each filter sees c/groups channels")
