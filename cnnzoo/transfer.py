"""Transfer learning on ``keras.applications``: backbones, device, stored activations,
heads, fine-tuning and several GPUs, done the right way by default.

- :func:`backbone` builds any application (one registry holds its ``preprocess_input``
  and default size), frozen, with ImageNet weights, none, or a local file. Offline, a
  missing ImageNet file fails within seconds, saying which file and where it was looked for.
- :func:`extract_features` applies ``preprocess_input`` exactly once (on a copy) and
  caches features on disk, keyed by everything that changes them; writes are atomic.
- :func:`train_head`, :func:`attach_head`, :func:`fine_tune` (BatchNormalization stays in
  inference mode), :func:`strategy` (MirroredStrategy over the GPUs), :func:`device`.

Past one machine: set ``TF_CONFIG`` on every worker, e.g.
``{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}``;
:func:`strategy` then gives a ``MultiWorkerMirroredStrategy``, :func:`cnnzoo.distributed.fit`
trains under it (checkpointed, resumable) and :func:`cnnzoo.distributed.extract_features`
splits the activation cache between the workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import socket
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

__all__ = ["BACKBONES", "BackboneInfo", "WeightsUnavailable", "backbone", "device",
           "use_mixed_precision", "extract_features", "train_head", "attach_head", "fine_tune",
           "strategy", "weights_dir", "list_weights", "import_weights", "demo", "cache_path", "fit"]


@dataclass(frozen=True)
class BackboneInfo:
    """A keras.applications model: its constructor, its preprocessing module, its size."""

    constructor: str
    module: str
    size: int


def _table() -> dict[str, BackboneInfo]:
    rows = {
        "ConvNeXt": ("convnext", {v: 224 for v in ("Tiny", "Small", "Base", "Large", "XLarge")}),
        "DenseNet": ("densenet", {v: 224 for v in ("121", "169", "201")}),
        "EfficientNet": ("efficientnet", {"B0": 224, "B1": 240, "B2": 260, "B3": 300, "B4": 380,
                                          "B5": 456, "B6": 528, "B7": 600}),
        "EfficientNetV2": ("efficientnet_v2", {"B0": 224, "B1": 240, "B2": 260, "B3": 300,
                                               "S": 384, "M": 480, "L": 480}),
        "InceptionResNet": ("inception_resnet_v2", {"V2": 299}),
        "Inception": ("inception_v3", {"V3": 299}),
        "MobileNet": ("mobilenet", {"": 224}),
        "MobileNetV2": ("mobilenet_v2", {"": 224}),
        "MobileNetV3": ("mobilenet_v3", {"Small": 224, "Large": 224}),
        "NASNet": ("nasnet", {"Mobile": 224, "Large": 331}),
        "ResNet": ("resnet", {v: 224 for v in ("50", "101", "152")}),
        "ResNetV2": ("resnet_v2", {f"{v}V2": 224 for v in ("50", "101", "152")}),
        "VGG": ("vgg16", {"16": 224}),
        "VGG19": ("vgg19", {"": 224}),
        "Xception": ("xception", {"": 299}),
    }
    out = {}
    for family, (module, variants) in rows.items():
        for suffix, size in variants.items():
            name = ("ResNet" + suffix) if family == "ResNetV2" else family + suffix
            out[name] = BackboneInfo(name, module, size)
    return out


#: Every keras.applications model: constructor name -> preprocessing module and default size.
BACKBONES: dict[str, BackboneInfo] = _table()


class WeightsUnavailable(FileNotFoundError):
    """Pretrained weights are neither in the Keras cache nor downloadable."""


def _info(name: str) -> BackboneInfo:
    key = name.lower().replace("_", "").replace("-", "")
    for info in BACKBONES.values():
        if info.constructor.lower() == key:
            return info
    raise ValueError(f"unknown backbone {name!r}; keras.applications has: {', '.join(sorted(BACKBONES))}")


def weights_dir() -> str:
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models`` (default ``~/.keras/models``).

    Keras fixes its home when it is imported; once it is, its own answer is used.
    """
    if "keras" in sys.modules:
        from keras.src.backend import config

        home = config.keras_home()
    else:
        home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(os.path.expanduser(home), "models")


def list_weights() -> list[tuple[str, int]]:
    """(file name, size in bytes) of the weight files in :func:`weights_dir`."""
    folder = weights_dir()
    if not os.path.isdir(folder):
        return []
    return sorted((f, os.path.getsize(os.path.join(folder, f))) for f in os.listdir(folder)
                  if f.endswith((".h5", ".keras")))


def import_weights(path: str) -> str:
    """Copy a weights file (downloaded elsewhere) into the Keras cache, atomically."""
    if not os.path.isfile(path):
        raise ValueError(f"no such weights file: {path!r}")
    folder = weights_dir()
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, os.path.basename(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".import-")
    os.close(fd)
    shutil.copyfile(path, tmp)
    os.replace(tmp, target)
    return target


@contextlib.contextmanager
def _fail_fast_downloads(name: str, timeout: float = 3.0) -> Iterator[None]:
    """While building a backbone: a cached file is used as is; a missing one is fetched only
    when its host answers within ``timeout`` s, else :class:`WeightsUnavailable`."""
    from keras.src.utils import file_utils

    original = file_utils.get_file

    def get_file(fname: Any = None, origin: Any = None, *args: Any, **kwargs: Any) -> Any:
        cache_dir = kwargs.get("cache_dir") or os.path.dirname(weights_dir())
        subdir = kwargs.get("cache_subdir", "datasets")
        fname = fname or os.path.basename(urllib.parse.urlsplit(origin).path)
        target = os.path.join(os.path.expanduser(cache_dir), subdir, fname)
        if not os.path.exists(target):
            host = urllib.parse.urlsplit(origin).hostname or ""
            try:
                socket.create_connection((host, 443), timeout=timeout).close()
            except OSError as err:
                raise WeightsUnavailable(
                    f"ImageNet weights for {name} are not cached and cannot be downloaded ({err}).\n"
                    f"  missing file: {fname}\n  looked for:   {target}\n"
                    f"  fix: copy the file there (cnnzoo weights import {fname}), set KERAS_HOME to "
                    f"a folder holding models/{fname}, or pass weights='path/to/file.weights.h5'"
                ) from None
        return original(fname, origin, *args, **kwargs)

    file_utils.get_file = get_file
    try:
        yield
    finally:
        file_utils.get_file = original


def backbone(name: str, weights: Any = "imagenet", input_shape: Optional[tuple[int, int, int]] = None,
             pooling: Optional[str] = "avg", trainable: bool = False) -> Any:
    """A ``keras.applications`` feature extractor without its classifier, frozen by default.

    ``weights``: ``"imagenet"`` (from the Keras cache or downloaded), ``None``, or a local
    file: a ``.weights.h5`` saved from the same backbone, or a ``.keras`` model whose
    layers carry the same names. ``input_shape`` defaults to the model's own size.
    """
    import keras

    info = _info(name)
    shape = tuple(input_shape) if input_shape is not None else (info.size, info.size, 3)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"pooling must be None, 'avg' or 'max'; got {pooling!r}")
    constructor = getattr(keras.applications, info.constructor)
    path = None
    if weights not in (None, "imagenet"):
        path = os.fspath(weights)
        if not os.path.isfile(path):
            raise ValueError(f"weights must be 'imagenet', None or an existing file; got {path!r}")
    if weights == "imagenet":
        with _fail_fast_downloads(info.constructor):
            model = constructor(weights="imagenet", include_top=False, input_shape=shape, pooling=pooling)
    else:
        model = constructor(weights=None, include_top=False, input_shape=shape, pooling=pooling)
    if path is not None and path.endswith(".keras"):
        source = keras.models.load_model(path, compile=False)
        for layer in model.layers:
            if layer.weights:
                layer.set_weights(source.get_layer(layer.name).get_weights())
    elif path is not None:
        model.load_weights(path)
    model.trainable = trainable
    model._cnnzoo_backbone = info  # read by extract_features and attach_head
    return model


# --------------------------------------------------------------------------- device


_GPU_SETUP: dict[str, Any] = {"done": False}


def _gpus() -> list[Any]:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not _GPU_SETUP["done"]:
        for gpu in gpus:
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except (RuntimeError, ValueError):
                pass  # TensorFlow already initialised the device: keep its setting
        _GPU_SETUP["done"] = True
    return gpus


def device() -> str:
    """What the work runs on: ``"GPU: <name>, ..."`` or ``"CPU"`` (memory growth enabled once)."""
    import tensorflow as tf

    gpus = _gpus()
    if not gpus:
        return "CPU"
    names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
    return "GPU: " + ", ".join(names)


def use_mixed_precision(enable: Optional[bool] = None) -> bool:
    """Set Keras' ``mixed_float16`` policy on GPUs that gain from it (compute capability
    7.0 or newer: tensor cores), ``float32`` otherwise; return whether it is on.
    ``enable=False`` forces float32; ``True`` asks for it (still refused on the CPU)."""
    import keras
    import tensorflow as tf

    gain = any(tf.config.experimental.get_device_details(g).get("compute_capability", (0, 0)) >= (7, 0)
               for g in _gpus())
    on = gain if enable is None else (bool(enable) and gain)
    keras.mixed_precision.set_global_policy("mixed_float16" if on else "float32")
    return on


def strategy(devices: Optional[list[str]] = None) -> Any:
    """The strategy for this machine or cluster: ``MultiWorkerMirroredStrategy`` when
    ``TF_CONFIG`` lists more than one worker, else ``MirroredStrategy`` over the visible
    GPUs (or ``devices``), else the default strategy. Call it first, before other
    TensorFlow work; train with :func:`cnnzoo.distributed.fit` (Keras' ``fit`` fails under
    the multi-worker strategy), giving it the global batch."""
    import tensorflow as tf

    from cnnzoo.distributed import worker_info

    if devices is None and worker_info()[1] > 1:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if devices is not None:
        return tf.distribute.MirroredStrategy(devices)
    gpus = _gpus()
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


# ------------------------------------------------------------------ stored activations


def _preprocess(info: BackboneInfo) -> Any:
    import keras

    return getattr(keras.applications, info.module).preprocess_input


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
    elif isinstance(source, np.ndarray):
        digest.update(str((source.shape, source.dtype.str)).encode())
        digest.update(np.ascontiguousarray(source).tobytes())
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
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, checksum=np.array(hashlib.sha256(content["features"].tobytes()).hexdigest()), **content)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".features-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buffer.getvalue())
        os.replace(tmp, path)  # a reader sees the old file or the whole new one
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def cache_path(model: Any, images: Any, cache_dir: str) -> str:
    """Where :func:`extract_features` keeps the features of ``images``: a key of the model,
    its weights, input size, preprocessing, pooling and the images themselves."""
    info = getattr(model, "_cnnzoo_backbone", None)
    if info is None:
        raise ValueError("stored activations need a model made by cnnzoo.transfer.backbone(...)")
    parts = [info.constructor, _fingerprint(model), str(model.input_shape), info.module,
             str(model.output_shape), _images_key(_source(images))]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]
    return os.path.join(os.fspath(cache_dir), f"{info.constructor.lower()}-{key}.npz")


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

    info = getattr(model, "_cnnzoo_backbone", None)
    if info is None:
        raise ValueError("extract_features needs a model made by cnnzoo.transfer.backbone(...)")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    source = _source(images)
    size = tuple(model.input_shape[1:3])
    path = None
    if cache_dir is not None:
        path = cache_path(model, source, cache_dir)
        cached = load_cache(path)
        if cached is not None:
            return (cached["features"], cached["labels"]) if "labels" in cached else cached["features"]
    preprocess = _preprocess(info)
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


# ----------------------------------------------------------------- heads, fine-tuning


def fit(model: Any, data: Any, **options: Any) -> Any:
    """:func:`cnnzoo.distributed.fit`: train under any ``tf.distribute`` strategy, checkpointed."""
    from cnnzoo.distributed import fit as _fit

    return _fit(model, data, **options)


def train_head(features: Any, labels: Any, num_classes: Optional[int] = None, kind: str = "dense",
               hidden: int = 0, dropout: float = 0.2, epochs: int = 30, batch_size: int = 32,
               learning_rate: float = 1e-3, seed: int = 0, validation: Any = None) -> Any:
    """A classifier on stored features: a Keras dense head (``kind="dense"``, output kept
    float32 under mixed precision) or scikit-learn's logistic regression (``"logistic"``,
    the baseline)."""
    x, y = np.asarray(features, np.float32), np.asarray(labels)
    if len(x) != len(y):
        raise ValueError(f"features and labels differ in length: {len(x)} and {len(y)}")
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=2000, random_state=seed).fit(x.reshape(len(x), -1), y)
    if kind != "dense":
        raise ValueError(f"kind must be 'dense' or 'logistic'; got {kind!r}")
    import keras

    keras.utils.set_random_seed(seed)
    n = int(num_classes or (int(y.max()) + 1))
    layers = [keras.Input(x.shape[1:])]
    if hidden:
        layers.append(keras.layers.Dense(hidden, activation="relu", name="head_hidden"))
    layers += [keras.layers.Dropout(dropout, name="head_dropout"),
               keras.layers.Dense(n, activation="softmax", dtype="float32", name="head_output")]
    head = keras.Sequential(layers, name="head")
    head.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    head.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, validation_data=validation)
    return head


def _preprocess_layer() -> Any:
    import keras

    @keras.saving.register_keras_serializable(package="cnnzoo")
    class Preprocess(keras.layers.Layer):
        """A backbone's ``preprocess_input`` as a layer, so the full model takes raw pixels."""

        def __init__(self, module: str, **kwargs: Any):
            super().__init__(**kwargs)
            self.module = module

        def call(self, x: Any) -> Any:
            return getattr(keras.applications, self.module).preprocess_input(x)

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "module": self.module}

    return Preprocess


def attach_head(model: Any, head: Any) -> Any:
    """One model from raw pixels to classes: preprocessing, the backbone, the head. On the
    same images its output equals ``head(extract_features(model, images))``."""
    import keras

    info = getattr(model, "_cnnzoo_backbone", None)
    if info is None:
        raise ValueError("attach_head needs a model made by cnnzoo.transfer.backbone(...)")
    inputs = keras.Input(model.input_shape[1:], name="pixels")
    x = _preprocess_layer()(info.module, name="preprocess")(inputs)
    outputs = head(model(x, training=False))
    full = keras.Model(inputs, outputs, name=f"{model.name}_with_head")
    full._cnnzoo_backbone = info
    return full


def fine_tune(model: Any, unfreeze_from: Any = None, learning_rate: float = 1e-5, data: Any = None,
              epochs: int = 1, batch_size: int = 32, loss: str = "sparse_categorical_crossentropy") -> Any:
    """Unfreeze the backbone from layer ``unfreeze_from`` (a name or an index; None: all of
    it) while every BatchNormalization layer stays frozen, so it keeps running in inference
    mode with its moving statistics; recompile with a small learning rate; fit on ``data``
    (``(x, y)``) when given. Returns the model."""
    import keras

    inner = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    base = inner[0] if inner else model
    layers = base.layers
    if unfreeze_from is None:
        start = 0
    elif isinstance(unfreeze_from, str):
        names = [layer.name for layer in layers]
        if unfreeze_from not in names:
            raise ValueError(f"unfreeze_from names no layer of {base.name!r}: {unfreeze_from!r}")
        start = names.index(unfreeze_from)
    elif isinstance(unfreeze_from, int) and not isinstance(unfreeze_from, bool):
        start = unfreeze_from % len(layers)
    else:
        raise TypeError(f"unfreeze_from must be a layer name or an index; got {unfreeze_from!r}")
    base.trainable = True
    for i, layer in enumerate(layers):
        layer.trainable = i >= start and not isinstance(layer, keras.layers.BatchNormalization)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    if data is not None:
        x, y = data
        model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


# ---------------------------------------------------------------------------- demo


def demo(out: str = "out", size: int = 96, epochs: int = 30, progress: bool = True) -> dict[str, Any]:
    """End to end on scikit-learn's digits: MobileNetV2 at ``size`` x ``size`` (ImageNet
    weights when cached or downloadable; otherwise weights saved to and loaded from a local
    file, the offline path), cached features, a dense head and the logistic baseline, and
    the t-SNE of the features. Returns the numbers and the paths written."""
    import time

    from cnnzoo.data import digits
    from cnnzoo.viz import embedding

    (x_train, y_train), (x_test, y_test) = digits(size=size)
    to_rgb = lambda x: np.repeat(np.round(x * 255.0), 3, axis=-1).astype(np.uint8)  # noqa: E731
    x_train, x_test = to_rgb(x_train), to_rgb(x_test)
    os.makedirs(out, exist_ok=True)
    try:
        model, source = backbone("MobileNetV2", "imagenet", (size, size, 3)), "ImageNet"
    except WeightsUnavailable:  # offline: random weights through the same local-file path
        path = os.path.join(out, f"mobilenetv2_{size}_random.weights.h5")
        if not os.path.exists(path):
            fresh = backbone("MobileNetV2", None, (size, size, 3))
            _estimate_batch_norm(fresh, x_train[:256])
            fresh.save_weights(path)
        model, source = backbone("MobileNetV2", path, (size, size, 3)), f"random, file {path}"
    cache = os.path.join(out, "feature_cache")
    start = time.perf_counter()
    f_train = extract_features(model, x_train, cache, progress=progress)
    f_test = extract_features(model, x_test, cache, progress=progress)
    first = time.perf_counter() - start
    start = time.perf_counter()
    extract_features(model, x_train, cache, progress=False)
    extract_features(model, x_test, cache, progress=False)
    again = time.perf_counter() - start
    head = train_head(f_train, y_train, 10, epochs=epochs)
    dense_acc = float(head.evaluate(f_test, y_test, verbose=0)[1])
    logistic_acc = float(train_head(f_train, y_train, kind="logistic").score(f_test, y_test))
    flat = lambda x: x.reshape(len(x), -1)[:, ::3] / 255.0  # noqa: E731  (one channel of the raw pixels)
    pixels_acc = float(train_head(flat(x_train), y_train, kind="logistic").score(flat(x_test), y_test))
    figure = os.path.join(out, "mobilenetv2_features_tsne.png")
    embedding({f"MobileNetV2 features ({'ImageNet' if source == 'ImageNet' else 'offline weights'})": f_test},
              y_test, methods=("tsne",), path=figure)
    return {"device": device(), "weights": source, "features": f_train.shape[1],
            "extract_seconds": first, "cached_seconds": again, "dense_accuracy": dense_acc,
            "logistic_accuracy": logistic_acc, "pixels_accuracy": pixels_acc, "figure": figure}


def _estimate_batch_norm(model: Any, images: np.ndarray) -> None:
    """Set every BatchNormalization's moving statistics to those of ``images`` (one forward
    pass in training mode with momentum 0). Random weights with the initial statistics
    (mean 0, variance 1) give constant features; estimated ones give informative ones."""
    import keras

    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved, trainable = [layer.momentum for layer in norms], model.trainable
    model.trainable = True  # a frozen BatchNormalization ignores training=True
    for layer in norms:
        layer.momentum = 0.0
    try:
        model(_preprocess(model._cnnzoo_backbone)(np.array(images, np.float32)), training=True)
    finally:
        for layer, momentum in zip(norms, saved):
            layer.momentum = momentum
        model.trainable = trainable
