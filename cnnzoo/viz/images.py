"""Edges found by convolution, and a trained network's filters, feature maps and embeddings."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from cnnzoo import ops
from cnnzoo.viz.base import EDGE_FILTERS, figure, save

__all__ = ["edge_maps", "edge_detection", "filters_and_feature_maps", "hidden_features", "embed", "embedding"]


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
    fig = figure(figsize=(15, 6.5))
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
    return save(fig, path)


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
    fig = figure(figsize=(1.8 * (n + 1), 4))
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
    return save(fig, path)


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
    fig = figure(figsize=(4.6 * len(methods), 4.2 * len(panels)))
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
    return save(fig, path)
