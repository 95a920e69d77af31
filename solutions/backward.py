"""Backpropagation through a convolutional layer, pooling and ReLU, in NumPy.

Each backward function gets ``dout``, the gradient of the loss with respect to the layer's
output, and the ``cache`` the forward pass kept; it returns the gradient with respect to
each input, of the same shape as that input. Layouts as in channels.py: ``x`` is
``(N, H, W, C)``, ``w`` is ``(f, f, C, F)``, ``b`` is ``(F,)``.

How you are graded (and how to check yourself first): each gradient is compared with the
numerical gradient of the reference forward pass, central differences in float64 with
``h = 2**-17`` (:func:`numerical_gradient` below, the grader's own code); each array must
have a :func:`relative_error` below ``TOLERANCE`` (1e-6). To check ``conv_backward``, use
your own forward pass from channels.py::

    from channels import conv_forward
    dx, dw, db = conv_backward(dout, (x, w, b, stride, pad))
    numeric = numerical_gradient(lambda v: conv_forward(v, w, b, stride, pad), x, dout)
    print(relative_error(dx, numeric))   # and the same for w and b

For max pooling, draw ``x`` without ties inside a window (e.g. ``rng.permutation``): at a
tie the maximum has no gradient, and central differences see half of each.
"""

import numpy as np

TOLERANCE = 1e-6  # the largest relative error the grader accepts


def numerical_gradient(forward, x, dout, h=2.0 ** -17):
    """The gradient of ``sum(forward(x) * dout)`` with respect to ``x``, by central
    differences in float64: ``(L(x + h) - L(x - h)) / 2h``, one element at a time.

    ``h`` (about 7.6e-6) is a power of two: for inputs on a grid of eighths or integers,
    as the grader draws them, ``x + h`` and ``x - h`` are exact, and so is the difference.
    """
    point = np.array(x, dtype=np.float64)  # a float64 copy: the caller's x is left alone
    weights = np.asarray(dout, dtype=np.float64)
    grad = np.zeros(point.shape)
    for index in np.ndindex(point.shape):
        kept = point[index]
        point[index] = kept + h
        above = float(np.sum(np.asarray(forward(point), dtype=np.float64) * weights))
        point[index] = kept - h
        below = float(np.sum(np.asarray(forward(point), dtype=np.float64) * weights))
        point[index] = kept
        grad[index] = (above - below) / (2 * h)
    return grad


def relative_error(got, expected):
    """``||got - expected|| / (||got|| + ||expected||)`` over whole arrays (0 when both are
    0; infinite when the shapes differ)."""
    mine, theirs = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if mine.shape != theirs.shape:
        return float("inf")
    scale = np.linalg.norm(mine) + np.linalg.norm(theirs)
    return float(np.linalg.norm(mine - theirs) / scale) if scale > 0 else 0.0


def conv_backward(dout: np.ndarray, cache: tuple) -> tuple:
    """Gradients ``(dx, dw, db)`` of a convolutional layer.

    ``cache`` is ``(x, w, b, stride, pad)``, the forward pass's inputs; ``dout`` is
    ``(N, H', W', F)``. ``dx`` has the shape of ``x`` (not of the padded input).
    """
    # BEGIN SOLUTION
    x, w, b, stride, pad = cache
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
    f = w.shape[0]
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            rows, cols = slice(i * stride, i * stride + f), slice(j * stride, j * stride + f)
            g = dout[:, i, j, :]  # (N, F)
            dw += np.tensordot(xp[:, rows, cols, :], g, axes=([0], [0]))
            dxp[:, rows, cols, :] += np.tensordot(g, w, axes=([1], [3]))
    db = dout.sum(axis=(0, 1, 2))
    dx = dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2], :]
    return dx, dw, db
    # END SOLUTION


def max_pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Gradient ``dx`` of an ``f`` x ``f`` max pooling with stride ``s`` (no padding).

    ``cache`` is ``(x, f, s)``; windows may overlap (``s < f``).
    """
    # BEGIN SOLUTION
    x, f, s = cache
    dx = np.zeros(x.shape)
    n, _, _, c = x.shape
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            window = x[:, i * s:i * s + f, j * s:j * s + f, :].reshape(n, f * f, c)
            best = window.argmax(axis=1)  # (N, C): where each window's maximum is
            for b in range(n):
                for ch in range(c):
                    a, col = divmod(int(best[b, ch]), f)
                    dx[b, i * s + a, j * s + col, ch] += dout[b, i, j, ch]
    return dx
    # END SOLUTION


def avg_pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Gradient ``dx`` of an ``f`` x ``f`` average pooling with stride ``s`` (no padding).

    ``cache`` is ``(x, f, s)``; windows may overlap (``s < f``).
    """
    # BEGIN SOLUTION
    x, f, s = cache
    dx = np.zeros(x.shape)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            dx[:, i * s:i * s + f, j * s:j * s + f, :] += dout[:, i:i + 1, j:j + 1, :] / (f * f)
    return dx
    # END SOLUTION


def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of ``relu(x)`` with respect to ``x`` (``x`` never exactly 0 here)."""
    # BEGIN SOLUTION
    return dout * (x > 0)
    # END SOLUTION
