"""keras.applications' own layers and the paper layers of LeNet-5 and AlexNet.

The paper layers' rules live here, Keras-free: :func:`subsampling_shape`,
:func:`lenet_c3_shape` and :func:`rbf_shape` are what :mod:`cnnzoo.layers`'
``compute_output_shape`` calls too (as Keras' ``base_conv`` calls
``compute_conv_output_shape``), so a count and a layer can never disagree.
"""

from __future__ import annotations

from typing import Any

from cnnzoo.count.config import get_field, is_int, read_int
from cnnzoo.count.layer import LayerCount, Shape, broadcast, fmt, handles, need, one, prod
from cnnzoo.count.shapes import pool_dims
from cnnzoo.count.weighted import conv

# --------------------------------------------- keras.applications' and cnnzoo's own layers


@handles("LayerScale")
def _layer_scale(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    n = read_int(cfg, "projection_dim")
    return LayerCount(one(shapes), n, 0, 0, f"one scale per channel: {n} = {fmt(n)}", "same shape")


@handles("CustomScaleLayer")
def _custom_scale(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return LayerCount(broadcast(shapes), shape_explain="x + scale*r")


def subsampling_shape(shape: Shape, pool_size: int) -> Shape:
    """S2/S4: ``(h, w, c)`` to ``(h // p, w // p, c)``; unknown sizes stay unknown.

    >>> subsampling_shape((28, 28, 6), 2)
    (14, 14, 6)
    """
    h, w, c = shape
    return (None if h is None else h // pool_size, None if w is None else w // pool_size, c)


def lenet_c3_shape(shape: Shape, kernel_size: int, filters: int) -> Shape:
    """C3: a valid ``kernel_size`` convolution into ``filters`` maps.

    >>> lenet_c3_shape((14, 14, 6), 5, 16)
    (10, 10, 16)
    """
    h, w, _ = shape
    k = kernel_size
    return (None if h is None else h - k + 1, None if w is None else w - k + 1, filters)


def rbf_shape(shape: Shape, units: int) -> Shape:
    """The RBF output: one distance per class, whatever the input length."""
    return (units,)


@handles("Subsampling")
def _subsampling(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, 3, "Subsampling")
    p = read_int(cfg, "pool_size", 2)
    explained = pool_dims({"pool_size": p}, [shape])  # validates, and says why
    c = need(shape[-1], "number of channels")
    return LayerCount(subsampling_shape(shape, p), 2 * c, 0, (prod(shape) or 0),
                      f"a coefficient and a bias per map: 2*{c} = {fmt(2 * c)}", explained.shape_explain)


@handles("LeNetC3")
def _lenet_c3(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, 3, "LeNetC3")
    k = read_int(cfg, "kernel_size", 5)
    table = get_field(cfg, "table")
    if not isinstance(table, (list, tuple)) or not table or not all(
            isinstance(t, (list, tuple)) and t and all(is_int(i) for i in t) for t in table):
        raise ValueError(f"'table' must be a list of lists of input map numbers; got {table!r}")
    table = [list(t) for t in table]
    counted = conv({"kernel_size": k, "filters": len(table)}, [shape])  # validates, and says why
    groups: dict[int, int] = {}
    for inputs in table:
        groups[len(inputs)] = groups.get(len(inputs), 0) + 1
    value = sum(len(t) * k * k + 1 for t in table)
    terms = " + ".join(f"{m}*({k}*{k}*{size} + 1)" for size, m in groups.items())
    macs = (prod(counted.output[:-1]) or 0) * k * k * sum(len(t) for t in table)  # type: ignore[index]
    return LayerCount(lenet_c3_shape(shape, k, len(table)), value, 0, macs,
                      f"connection table, one bias per map: {terms} = {fmt(value)}",
                      counted.shape_explain)


@handles("EuclideanRBF")
def _rbf(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, 1, "EuclideanRBF")
    n_in, units = need(shape[0], "input size"), read_int(cfg, "units")
    value = n_in * units
    return LayerCount(rbf_shape(shape, units), 0, value, value,
                      f"fixed prototypes (not trained) {n_in}*{units} = {fmt(value)}",
                      f"one distance per class: {units}")


