import pytest

import cnnzoo
from cnnzoo.grading import check

MODULE = "store_activations"


@pytest.mark.points(2)
@pytest.mark.parametrize("size", [224, 96, 64, 150])
def test_vgg16_feature_shape(student, size):
    expected = cnnzoo.summarize("vgg16", input_shape=(size, size, 3), include_top=False).rows[-1].output_shape
    check(tuple(student.vgg16_feature_shape(size)), expected, "five poolings each halve (floor) the size")


@pytest.mark.points(2)
@pytest.mark.parametrize("n, epochs, cached", [(1000, 10, True), (1000, 10, False), (50, 1, False), (7, 30, True)])
def test_backbone_passes(student, n, epochs, cached):
    check(student.backbone_passes(n, epochs, cached), n if cached else n * epochs,
          "stored activations are computed once and reused every epoch")


@pytest.mark.points(1)
@pytest.mark.parametrize("n, shape, b", [(1000, (7, 7, 512), 4), (10, (1280,), 2)])
def test_cache_bytes(student, n, shape, b):
    size = 1
    for d in shape:
        size *= d
    check(student.cache_bytes(n, shape, b), n * size * b, "values per image times images times bytes")
