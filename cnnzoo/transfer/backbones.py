"""Every ``keras.applications`` model as a frozen feature extractor: one registry
(:data:`BACKBONES`: constructor, preprocessing module, default size), :func:`backbone`,
and the :class:`Preprocess` layer that puts ``preprocess_input`` inside a saved model.

A backbone is named ``<constructor>_backbone`` (e.g. ``MobileNetV2_backbone``); its name is
in every saved config, so :func:`backbone_info` finds its registry entry after a save and
load, inside a full model too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

try:
    import keras
except ModuleNotFoundError as _err:  # Keras is the [keras] extra
    from cnnzoo.extras import explain

    raise (explain(_err, "cnnzoo.transfer") or _err) from None
import numpy as np

from cnnzoo import weights as zoo_weights
from cnnzoo.specs import canonical_name

__all__ = ["BACKBONES", "BackboneInfo", "backbone", "backbone_info", "Preprocess", "estimate_batch_norm"]

_SUFFIX = "_backbone"


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


def _lookup(name: str) -> BackboneInfo:
    key = canonical_name(name)
    for info in BACKBONES.values():
        if canonical_name(info.constructor) == key:
            return info
    raise ValueError(f"unknown backbone {name!r}; keras.applications has: {', '.join(sorted(BACKBONES))}")


def backbone_info(model: Any) -> BackboneInfo:
    """The registry entry of a :func:`backbone`, or of the backbone inside a full model."""
    candidates = [model] + [layer for layer in getattr(model, "layers", []) if isinstance(layer, keras.Model)]
    for candidate in candidates:
        if candidate.name.endswith(_SUFFIX):
            return _lookup(candidate.name[: -len(_SUFFIX)])
    raise ValueError(f"{getattr(model, 'name', model)!r} is not a model made by cnnzoo.transfer.backbone(...)")


@keras.saving.register_keras_serializable(package="cnnzoo")
class Preprocess(keras.layers.Layer):
    """A backbone's ``preprocess_input`` as a layer, so a full model takes raw pixels."""

    def __init__(self, module: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.module = module

    def call(self, x: Any) -> Any:
        return getattr(keras.applications, self.module).preprocess_input(x)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "module": self.module}


def preprocess_function(info: BackboneInfo) -> Any:
    """The ``preprocess_input`` of a backbone's family."""
    return getattr(keras.applications, info.module).preprocess_input


def backbone(name: str, weights: Any = "imagenet", input_shape: Optional[tuple[int, int, int]] = None,
             pooling: Optional[str] = "avg", trainable: bool = False) -> Any:
    """A ``keras.applications`` feature extractor without its classifier, frozen by default.

    ``weights``: ``"imagenet"`` (from the Keras cache or downloaded), ``None``, or a local
    file (see :mod:`cnnzoo.weights`). ``input_shape`` defaults to the model's own size.
    """
    info = _lookup(name)
    shape = tuple(input_shape) if input_shape is not None else (info.size, info.size, 3)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"pooling must be None, 'avg' or 'max'; got {pooling!r}")
    constructor = getattr(keras.applications, info.constructor)
    source = zoo_weights.check(weights)
    options = dict(include_top=False, input_shape=shape, pooling=pooling, name=info.constructor + _SUFFIX)
    if source == "imagenet":
        with zoo_weights.fail_fast_downloads(info.constructor):
            model = constructor(weights="imagenet", **options)
    else:
        model = constructor(weights=None, **options)
        if source is not None:
            zoo_weights.load_file(model, source)
    model.trainable = trainable
    return model


def estimate_batch_norm(model: Any, images: np.ndarray) -> None:
    """Set every BatchNormalization's moving statistics to those of ``images`` (one forward
    pass in training mode with momentum 0). Random weights with the initial statistics
    (mean 0, variance 1) give constant features; estimated ones give informative ones."""
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved, trainable = [layer.momentum for layer in norms], model.trainable
    model.trainable = True  # a frozen BatchNormalization ignores training=True
    for layer in norms:
        layer.momentum = 0.0
    try:
        model(preprocess_function(backbone_info(model))(np.array(images, np.float32)), training=True)
    finally:
        for layer, momentum in zip(norms, saved):
            layer.momentum = momentum
        model.trainable = trainable
