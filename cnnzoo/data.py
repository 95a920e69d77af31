"""Datasets that ship with packages, shaped like ``keras.datasets`` (no download needed).

>>> (x_train, y_train), (x_test, y_test) = digits()
>>> x_train.shape, x_train.dtype, x_test.shape
((1347, 32, 32, 1), dtype('float32'), (450, 32, 32, 1))
>>> float(x_train.min()), float(x_train.max())
(0.0, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["digits", "sample_images"]


def digits(size: int = 32, test_size: float = 0.25, seed: int = 0
           ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """scikit-learn's 1,797 handwritten digits (8x8) resized to ``size`` x ``size`` x 1.

    Images are float32 in [0, 1] (bilinear resize of the 0..16 grey levels), labels
    int64 0..9; the split is stratified by class and fixed by ``seed``.
    """
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be an integer of at least 8 (the digits are 8x8); got {size!r}")
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be between 0 and 1; got {test_size!r}")
    data = load_digits()
    images = data.images.astype(np.float32) / 16.0  # (N, 8, 8) in [0, 1]
    if size != 8:
        images = zoom(images, (1, size / 8, size / 8), order=1, grid_mode=True, mode="nearest")
    images = np.clip(images, 0.0, 1.0).astype(np.float32)[..., None]  # (N, size, size, 1)
    labels = data.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_size, random_state=seed, stratify=labels)
    return (x_train, y_train), (x_test, y_test)


def sample_images() -> dict[str, Any]:
    """scikit-learn's two sample photos (china.jpg, flower.jpg), uint8 427x640x3, by name."""
    from sklearn.datasets import load_sample_images

    data = load_sample_images()
    return {name.rsplit("/", 1)[-1].split(".")[0]: img
            for name, img in zip(data.filenames, data.images)}
