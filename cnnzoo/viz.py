"""The lecture's figures with matplotlib, headless-safe.

Every function returns a ``matplotlib.figure.Figure`` (made without pyplot, so no display
is needed) and, given ``path``, saves it there. Numbers come from :mod:`cnnzoo.ops` and
:mod:`cnnzoo.arithmetic`, so what a figure shows is what the library computes.

>>> fig = pixel_usage_map(5, 3)
>>> fig.axes[0].get_title()
'how often each pixel is read: 5x5 input, 3x3 filter, stride 1, padding 0'
"""

from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np

from cnnzoo import arithmetic as ar
from cnnzoo import ops
from cnnzoo.arithmetic.core import keyword_after

__all__ = ["plot_history", "convolution_steps", "pooling_steps", "pixel_usage_map", "edge_maps",
           "edge_detection", "filters_and_feature_maps", "hidden_features", "embed", "embedding",
           "architecture", "LECTURE_X", "LECTURE_K", "EDGE_FILTERS"]

#: The lecture's 5x5 input and 3x3 filter.
LECTURE_X = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]],
                     dtype=np.float32)
LECTURE_K = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=np.float32)

#: Edge filters for :func:`edge_detection` (cross-correlation, as everywhere here).
EDGE_FILTERS = {
    "vertical": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], np.float32),
    "horizontal": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], np.float32),
    "sobel x": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], np.float32),
    "sobel y": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], np.float32),
}


def _figure(*args: Any, **kwargs: Any) -> Any:
    """A new Figure that does not need a display (no pyplot state machine)."""
    from matplotlib.figure import Figure

    return Figure(*args, **kwargs)


def _save(fig: Any, path: Optional[str]) -> Any:
    if path is not None:
        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def plot_history(history: Any, title: str = "training", path: Optional[str] = None) -> Any:
    """Loss and accuracy per epoch (train and validation) from a Keras ``History`` or dict."""
    history = getattr(history, "history", history)
    if not isinstance(history, dict) or "loss" not in history:
        raise ValueError(f"history must be a Keras History or a dict with 'loss'; got {type(history).__name__}")
    fig = _figure(figsize=(9, 3.4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for key, ax in (("loss", ax_loss), ("accuracy", ax_acc)):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = history.get(prefix + key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, marker="o", ms=3,
                        label="test" if prefix else "train")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return _save(fig, path)


# ------------------------------------------------------------- windows, step by step


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
    fig = _figure(figsize=(3.0 * (cols + 1), 2.9 * max(rows, 2)))
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
    return _save(fig, path)


@keyword_after(2, ("p", "s", "path"), renamed={"padding": "p", "stride": "s"})
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


@keyword_after(2, ("s", "kind", "path"), renamed={"pool": "f", "stride": "s"})
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


@keyword_after(2, ("s", "p", "path"))
def pixel_usage_map(n: int = 5, f: int = 3, *, p: int = 0, s: int = 1, path: Optional[str] = None) -> Any:
    """Heat map of how many outputs read each input pixel (corner once, centre nine times)."""
    usage = np.array(ar.pixel_usage(n, f, p=p, s=s), dtype=float)
    fig = _figure(figsize=(4.2, 3.8))
    ax = fig.subplots()
    image = ax.imshow(usage, cmap="viridis")
    for i in range(usage.shape[0]):
        for j in range(usage.shape[1]):
            ax.text(j, i, f"{usage[i, j]:g}", ha="center", va="center", color="w", fontsize=9)
    ax.set_title(f"how often each pixel is read: {n}x{n} input, {f}x{f} filter, stride {s}, padding {p}",
                 fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _save(fig, path)


# ------------------------------------------------------------------------- edges


def _gray(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, np.float32)
    if image.ndim == 3:
        image = image @ np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601 luma
    return image / 255.0 if image.max() > 1.0 else image


def edge_maps(image: Any = None) -> dict[str, np.ndarray]:
    """Each of :data:`EDGE_FILTERS` applied to ``image`` (grey, 'same' padding) with ops.conv2d.

    ``image`` defaults to scikit-learn's ``china.jpg``.
    """
    if image is None:
        from cnnzoo.data import sample_images

        image = sample_images()["china"]
    gray = _gray(image)
    return {"image": gray, **{name: ops.conv2d(gray, k, padding="same") for name, k in EDGE_FILTERS.items()}}


def edge_detection(image: Any = None, path: Optional[str] = None) -> Any:
    """The photo and its vertical, horizontal and Sobel edge maps (from :func:`edge_maps`)."""
    maps = edge_maps(image)
    fig = _figure(figsize=(15, 6.5))
    axes = fig.subplots(2, 3).ravel()
    axes[0].imshow(maps["image"], cmap="gray")
    axes[0].set_title("input (grey)")
    names = list(EDGE_FILTERS)
    for ax, name in zip(axes[1:], names):
        ax.imshow(np.abs(maps[name]), cmap="magma")
        ax.set_title(f"|{name} filter|")
    magnitude = np.hypot(maps["sobel x"], maps["sobel y"])
    axes[5].imshow(magnitude, cmap="magma")
    axes[5].set_title("Sobel magnitude")
    for ax in axes:
        ax.axis("off")
    fig.suptitle("edge detection by convolution (cnnzoo.ops.conv2d)")
    return _save(fig, path)


# ------------------------------------------------------------- trained networks


def _first_conv(model: Any) -> Any:
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            return layer
    raise ValueError(f"model {model.name!r} has no Conv2D layer")


def filters_and_feature_maps(model: Any, image: Any, path: Optional[str] = None) -> Any:
    """The first convolution's filters and the feature maps they make of one ``image``."""
    import keras

    conv = _first_conv(model)
    kernels = conv.get_weights()[0]  # (kh, kw, c_in, filters)
    x = np.asarray(image, np.float32)
    x = x[None] if x.ndim == 3 else x
    maps = keras.Model(model.inputs, conv.output).predict(x, verbose=0)[0]  # (H', W', filters)
    n = kernels.shape[-1]
    fig = _figure(figsize=(1.8 * (n + 1), 4))
    axes = fig.subplots(2, n + 1, squeeze=False)
    axes[0, 0].imshow(x[0, :, :, 0], cmap="gray")
    axes[0, 0].set_title("input")
    axes[1, 0].axis("off")
    for i in range(n):
        axes[0, i + 1].imshow(kernels[:, :, 0, i], cmap="RdBu_r")
        axes[0, i + 1].set_title(f"filter {i}", fontsize=8)
        axes[1, i + 1].imshow(maps[:, :, i], cmap="viridis")
        axes[1, i + 1].set_title(f"map {i}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{model.name}: layer {conv.name!r}, its filters and feature maps")
    return _save(fig, path)


def hidden_features(model: Any, x: Any, layer: Optional[str] = None) -> np.ndarray:
    """Activations of the last hidden layer (the layer before the output, or ``layer``)."""
    import keras

    target = model.get_layer(layer) if layer else model.layers[-2]
    return keras.Model(model.inputs, target.output).predict(np.asarray(x), verbose=0).reshape(len(x), -1)


def embed(features: Any, method: str = "pca", seed: int = 0) -> np.ndarray:
    """2-D coordinates of ``features`` (n, d) by PCA or t-SNE (scikit-learn)."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    features = np.asarray(features, np.float64).reshape(len(features), -1)
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(features)
    if method == "tsne":
        perplexity = min(30.0, max(2.0, (len(features) - 1) / 3))
        return TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=seed).fit_transform(features)
    raise ValueError(f"method must be 'pca' or 'tsne'; got {method!r}")


def embedding(panels: dict[str, Any], labels: Any, methods: tuple[str, ...] = ("pca", "tsne"),
              path: Optional[str] = None) -> Any:
    """Scatter plots of feature sets (e.g. ``{"before training": f0, "after": f1}``) per method,
    one point per sample, coloured by class."""
    labels = np.asarray(labels)
    fig = _figure(figsize=(4.6 * len(methods), 4.2 * len(panels)))
    axes = fig.subplots(len(panels), len(methods), squeeze=False)
    for r, (title, features) in enumerate(panels.items()):
        if len(features) != len(labels):
            raise ValueError(f"{title!r} has {len(features)} samples but there are {len(labels)} labels")
        for c, method in enumerate(methods):
            xy = embed(features, method)
            ax = axes[r, c]
            points = ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap="tab10", s=8)
            name = {"pca": "PCA", "tsne": "t-SNE"}[method]
            ax.set_title(f"{name} of the last hidden layer, {title}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.colorbar(points, ax=axes.ravel().tolist(), shrink=0.6, label="class")
    return _save(fig, path)


# ------------------------------------------------------------------- architecture


def architecture(summary: Any, path: Optional[str] = None) -> Any:
    """A block diagram of a :class:`~cnnzoo.Summary`: one block per layer, its height the
    spatial size, its width the channels (log scale), labelled with shape and parameters."""
    from matplotlib.patches import FancyBboxPatch

    rows = [r for r in summary.rows if not r.container and isinstance(r.output_shape, tuple)]
    if not rows:
        raise ValueError("the summary has no layers with a known output shape")
    fig = _figure(figsize=(max(8, 1.25 * len(rows)), 4.2))
    ax = fig.subplots()
    biggest = max([r.output_shape[0] or 1 for r in rows if len(r.output_shape) > 1] or [1])
    x = 0.0
    colors = {"Conv2D": "tab:blue", "Dense": "tab:orange", "MaxPooling2D": "tab:green",
              "AveragePooling2D": "tab:green", "Flatten": "tab:gray", "InputLayer": "tab:purple"}
    for r in rows:
        shape = r.output_shape
        height = 0.4 + 2.6 * ((shape[0] or 1) / biggest if len(shape) > 1 else 0.15)
        width = 0.25 + 0.12 * np.log2(max(shape[-1] or 1, 1))
        ax.add_patch(FancyBboxPatch((x, -height / 2), width, height, boxstyle="round,pad=0.02",
                                    fc=colors.get(r.kind, "tab:olive"), alpha=0.7))
        label = f"{r.name}\n{'x'.join(map(str, shape))}" + (f"\n{r.params:,} p" if r.params else "")
        ax.text(x + width / 2, -height / 2 - 0.15, label, ha="center", va="top", fontsize=7)
        x += width + 0.45
    ax.set_xlim(-0.3, x)
    ax.set_ylim(-3.2, 1.8)
    ax.axis("off")
    ax.set_title(f"{summary.name}: {summary.total:,} parameters")
    return _save(fig, path)
