"""Classifiers on stored features, one model from pixels to classes, fine-tuning, training.

:func:`train_head` returns a Keras head; :func:`logistic_baseline` scikit-learn's logistic
regression on the same features; :func:`attach_head` joins preprocessing, backbone and
head; :func:`fine_tune` unfreezes from a layer while BatchNormalization stays frozen.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from cnnzoo.transfer.backbones import Preprocess, backbone_info
from cnnzoo.transfer.devices import even_batches

__all__ = ["train_head", "logistic_baseline", "attach_head", "fine_tune"]


def _pairs(features: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(features, np.float32), np.asarray(labels)
    if len(x) != len(y):
        raise ValueError(f"features and labels differ in length: {len(x)} and {len(y)}")
    return x, y


def logistic_baseline(features: Any, labels: Any, seed: int = 0) -> Any:
    """scikit-learn's logistic regression on the flattened features: the baseline a head must beat."""
    from sklearn.linear_model import LogisticRegression

    x, y = _pairs(features, labels)
    return LogisticRegression(max_iter=2000, random_state=seed).fit(x.reshape(len(x), -1), y)


def train_head(features: Any, labels: Any, num_classes: Optional[int] = None, kind: str = "dense",
               hidden: int = 0, dropout: float = 0.2, epochs: int = 30, batch_size: int = 32,
               learning_rate: float = 1e-3, seed: int = 0, validation: Any = None) -> Any:
    """A Keras dense head trained on stored features (its output kept float32 under mixed
    precision). ``kind="logistic"`` is deprecated: use :func:`logistic_baseline`."""
    if kind == "logistic":
        warnings.warn("train_head(kind='logistic') is deprecated; use transfer.logistic_baseline",
                      DeprecationWarning, stacklevel=2)
        return logistic_baseline(features, labels, seed)
    if kind != "dense":
        raise ValueError(f"kind must be 'dense'; got {kind!r}")
    x, y = _pairs(features, labels)
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
    head.fit(*even_batches(x, y, batch_size), epochs=epochs, batch_size=batch_size, verbose=0,
             validation_data=validation)
    return head


def attach_head(model: Any, head: Any) -> Any:
    """One model from raw pixels to classes: preprocessing, the backbone, the head. On the
    same images its output equals ``head(extract_features(model, images))``."""
    import keras

    info = backbone_info(model)
    inputs = keras.Input(model.input_shape[1:], name="pixels")
    x = Preprocess(info.module, name="preprocess")(inputs)
    outputs = head(model(x, training=False))
    return keras.Model(inputs, outputs, name=f"{model.name}_with_head")


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
        model.fit(*even_batches(x, y, batch_size), epochs=epochs, batch_size=batch_size, verbose=0)
    return model

