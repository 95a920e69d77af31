"""Convolution and pooling in NumPy, in Keras' layout (NHWC inputs, HWIO kernels).

A 2-D array with a 2-D kernel gives a 2-D result, as in the lecture:

>>> X = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
>>> K = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
>>> conv2d(X, K).tolist()
[[12.0, 12.0, 17.0], [10.0, 17.0, 19.0], [9.0, 6.0, 14.0]]
>>> conv2d(X, K, padding=1, strides=2).tolist()
[[6.0, 17.0, 3.0], [8.0, 17.0, 13.0], [6.0, 4.0, 4.0]]
>>> max_pool2d(X, 3, strides=1).tolist()
[[3.0, 3.0, 3.0], [3.0, 3.0, 3.0], [3.0, 2.0, 3.0]]

The vectorised :func:`conv2d` gathers every window with a strided view, copies it once
into an im2col matrix whose rows are laid out (kh, kw, C) like the kernel, and multiplies
it with the reshaped kernel in one BLAS matrix product;
:func:`conv2d_naive` is the loop a student writes, kept equal to it by the tests.
Convolutions are cross-correlations (the kernel is not flipped), as in Keras.
"""

from __future__ import annotations

from typing import Any, Union

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo.checks import is_int, positive_int

__all__ = ["pad2d", "conv2d", "conv2d_naive", "max_pool2d", "avg_pool2d", "pool2d_naive",
           "global_avg_pool2d", "global_max_pool2d"]

PaddingArg = Union[str, int, tuple]


def _pair(value: Any, name: str) -> tuple[int, int]:
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair; got {value!r}")
    for v in pair:
        if not is_int(v):
            raise TypeError(f"{name} must hold integers; got {value!r}")
        if v < 1:
            raise ValueError(f"{name} must be at least 1; got {value!r}")
    return int(pair[0]), int(pair[1])


def _as_nhwc(x: Any, name: str = "x") -> tuple[np.ndarray, bool]:
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if arr.ndim == 2:
        return arr[None, :, :, None], True  # (1, H, W, 1)
    if arr.ndim != 4:
        raise ValueError(f"{name} must be 2-D (H, W) or 4-D (N, H, W, C); got shape {arr.shape}")
    return arr, False


def _explicit_padding(padding: PaddingArg, size: tuple[int, int], window: tuple[int, int],
                      strides: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0), (0, 0)
        if mode != "same":
            raise ValueError(f"padding must be 'valid', 'same', an int or ((top, bottom), (left, right)); got {padding!r}")
        out = []
        for n, f, s in zip(size, window, strides):
            split = ar.same_padding(f, s=s, n=n)
            out.append(split if isinstance(split, tuple) else (split, split))
        return out[0], out[1]
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        if padding < 0:
            raise ValueError(f"padding must be non-negative; got {padding}")
        return (int(padding), int(padding)), (int(padding), int(padding))
    try:
        (t, b), (left, r) = padding  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"padding must be 'valid', 'same', an int or ((top, bottom), (left, right)); "
                         f"got {padding!r}") from None
    if min(t, b, left, r) < 0:
        raise ValueError(f"padding must be non-negative; got {padding!r}")
    return (int(t), int(b)), (int(left), int(r))


def pad2d(x: Any, padding: PaddingArg, value: float = 0.0) -> np.ndarray:
    """Pad the spatial axes of ``x`` (2-D or NHWC) with ``value``: an int or ((t, b), (l, r)).

    >>> pad2d([[1, 2], [3, 4]], 1).astype(int).tolist()
    [[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]
    """
    arr, flat = _as_nhwc(x)
    if isinstance(padding, str):
        raise ValueError("pad2d takes an int or ((top, bottom), (left, right)); 'same' depends on "
                         "the filter: use conv2d(..., padding='same')")
    (t, b), (left, r) = _explicit_padding(padding, arr.shape[1:3], (1, 1), (1, 1))
    out = np.pad(arr, ((0, 0), (t, b), (left, r), (0, 0)), constant_values=value)
    return out[0, :, :, 0] if flat else out


def _windows(x: np.ndarray, window: tuple[int, int], strides: tuple[int, int],
             dilation: tuple[int, int]) -> np.ndarray:
    """A view (N, H', W', C, kh, kw) of every window, no copy."""
    (kh, kw), (dh, dw) = window, dilation
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    view = np.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(1, 2))  # (N, H-eh+1, W-ew+1, C, eh, ew)
    return view[:, ::strides[0], ::strides[1], :, ::dh, ::dw]


def _prepare(x: Any, kernel: Any, strides: Any, padding: PaddingArg, dilation: Any, groups: int):
    arr, flat = _as_nhwc(x)
    k = np.asarray(kernel)
    if k.ndim == 2:
        k = k[:, :, None, None]
    if k.ndim != 4:
        raise ValueError(f"kernel must be 2-D (kh, kw) or 4-D (kh, kw, in, out); got shape {k.shape}")
    s, d = _pair(strides, "strides"), _pair(dilation, "dilation")
    groups = positive_int(groups, "groups")
    c_in, c_out = arr.shape[3], k.shape[3]
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide the input channels {c_in} and the filters {c_out}")
    if k.shape[2] * groups != c_in:
        raise ValueError(f"the kernel expects {k.shape[2]}*{groups} input channels (groups={groups}); "
                         f"the input has {c_in}")
    eff = (d[0] * (k.shape[0] - 1) + 1, d[1] * (k.shape[1] - 1) + 1)
    (t, b), (left, r) = _explicit_padding(padding, arr.shape[1:3], eff, s)
    padded = np.pad(arr, ((0, 0), (t, b), (left, r), (0, 0)))
    if padded.shape[1] < eff[0] or padded.shape[2] < eff[1]:
        raise ValueError(f"the kernel (effective {eff[0]}x{eff[1]}) is larger than the padded input "
                         f"{padded.shape[1]}x{padded.shape[2]}")
    dtype = np.result_type(arr.dtype, k.dtype) if k.dtype.kind == "f" else arr.dtype
    return padded.astype(dtype, copy=False), k.astype(dtype, copy=False), s, d, flat


def conv2d(x: Any, kernel: Any, bias: Any = None, *, strides: Any = 1, padding: PaddingArg = "valid",
           dilation_rate: Any = 1, groups: int = 1) -> np.ndarray:
    """2-D cross-correlation, ``tf.nn.conv2d`` semantics (``"same"``: extra pad bottom/right).

    ``x``: (N, H, W, C) or (H, W); ``kernel``: (kh, kw, C/groups, F) or (kh, kw). float32
    stays float32.
    """
    xp, k, s, d, flat = _prepare(x, kernel, strides, padding, dilation_rate, groups)
    win = _windows(xp, k.shape[:2], s, d)  # (N, H', W', C, kh, kw), a view
    n, h, w = win.shape[:3]
    kh, kw, cg, f = k.shape
    fg = f // groups
    outs = []
    for g in range(groups):
        part = win[:, :, :, g * cg:(g + 1) * cg].transpose(0, 1, 2, 4, 5, 3)  # (N, H', W', kh, kw, cg)
        cols = np.ascontiguousarray(part).reshape(n * h * w, kh * kw * cg)  # im2col, one copy
        kg = k[:, :, :, g * fg:(g + 1) * fg].reshape(kh * kw * cg, fg)  # same (kh, kw, c) order
        outs.append((cols @ kg).reshape(n, h, w, fg))  # one BLAS matrix product
    out = outs[0] if groups == 1 else np.concatenate(outs, axis=-1)
    if bias is not None:
        out = out + np.asarray(bias, dtype=out.dtype)
    return out[0, :, :, 0] if flat else out


def conv2d_naive(x: Any, kernel: Any, bias: Any = None, *, strides: Any = 1,
                 padding: PaddingArg = "valid", dilation_rate: Any = 1, groups: int = 1) -> np.ndarray:
    """The same as :func:`conv2d`, written as loops over every output value (for reading)."""
    xp, k, (sh, sw), (dh, dw), flat = _prepare(x, kernel, strides, padding, dilation_rate, groups)
    kh, kw, cg, f = k.shape
    fg = f // groups
    n = xp.shape[0]
    oh = (xp.shape[1] - (dh * (kh - 1) + 1)) // sh + 1
    ow = (xp.shape[2] - (dw * (kw - 1) + 1)) // sw + 1
    out = np.zeros((n, oh, ow, f), dtype=xp.dtype)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for o in range(f):
                    g = o // fg  # the group this filter belongs to
                    total = 0.0
                    for a in range(kh):
                        for c in range(kw):
                            for ch in range(cg):
                                total += xp[b, i * sh + a * dh, j * sw + c * dw, g * cg + ch] * k[a, c, ch, o]
                    out[b, i, j, o] = total + (0 if bias is None else bias[o])
    return out[0, :, :, 0] if flat else out


def _pool(x: Any, pool_size: Any, strides: Any, padding: str, kind: str) -> np.ndarray:
    arr, flat = _as_nhwc(x)
    p = _pair(pool_size, "pool_size")
    s = p if strides is None else _pair(strides, "strides")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"pooling padding must be 'valid' or 'same'; got {padding!r}")
    (t, b), (left, r) = _explicit_padding(padding, arr.shape[1:3], p, s)
    if arr.shape[1] + t + b < p[0] or arr.shape[2] + left + r < p[1]:
        raise ValueError(f"pool_size {p} is larger than the input {arr.shape[1]}x{arr.shape[2]}")
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(arr, ((0, 0), (t, b), (left, r), (0, 0)), constant_values=fill)
    win = _windows(xp, p, s, (1, 1))  # (N, H', W', C, ph, pw)
    if kind == "max":
        out = win.max(axis=(4, 5))
    else:  # average over the real pixels only, as Keras does with "same"
        real = np.pad(np.ones(arr.shape[1:3], arr.dtype), ((t, b), (left, r)))
        counts = _windows(real[None, :, :, None], p, s, (1, 1)).sum(axis=(4, 5))  # (1, H', W', 1)
        out = win.sum(axis=(4, 5)) / counts
    out = out.astype(arr.dtype, copy=False)
    return out[0, :, :, 0] if flat else out


def max_pool2d(x: Any, pool_size: Any = 2, *, strides: Any = None, padding: str = "valid") -> np.ndarray:
    """Max pooling; ``strides`` default to the pool size (Keras)."""
    return _pool(x, pool_size, strides, padding, "max")


def avg_pool2d(x: Any, pool_size: Any = 2, *, strides: Any = None, padding: str = "valid") -> np.ndarray:
    """Average pooling; with ``"same"`` each window averages the real pixels only (Keras).

    >>> avg_pool2d([[1, 2], [3, 4]], 2, padding="same").tolist()
    [[2.5]]
    """
    return _pool(x, pool_size, strides, padding, "avg")


def pool2d_naive(x: Any, pool_size: Any = 2, *, strides: Any = None, kind: str = "max") -> np.ndarray:
    """Valid max or average pooling written as loops (for reading)."""
    arr, flat = _as_nhwc(x)
    (ph, pw), (sh, sw) = _pair(pool_size, "pool_size"), _pair(strides or pool_size, "strides")
    n, h, w, c = arr.shape
    oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    out = np.zeros((n, oh, ow, c), arr.dtype)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    window = arr[b, i * sh:i * sh + ph, j * sw:j * sw + pw, ch]
                    out[b, i, j, ch] = window.max() if kind == "max" else window.mean()
    return out[0, :, :, 0] if flat else out


def global_avg_pool2d(x: Any) -> np.ndarray:
    """Mean over the spatial axes: (N, H, W, C) -> (N, C)."""
    arr, _ = _as_nhwc(x)
    return arr.mean(axis=(1, 2))


def global_max_pool2d(x: Any) -> np.ndarray:
    """Maximum over the spatial axes: (N, H, W, C) -> (N, C)."""
    arr, _ = _as_nhwc(x)
    return arr.max(axis=(1, 2))
