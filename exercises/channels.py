"""Convolution over channels, in NumPy: batches, many filters, 1x1 filters, any kernel shape.

Layouts are Keras': a batch ``x`` is ``(N, H, W, C)`` (N images of H rows, W columns and
C channels); the filters ``w`` are ``(kh, kw, C, F)``: F filters, each ``kh`` x ``kw`` and
as deep as the input; ``b`` holds one bias per filter, shape ``(F,)``. Filters are used as
they are (cross-correlation). Inputs arrive as NumPy arrays; return NumPy arrays.

The lecture: a filter for a 3-channel image is ``f x f x 3``; it gives one map,
``n-f+1 x n-f+1 x 1``; then the non-linearity, ``g(window * filter + b)``. With F filters
the maps stack into F channels.
"""

import numpy as np


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """The convolutional layer's pre-activation output, ``(N, H', W', F)``.

    ``pad`` zeros on every side of each image, then windows ``stride`` pixels apart; each
    output value is the sum over a window and every channel of ``window * filter``, plus
    that filter's bias. ``w`` is ``(f, f, C, F)``.
    """
    raise NotImplementedError("conv_forward: fill this in")


def relu(x: np.ndarray) -> np.ndarray:
    """The rectified linear unit, element by element: negatives become 0."""
    raise NotImplementedError("relu: fill this in")


def conv_relu(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """A whole convolutional layer with a ReLU: the lecture's ``g(window * filter + b)``."""
    raise NotImplementedError("conv_relu: fill this in")


def output_shape(x_shape: tuple, w_shape: tuple, stride: int, pad: int) -> tuple:
    """The shape ``(N, H', W', F)`` that :func:`conv_forward` returns, from the shapes alone."""
    raise NotImplementedError("output_shape: fill this in")


def pointwise(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 1x1 convolution, ``w`` of shape ``(C, F)`` (a ``(1, 1, C, F)`` kernel squeezed).

    It mixes the channels of each pixel and nothing else: it is a dense layer from C
    inputs to F units, applied at every pixel with the same weights. Output ``(N, H, W, F)``.
    """
    raise NotImplementedError("pointwise: fill this in")


def conv_general(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: tuple, pad: tuple,
                 dilation: tuple) -> np.ndarray:
    """Any kernel shape: ``w`` is ``(kh, kw, C, F)``, ``stride = (sh, sw)``, ``pad = (ph, pw)``
    (``ph`` rows of zeros above and below, ``pw`` columns left and right) and
    ``dilation = (dh, dw)``: a filter's taps are ``dh`` rows and ``dw`` columns apart, so it
    covers ``dh*(kh-1)+1`` rows. Each pair is (rows, columns). E.g. kernel (3, 5),
    padding (0, 1), stride (3, 4), dilation (1, 1)."""
    raise NotImplementedError("conv_general: fill this in")


def general_output_size(h: int, w: int, kernel: tuple, pad: tuple, stride: tuple, dilation: tuple) -> tuple:
    """``(H', W')`` of :func:`conv_general` on an ``h`` x ``w`` input, every pair (rows, columns)."""
    raise NotImplementedError("general_output_size: fill this in")
