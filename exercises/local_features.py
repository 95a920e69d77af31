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
    raise NotImplementedError("dense_layer_params: fill this in")


def conv_layer_params(size: int, channels: int, f: int, filters: int) -> int:
    """Parameters of one convolutional layer on the same image: ``filters`` detectors of
    ``f`` x ``f`` (stride 1, no padding), one bias each. A 10x10 ear detector on a 100x100
    RGB image is one filter with f = 10."""
    raise NotImplementedError("conv_layer_params: fill this in")


def locally_connected_params(size: int, channels: int, f: int, filters: int) -> int:
    """Local but not shared: like :func:`conv_layer_params`, except that every output
    position (stride 1, no padding) has its own ``filters`` detectors and biases."""
    raise NotImplementedError("locally_connected_params: fill this in")


def shift(x: list[list[float]], dy: int, dx: int) -> list[list[float]]:
    """``x`` moved ``dy`` rows down and ``dx`` columns right (negative: up, left), same shape.

    What leaves the frame is lost; zeros come in: ``shift([[1, 2], [3, 4]], 0, 1)`` is
    ``[[0, 1], [0, 3]]``.
    """
    raise NotImplementedError("shift: fill this in")


def feature_map(x: list[list[float]], k: list[list[float]]) -> list[list[float]]:
    """Valid, stride-1 cross-correlation of a 2-D image with a square filter: the map of
    how strongly each window matches ``k`` (``x`` may be any h x w, ``k`` any f x f that fits)."""
    raise NotImplementedError("feature_map: fill this in")


def shift_then_conv(x: list[list[float]], k: list[list[float]], dy: int, dx: int) -> list[list[float]]:
    """The feature map of the shifted image (use your :func:`shift` and :func:`feature_map`)."""
    raise NotImplementedError("shift_then_conv: fill this in")


def conv_then_shift(x: list[list[float]], k: list[list[float]], dy: int, dx: int) -> list[list[float]]:
    """The feature map of the image, then shifted by (``dy``, ``dx``)."""
    raise NotImplementedError("conv_then_shift: fill this in")


def find_ear(image: list[list[float]], ear: list[list[float]]) -> tuple[int, int]:
    """Where the ``ear`` detector responds most: (row, col) of the top-left corner of the
    window with the largest value in the feature map of ``image``. The same detector finds
    the ear wherever it is."""
    raise NotImplementedError("find_ear: fill this in")
