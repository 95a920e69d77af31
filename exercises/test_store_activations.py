"""Graded questions for store_activations.py: what caching a frozen backbone saves."""

import math

import cnnzoo
from cnnzoo.grading import Answer, Cases, Question

MODULE = "store_activations"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "": "Training CNNs for own applications (transfer with stored activations)",
}


def _vgg_shape(size):
    return cnnzoo.summarize("vgg16", input_shape=(size, size, 3), include_top=False).rows[-1].output_shape


QUESTIONS = [
    Question("vgg16_feature_shape", 2,
             Answer(_vgg_shape, expects="a tuple (h, w, c)",
                    hint="same-padded 3x3 convolutions keep the size; each 2x2 pool halves it, rounding down",
                    slips=[(lambda n: (round(n / 32), round(n / 32), 512), "each pooling rounds down, one at a time"),
                           (lambda n: (n // 16, n // 16, 512), "count the pooling layers again")]),
             Cases(lambda r: (r.randint(32, 320),), lecture=[(224,)])),
    Question("backbone_passes", 2,
             Answer(lambda n, e, cached: n if cached else n * e,
                    hint="stored activations are computed once and reused every epoch; without them every epoch recomputes",
                    slips=[(lambda n, e, cached: n * e if cached else n, "which of the two recomputes every epoch?")]),
             Cases(lambda r: (r.randint(1, 10**5), r.randint(1, 100), r.choice([True, False])))),
    Question("cache_bytes", 1,
             Answer(lambda n, shape, b: n * math.prod(shape) * b,
                    hint="values per image, times images, times bytes per value",
                    slips=[(lambda n, shape, b: n * math.prod(shape), "each value takes several bytes")]),
             Cases(lambda r: (r.randint(1, 10**5), tuple(r.randint(1, 64) for _ in range(r.randint(1, 3))), r.choice([2, 4, 8])),
                   lecture=[(1000, (7, 7, 512), 4)])),
]
