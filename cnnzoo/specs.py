"""The zoo's architectures as data: one table per family, one registry.

A spec is a list of Keras-style layer configs (``class_name`` + ``config``), so the
same counting engine reads a spec, a live ``keras.Model`` and a saved ``.keras`` file,
and the Keras builders in :mod:`cnnzoo.models` turn a spec into a model without
repeating it. Nothing here imports TensorFlow.

>>> list_models()
['alexnet', 'lenet5', 'vgg11', 'vgg13', 'vgg16', 'vgg19']
>>> spec = get_spec("vgg16", include_top=False)
>>> spec.layers[1]["config"]["name"]
'block1_conv1'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ModelSpec", "list_models", "get_spec", "register_model", "canonical_name", "is_registered",
           "C3_TABLE", "VGG_CFGS"]

Layer = dict[str, Any]


@dataclass
class ModelSpec:
    """A sequential architecture: an input layer then layer configs in order.

    ``variant`` and ``options`` record the arguments the spec was made with.
    """

    name: str
    layers: list[Layer]
    variant: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.layers[0]["config"]["batch_shape"][1:])

    def receptive_layers(self) -> list[tuple[int, int, int]]:
        """``(filter, stride, dilation)`` of each spatial layer, for the receptive field."""
        out = []
        for layer in self.layers:
            cfg = layer["config"]
            size = cfg.get("kernel_size", cfg.get("pool_size"))
            if size is None:
                continue
            stride = cfg.get("strides") or size
            out.append((_first(size), _first(stride), _first(cfg.get("dilation_rate", 1))))
        return out

    def to_config(self) -> dict[str, Any]:
        """The spec as a Keras ``Sequential`` config (what ``model.get_config()`` returns)."""
        return {"name": self.name, "layers": [dict(layer) for layer in self.layers]}


def _first(value: Any) -> int:
    """The height entry of an int-or-pair layer argument."""
    return value[0] if isinstance(value, (list, tuple)) else value


_REGISTRY: dict[str, Callable[..., ModelSpec]] = {}


def canonical_name(name: Any) -> str:
    """The registry's key for a model name: lower case, without ``-`` and ``_``.

    >>> canonical_name("VGG-16"), canonical_name("lenet_5")
    ('vgg16', 'lenet5')
    """
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string; got {type(name).__name__}")
    return name.lower().replace("-", "").replace("_", "")


def is_registered(name: Any) -> bool:
    """Whether ``name`` (any spelling :func:`canonical_name` accepts) names a registered model."""
    return isinstance(name, str) and canonical_name(name) in _REGISTRY


def register_model(name: str) -> Callable[[Callable[..., ModelSpec]], Callable[..., ModelSpec]]:
    """Add a spec function to the registry under ``name``; a second registration raises."""
    name = canonical_name(name)

    def add(fn: Callable[..., ModelSpec]) -> Callable[..., ModelSpec]:
        if name in _REGISTRY:
            raise ValueError(f"a model named {name!r} is already registered")
        _REGISTRY[name] = fn
        return fn

    return add


def list_models() -> list[str]:
    """Names of the registered architectures, sorted."""
    return sorted(_REGISTRY)


def get_spec(name: str, **kwargs: Any) -> ModelSpec:
    """The spec registered under ``name``, made with ``kwargs`` (variant, input_shape, ...)."""
    key = canonical_name(name)
    if key not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; registered models: {', '.join(list_models())}")
    return _REGISTRY[key](**kwargs)


# ------------------------------------------------------------------------ building blocks


def _layer(class_name: str, name: str, **config: Any) -> Layer:
    return {"class_name": class_name, "config": {"name": name, **config}}


def _input(shape: Any, channels: int | None = None) -> Layer:
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels); got {shape!r}")
    for v in shape:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"input_shape must hold positive integers; got {tuple(shape)!r}")
    if channels is not None and shape[2] != channels:
        raise ValueError(f"input_shape must have {channels} channels; got {tuple(shape)!r}")
    return _layer("InputLayer", "input_layer", batch_shape=[None, *shape])


def _conv(name: str, filters: int, kernel: int, stride: int = 1, padding: str = "valid",
          activation: str | None = "relu", groups: int = 1) -> Layer:
    return _layer("Conv2D", name, filters=filters, kernel_size=[kernel, kernel],
                  strides=[stride, stride], padding=padding, activation=activation,
                  groups=groups, use_bias=True)


def _pool(name: str, size: int, stride: int | None = None, kind: str = "MaxPooling2D") -> Layer:
    stride = size if stride is None else stride
    return _layer(kind, name, pool_size=[size, size], strides=[stride, stride], padding="valid")


def _dense(name: str, units: int, activation: str | None = "relu") -> Layer:
    return _layer("Dense", name, units=units, activation=activation, use_bias=True)


def _classes(num_classes: Any) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer; got {num_classes!r}")
    return num_classes


def _variant(variant: str, allowed: tuple[str, ...]) -> str:
    if variant not in allowed:
        raise ValueError(f"variant must be one of {allowed}; got {variant!r}")
    return variant


# ---------------------------------------------------------------------------- LeNet-5

#: LeCun et al. (1998), Table I: the S2 maps (rows) feeding each C3 map (columns).
C3_TABLE: tuple[tuple[int, ...], ...] = (
    *((j % 6, (j + 1) % 6, (j + 2) % 6) for j in range(6)),
    *((j % 6, (j + 1) % 6, (j + 2) % 6, (j + 3) % 6) for j in range(6)),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


@register_model("lenet5")
def lenet5_spec(input_shape: tuple[int, int, int] = (32, 32, 1), num_classes: int = 10,
                variant: str = "lecture") -> ModelSpec:
    """LeNet-5. ``"lecture"``: the lecture's network (61,706 parameters for 10 classes).
    ``"paper"``: LeCun et al. 1998: trainable subsampling, the C3 connection table, F6 of
    84 units and a fixed Euclidean RBF output (60,000 trainable, 60,840 in all).
    """
    variant, n = _variant(variant, ("lecture", "paper")), _classes(num_classes)
    first = _input(input_shape)
    if variant == "lecture":
        layers = [
            first,
            _conv("conv1", 6, 5, activation="relu"),
            _pool("pool1", 2),
            _conv("conv2", 16, 5, activation="relu"),
            _pool("pool2", 2),
            _layer("Flatten", "flatten"),
            _dense("fc1", 120),
            _dense("fc2", 84),
            _dense("fc3", n, activation="softmax"),
        ]
    else:
        layers = [
            first,
            _conv("C1", 6, 5, activation="lecun_tanh"),
            _layer("Subsampling", "S2", pool_size=2, activation="lecun_tanh"),
            _layer("LeNetC3", "C3", filters=16, kernel_size=5,
                   table=[list(t) for t in C3_TABLE], activation="lecun_tanh"),
            _layer("Subsampling", "S4", pool_size=2, activation="lecun_tanh"),
            _conv("C5", 120, 5, activation="lecun_tanh"),
            _layer("Flatten", "flatten"),
            _dense("F6", 84, activation="lecun_tanh"),
            _layer("EuclideanRBF", "output", units=n, trainable=False),
        ]
    return ModelSpec("lenet5", layers, variant, {"input_shape": tuple(input_shape),
                                                 "num_classes": n})


# ---------------------------------------------------------------------------- AlexNet


@register_model("alexnet")
def alexnet_spec(input_shape: tuple[int, int, int] = (227, 227, 3), num_classes: int = 1000,
                 variant: str = "single") -> ModelSpec:
    """AlexNet (Krizhevsky et al. 2012) with local response normalization and dropout.
    ``"single"``: one stream (62,378,344 parameters). ``"paper"``: the two-GPU towers, so
    conv2, conv4 and conv5 see half the channels (``groups=2``): 60,965,224.
    """
    variant, n = _variant(variant, ("single", "paper")), _classes(num_classes)
    g = 2 if variant == "paper" else 1
    lrn = {"depth_radius": 2, "bias": 2.0, "alpha": 1e-4, "beta": 0.75}
    layers = [
        _input(input_shape),
        _conv("conv1", 96, 11, stride=4),
        _layer("LocalResponseNormalization", "lrn1", **lrn),
        _pool("pool1", 3, 2),
        _conv("conv2", 256, 5, padding="same", groups=g),
        _layer("LocalResponseNormalization", "lrn2", **lrn),
        _pool("pool2", 3, 2),
        _conv("conv3", 384, 3, padding="same"),
        _conv("conv4", 384, 3, padding="same", groups=g),
        _conv("conv5", 256, 3, padding="same", groups=g),
        _pool("pool5", 3, 2),
        _layer("Flatten", "flatten"),
        _dense("fc6", 4096),
        _layer("Dropout", "drop6", rate=0.5),
        _dense("fc7", 4096),
        _layer("Dropout", "drop7", rate=0.5),
        _dense("fc8", n, activation="softmax"),
    ]
    return ModelSpec("alexnet", layers, variant, {"input_shape": tuple(input_shape),
                                                  "num_classes": n})


# -------------------------------------------------------------------------------- VGG

#: Filters per 3x3 convolution, ``"M"`` for a 2x2 max pool (Simonyan & Zisserman, Table 1).
VGG_CFGS: dict[int, list[int | str]] = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
         512, 512, 512, 512, "M"],
}


def vgg_spec(depth: int, input_shape: tuple[int, int, int] = (224, 224, 3),
             num_classes: int = 1000, include_top: bool = True,
             batch_norm: bool = False) -> ModelSpec:
    """VGG-``depth`` with the layer names of ``keras.applications`` (``block1_conv1``,
    ``block1_pool``, ``fc1``, ``fc2``, ``predictions``), so weights load by name.
    ``batch_norm`` puts a BatchNormalization between each convolution and its ReLU.
    """
    if depth not in VGG_CFGS:
        raise ValueError(f"VGG depth must be one of {sorted(VGG_CFGS)}; got {depth!r}")
    n = _classes(num_classes)
    layers, block, conv = [_input(input_shape)], 1, 1
    for item in VGG_CFGS[depth]:
        if item == "M":
            layers.append(_pool(f"block{block}_pool", 2))
            block, conv = block + 1, 1
            continue
        name = f"block{block}_conv{conv}"
        if batch_norm:
            layers += [_conv(name, int(item), 3, padding="same", activation=None),
                       _layer("BatchNormalization", f"block{block}_bn{conv}"),
                       _layer("Activation", f"block{block}_relu{conv}", activation="relu")]
        else:
            layers.append(_conv(name, int(item), 3, padding="same"))
        conv += 1
    if include_top:
        layers += [_layer("Flatten", "flatten"), _dense("fc1", 4096), _dense("fc2", 4096),
                   _dense("predictions", n, activation="softmax")]
    opts = {"input_shape": tuple(input_shape), "num_classes": n, "include_top": include_top,
            "batch_norm": batch_norm}
    return ModelSpec(f"vgg{depth}", layers, "bn" if batch_norm else "", opts)


@register_model("vgg11")
def vgg11_spec(**options: Any) -> ModelSpec:
    """VGG-11, configuration A of Simonyan and Zisserman (2015)."""
    return vgg_spec(11, **options)


@register_model("vgg13")
def vgg13_spec(**options: Any) -> ModelSpec:
    """VGG-13, configuration B."""
    return vgg_spec(13, **options)


@register_model("vgg16")
def vgg16_spec(**options: Any) -> ModelSpec:
    """VGG-16, configuration D (``keras.applications.VGG16``)."""
    return vgg_spec(16, **options)


@register_model("vgg19")
def vgg19_spec(**options: Any) -> ModelSpec:
    """VGG-19, configuration E (``keras.applications.VGG19``)."""
    return vgg_spec(19, **options)
