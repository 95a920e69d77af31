"""Building blocks of a spec: Keras layer configs written the way Keras writes them."""

from __future__ import annotations

from typing import Any

from cnnzoo.checks import positive_int
from cnnzoo.specs.registry import Layer


def layer(class_name: str, name: str, **config: Any) -> Layer:
    return {"class_name": class_name, "config": {"name": name, **config}}


def input(shape: Any, channels: int | None = None) -> Layer:
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels); got {shape!r}")
    for v in shape:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"input_shape must hold positive integers; got {tuple(shape)!r}")
    if channels is not None and shape[2] != channels:
        raise ValueError(f"input_shape must have {channels} channels; got {tuple(shape)!r}")
    return layer("InputLayer", "input_layer", batch_shape=[None, *shape])


def conv(name: str, filters: int, kernel: int, stride: int = 1, padding: str = "valid",
          activation: str | None = "relu", groups: int = 1) -> Layer:
    return layer("Conv2D", name, filters=filters, kernel_size=[kernel, kernel],
                  strides=[stride, stride], padding=padding, activation=activation,
                  groups=groups, use_bias=True)


def pool(name: str, size: int, stride: int | None = None, kind: str = "MaxPooling2D") -> Layer:
    stride = size if stride is None else stride
    return layer(kind, name, pool_size=[size, size], strides=[stride, stride], padding="valid")


def dense(name: str, units: int, activation: str | None = "relu") -> Layer:
    return layer("Dense", name, units=units, activation=activation, use_bias=True)


def classes(num_classes: Any) -> int:
    return positive_int(num_classes, "num_classes")


def variant(variant: str, allowed: tuple[str, ...]) -> str:
    if variant not in allowed:
        raise ValueError(f"variant must be one of {allowed}; got {variant!r}")
    return variant
