"""Local features: why images call for convolutions rather than dense layers (the cat slides).

The lecture's two cats: two 100x100 images, each ear inside a 10x10 box, at different
places. A dense layer treats every pixel as its own input feature, so an ear at the top
left and an ear at the bottom right are unrelated inputs. A convolution slides one small
detector over every position: the same weights look for an ear everywhere. Count what
each costs, then check that a convolution is *translation equivariant*: shifting the
image shifts the feature map.

Images and filters are lists of lists of numbers (NumPy is allowed: ``np.asarray(x)``);
return numbers, tuples, lists of lists or NumPy arrays. Filters are used as they are, not
flipped (cross-correlation, as in the lecture).

Questions to think about (not graded): ``shift_then_conv`` and ``conv_then_shift`` agree
almost everywhere. Where do they differ, and why? What does that say about the borders?
"""


def dense_layer_params(size: int, channels: int, units: int) -> int:
    """Parameters of a dense layer from every value of a ``size`` x ``size`` x ``channels``
    image to ``units`` units, one bias per unit (the cat slides: 100x100 RGB, 100 units)."""
    # BEGIN SOLUTION
    return size * size * channels * units + units
    # END SOLUTION


def conv_layer_params(size: int, channels: int, f: int, filters: int) -> int:
    """Parameters of one convolutional layer on the same image: ``filters`` detectors of
    ``f`` x ``f`` (stride 1, no padding), one bias each. A 10x10 ear detector on a 100x100
    RGB image is one filter with f = 10."""
    # BEGIN SOLUTION
    return (f * f * channels + 1) * filters
    # END SOLUTION


def locally_connected_params(size: int, channels: int, f: int, filters: int) -> int:
    """Local but not shared: like :func:`conv_layer_params`, except that every output
    position (stride 1, no padding) has its own ``filters`` detectors and biases."""
    # BEGIN SOLUTION
    positions = (size - f + 1) ** 2
    return positions * (f * f * channels + 1) * filters
    # END SOLUTION


def shift(x: list[list[float]], dy: int, dx: int) -> list[list[float]]:
    """``x`` moved ``dy`` rows down and ``dx`` columns right (negative: up, left), same shape.

    What leaves the frame is lost; zeros come in: ``shift([[1, 2], [3, 4]], 0, 1)`` is
    ``[[0, 1], [0, 3]]``.
    """
    # BEGIN SOLUTION
    h, w = len(x), len(x[0])
    out = [[0] * w for _ in range(h)]
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[i][j] = x[i - dy][j - dx]
    return out
    # END SOLUTION


def feature_map(x: list[list[float]], k: list[list[float]]) -> list[list[float]]:
    """Valid, stride-1 cross-correlation of a 2-D image with a square filter: the map of
    how strongly each window matches ``k`` (``x`` may be any h x w, ``k`` any f x f that fits)."""
    # BEGIN SOLUTION
    f = len(k)
    rows, cols = len(x) - f + 1, len(x[0]) - f + 1
    return [[sum(x[i + a][j + b] * k[a][b] for a in range(f) for b in range(f)) for j in range(cols)]
            for i in range(rows)]
    # END SOLUTION


def shift_then_conv(x: list[list[float]], k: list[list[float]], dy: int, dx: int) -> list[list[float]]:
    """The feature map of the shifted image (use your :func:`shift` and :func:`feature_map`)."""
    # BEGIN SOLUTION
    return feature_map(shift(x, dy, dx), k)
    # END SOLUTION


def conv_then_shift(x: list[list[float]], k: list[list[float]], dy: int, dx: int) -> list[list[float]]:
    """The feature map of the image, then shifted by (``dy``, ``dx``)."""
    # BEGIN SOLUTION
    return shift(feature_map(x, k), dy, dx)
    # END SOLUTION


def find_ear(image: list[list[float]], ear: list[list[float]]) -> tuple[int, int]:
    """Where the ``ear`` detector responds most: (row, col) of the top-left corner of the
    window with the largest value in the feature map of ``image``. The same detector finds
    the ear wherever it is."""
    # BEGIN SOLUTION
    scores = feature_map(image, ear)
    best = max((value, i, j) for i, row in enumerate(scores) for j, value in enumerate(row))
    return best[1], best[2]
    # END SOLUTION
