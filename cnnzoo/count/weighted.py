"""Layers with weights: the convolution family, dense, embedding, normalization, PReLU."""

from __future__ import annotations

import math
from typing import Any

from cnnzoo import arithmetic as ar
from cnnzoo.count.core import (
    Dim,
    LayerCount,
    Shape,
    _fmt,
    _join_channels,
    _need,
    _one,
    _prod,
    _sizes,
    _split_channels,
    _tuple,
    handles,
)

# ------------------------------------------------------------------------ convolutions


def _padding(cfg: dict[str, Any]) -> str:
    return str(cfg.get("padding", "valid")).lower()


@handles("Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D")
def _conv(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    rank = len(shapes[0]) - 1 if shapes else 2
    shape = _one(shapes, None, "convolution")
    spatial, c_in, first = _split_channels(cfg, shape)
    k = _tuple(cfg["kernel_size"], rank)
    s = _tuple(cfg.get("strides", 1), rank)
    d = _tuple(cfg.get("dilation_rate", 1), rank)
    pad = _padding(cfg)
    if pad == "causal":  # left padding of f' - 1: out = ceil(n / s)
        pad = "same"
    out, shape_text = _sizes(ar.conv_output_size, spatial, k, p=[pad] * rank, s=s, d=d)
    filters, groups = int(cfg["filters"]), int(cfg.get("groups", 1))
    bias = bool(cfg.get("use_bias", True))
    params = ar.conv_params(k, _need(c_in, "number of input channels"), filters, bias=bias,
                            groups=groups, explain=True)
    positions = _prod(out) or 0
    macs = positions * filters * math.prod(k) * (c_in // groups)
    return LayerCount(_join_channels(out, filters, first), params.value, 0, macs,
                      params.text, shape_text)


@handles("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
          "Convolution2DTranspose", "Convolution3DTranspose")
def _conv_transpose(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    rank = len(shapes[0]) - 1
    shape = _one(shapes, None, "transposed convolution")
    spatial, c_in, first = _split_channels(cfg, shape)
    k = _tuple(cfg["kernel_size"], rank)
    s = _tuple(cfg.get("strides", 1), rank)
    d = _tuple(cfg.get("dilation_rate", 1), rank)
    op = cfg.get("output_padding")
    op = _tuple(op, rank) if op is not None else (None,) * rank
    out, shape_text = _sizes(ar.transposed_output_size, spatial, k, s=s, p=[_padding(cfg)] * rank, d=d, output_padding=op)
    filters, bias = int(cfg["filters"]), bool(cfg.get("use_bias", True))
    params = ar.conv_params(k, _need(c_in, "number of input channels"), filters, bias=bias,
                            explain=True)
    macs = (_prod(spatial) or 0) * c_in * filters * math.prod(k)
    return LayerCount(_join_channels(out, filters, first), params.value, 0, macs,
                      params.text, shape_text)


def _depthwise_part(cfg: dict[str, Any], shapes: list[Shape], what: str
                    ) -> tuple[list[Dim], bool, int, tuple[int, ...], int, str]:
    rank = len(shapes[0]) - 1
    shape = _one(shapes, None, what)
    spatial, c_in, first = _split_channels(cfg, shape)
    c_in = _need(c_in, "number of input channels")
    k = _tuple(cfg["kernel_size"], rank)
    s = _tuple(cfg.get("strides", 1), rank)
    d = _tuple(cfg.get("dilation_rate", 1), rank)
    out, shape_text = _sizes(ar.conv_output_size, spatial, k, p=[_padding(cfg)] * rank, s=s, d=d)
    dm = int(cfg.get("depth_multiplier", 1))
    return out, first, c_in, k, dm, shape_text


@handles("DepthwiseConv1D", "DepthwiseConv2D")
def _depthwise(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    out, first, c_in, k, dm, shape_text = _depthwise_part(cfg, shapes, "depthwise convolution")
    bias = bool(cfg.get("use_bias", True))
    kk = "*".join(map(str, k))
    value = math.prod(k) * c_in * dm + (c_in * dm if bias else 0)
    text = f"{kk}*{c_in}*{dm}{f' + {c_in * dm}' if bias else ''} = {_fmt(value)}"
    macs = (_prod(out) or 0) * c_in * dm * math.prod(k)
    return LayerCount(_join_channels(out, c_in * dm, first), value, 0, macs, text, shape_text)


@handles("SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D")
def _separable(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    out, first, c_in, k, dm, shape_text = _depthwise_part(cfg, shapes, "separable convolution")
    filters, bias = int(cfg["filters"]), bool(cfg.get("use_bias", True))
    kk = "*".join(map(str, k))
    depth = math.prod(k) * c_in * dm
    point = c_in * dm * filters
    value = depth + point + (filters if bias else 0)
    text = (f"depthwise {kk}*{c_in}*{dm} + pointwise {c_in * dm}*{filters}"
            f"{f' + {filters}' if bias else ''} = {_fmt(value)}")
    positions = _prod(out) or 0
    macs = positions * c_in * dm * (math.prod(k) + filters)
    return LayerCount(_join_channels(out, filters, first), value, 0, macs, text, shape_text)


# ------------------------------------------------------------------- dense, embedding


@handles("Dense")
def _dense(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="Dense")
    if not shape:
        raise ValueError("Dense needs inputs of rank 2 or more (with the batch axis); got (None,)")
    n_in = _need(shape[-1], "input's last dimension")
    units, bias = int(cfg["units"]), bool(cfg.get("use_bias", True))
    params = ar.dense_params(n_in, units, bias=bias, explain=True)
    macs = (_prod(shape[:-1]) or 0) * n_in * units
    return LayerCount((*shape[:-1], units), params.value, 0, macs, params.text,
                      f"last axis {n_in} -> {units}")


@handles("Embedding")
def _embedding(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="Embedding")
    n, dim = int(cfg["input_dim"]), int(cfg["output_dim"])
    return LayerCount((*shape, dim), n * dim, 0, 0, f"{n}*{dim} = {_fmt(n * dim)}",
                      f"appends the embedding size {dim}")


# ---------------------------------------------------------------------- normalization


def _axes(cfg: dict[str, Any], shape: Shape, default: Any = -1) -> list[int]:
    """Keras axis numbers (they count the batch axis) as indices into a batchless shape."""
    axis = cfg.get("axis", default)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    full = len(shape) + 1
    out = []
    for a in axes:
        a = int(a) + full if int(a) < 0 else int(a)
        if not 1 <= a < full:
            raise ValueError(f"axis {axis} does not name a feature axis of inputs with shape "
                             f"{(None, *shape)}")
        out.append(a - 1)
    return out


def _features(cfg: dict[str, Any], shape: Shape, default: Any = -1) -> int:
    return _need(_prod([shape[a] for a in _axes(cfg, shape, default)]), "normalized axis size")


@handles("BatchNormalization")
def _batch_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="BatchNormalization")
    c = _features(cfg, shape)
    learned = int(cfg.get("center", True)) + int(cfg.get("scale", True))
    names = [n for n, on in (("gamma", cfg.get("scale", True)), ("beta", cfg.get("center", True))) if on]
    text = (f"{' and '.join(names)} {learned}*{c} trainable + " if learned else "") + \
        f"moving mean and variance 2*{c} non-trainable = {_fmt((learned + 2) * c)}"
    return LayerCount(shape, learned * c, 2 * c, 0, text, "same shape")


@handles("LayerNormalization", "GroupNormalization")
def _layer_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="normalization")
    c = _features(cfg, shape)
    rms = bool(cfg.get("rms_scaling", False))
    scale = bool(cfg.get("scale", True)) or rms
    center = bool(cfg.get("center", True)) and not rms
    n = int(scale) + int(center)
    names = [name for name, on in (("gamma", scale), ("beta", center)) if on]
    text = f"{' and '.join(names)} {n}*{c} = {_fmt(n * c)}" if n else "no weights"
    return LayerCount(shape, n * c, 0, 0, text, "same shape")


@handles("Normalization")
def _normalization(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="Normalization")
    if cfg.get("mean") is not None:
        return LayerCount(shape, 0, 0, 0, "mean and variance given as constants: no weights",
                          "same shape")
    c = _features(cfg, shape)
    value = 2 * c + 1
    return LayerCount(shape, 0, value, 0,
                      f"mean and variance 2*{c} + count 1 non-trainable = {_fmt(value)}",
                      "same shape")


@handles("RMSNormalization")
def _rms_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return _layer_norm({**cfg, "center": False, "scale": True}, shapes)


@handles("PReLU")
def _prelu(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="PReLU")
    shared = cfg.get("shared_axes") or []
    shared = [int(a) - 1 for a in (shared if isinstance(shared, (list, tuple)) else [shared])]
    dims = [1 if i in shared else d for i, d in enumerate(shape)]
    value = _need(_prod(dims), "alpha shape")
    return LayerCount(shape, value, 0, 0, f"one alpha per {dims}: {_fmt(value)}", "same shape")


