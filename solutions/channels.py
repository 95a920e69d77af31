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
    # BEGIN SOLUTION
    xp = np.pad(np.asarray(x, dtype=float), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    f, filters = w.shape[0], w.shape[3]
    rows, cols = (xp.shape[1] - f) // stride + 1, (xp.shape[2] - f) // stride + 1
    out = np.zeros((xp.shape[0], rows, cols, filters))
    for i in range(rows):
        for j in range(cols):
            window = xp[:, i * stride:i * stride + f, j * stride:j * stride + f, :]
            out[:, i, j, :] = np.tensordot(window, w, axes=([1, 2, 3], [0, 1, 2])) + b
    return out
    # END SOLUTION


def relu(x: np.ndarray) -> np.ndarray:
    """The rectified linear unit, element by element: negatives become 0."""
    # BEGIN SOLUTION
    return np.where(x > 0, x, 0.0)
    # END SOLUTION


def conv_relu(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """A whole convolutional layer with a ReLU: the lecture's ``g(window * filter + b)``."""
    # BEGIN SOLUTION
    return relu(conv_forward(x, w, b, stride, pad))
    # END SOLUTION


def output_shape(x_shape: tuple, w_shape: tuple, stride: int, pad: int) -> tuple:
    """The shape ``(N, H', W', F)`` that :func:`conv_forward` returns, from the shapes alone."""
    # BEGIN SOLUTION
    n, h, wd, _ = x_shape
    f, filters = w_shape[0], w_shape[3]
    return n, (h + 2 * pad - f) // stride + 1, (wd + 2 * pad - f) // stride + 1, filters
    # END SOLUTION


def pointwise(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 1x1 convolution, ``w`` of shape ``(C, F)`` (a ``(1, 1, C, F)`` kernel squeezed).

    It mixes the channels of each pixel and nothing else: it is a dense layer from C
    inputs to F units, applied at every pixel with the same weights. Output ``(N, H, W, F)``.
    """
    # BEGIN SOLUTION
    return np.einsum("nhwc,cf->nhwf", x, w) + b
    # END SOLUTION


def conv_general(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: tuple, pad: tuple,
                 dilation: tuple) -> np.ndarray:
    """Any kernel shape: ``w`` is ``(kh, kw, C, F)``, ``stride = (sh, sw)``, ``pad = (ph, pw)``
    (``ph`` rows of zeros above and below, ``pw`` columns left and right) and
    ``dilation = (dh, dw)``: a filter's taps are ``dh`` rows and ``dw`` columns apart, so it
    covers ``dh*(kh-1)+1`` rows. Each pair is (rows, columns). E.g. kernel (3, 5),
    padding (0, 1), stride (3, 4), dilation (1, 1)."""
    # BEGIN SOLUTION
    (sh, sw), (ph, pw), (dh, dw) = stride, pad, dilation
    kh, kw, _, filters = w.shape
    xp = np.pad(np.asarray(x, dtype=float), ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    rows, cols = (xp.shape[1] - span_h) // sh + 1, (xp.shape[2] - span_w) // sw + 1
    out = np.zeros((xp.shape[0], rows, cols, filters))
    for i in range(rows):
        for j in range(cols):
            taps = xp[:, i * sh:i * sh + span_h:dh, j * sw:j * sw + span_w:dw, :]
            out[:, i, j, :] = np.tensordot(taps, w, axes=([1, 2, 3], [0, 1, 2])) + b
    return out
    # END SOLUTION


def general_output_size(h: int, w: int, kernel: tuple, pad: tuple, stride: tuple, dilation: tuple) -> tuple:
    """``(H', W')`` of :func:`conv_general` on an ``h`` x ``w`` input, every pair (rows, columns)."""
    # BEGIN SOLUTION
    sizes = []
    for n, k, p, s, d in zip((h, w), kernel, pad, stride, dilation):
        sizes.append((n + 2 * p - (d * (k - 1) + 1)) // s + 1)
    return tuple(sizes)
    # END SOLUTION
