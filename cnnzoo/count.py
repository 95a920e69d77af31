"""Per-layer output shape, parameters and MACs from a Keras layer config, without TensorFlow.

One handler per layer class reads the config (``layer.get_config()``, a ``.keras``
file's ``config.json`` or a spec) and the input shapes, and computes the output shape
with :mod:`cnnzoo.arithmetic` and the weights from the layer's formula. Shapes here
leave out the batch axis.

>>> c = count_layer("Conv2D", {"filters": 16, "kernel_size": 5}, [(14, 14, 6)])
>>> c.output, c.trainable, c.explain
((10, 10, 16), 2416, '(5*5*6 + 1)*16 = 2,416')
>>> count_layer("Dense", {"units": 120}, [(400,)]).explain
'400*120 + 120 = 48,120'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

from cnnzoo import arithmetic as ar

__all__ = ["LayerCount", "UnknownLayer", "count_layer", "known_layers"]

Dim = Optional[int]
Shape = tuple[Dim, ...]


@dataclass
class LayerCount:
    """What the engine knows of one layer call: output shape(s), weights, work."""

    output: Union[Shape, list[Shape]]
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    explain: str = "no weights"
    shape_explain: str = ""


class UnknownLayer(LookupError):
    """The engine has no formula for this layer class (reported, never guessed)."""


_Handler = Callable[[dict[str, Any], list[Shape]], LayerCount]
_HANDLERS: dict[str, _Handler] = {}


def _handles(*names: str) -> Callable[[_Handler], _Handler]:
    def add(fn: _Handler) -> _Handler:
        for name in names:
            _HANDLERS[name] = fn
        return fn

    return add


def known_layers() -> list[str]:
    """Layer class names the engine counts."""
    return sorted(_HANDLERS)


def count_layer(class_name: str, config: dict[str, Any], input_shapes: Sequence[Shape],
                module: str | None = None) -> LayerCount:
    """Shape, parameters and MACs of one call of a layer, from its config alone.

    ``module`` is the config's ``module`` entry: Keras operations used on symbolic
    tensors (``keras.src.ops.*``) share some class names with layers.
    Raises :class:`UnknownLayer` for a class the engine has no formula for.
    """
    shapes = [tuple(s) for s in input_shapes]
    if module and module.startswith("keras.src.ops"):
        return _op(class_name, shapes)
    handler = _HANDLERS.get(class_name)
    if handler is None:
        raise UnknownLayer(class_name)
    m = re.search(r"([123])D(Transpose)?$", class_name)
    if m and shapes and len(shapes[0]) != int(m.group(1)) + 1:
        raise ValueError(f"{class_name} expects inputs of rank {int(m.group(1)) + 2} (batch, "
                         f"{m.group(1)} spatial axes, channels); got shape {(None, *shapes[0])}")
    result = handler(config, shapes)
    if config.get("trainable") is False and result.trainable:
        result.non_trainable += result.trainable
        result.trainable = 0
    return result


# ----------------------------------------------------------------------------- helpers


def _prod(values: Sequence[Dim]) -> Dim:
    out = 1
    for v in values:
        if v is None:
            return None
        out *= v
    return out


def _tuple(value: Any, rank: int) -> tuple[Any, ...]:
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and rank > 1:
            return tuple(value) * rank
        return tuple(value)
    return (value,) * rank


def _one(shapes: list[Shape], rank: int | None = None, what: str = "") -> Shape:
    if len(shapes) != 1:
        raise ValueError(f"{what or 'layer'} takes one input; got {len(shapes)}")
    shape = shapes[0]
    if rank is not None and len(shape) != rank:
        raise ValueError(f"{what} expects inputs of rank {rank + 1} (with the batch axis); "
                         f"got shape {(None, *shape)}")
    return shape


def _split_channels(cfg: dict[str, Any], shape: Shape) -> tuple[list[Dim], Dim, bool]:
    first = cfg.get("data_format") == "channels_first"
    if first:
        return list(shape[1:]), shape[0], True
    return list(shape[:-1]), shape[-1], False


def _join_channels(spatial: Sequence[Dim], channels: Dim, first: bool) -> Shape:
    return (channels, *spatial) if first else (*spatial, channels)


def _sizes(fn: Callable[..., Any], ns: Sequence[Dim], *per_axis: Sequence[Any]) -> tuple[list[Dim], str]:
    """Apply an arithmetic function per spatial axis; unknown sizes stay unknown."""
    out, texts = [], []
    for i, n in enumerate(ns):
        if n is None:
            out.append(None)
            texts.append("unknown")
            continue
        r = fn(n, *(a[i] for a in per_axis), explain=True)
        out.append(r.value)
        texts.append(r.text)
    text = texts[0] if len(set(texts)) == 1 else "; ".join(texts)
    return out, text


def _need(value: Dim, what: str) -> int:
    if value is None:
        raise ValueError(f"the {what} must be known to count weights; got None")
    return value


def _fmt(n: int) -> str:
    return f"{n:,}"


# ------------------------------------------------------------------------ convolutions


def _padding(cfg: dict[str, Any]) -> str:
    return str(cfg.get("padding", "valid")).lower()


@_handles("Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D")
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
    out, shape_text = _sizes(ar.conv_output_size, spatial, k, [pad] * rank, s, d)
    filters, groups = int(cfg["filters"]), int(cfg.get("groups", 1))
    bias = bool(cfg.get("use_bias", True))
    params = ar.conv_params(k, _need(c_in, "number of input channels"), filters, bias=bias,
                            groups=groups, explain=True)
    positions = _prod(out) or 0
    macs = positions * filters * math.prod(k) * (c_in // groups)
    return LayerCount(_join_channels(out, filters, first), params.value, 0, macs,
                      params.text, shape_text)


@_handles("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
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
    out, shape_text = _sizes(ar.transposed_output_size, spatial, k, s, [_padding(cfg)] * rank, d, op)
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
    out, shape_text = _sizes(ar.conv_output_size, spatial, k, [_padding(cfg)] * rank, s, d)
    dm = int(cfg.get("depth_multiplier", 1))
    return out, first, c_in, k, dm, shape_text


@_handles("DepthwiseConv1D", "DepthwiseConv2D")
def _depthwise(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    out, first, c_in, k, dm, shape_text = _depthwise_part(cfg, shapes, "depthwise convolution")
    bias = bool(cfg.get("use_bias", True))
    kk = "*".join(map(str, k))
    value = math.prod(k) * c_in * dm + (c_in * dm if bias else 0)
    text = f"{kk}*{c_in}*{dm}{f' + {c_in * dm}' if bias else ''} = {_fmt(value)}"
    macs = (_prod(out) or 0) * c_in * dm * math.prod(k)
    return LayerCount(_join_channels(out, c_in * dm, first), value, 0, macs, text, shape_text)


@_handles("SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D")
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


@_handles("Dense")
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


@_handles("Embedding")
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


@_handles("BatchNormalization")
def _batch_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="BatchNormalization")
    c = _features(cfg, shape)
    learned = int(cfg.get("center", True)) + int(cfg.get("scale", True))
    names = [n for n, on in (("gamma", cfg.get("scale", True)), ("beta", cfg.get("center", True))) if on]
    text = (f"{' and '.join(names)} {learned}*{c} trainable + " if learned else "") + \
        f"moving mean and variance 2*{c} non-trainable = {_fmt((learned + 2) * c)}"
    return LayerCount(shape, learned * c, 2 * c, 0, text, "same shape")


@_handles("LayerNormalization", "GroupNormalization")
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


@_handles("Normalization")
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


@_handles("RMSNormalization")
def _rms_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return _layer_norm({**cfg, "center": False, "scale": True}, shapes)


@_handles("PReLU")
def _prelu(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="PReLU")
    shared = cfg.get("shared_axes") or []
    shared = [int(a) - 1 for a in (shared if isinstance(shared, (list, tuple)) else [shared])]
    dims = [1 if i in shared else d for i, d in enumerate(shape)]
    value = _need(_prod(dims), "alpha shape")
    return LayerCount(shape, value, 0, 0, f"one alpha per {dims}: {_fmt(value)}", "same shape")


# ----------------------------------------------------------------- weightless: shapes

_SAME_SHAPE = (
    "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU",
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
    "GaussianDropout", "GaussianNoise", "ActivityRegularization", "Identity", "Masking",
    "Rescaling", "UnitNormalization", "RandomFlip", "RandomRotation", "RandomZoom",
    "RandomContrast", "RandomTranslation", "RandomBrightness", "RandomGrayscale",
    "RandomSaturation", "RandomHue", "RandomSharpness", "RandomShear", "RandomPosterization",
    "RandomInvert", "RandomColorJitter", "RandomGaussianBlur", "RandomErasing",
    "AutoContrast", "Solarization", "Equalization", "RandomColorDegeneration",
    # cnnzoo's and keras.applications' weightless layers
    "LocalResponseNormalization", "StochasticDepth",
)


@_handles(*_SAME_SHAPE)
def _same(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return LayerCount(_one(shapes), shape_explain="same shape")


@_handles("InputLayer")
def _input(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    batch_shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
    if batch_shape is None:
        raise ValueError(f"InputLayer {cfg.get('name')!r} has no batch_shape")
    return LayerCount(tuple(batch_shape[1:]), shape_explain="given")


def _pool_dims(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    rank = len(shapes[0]) - 1
    shape = _one(shapes, None, "pooling")
    spatial, c, first = _split_channels(cfg, shape)
    pool = _tuple(cfg.get("pool_size", 2), rank)
    strides = cfg.get("strides")
    s = _tuple(strides, rank) if strides is not None else pool
    out, text = _sizes(ar.pool_output_size, spatial, pool, s, [_padding(cfg)] * rank)
    return LayerCount(_join_channels(out, c, first), explain="pooling has no weights",
                      shape_explain=text)


_handles(*(f"{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)),
         "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D")(_pool_dims)


@_handles(*(f"Global{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)),
          "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
          "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D")
def _global_pool(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="global pooling")
    spatial, c, first = _split_channels(cfg, shape)
    if cfg.get("keepdims"):
        out = _join_channels([1] * len(spatial), c, first)
    else:
        out = (c,)
    return LayerCount(out, explain="pooling has no weights",
                      shape_explain=f"one value per channel over {'x'.join(map(str, spatial))}")


@_handles("Flatten")
def _flatten(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="Flatten")
    if cfg.get("data_format") == "channels_first" and len(shape) > 1:
        shape = (*shape[1:], shape[0])
    size = _prod(shape)
    return LayerCount((size,), shape_explain=f"{'*'.join(map(str, shape))} = {size}")


@_handles("Reshape")
def _reshape(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="Reshape")
    target = [int(t) for t in cfg["target_shape"]]
    if -1 in target:
        total, known = _prod(shape), -math.prod(target)
        target[target.index(-1)] = None if total is None else total // known  # type: ignore[call-overload]
    return LayerCount(tuple(target), shape_explain=f"to {tuple(target)}")


@_handles("Permute")
def _permute(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, what="Permute")
    return LayerCount(tuple(shape[int(d) - 1] for d in cfg["dims"]), shape_explain="permuted")


@_handles("RepeatVector")
def _repeat(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, 1, "RepeatVector")
    return LayerCount((int(cfg["n"]), shape[0]), shape_explain=f"repeated {cfg['n']} times")


def _pairs(value: Any, rank: int) -> list[tuple[int, int]]:
    if isinstance(value, int):
        return [(value, value)] * rank
    value = list(value)
    if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return [(value[0], value[1])]
    return [(v, v) if isinstance(v, int) else (int(v[0]), int(v[1])) for v in value]


def _pad_or_crop(cfg: dict[str, Any], shapes: list[Shape], key: str, sign: int) -> LayerCount:
    rank = len(shapes[0]) - 1
    shape = _one(shapes, None, key)
    spatial, c, first = _split_channels(cfg, shape)
    amounts = _pairs(cfg[key], rank)
    out = [None if n is None else n + sign * (a + b) for n, (a, b) in zip(spatial, amounts)]
    if any(o is not None and o < 1 for o in out):
        raise ValueError(f"cropping {amounts} leaves nothing of the input {(None, *shape)}")
    op = "+" if sign > 0 else "-"
    text = "; ".join(f"{n} {op} {a} {op} {b} = {o}" for n, (a, b), o in zip(spatial, amounts, out))
    return LayerCount(_join_channels(out, c, first), shape_explain=text)


@_handles("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")
def _zero_pad(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return _pad_or_crop(cfg, shapes, "padding", 1)


@_handles("Cropping1D", "Cropping2D", "Cropping3D")
def _crop(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return _pad_or_crop(cfg, shapes, "cropping", -1)


@_handles("UpSampling1D", "UpSampling2D", "UpSampling3D")
def _upsample(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    rank = len(shapes[0]) - 1
    shape = _one(shapes, None, "upsampling")
    spatial, c, first = _split_channels(cfg, shape)
    size = _tuple(cfg.get("size", 2), rank)
    out = [None if n is None else n * f for n, f in zip(spatial, size)]
    return LayerCount(_join_channels(out, c, first), shape_explain=f"times {size}")


@_handles("Resizing", "CenterCrop")
def _resize(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, 3, "resizing")
    _, c, first = _split_channels(cfg, shape)
    out = [int(cfg["height"]), int(cfg["width"])]
    return LayerCount(_join_channels(out, c, first), shape_explain=f"to {out[0]}x{out[1]}")


def _broadcast(shapes: list[Shape]) -> Shape:
    rank = max(len(s) for s in shapes)
    out: list[Dim] = []
    for i in range(rank):
        dims = {s[i - rank + len(s)] for s in shapes if i - rank + len(s) >= 0} - {1}
        known = dims - {None}
        if len(known) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast together")
        out.append(known.pop() if known else (None if None in dims else 1))
    return tuple(out)


@_handles("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
def _merge(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    if len(shapes) < 2:
        raise ValueError(f"a merge layer takes two inputs or more; got {len(shapes)}")
    return LayerCount(_broadcast(shapes), shape_explain="element-wise over the inputs")


@_handles("Concatenate")
def _concat(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    axis = _axes(cfg, shapes[0])[0]
    parts = [s[axis] for s in shapes]
    total = None if None in parts else sum(parts)  # type: ignore[arg-type]
    out = list(shapes[0])
    out[axis] = total
    return LayerCount(tuple(out), shape_explain=f"{' + '.join(map(str, parts))} = {total}")


# --------------------------------------------- keras.applications' and cnnzoo's own layers


@_handles("LayerScale")
def _layer_scale(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    n = int(cfg["projection_dim"])
    return LayerCount(_one(shapes), n, 0, 0, f"one scale per channel: {n}", "same shape")


@_handles("CustomScaleLayer")
def _custom_scale(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return LayerCount(_broadcast(shapes), shape_explain="x + scale*r")


@_handles("Subsampling")
def _subsampling(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, 3, "Subsampling")
    pool = _pool_dims({"pool_size": cfg.get("pool_size", 2)}, [shape])
    c = _need(shape[-1], "number of channels")
    return LayerCount(pool.output, 2 * c, 0, (_prod(shape) or 0),
                      f"a coefficient and a bias per map: 2*{c} = {2 * c}", pool.shape_explain)


@_handles("LeNetC3")
def _lenet_c3(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, 3, "LeNetC3")
    k = int(cfg.get("kernel_size", 5))
    table = [list(t) for t in cfg["table"]]
    conv = _conv({"kernel_size": k, "filters": len(table)}, [shape])
    groups: dict[int, int] = {}
    for inputs in table:
        groups[len(inputs)] = groups.get(len(inputs), 0) + 1
    value = sum(len(t) * k * k + 1 for t in table)
    terms = " + ".join(f"{m}*({k}*{k}*{size} + 1)" for size, m in groups.items())
    macs = (_prod(conv.output[:-1]) or 0) * k * k * sum(len(t) for t in table)  # type: ignore[index]
    return LayerCount(conv.output, value, 0, macs,
                      f"connection table, one bias per map: {terms} = {_fmt(value)}",
                      conv.shape_explain)


@_handles("EuclideanRBF")
def _rbf(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _one(shapes, 1, "EuclideanRBF")
    n_in, units = _need(shape[0], "input size"), int(cfg["units"])
    value = n_in * units
    return LayerCount((units,), 0, value, value,
                      f"fixed prototypes {n_in}*{units} = {_fmt(value)} (not trained)",
                      f"one distance per class: {units}")


# -------------------------------------------------------- keras operations on tensors

_ELEMENTWISE_OPS = {
    "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "FloorDivide", "Power", "Maximum",
    "Minimum", "Mod", "Relu", "Relu6", "Sigmoid", "HardSigmoid", "HardSwish", "Silu", "Swish",
    "Gelu", "Elu", "Selu", "Softplus", "Softsign", "Tanh", "Exp", "Log", "Sqrt", "Square",
    "Abs", "Negative", "Clip", "Cast", "LeakyRelu", "Softmax", "LogSoftmax",
}


def _op(class_name: str, shapes: list[Shape]) -> LayerCount:
    if class_name in _ELEMENTWISE_OPS and shapes:
        return LayerCount(_broadcast(shapes), shape_explain="element-wise operation")
    raise UnknownLayer(class_name)
