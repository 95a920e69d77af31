"""Keras functional builders made from :mod:`cnnzoo.specs` (one table, thin builders).

>>> import cnnzoo
>>> cnnzoo.lenet5().count_params()
61706
>>> cnnzoo.lenet5(input_shape=(8, 8, 1))
Traceback (most recent call last):
...
ValueError: input_shape (8, 8, 1) is too small for lenet5: layer 'conv2' (Conv2D): the filter of size 5 does not fit the padded input 2 + 2*0 = 2; the padded input must be at least as large as the filter
"""

from __future__ import annotations

import os
from typing import Any

import keras

from cnnzoo import layers as zoo_layers
from cnnzoo.specs import ModelSpec, get_spec, list_models
from cnnzoo.summary import summarize

__all__ = ["build", "get_model", "lenet5", "alexnet", "vgg11", "vgg13", "vgg16", "vgg19"]


def _make_layer(layer: dict[str, Any]) -> keras.layers.Layer:
    cls_name, config = layer["class_name"], dict(layer["config"])
    cls = zoo_layers.CUSTOM_OBJECTS.get(cls_name) or getattr(keras.layers, cls_name)
    if "activation" in config and cls_name not in ("Subsampling", "LeNetC3"):
        config["activation"] = zoo_layers.get_activation(config["activation"])
    return cls(**config)


def build(spec: ModelSpec) -> keras.Model:
    """Turn a spec into a functional ``keras.Model`` (the spec is checked first, no TF needed)."""
    try:
        summarize(spec)
    except ValueError as err:
        raise ValueError(f"input_shape {spec.input_shape} is too small for {spec.name}: {err}") from None
    inputs = keras.Input(shape=spec.input_shape, name=spec.layers[0]["config"]["name"])
    x = inputs
    for layer in spec.layers[1:]:
        x = _make_layer(layer)(x)
    name = spec.name + (f"_{spec.variant}" if spec.variant else "")
    return keras.Model(inputs, x, name=name)


def get_model(name: str, **kwargs: Any) -> keras.Model:
    """Build the registered model ``name`` (see :func:`cnnzoo.list_models`) with ``kwargs``."""
    builders = {"lenet5": lenet5, "alexnet": alexnet, "vgg11": vgg11, "vgg13": vgg13,
                "vgg16": vgg16, "vgg19": vgg19}
    key = name.lower().replace("-", "").replace("_", "")
    if key not in builders:
        raise ValueError(f"unknown model {name!r}; registered models: {', '.join(list_models())}")
    return builders[key](**kwargs)


def lenet5(input_shape: tuple[int, int, int] = (32, 32, 1), num_classes: int = 10,
           variant: str = "lecture") -> keras.Model:
    """LeNet-5: ``"lecture"`` (61,706 parameters) or ``"paper"`` (LeCun et al. 1998:
    60,000 trainable + 840 fixed RBF prototypes; its output is distances, lower is closer).
    """
    return build(get_spec("lenet5", input_shape=input_shape, num_classes=num_classes,
                          variant=variant))


def alexnet(input_shape: tuple[int, int, int] = (227, 227, 3), num_classes: int = 1000,
            variant: str = "single") -> keras.Model:
    """AlexNet: ``"single"`` stream (62,378,344) or the ``"paper"``'s two towers (60,965,224)."""
    return build(get_spec("alexnet", input_shape=input_shape, num_classes=num_classes,
                          variant=variant))


def _vgg(depth: int, input_shape: tuple[int, int, int], num_classes: int, include_top: bool,
         weights: str | os.PathLike | None, batch_norm: bool) -> keras.Model:
    model = build(get_spec(f"vgg{depth}", input_shape=input_shape, num_classes=num_classes,
                           include_top=include_top, batch_norm=batch_norm))
    if weights is None:
        return model
    if weights == "imagenet":
        reference = getattr(keras.applications, f"VGG{depth}", None)
        if reference is None or batch_norm:
            raise ValueError(f"keras.applications has ImageNet weights for plain VGG16 and VGG19 "
                             f"only; got vgg{depth}{' with batch_norm' if batch_norm else ''}")
        if include_top and num_classes != 1000:
            raise ValueError(f"ImageNet weights with the top need num_classes=1000; got {num_classes}")
        source = reference(weights="imagenet", include_top=include_top, input_shape=input_shape)
        _copy_weights(source, model)
        return model
    path = os.fspath(weights)
    if not os.path.exists(path):
        raise ValueError(f"weights must be None, 'imagenet' or an existing file; got {path!r}")
    if path.endswith(".keras"):
        _copy_weights(keras.models.load_model(path, custom_objects=zoo_layers.CUSTOM_OBJECTS), model)
    else:
        model.load_weights(path)
    return model


def _copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Copy weights layer by layer, by name; every weighted target layer must be found."""
    for layer in target.layers:
        if not layer.weights:
            continue
        try:
            src = source.get_layer(layer.name)
        except ValueError:
            raise ValueError(f"the weights have no layer named {layer.name!r}") from None
        layer.set_weights(src.get_weights())


def vgg11(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
          include_top: bool = True, weights: Any = None, batch_norm: bool = False) -> keras.Model:
    """VGG-11 (configuration A): 132,863,336 parameters with the top."""
    return _vgg(11, input_shape, num_classes, include_top, weights, batch_norm)


def vgg13(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
          include_top: bool = True, weights: Any = None, batch_norm: bool = False) -> keras.Model:
    """VGG-13 (configuration B): 133,047,848 parameters with the top."""
    return _vgg(13, input_shape, num_classes, include_top, weights, batch_norm)


def vgg16(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
          include_top: bool = True, weights: Any = None, batch_norm: bool = False) -> keras.Model:
    """VGG-16 (configuration D), layer for layer ``keras.applications.VGG16``: 138,357,544.

    ``weights`` is None, ``"imagenet"`` (through keras.applications' own loader) or a
    file: a ``.weights.h5`` saved from this model or from ``keras.applications.VGG16``,
    or a ``.keras`` model whose layers carry the same names.
    """
    return _vgg(16, input_shape, num_classes, include_top, weights, batch_norm)


def vgg19(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
          include_top: bool = True, weights: Any = None, batch_norm: bool = False) -> keras.Model:
    """VGG-19 (configuration E), layer for layer ``keras.applications.VGG19``: 143,667,240."""
    return _vgg(19, input_shape, num_classes, include_top, weights, batch_norm)
