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

from typing import Any

try:
    import keras
except ModuleNotFoundError as _err:  # Keras is the [keras] extra
    from cnnzoo.extras import explain

    raise (explain(_err, "cnnzoo.models") or _err) from None

from cnnzoo import layers as zoo_layers
from cnnzoo import weights as zoo_weights
from cnnzoo.specs import ModelSpec, get_spec
from cnnzoo.summary import summarize

__all__ = ["build", "get_model", "load_weights", "lenet5", "alexnet", "vgg11", "vgg13", "vgg16", "vgg19"]


def _make_layer(layer: dict[str, Any]) -> keras.layers.Layer:
    cls_name, config = layer["class_name"], dict(layer["config"])
    cls = zoo_layers.CUSTOM_OBJECTS.get(cls_name) or getattr(keras.layers, cls_name)
    if "activation" in config:  # one resolver for Keras' names and LeCun's tanh, every class alike
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


def get_model(name: str, *, weights: Any = None, **options: Any) -> keras.Model:
    """Build the registered model ``name`` (see :func:`cnnzoo.list_models`): the spec made
    with ``options``, then ``weights`` (None, ``"imagenet"`` where keras.applications has
    them, or a ``.weights.h5`` / ``.keras`` file).

    >>> get_model("VGG-11", input_shape=(32, 32, 3), num_classes=10).count_params()
    28144010
    """
    spec = get_spec(name, **options)
    model = build(spec)
    return model if weights is None else load_weights(model, weights, spec)


def load_weights(model: keras.Model, weights: Any, spec: ModelSpec) -> keras.Model:
    """Put ``weights`` into a zoo model: ``"imagenet"`` where keras.applications has them
    (plain VGG-16 and VGG-19), or a file (see :mod:`cnnzoo.weights`)."""
    source = zoo_weights.check(weights)
    if source != "imagenet":
        return zoo_weights.load_file(model, source)
    reference = getattr(keras.applications, spec.name.upper(), None)
    if reference is None or spec.options.get("batch_norm"):
        raise ValueError(f"keras.applications has ImageNet weights for plain VGG16 and VGG19 only; "
                         f"got {spec.name}{' with batch_norm' if spec.options.get('batch_norm') else ''}")
    if spec.options.get("include_top") and spec.options.get("num_classes") != 1000:
        raise ValueError(f"ImageNet weights with the top need num_classes=1000; got {spec.options['num_classes']}")
    with zoo_weights.fail_fast_downloads(spec.name.upper()):
        source_model = reference(weights="imagenet", include_top=spec.options["include_top"],
                                 input_shape=spec.input_shape)
    zoo_weights.copy_by_name(source_model, model)
    return model


def lenet5(input_shape: tuple[int, int, int] = (32, 32, 1), num_classes: int = 10,
           variant: str = "lecture") -> keras.Model:
    """LeNet-5: ``"lecture"`` (61,706 parameters) or ``"paper"`` (LeCun et al. 1998:
    60,000 trainable + 840 fixed RBF prototypes; its output is distances, lower is closer).
    """
    return get_model("lenet5", input_shape=input_shape, num_classes=num_classes, variant=variant)


def alexnet(input_shape: tuple[int, int, int] = (227, 227, 3), num_classes: int = 1000,
            variant: str = "single") -> keras.Model:
    """AlexNet: ``"single"`` stream (62,378,344) or the ``"paper"``'s two towers (60,965,224)."""
    return get_model("alexnet", input_shape=input_shape, num_classes=num_classes, variant=variant)


def vgg11(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
          include_top: bool = True, weights: Any = None, batch_norm: bool = False) -> keras.Model:
    """VGG-11 (configuration A): 132,863,336 parameters with the top."""
    return get_model("vgg11", input_shape=input_shape, num_classes=num_classes, include_top=include_top,
                     weights=weights, batch_norm=batch_norm)


def vgg13(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
          include_top: bool = True, weights: Any = None, batch_norm: bool = False) -> keras.Model:
    """VGG-13 (configuration B): 133,047,848 parameters with the top."""
    return get_model("vgg13", input_shape=input_shape, num_classes=num_classes, include_top=include_top,
                     weights=weights, batch_norm=batch_norm)


def vgg16(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
          include_top: bool = True, weights: Any = None, batch_norm: bool = False) -> keras.Model:
    """VGG-16 (configuration D), layer for layer ``keras.applications.VGG16``: 138,357,544.

    ``weights`` is None, ``"imagenet"`` (through keras.applications' own loader) or a
    file: a ``.weights.h5`` saved from this model or from ``keras.applications.VGG16``,
    or a ``.keras`` model whose layers carry the same names.
    """
    return get_model("vgg16", input_shape=input_shape, num_classes=num_classes, include_top=include_top,
                     weights=weights, batch_norm=batch_norm)


def vgg19(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
          include_top: bool = True, weights: Any = None, batch_norm: bool = False) -> keras.Model:
    """VGG-19 (configuration E), layer for layer ``keras.applications.VGG19``: 143,667,240."""
    return get_model("vgg19", input_shape=input_shape, num_classes=num_classes, include_top=include_top,
                     weights=weights, batch_norm=batch_norm)
