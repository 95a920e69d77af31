"""Convolution and pooling step by step, and how often each pixel is read."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo import ops
from cnnzoo.viz.base import LECTURE_K, LECTURE_X, figure, save

__all__ = ["convolution_steps", "pooling_steps", "pixel_usage_map"]


def _grid(ax: Any, values: np.ndarray, title: str, highlight: Any = None, color: str = "tab:red",
          shade: Any = None, fmt: str = "{:g}") -> None:
    """Draw a small matrix with its numbers; outline the (row, col, h, w) ``highlight``."""
    from matplotlib.patches import Rectangle

    h, w = values.shape
    ax.imshow(np.zeros_like(values) if shade is None else shade, cmap="Greys", vmin=0, vmax=1)
    for i in range(h):
        for j in range(w):
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center", fontsize=9)
    ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
    ax.grid(which="minor", color="0.6", lw=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if highlight is not None:
        r, c, hh, ww = highlight
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), ww, hh, fill=False, ec=color, lw=2.5))
    ax.set_title(title, fontsize=9)


def _steps(x: np.ndarray, f: int, s: int, p: int, out: np.ndarray, label: str, kernel: Any,
           path: Optional[str], title: str) -> Any:
    padded = ops.pad2d(x, p)
    pad_mask = np.pad(np.zeros_like(x), p, constant_values=0.25)  # padding drawn grey
    oh, ow = out.shape
    panels = oh * ow
    cols = min(panels, 3 if panels <= 9 else 4)
    rows = -(-panels // cols)
    fig = figure(figsize=(3.0 * (cols + 1), 2.9 * max(rows, 2)))
    grid = fig.add_gridspec(max(rows, 2), cols + 1)
    for n in range(panels):
        i, j = divmod(n, ow)
        _grid(fig.add_subplot(grid[n // cols, n % cols]), padded,
              f"out[{i},{j}] = {label} = {out[i, j]:.3g}", highlight=(i * s, j * s, f, f), shade=pad_mask)
    side = grid[:, cols].subgridspec(2, 1)  # right-hand column: the filter, then the output
    if kernel is not None:
        _grid(fig.add_subplot(side[0]), kernel, "filter (not flipped)", color="tab:blue")
    _grid(fig.add_subplot(side[1]), out, "output", fmt="{:.3g}")
    fig.suptitle(title)
    return save(fig, path)


def convolution_steps(x: Any = None, kernel: Any = None, *, p: int = 0, s: int = 1,
                      path: Optional[str] = None) -> Any:
    """Each output cell of a cross-correlation: the padded input, the window, the value.

    Defaults to the lecture's 5x5 input and 3x3 filter; padding is drawn in grey.
    """
    x = LECTURE_X if x is None else np.asarray(x, np.float32)
    k = LECTURE_K if kernel is None else np.asarray(kernel, np.float32)
    if x.ndim != 2 or k.ndim != 2 or k.shape[0] != k.shape[1]:
        raise ValueError(f"convolution_steps takes a 2-D input and a square 2-D filter; got {x.shape} and {k.shape}")
    out = ops.conv2d(x, k, padding=p, strides=s)
    size = ar.conv_output_size(x.shape[0], k.shape[0], p=p, s=s, explain=True)
    return _steps(x, k.shape[0], s, p, out, "sum(window * filter)", k, path,
                  f"convolution, padding {p}, stride {s}: output side {size}")


def pooling_steps(x: Any = None, f: int = 3, *, s: int = 1, kind: str = "max",
                  path: Optional[str] = None) -> Any:
    """Each output cell of max or average pooling (valid), on the lecture's input by default."""
    if kind not in ("max", "avg"):
        raise ValueError(f"kind must be 'max' or 'avg'; got {kind!r}")
    x = LECTURE_X if x is None else np.asarray(x, np.float32)
    out = (ops.max_pool2d if kind == "max" else ops.avg_pool2d)(x, f, strides=s)
    size = ar.pool_output_size(x.shape[0], f, s=s, explain=True)
    return _steps(x, f, s, 0, out, "max" if kind == "max" else "mean", None, path,
                  f"{kind} pooling {f}x{f}, stride {s} (no parameters): output side {size}")


def pixel_usage_map(n: int = 5, f: int = 3, *, p: int = 0, s: int = 1, path: Optional[str] = None) -> Any:
    """Heat map of how many outputs read each input pixel (corner once, centre nine times)."""
    usage = np.array(ar.pixel_usage(n, f, p=p, s=s), dtype=float)
    fig = figure(figsize=(4.2, 3.8))
    ax = fig.subplots()
    image = ax.imshow(usage, cmap="viridis")
    for i in range(usage.shape[0]):
        for j in range(usage.shape[1]):
            ax.text(j, i, f"{usage[i, j]:g}", ha="center", va="center", color="w", fontsize=9)
    ax.set_title(f"how often each pixel is read: {n}x{n} input, {f}x{f} filter, stride {s}, padding {p}",
                 fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    return save(fig, path)
