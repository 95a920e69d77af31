"""Layers with weights: the convolution family, dense, embedding, normalization, PReLU."""

from __future__ import annotations

import math
from typing import Any

from cnnzoo import arithmetic as ar
from cnnzoo.count.config import read_bool, read_data_format, read_dims, read_int, read_ints, read_str
from cnnzoo.count.layer import (
    Dim,
    LayerCount,
    Shape,
    axes,
    fmt,
    handles,
    join_channels,
    need,
    one,
    prod,
    sizes,
    split_channels,
)
from cnnzoo.count.quantized import embedding_parts, kernel_parts

# ------------------------------------------------------------------------ convolutions


def padding(cfg: dict[str, Any], causal: bool = False) -> str:
    return read_str(cfg, "padding", "valid", ("valid", "same", "causal") if causal else ("valid", "same"))


def _window(cfg: dict[str, Any], shapes: list[Shape], what: str
            ) -> tuple[int, Shape, list[Dim], Dim, bool, tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """rank, shape, spatial sizes, channels, channels-first, kernel, strides, dilation."""
    shape = one(shapes, None, what)
    rank = len(shape) - 1
    spatial, c_in, first = split_channels({"data_format": read_data_format(cfg)}, shape)
    k = read_ints(cfg, "kernel_size", rank)
    s = read_ints(cfg, "strides", rank, 1)
    d = read_ints(cfg, "dilation_rate", rank, 1)
    return rank, shape, spatial, c_in, first, k, s, d


@handles("Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D")
def conv(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    rank, _, spatial, c_in, first, k, s, d = _window(cfg, shapes, "convolution")
    pad = padding(cfg, causal=True)
    if pad == "causal":  # left padding of f' - 1: out = ceil(n / s)
        pad = "same"
    out, shape_text = sizes(ar.conv_output_size, spatial, k, p=[pad] * rank, s=s, d=d)
    filters, groups = read_int(cfg, "filters"), read_int(cfg, "groups", 1)
    bias = read_bool(cfg, "use_bias", True)
    c_in = need(c_in, "number of input channels")
    params = ar.conv_params(k, c_in, filters, bias=bias, groups=groups, explain=True)
    positions = prod(out) or 0
    macs = positions * filters * math.prod(k) * (c_in // groups)
    result = LayerCount(join_channels(out, filters, first), params.value, 0, macs,
                        params.text, shape_text)
    if read_int(cfg, "lora_rank", None, none=True):  # Keras quantizes no convolution
        kernel = (*k, c_in // groups, filters)
        return _with_kernel(result, cfg, kernel, math.prod(kernel[:-1]), filters,
                            filters if bias else 0, quantizable=False)
    return result


def _with_kernel(result: LayerCount, cfg: dict[str, Any], kernel: tuple[int, ...], rows: int,
                 cols: int, bias: int, quantizable: bool = True) -> LayerCount:
    """``result`` with its kernel replaced by what LoRA or a quantized policy creates."""
    parts, prefix = kernel_parts(cfg, kernel, rows, cols, quantizable)
    if not prefix:
        return result
    if bias:
        parts.add("bias", (bias,))
    result.trainable, result.non_trainable = parts.trainable, parts.non_trainable
    result.explain = parts.text(prefix)
    return result


@handles("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
          "Convolution1DTranspose", "Convolution2DTranspose", "Convolution3DTranspose")
def _conv_transpose(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    rank, _, spatial, c_in, first, k, s, d = _window(cfg, shapes, "transposed convolution")
    op: tuple[Any, ...] = (None,) * rank
    if cfg.get("output_padding") is not None:
        op = read_ints(cfg, "output_padding", rank, minimum=0)
    out, shape_text = sizes(ar.transposed_output_size, spatial, k, s=s, p=[padding(cfg)] * rank, d=d, output_padding=op)
    filters, bias = read_int(cfg, "filters"), read_bool(cfg, "use_bias", True)
    params = ar.conv_params(k, need(c_in, "number of input channels"), filters, bias=bias,
                            explain=True)
    macs = (prod(spatial) or 0) * c_in * filters * math.prod(k)
    return LayerCount(join_channels(out, filters, first), params.value, 0, macs,
                      params.text, shape_text)


def _depthwise_part(cfg: dict[str, Any], shapes: list[Shape], what: str
                    ) -> tuple[list[Dim], bool, int, tuple[int, ...], int, str]:
    rank, _, spatial, c_in, first, k, s, d = _window(cfg, shapes, what)
    c_in = need(c_in, "number of input channels")
    out, shape_text = sizes(ar.conv_output_size, spatial, k, p=[padding(cfg)] * rank, s=s, d=d)
    dm = read_int(cfg, "depth_multiplier", 1)
    return out, first, c_in, k, dm, shape_text


@handles("DepthwiseConv1D", "DepthwiseConv2D")
def _depthwise(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    out, first, c_in, k, dm, shape_text = _depthwise_part(cfg, shapes, "depthwise convolution")
    bias = read_bool(cfg, "use_bias", True)
    kk = "*".join(map(str, k))
    value = math.prod(k) * c_in * dm + (c_in * dm if bias else 0)
    text = f"{kk}*{c_in}*{dm}{f' + {c_in * dm}' if bias else ''} = {fmt(value)}"
    macs = (prod(out) or 0) * c_in * dm * math.prod(k)
    return LayerCount(join_channels(out, c_in * dm, first), value, 0, macs, text, shape_text)


@handles("SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D")
def _separable(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    out, first, c_in, k, dm, shape_text = _depthwise_part(cfg, shapes, "separable convolution")
    filters, bias = read_int(cfg, "filters"), read_bool(cfg, "use_bias", True)
    kk = "*".join(map(str, k))
    depth = math.prod(k) * c_in * dm
    point = c_in * dm * filters
    value = depth + point + (filters if bias else 0)
    text = (f"depthwise {kk}*{c_in}*{dm} + pointwise {c_in * dm}*{filters}"
            f"{f' + {filters}' if bias else ''} = {fmt(value)}")
    positions = prod(out) or 0
    macs = positions * c_in * dm * (math.prod(k) + filters)
    return LayerCount(join_channels(out, filters, first), value, 0, macs, text, shape_text)


# ------------------------------------------------------------------- dense, embedding


@handles("Dense")
def _dense(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="Dense")
    if not shape:
        raise ValueError("Dense needs inputs of rank 2 or more (with the batch axis); got (None,)")
    n_in = need(shape[-1], "input's last dimension")
    units, bias = read_int(cfg, "units"), read_bool(cfg, "use_bias", True)
    params = ar.dense_params(n_in, units, bias=bias, explain=True)
    macs = (prod(shape[:-1]) or 0) * n_in * units
    result = LayerCount((*shape[:-1], units), params.value, 0, macs, params.text,
                        f"last axis {n_in} -> {units}")
    return _with_kernel(result, cfg, (n_in, units), n_in, units, units if bias else 0)


@handles("Embedding", "ReversibleEmbedding")
def _embedding(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="Embedding")
    n, dim = read_int(cfg, "input_dim"), read_int(cfg, "output_dim")
    reverse = not read_bool(cfg, "tie_weights", True)  # ReversibleEmbedding's own output table
    parts, prefix = embedding_parts(cfg, n, dim, reverse)
    text = parts.text(prefix) if prefix or reverse else f"{n}*{dim} = {fmt(n * dim)}"
    if read_bool(cfg, "reverse", False):  # ReversibleEmbedding(x, reverse=True): logits over the vocabulary
        if not shape:
            raise ValueError("a reversed embedding takes inputs (batch, ..., features); got (None,)")
        return LayerCount((*shape[:-1], n), parts.trainable, parts.non_trainable, 0, text,
                          f"last axis {shape[-1]} -> the vocabulary {n}")
    return LayerCount((*shape, dim), parts.trainable, parts.non_trainable, 0, text,
                      f"appends the embedding size {dim}")


# ---------------------------------------------------------------------- normalization


def _features(cfg: dict[str, Any], shape: Shape, default: Any = -1) -> int:
    return need(prod([shape[a] for a in axes(cfg, shape, default)]), "normalized axis size")


@handles("BatchNormalization")
def _batch_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="BatchNormalization")
    c = _features(cfg, shape)
    scale, center = read_bool(cfg, "scale", True), read_bool(cfg, "center", True)
    learned = int(center) + int(scale)
    names = [n for n, on in (("gamma", scale), ("beta", center)) if on]
    moving = 2 + 3 * read_bool(cfg, "renorm", False)  # renorm: moving stddev, renorm mean and stddev
    what = "moving mean, variance, stddev, renorm mean and stddev" if moving > 2 else \
        "moving mean and variance"
    text = (f"{' and '.join(names)} {learned}*{c} trainable + " if learned else "") + \
        f"{what} {moving}*{c} non-trainable = {fmt((learned + moving) * c)}"
    return LayerCount(shape, learned * c, moving * c, 0, text, "same shape")


@handles("LayerNormalization", "GroupNormalization")
def _layer_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="normalization")
    c = _features(cfg, shape)
    groups = read_int(cfg, "groups", 1)
    if c % groups:
        raise ValueError(f"'groups' ({groups}) must divide the number of channels ({c})")
    rms = read_bool(cfg, "rms_scaling", False)
    scale = read_bool(cfg, "scale", True) or rms
    center = read_bool(cfg, "center", True) and not rms
    n = int(scale) + int(center)
    names = [name for name, on in (("gamma", scale), ("beta", center)) if on]
    text = f"{' and '.join(names)} {n}*{c} = {fmt(n * c)}" if n else "no weights"
    return LayerCount(shape, n * c, 0, 0, text, "same shape")


@handles("Normalization")
def _normalization(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="Normalization")
    if cfg.get("mean") is not None:
        return LayerCount(shape, 0, 0, 0, "mean and variance given as constants: no weights",
                          "same shape")
    axis = cfg.get("axis", -1)
    c = 1 if axis is None or axis == [] or axis == () else _features(cfg, shape)  # axis=None: one of each
    value = 2 * c + 1
    return LayerCount(shape, 0, value, 0,
                      f"mean and variance 2*{c} + count 1 non-trainable = {fmt(value)}",
                      "same shape")


@handles("RMSNormalization")
def _rms_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return _layer_norm({**cfg, "center": False, "scale": True}, shapes)


@handles("PReLU")
def _prelu(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="PReLU")
    shared = [a - 1 for a in read_dims(cfg, "shared_axes", None) if a is not None] \
        if cfg.get("shared_axes") is not None else []
    dims = [1 if i in shared else d for i, d in enumerate(shape)]
    value = need(prod(dims), "alpha shape")
    return LayerCount(shape, value, 0, 0, f"one alpha per {dims}: {'*'.join(map(str, dims))} = {fmt(value)}", "same shape")



