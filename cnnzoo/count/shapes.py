"""Layers without weights: their output shapes (pooling, reshaping, padding, merging), and
Keras operations used on symbolic tensors."""

from __future__ import annotations

import math
from typing import Any

from cnnzoo import arithmetic as ar
from cnnzoo.count.config import get_field, read_bool, read_data_format, read_dims, read_int, read_ints
from cnnzoo.count.layer import (
    Dim,
    LayerCount,
    Shape,
    UnknownLayer,
    axes,
    broadcast,
    handles,
    join_channels,
    one,
    prod,
    sizes,
    split_channels,
)
from cnnzoo.count.weighted import padding

# ----------------------------------------------------------------- weightless: shapes

_SAME_SHAPE = (
    "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU",
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
    "GaussianDropout", "GaussianNoise", "ActivityRegularization", "Identity", "Masking",
    "Rescaling", "UnitNormalization",
    # cnnzoo's and keras.applications' weightless layers
    "LocalResponseNormalization", "StochasticDepth",
)
_SAME_IMAGE = (
    "RandomFlip", "RandomRotation", "RandomZoom",
    "RandomContrast", "RandomTranslation", "RandomBrightness", "RandomGrayscale",
    "RandomSaturation", "RandomHue", "RandomSharpness", "RandomShear", "RandomPosterization",
    "RandomInvert", "RandomColorJitter", "RandomGaussianBlur", "RandomErasing",
    "AutoContrast", "Solarization", "Equalization", "RandomColorDegeneration",
)


@handles(*_SAME_SHAPE)
def _same(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return LayerCount(one(shapes), shape_explain="same shape")


def image(shapes: list[Shape], what: str) -> Shape:
    """The images an image preprocessing layer is called on. Called on a dict of images and
    their labels, boxes or masks, the layer is not counted (it has no weights; its outputs
    are a dict the engine does not follow)."""
    if len(shapes) > 1:
        raise UnknownLayer(f"{what} called on a dict of images and their annotations")
    return one(shapes, what=what)


@handles(*_SAME_IMAGE)
def _same_image(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return LayerCount(image(shapes, "an image preprocessing layer"), shape_explain="same shape")


@handles("InputLayer")
def _input(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    batch_shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
    if batch_shape is None:
        raise ValueError(f"InputLayer {cfg.get('name')!r} has no batch_shape")
    key = "batch_shape" if cfg.get("batch_shape") else "batch_input_shape"
    dims = read_dims({key: batch_shape}, key, minimum=0, none_inside=True)
    if not isinstance(batch_shape, (list, tuple)) or not dims:
        raise ValueError(f"{key!r} must be a list of sizes (batch first); got {batch_shape!r}")
    return LayerCount(tuple(dims[1:]), shape_explain="given")


def pool_dims(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, None, "pooling")
    rank = len(shape) - 1
    spatial, c, first = split_channels({"data_format": read_data_format(cfg)}, shape)
    pool = read_ints(cfg, "pool_size", rank, 2)
    s = read_ints(cfg, "strides", rank) if cfg.get("strides") is not None else pool
    out, text = sizes(ar.pool_output_size, spatial, pool, s=s, p=[padding(cfg)] * rank)
    return LayerCount(join_channels(out, c, first), explain="pooling has no weights",
                      shape_explain=text)


handles(*(f"{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)),
         "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D")(pool_dims)


@handles(*(f"Global{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)),
          "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
          "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D")
def _global_pool(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="global pooling")
    spatial, c, first = split_channels({"data_format": read_data_format(cfg)}, shape)
    if read_bool(cfg, "keepdims", False):
        out = join_channels([1] * len(spatial), c, first)
    else:
        out = (c,)
    return LayerCount(out, explain="pooling has no weights",
                      shape_explain=f"one value per channel over {'x'.join(map(str, spatial))}")


@handles("Flatten")
def _flatten(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="Flatten")
    if read_data_format(cfg) == "channels_first" and len(shape) > 1:
        shape = (*shape[1:], shape[0])
    size = prod(shape)
    return LayerCount((size,), shape_explain=f"{'*'.join(map(str, shape))} = {size}")


@handles("Reshape")
def _reshape(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="Reshape")
    target: list[Any] = list(read_dims(cfg, "target_shape", minimum=-1))
    if target.count(-1) > 1 or 0 in target:
        raise ValueError(f"'target_shape' may hold one -1 and no 0; got {tuple(target)}")
    if -1 in target:
        total, known = prod(shape), -math.prod(target)
        target[target.index(-1)] = None if total is None else total // known  # type: ignore[call-overload]
    return LayerCount(tuple(target), shape_explain=f"to {tuple(target)}")


@handles("Permute")
def _permute(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="Permute")
    dims = read_dims(cfg, "dims")
    if sorted(dims) != list(range(1, len(shape) + 1)):
        raise ValueError(f"'dims' must order the axes 1..{len(shape)}; got {dims}")
    return LayerCount(tuple(shape[d - 1] for d in dims), shape_explain="permuted")


@handles("RepeatVector")
def _repeat(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, 1, "RepeatVector")
    n = read_int(cfg, "n")
    return LayerCount((n, shape[0]), shape_explain=f"repeated {n} times")


def _pairs(cfg: dict[str, Any], key: str, rank: int) -> list[tuple[int, int]]:
    value = get_field(cfg, key)

    def amount(v: Any) -> int:
        return read_int({key: v}, key, minimum=0)

    try:
        if not isinstance(value, (list, tuple)):
            return [(amount(value), amount(value))] * rank
        items = list(value)
        if rank == 1 and len(items) == 2 and not any(isinstance(v, (list, tuple)) for v in items):
            return [(amount(items[0]), amount(items[1]))]
        if len(items) != rank:
            raise ValueError
        out = []
        for v in items:
            if isinstance(v, (list, tuple)):
                if len(v) != 2:
                    raise ValueError
                out.append((amount(v[0]), amount(v[1])))
            else:
                out.append((amount(v), amount(v)))
        return out
    except ValueError:
        raise ValueError(f"{key!r} must be an integer, {rank} of them or {rank} pairs; "
                         f"got {value!r}") from None


def _pad_or_crop(cfg: dict[str, Any], shapes: list[Shape], key: str, sign: int) -> LayerCount:
    shape = one(shapes, None, key)
    rank = len(shape) - 1
    spatial, c, first = split_channels({"data_format": read_data_format(cfg)}, shape)
    amounts = _pairs(cfg, key, rank)
    out = [None if n is None else n + sign * (a + b) for n, (a, b) in zip(spatial, amounts)]
    if any(o is not None and o < 1 for o in out):
        raise ValueError(f"cropping {amounts} leaves nothing of the input {(None, *shape)}")
    op = "+" if sign > 0 else "-"
    text = "; ".join(f"{n} {op} {a} {op} {b} = {o}" for n, (a, b), o in zip(spatial, amounts, out))
    return LayerCount(join_channels(out, c, first), shape_explain=text)


@handles("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")
def _zero_pad(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return _pad_or_crop(cfg, shapes, "padding", 1)


@handles("Cropping1D", "Cropping2D", "Cropping3D")
def _crop(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return _pad_or_crop(cfg, shapes, "cropping", -1)


@handles("UpSampling1D", "UpSampling2D", "UpSampling3D")
def _upsample(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, None, "upsampling")
    rank = len(shape) - 1
    spatial, c, first = split_channels({"data_format": read_data_format(cfg)}, shape)
    size = read_ints(cfg, "size", rank, 2)
    out = [None if n is None else n * f for n, f in zip(spatial, size)]
    return LayerCount(join_channels(out, c, first), shape_explain=f"times {size}")


@handles("Resizing", "CenterCrop")
def _resize(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    """Keras' rule on the shape with its batch axis: a rank-3 one is one unbatched image, its
    first axis (here the batch's) read as the image's first."""
    full: list[Dim] = [None, *image(shapes, "resizing")]
    if len(full) not in (3, 4):
        raise ValueError(f"resizing expects images of rank 4 (batch, height, width, channels) or "
                         f"3 (unbatched); got shape {tuple(full)}")
    h, w = read_int(cfg, "height"), read_int(cfg, "width")
    at = (len(full) - 2, len(full) - 1) if read_data_format(cfg) == "channels_first" else \
        (len(full) - 3, len(full) - 2)
    full[at[0]], full[at[1]] = h, w
    return LayerCount(tuple(full[1:]), shape_explain=f"to {h}x{w}" +
                      (" (one unbatched image)" if len(full) == 3 else ""))


@handles("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
def _merge(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    if len(shapes) < 2:
        raise ValueError(f"a merge layer takes two inputs or more; got {len(shapes)}")
    return LayerCount(broadcast(shapes), shape_explain="element-wise over the inputs")


@handles("Concatenate")
def _concat(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    if not shapes:
        raise ValueError("Concatenate takes one input or more; got none")
    axis = axes(cfg, shapes[0])[0]
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise ValueError(f"Concatenate needs inputs of one rank; got {shapes}")
    parts = [s[axis] for s in shapes]
    total = None if None in parts else sum(parts)  # type: ignore[arg-type]
    out = list(shapes[0])
    out[axis] = total
    return LayerCount(tuple(out), shape_explain=f"{' + '.join(map(str, parts))} = {total}")



# -------------------------------------------------------- keras operations on tensors

_ELEMENTWISE_OPS = {
    "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "FloorDivide", "Power", "Maximum",
    "Minimum", "Mod", "Relu", "Relu6", "Sigmoid", "HardSigmoid", "HardSwish", "Silu", "Swish",
    "Gelu", "Elu", "Selu", "Softplus", "Softsign", "Tanh", "Exp", "Log", "Sqrt", "Square",
    "Abs", "Negative", "Clip", "Cast", "LeakyRelu", "Softmax", "LogSoftmax",
}


def keras_op(class_name: str, shapes: list[Shape]) -> LayerCount:
    if class_name in _ELEMENTWISE_OPS and shapes:
        return LayerCount(broadcast(shapes), shape_explain="element-wise operation")
    raise UnknownLayer(class_name)

