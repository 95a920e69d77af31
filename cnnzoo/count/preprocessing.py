"""Preprocessing layers whose output shape the config sets, adaptive pooling, and ``Pipeline``.

Keras writes these shape rules with the batch axis in the shape (``CategoryEncoding`` and
``Discretization`` treat a last axis of 1 apart); each rule here runs on ``(None, *shape)``
as Keras does and drops the batch axis again. A vocabulary's size comes from the config's
``vocabulary_size`` (``None`` before ``adapt``: that axis stays unknown, never guessed).

>>> from cnnzoo.count import count_layer
>>> count_layer("CategoryEncoding", {"num_tokens": 7, "output_mode": "one_hot"}, [(3,)]).output
(3, 7)
>>> count_layer("AdaptiveAveragePooling2D", {"output_size": [2, 3]}, [(8, 9, 4)]).output
(2, 3, 4)
>>> c = count_layer("STFTSpectrogram", {"frame_length": 64, "frame_step": 16, "fft_length": 128},
...                 [(1000, 1)])
>>> c.output, c.explain
((59, 65), 'real_kernel 64*1*65 + imag_kernel 64*1*65 = 8,320')
"""

from __future__ import annotations

import math
from typing import Any

from cnnzoo import arithmetic as ar
from cnnzoo.count.config import get_field, read_bool, read_data_format, read_int, read_ints, read_str
from cnnzoo.count.core import count_inner
from cnnzoo.count.layer import Dim, LayerCount, Shape, handles, one, sizes
from cnnzoo.count.quantized import Parts
from cnnzoo.count.shapes import image

_AUGMENT = ("AugMix", "CutMix", "MixUp", "RandAugment", "RandomElasticTransform",
            "RandomPerspective", "ContrastLimitedAdaptiveHistogramEqualization",
            "MaxNumBoundingBoxes")


@handles(*_AUGMENT)
def _augment(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return LayerCount(image(shapes, "an image augmentation layer"), shape_explain="same shape")


@handles(*(f"Adaptive{kind}Pooling{r}D" for kind in ("Average", "Max") for r in (1, 2, 3)))
def _adaptive_pool(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="adaptive pooling")
    rank = len(shape) - 1
    size = read_ints(cfg, "output_size", rank)
    if read_data_format(cfg) == "channels_first":
        out: Shape = (shape[0], *size)
    else:
        out = (*size, shape[-1])
    return LayerCount(out, explain="pooling has no weights", shape_explain=f"to {size}")


@handles("RandomCrop")
def _random_crop(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    """Keras' rule on the shape with its batch axis (rank 3: one unbatched image)."""
    full: list[Dim] = [None, *image(shapes, "RandomCrop")]
    if len(full) not in (3, 4, 5):
        raise ValueError(f"RandomCrop takes images (batch, height, width, channels); got {tuple(full)}")
    h, w = (-2, -1) if read_data_format(cfg) == "channels_first" else (-3, -2)
    full[h], full[w] = read_int(cfg, "height"), read_int(cfg, "width")
    return LayerCount(tuple(full[1:]), shape_explain=f"crops to {full[h]}x{full[w]}")


def _batchless(full: tuple[Dim, ...]) -> Shape:
    return tuple(full[1:])


_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _encode(full: tuple[Dim, ...], mode: str, depth: Dim) -> Shape:
    """Keras' one-hot/multi-hot/count rule for lookups, on a shape with the batch axis."""
    if mode == "int":
        return _batchless(full)
    if mode == "one_hot":
        if len(full) > 1 and full[-1] == 1:
            return _batchless((*full[:-1], depth))
        return _batchless((*full, depth))
    return _batchless((*full[:-1], depth))


@handles("CategoryEncoding")
def _category_encoding(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    full = (None, *one(shapes, what="CategoryEncoding"))
    n = read_int(cfg, "num_tokens")
    mode = read_str(cfg, "output_mode", "multi_hot", ("one_hot", "multi_hot", "count"))
    if mode == "one_hot":
        out = _batchless((*full, n)) if full[-1] != 1 else _batchless((*full[:-1], n))
    else:
        out = _batchless((*full[:-1], n))
    return LayerCount(out, shape_explain=f"{mode} over {n} tokens")


@handles("Discretization")
def _discretization(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    full = (None, *one(shapes, what="Discretization"))
    mode = read_str(cfg, "output_mode", "int", ("int", "one_hot", "multi_hot", "count"))
    bounds = get_field(cfg, "bin_boundaries", None)
    if bounds is not None:
        if not isinstance(bounds, (list, tuple)):
            raise ValueError(f"'bin_boundaries' must be a list of numbers; got {bounds!r}")
        depth = len(bounds) + 1
    else:
        depth = read_int(cfg, "num_bins")
    if mode == "int":
        out = _batchless(full)
    elif mode == "one_hot":
        out = _batchless((*full[:-1], depth) if full[-1] == 1 else (*full, depth))
    else:
        out = _batchless((full[0], *full[2:], depth)) if len(full) >= 2 else (depth,)
    return LayerCount(out, shape_explain=f"{mode} over {depth} bins")


@handles("Hashing")
def _hashing(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    full = (None, *one(shapes, what="Hashing"))
    n = read_int(cfg, "num_bins")
    mode = read_str(cfg, "output_mode", "int", _MODES[:4])
    out = _batchless(full) if mode == "int" else _batchless((*full[:-1], n))  # the last axis is the sample
    return LayerCount(out, shape_explain=f"{mode} over {n} bins")


@handles("HashedCrossing")
def _hashed_crossing(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    if len(shapes) != 2:
        raise ValueError(f"HashedCrossing takes two inputs; got {len(shapes)}")
    full = (None, *shapes[0])
    if shapes[0][-1:] != shapes[1][-1:]:
        raise ValueError(f"HashedCrossing needs inputs of one shape; got {shapes}")
    n = read_int(cfg, "num_bins")
    mode = read_str(cfg, "output_mode", "int", ("int", "one_hot"))
    if mode == "int":
        out = _batchless(full)
    elif full[-1] != 1:
        out = _batchless((*full, n))
    else:
        out = _batchless((*full[:-1], n))
    return LayerCount(out, shape_explain=f"{mode} over {n} bins")


def _lookup_depth(cfg: dict[str, Any]) -> Dim:
    if read_bool(cfg, "pad_to_max_tokens", False):
        return read_int(cfg, "max_tokens")
    return read_int(cfg, "vocabulary_size", None, none=True)


@handles("IntegerLookup", "StringLookup", "IndexLookup")
def _lookup(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    full = (None, *one(shapes, what="lookup"))
    mode = read_str(cfg, "output_mode", "int", _MODES)
    if mode == "int" or read_bool(cfg, "invert", False):
        return LayerCount(_batchless(full), shape_explain="one index per token")
    depth = _lookup_depth(cfg)
    return LayerCount(_encode(full, mode, depth), shape_explain=f"{mode} over a vocabulary of {depth}")


@handles("TextVectorization")
def _text_vectorization(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    full: tuple[Dim, ...] = (None, *one(shapes, what="TextVectorization"))
    mode = read_str(cfg, "output_mode", "int", ("int", "multi_hot", "count", "tf_idf"))
    if mode == "int":
        length = read_int(cfg, "output_sequence_length", None, none=True)
        return LayerCount((length,), shape_explain=f"{length} token indices")
    if get_field(cfg, "split", "whitespace") is None:
        full = full if len(full) > 1 else (*full, 1)
    else:
        full = (*full, None)
    depth = _lookup_depth(cfg)
    return LayerCount(_encode(full, mode, depth), shape_explain=f"{mode} over a vocabulary of {depth}")


@handles("MelSpectrogram")
def _mel(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, what="MelSpectrogram")
    bins, stride = read_int(cfg, "num_mel_bins", 128), read_int(cfg, "sequence_stride", 512)
    if not shape:  # Keras reads (samples,) as one unbatched clip: (bins, frames), frames unknown
        return LayerCount((None,), shape_explain=f"one unbatched clip: ({bins}, frames) as Keras "
                          "declares it, its first axis in the batch's place")
    frames = None if shape[0] is None else (shape[0] + stride + 1) // stride
    return LayerCount((bins, frames), shape_explain=f"{bins} mel bins by ({shape[0]} + {stride} + 1)"
                      f"//{stride} = {frames} frames")


@handles("STFTSpectrogram")
def _stft(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = one(shapes, 2, "STFTSpectrogram")
    first = read_data_format(cfg) == "channels_first"
    mode = read_str(cfg, "mode", "log", ("log", "magnitude", "psd", "real", "imag", "angle", "stft"))
    frame = read_int(cfg, "frame_length", 256)
    step = read_int(cfg, "frame_step", None, none=True) or frame // 2
    fft = read_int(cfg, "fft_length", None, none=True) or 2 ** int(math.ceil(math.log2(frame)))
    freq = fft // 2 + 1
    pad = read_str(cfg, "padding", "valid", ("valid", "same"))
    time, channels = (shape[1], shape[0]) if first else shape
    (steps,), text = sizes(ar.conv_output_size, [time], (frame,), p=[pad], s=(step,), d=(1,))
    out_freq = 2 * freq if mode == "stft" else freq
    if read_bool(cfg, "expand_dims", False):
        out: Shape = (channels, steps, out_freq) if first else (steps, out_freq, channels)
    else:
        flat = None if channels is None else out_freq * channels
        out = (flat, steps) if first else (steps, flat)
    parts = Parts()
    if mode != "imag":
        parts.add("real_kernel", (frame, 1, freq))
    if mode != "real":
        parts.add("imag_kernel", (frame, 1, freq))
    return LayerCount(out, parts.trainable, 0, 0, parts.text(), f"{steps} frames: {text}")


@handles("Pipeline")
def _pipeline(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    """Its layers one after the other, their counts added up."""
    layers = get_field(cfg, "layers")
    if not isinstance(layers, list):
        raise ValueError(f"'layers' must be a list of serialized layers; got {layers!r}")
    trainable = non_trainable = macs = 0
    for layer in layers:
        if not isinstance(layer, dict) or not isinstance(layer.get("config"), dict):
            raise ValueError(f"'layers' must hold serialized layers; got {layer!r}")
        result = count_inner(str(layer.get("class_name")), layer["config"], shapes,
                                  layer.get("module"))
        trainable, non_trainable = trainable + result.trainable, non_trainable + result.non_trainable
        macs += result.macs
        shapes = result.output if isinstance(result.output, list) else [result.output]
    total = trainable + non_trainable
    return LayerCount(shapes[0] if len(shapes) == 1 else shapes, trainable, non_trainable, macs,
                      f"its {len(layers)} layers = {total:,}" if total else "no weights",
                      f"through {len(layers)} layers")
