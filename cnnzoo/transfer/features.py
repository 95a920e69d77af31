"""Stored activations: features of a frozen backbone, computed once and cached on disk.

:func:`extract_features` applies ``preprocess_input`` exactly once (on a copy) and keeps
the result under a key of everything that changes it (model, weights, input size,
preprocessing, pooling, images); writes are atomic, a corrupt file is recomputed.
"""

from __future__ import annotations

import hashlib
import io
import os
import zlib
from collections.abc import Iterator
from typing import Any, Optional

import numpy as np

from cnnzoo.checks import positive_int
from cnnzoo.files import write_atomic
from cnnzoo.transfer.backbones import backbone_info, preprocess_function

__all__ = ["extract_features", "cache_path", "key_parts", "load_cache", "save_cache"]


def _fingerprint(model: Any) -> str:
    digest = hashlib.sha256()
    for w in model.weights:
        digest.update(np.asarray(w.numpy()).tobytes())
    return digest.hexdigest()[:16]


def _source(images: Any) -> Any:
    """What to iterate: an (N, H, W, 3) array, an image folder, or a tf.data dataset."""
    if isinstance(images, (str, os.PathLike)):
        root = os.fspath(images)
        if not os.path.isdir(root):
            raise ValueError(f"images must be an array, a tf.data.Dataset or an image folder; got {root!r}")
        return root
    if hasattr(images, "element_spec"):
        from cnnzoo.transfer.devices import require_tensorflow

        require_tensorflow("a tf.data.Dataset of images")
        return images
    arr = np.asarray(images)
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"images must have shape (N, H, W, 3); got {arr.shape}")
    return arr


def _images_key(source: Any) -> str:
    """A hash of the inputs (only computed when a cache is asked for)."""
    digest = hashlib.sha256()
    if isinstance(source, str):  # a folder: names, sizes and modification times
        for folder, _, files in sorted(os.walk(source)):
            for f in sorted(files):
                st = os.stat(os.path.join(folder, f))
                digest.update(f"{os.path.relpath(os.path.join(folder, f), source)}:{st.st_size}:{st.st_mtime_ns}".encode())
    elif isinstance(source, np.ndarray):  # CRC-32 and Adler-32 of the bytes, in place: no copy, ~3x SHA-256
        data = memoryview(np.ascontiguousarray(source)).cast("B")
        digest.update(f"{source.shape}{source.dtype.str}{zlib.crc32(data)}:{zlib.adler32(data)}".encode())
    else:  # tf.data: hash by streaming, never all in memory
        for batch in source:
            digest.update(np.asarray(batch[0] if isinstance(batch, tuple) else batch).tobytes())
    return digest.hexdigest()[:16]


def _batches(source: Any, batch_size: int, size: tuple[int, int]) -> Iterator[tuple[np.ndarray, Any]]:
    if isinstance(source, np.ndarray):
        for start in range(0, len(source), batch_size):
            yield source[start:start + batch_size], None
        return
    if isinstance(source, str):
        import keras

        source = keras.utils.image_dataset_from_directory(source, image_size=size, batch_size=batch_size,
                                                          shuffle=False, verbose=False)
    for batch in source:
        if isinstance(batch, tuple):
            yield np.asarray(batch[0]), np.asarray(batch[1])
        else:
            yield np.asarray(batch), None


def load_cache(path: str) -> Optional[dict[str, np.ndarray]]:
    """The cached arrays at ``path``, or ``None`` when it is missing, truncated or corrupt."""
    if not os.path.exists(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            content = {k: data[k] for k in data.files}
        stored = str(content.pop("checksum"))
        if hashlib.sha256(content["features"].tobytes()).hexdigest() != stored:
            raise ValueError("checksum mismatch")
        return content
    except Exception:  # noqa: BLE001  (a corrupt or truncated file of any kind: recompute)
        return None


def save_cache(path: str, content: dict[str, np.ndarray]) -> None:
    """Write features (and labels) with their checksum, atomically (a temporary file, then a rename)."""
    buffer = io.BytesIO()
    np.savez(buffer, checksum=np.array(hashlib.sha256(content["features"].tobytes()).hexdigest()), **content)
    write_atomic(path, buffer.getvalue())  # a reader sees the old file or the whole new one


def key_parts(model: Any, images: Any) -> dict[str, str]:
    """What the cache key of :func:`cache_path` is made of, by name."""
    info = backbone_info(model)
    return {"model": info.constructor, "weights": _fingerprint(model), "input": str(model.input_shape),
            "preprocessing": info.module, "output": str(model.output_shape), "images": _images_key(_source(images))}


def cache_path(model: Any, images: Any, cache_dir: str) -> str:
    """Where :func:`extract_features` keeps the features of ``images``: a key of the model,
    its weights, input size, preprocessing, pooling and the images themselves."""
    parts = key_parts(model, images)
    key = hashlib.sha256("|".join(parts.values()).encode()).hexdigest()[:24]
    return os.path.join(os.fspath(cache_dir), f"{parts['model'].lower()}-{key}.npz")


def extract_features(model: Any, images: Any, cache_dir: Optional[str] = None, batch_size: int = 32,
                     progress: bool = True) -> Any:
    """Features of ``images`` from a :func:`backbone`, computed once and optionally cached.

    ``images``: an (N, H, W, 3) array of raw pixels (0..255; the caller's array is never
    modified), a ``tf.data.Dataset`` of images or (images, labels) batches, or an image
    folder (one sub-folder per class). ``preprocess_input`` is applied exactly once here.
    Returns the features, or ``(features, labels)`` when the input carries labels. With
    ``cache_dir`` the result is stored under a key of model, weights, input size,
    preprocessing, pooling and the images, and read back on the next call.
    """
    from tqdm.auto import tqdm

    info = backbone_info(model)
    batch_size = positive_int(batch_size, "batch_size")
    source = _source(images)
    size = tuple(model.input_shape[1:3])
    path = None
    if cache_dir is not None:
        path = cache_path(model, source, cache_dir)
        cached = load_cache(path)
        if cached is not None:
            return (cached["features"], cached["labels"]) if "labels" in cached else cached["features"]
    preprocess = preprocess_function(info)
    total = len(source) if isinstance(source, np.ndarray) else None
    features, labels = [], []
    with tqdm(total=total, desc=f"features ({info.constructor})", unit="img", disable=not progress) as bar:
        for x, y in _batches(source, batch_size, size):
            batch = preprocess(np.array(x, dtype=np.float32, copy=True))  # a copy: never the caller's
            features.append(np.asarray(model.predict_on_batch(batch)))
            if y is not None:
                labels.append(y)
            bar.update(len(x))
    feats = np.concatenate(features).astype(np.float32)
    content = {"features": feats}
    if labels:
        content["labels"] = np.concatenate(labels)
    if path is not None:
        save_cache(path, content)
    return (feats, content["labels"]) if labels else feats
