"""Graded questions for output_size.py: valid, padded and strided output sizes."""

from cnnzoo import arithmetic as ar
from cnnzoo.grading import Answer, Cases, Question

MODULE = "output_size"
SLIDES = {  # the lecture slide each question belongs to ("": the module's)
    "valid_output": "n - f + 1, repeated until the filter no longer fits",
    "repeated_valid": "n - f + 1, repeated until the filter no longer fits",
    "pixel_uses": "The corner pixel is used once, the middle one nine times",
    "padded_output": "Padding, 'same' padding",
    "same_padding": "Padding, 'same' padding",
    "strided_output": "Strides",
}


def _repeated(n, f):
    """k stacked valid f x f layers act as one valid filter as wide as their receptive field."""
    fields = (ar.receptive_field([(f, 1)] * k) for k in range(1, n + 1))
    return [ar.conv_output_size(n, field) for field in fields if field <= n]


def _valid(r):
    n = r.randint(3, 60)
    return n, r.randint(1, n)


def _pixel(r):
    n, f = r.randint(4, 20), r.randint(1, 4)
    return n, f, r.randrange(n), r.randrange(n)


def _strided(r):
    f = r.randint(1, 7)
    return r.randint(f, 80), f, r.randint(0, 3), r.randint(2, 4)


NO_PLUS_ONE = "count the positions the filter can take, the first one included"

QUESTIONS = [
    Question("valid_output", 1,
             Answer(lambda n, f: ar.conv_output_size(n, f),
                    hint="how many positions can the filter take along one side?",
                    slips=[(lambda n, f: n - f, NO_PLUS_ONE)]),
             Cases(_valid, lecture=[(32, 5)])),
    Question("repeated_valid", 2,
             Answer(_repeated, expects="a list of ints",
                    hint="apply the valid formula while the filter still fits; 1x1 may never be reached",
                    slips=[(lambda n, f: _repeated(n, f) + [0], "stop when the filter no longer fits, before 0"),
                           (lambda n, f: _repeated(n, f)[:-1], "the last size where the filter fitted counts too")]),
             Cases(lambda r: (r.randint(5, 60), r.randint(2, 7)), lecture=[(32, 5)])),
    Question("pixel_uses", 2,
             Answer(lambda n, f, i, j: ar.pixel_usage(n, f)[i][j],
                    hint="count the output windows that cover the pixel along each axis, then multiply; corners are covered once",
                    slips=[(lambda n, f, i, j: f * f, "only central pixels are read f*f times; near a border fewer windows reach")]),
             Cases(_pixel, lecture=[(5, 3, 0, 0), (5, 3, 2, 2)])),
    Question("padded_output", 1,
             Answer(lambda n, f, p: ar.conv_output_size(n, f, p=p),
                    hint="padding grows the input on both sides",
                    slips=[(lambda n, f, p: n + p - f + 1, "padding is added on both sides, not one")]),
             Cases(lambda r: (r.randint(5, 40), r.randint(1, 5), r.randint(0, 3)), lecture=[(32, 5, 2)])),
    Question("same_padding", 1,
             Answer(lambda f: ar.same_padding(f),
                    hint="which p makes the output as large as the input at stride 1?",
                    slips=[(lambda f: f - 1, "that pads both sides by f - 1: the total padding is split over two sides")]),
             Cases(lambda r: (2 * r.randint(1, 10) + 1,), lecture=[(5,)])),
    Question("strided_output", 3,
             Answer(lambda n, f, p, s: ar.conv_output_size(n, f, p=p, s=s),
                    hint="the stride divides the distance the filter travels, after padding",
                    slips=[(lambda n, f, p, s: (n + 2 * p - f) / s + 1, "the division rounds down: a partial step is no position"),
                           (lambda n, f, p, s: -(-(n + 2 * p - f) // s) + 1, "round down, not up: a partial step is no position"),
                           (lambda n, f, p, s: (n + 2 * p - f) // s, NO_PLUS_ONE),
                           (lambda n, f, p, s: n + 2 * p - f + 1, "the stride is left at 1: divide by it"),
                           (lambda n, f, p, s: (n + p - f) // s + 1, "padding is added on both sides, not one")]),
             Cases(_strided, lecture=[(5, 3, 1, 2), (227, 11, 0, 4)])),
]
