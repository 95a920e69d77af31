"""Recurrent layers and the wrappers that call another layer: SimpleRNN, LSTM, GRU, RNN over
cells, ConvLSTM1D/2D/3D, Bidirectional, TimeDistributed, SpectralNormalization.

A gate is a kernel on the input, a recurrent kernel on the state and a bias: SimpleRNN has
one, GRU three (``reset_after=True``, Keras' default, keeps two biases per gate), LSTM and
ConvLSTM four. ``unit_forget_bias`` only initializes the forget gate's bias.

>>> from cnnzoo.count import count_layer
>>> count_layer("LSTM", {"units": 4}, [(10, 3)]).explain
'4*(3*4 + 4*4 + 4) = 128'
>>> c = count_layer("GRU", {"units": 4, "return_state": True}, [(10, 3)])
>>> c.output, c.explain
([(4,), (4,)], '3*(3*4 + 4*4 + 2*4) = 108')
>>> count_layer("SimpleRNN", {"units": 8, "return_sequences": True}, [(None, 2)]).output
(None, 8)
>>> c = count_layer("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": 4}}},
...                 [(10, 3)])
>>> c.output, c.trainable
((8,), 256)
"""

from __future__ import annotations

import math
from typing import Any

from cnnzoo import arithmetic as ar
from cnnzoo.count.config import (
    get_field,
    read_bool,
    read_data_format,
    read_int,
    read_ints,
    read_layer,
    read_str,
)
from cnnzoo.count.core import count_inner
from cnnzoo.count.layer import (
    Dim,
    Handler,
    LayerCount,
    Shape,
    UnknownLayer,
    fmt,
    handles,
    join_channels,
    need,
    one,
    output_shapes,
    sizes,
)

_GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}
_STATES = {"SimpleRNN": 1, "GRU": 1, "LSTM": 2}


def _cell_weights(kind: str, cfg: dict[str, Any], n_in: int) -> tuple[int, int, str]:
    """(units, parameters, formula) of one SimpleRNN/GRU/LSTM cell on ``n_in`` features."""
    units, g = read_int(cfg, "units"), _GATES[kind]
    bias = read_bool(cfg, "use_bias", True)
    read_bool(cfg, "unit_forget_bias", True)  # initialization only
    two = kind == "GRU" and read_bool(cfg, "reset_after", True)
    b = (2 if two else 1) * units if bias else 0
    value = g * (n_in * units + units * units + b)
    bias_text = (f" + 2*{units}" if two else f" + {units}") if bias else ""
    inner = f"{n_in}*{units} + {units}*{units}{bias_text}"
    return units, value, (f"{g}*({inner})" if g > 1 else inner)


def _states_after(shapes: list[Shape], rank: int | None, what: str) -> Shape:
    """The sequence an RNN is called on; inputs after it are initial states (no weights)."""
    return one(shapes[:1], rank, what)


def _sequence(cfg: dict[str, Any], shapes: list[Shape], what: str) -> tuple[Dim, int]:
    shape = _states_after(shapes, 2, what)
    return shape[0], need(shape[1], "number of input features")


def _outputs(cfg: dict[str, Any], steps: Dim, out: Shape, states: list[Shape]) -> Shape | list[Shape]:
    output: Shape = (steps, *out) if read_bool(cfg, "return_sequences", False) else out
    return [output, *states] if read_bool(cfg, "return_state", False) else output


def _rnn(kind: str) -> Handler:
    def count(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
        steps, n_in = _sequence(cfg, shapes, kind)
        units, value, text = _cell_weights(kind, cfg, n_in)
        out = _outputs(cfg, steps, (units,), [(units,)] * _STATES[kind])
        per = " per step" if read_bool(cfg, "return_sequences", False) else ""
        return LayerCount(out, value, 0, (steps or 0) * value, f"{text} = {fmt(value)}",
                          f"{units} units{per}")

    return count


for _name in _GATES:
    handles(_name)(_rnn(_name))


def _cell(kind: str) -> Handler:
    def count(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
        """One step called by hand, ``cell(x, states)``: the output, then the new states."""
        n = _STATES[kind]
        if len(shapes) != 1 + n or len(shapes[0]) != 1:
            raise ValueError(f"{kind}Cell takes inputs (batch, features) and {n} state(s); got {shapes}")
        units, value, text = _cell_weights(kind, cfg, need(shapes[0][0], "number of input features"))
        return LayerCount([(units,)] * (1 + n), value, 0, value, f"{text} = {fmt(value)}",
                          f"{units} units")

    return count


for _name in _GATES:
    handles(f"{_name}Cell")(_cell(_name))


@handles("RNN")
def _rnn_cells(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    """``RNN`` over one cell or ``StackedRNNCells``: each cell reads the one before it."""
    kind, cell, _ = read_layer(cfg, "cell")
    cells = [read_layer({"cell": c}, "cell")[:2] for c in get_field(cell, "cells")] \
        if kind == "StackedRNNCells" else [(kind, cell)]
    steps, n_in = _sequence(cfg, shapes, "RNN")
    total, texts, states = 0, [], []
    for name, c in cells:
        base = name[:-4] if name.endswith("Cell") else ""
        if base not in _GATES:
            raise UnknownLayer(f"RNN over a {name}")
        n_in, value, text = _cell_weights(base, c, n_in)
        total += value
        texts.append(text)
        states += [(n_in,)] * _STATES[base]
    text = f"{' + '.join(texts)} = {fmt(total)}"
    return LayerCount(_outputs(cfg, steps, (n_in,), states), total, 0, (steps or 0) * total, text,
                      f"{len(cells)} cell{'s' if len(cells) > 1 else ''}")


@handles("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
def _conv_lstm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    shape = _states_after(shapes, None, "ConvLSTM")
    rank = len(shape) - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"ConvLSTM expects inputs (batch, time, spatial axes, channels); "
                         f"got shape {(None, *shape)}")
    first = read_data_format(cfg) == "channels_first"
    steps, step = shape[0], shape[1:]
    spatial, c_in = (list(step[1:]), step[0]) if first else (list(step[:-1]), step[-1])
    c_in = need(c_in, "number of input channels")
    k = read_ints(cfg, "kernel_size", rank)
    s, d = read_ints(cfg, "strides", rank, 1), read_ints(cfg, "dilation_rate", rank, 1)
    pad = read_str(cfg, "padding", "valid", ("valid", "same"))
    out, shape_text = sizes(ar.conv_output_size, spatial, k, p=[pad] * rank, s=s, d=d)
    filters, bias = read_int(cfg, "filters"), read_bool(cfg, "use_bias", True)
    read_bool(cfg, "unit_forget_bias", True)  # initialization only
    kk, kp = "*".join(map(str, k)), math.prod(k)
    value = 4 * (kp * c_in * filters + kp * filters * filters + (filters if bias else 0))
    text = f"4*({kk}*{c_in}*{filters} + {kk}*{filters}*{filters}{f' + {filters}' if bias else ''})" \
           f" = {fmt(value)}"
    state = join_channels(out, filters, first)
    positions = math.prod(o or 0 for o in out)
    macs = (steps or 0) * positions * 4 * kp * filters * (c_in + filters)
    return LayerCount(_outputs(cfg, steps, state, [state, state]), value, 0, macs, text, shape_text)


# --------------------------------------------------------------------------- wrappers


def _inner(cfg: dict[str, Any], key: str, shape: Shape) -> LayerCount:
    name, inner, module = read_layer(cfg, key)
    return count_inner(name, inner, [shape], module)


_MERGES = ("concat", "sum", "mul", "ave")


@handles("Bidirectional")
def _bidirectional(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    """A forward and a backward copy of ``layer`` (or ``backward_layer``), outputs merged."""
    shape = _states_after(shapes, None, "Bidirectional")
    merge = read_str(cfg, "merge_mode", "concat", _MERGES, none=True)
    forward = _inner(cfg, "layer", shape)
    backward = _inner(cfg, "backward_layer", shape) if cfg.get("backward_layer") else forward
    fwd, bwd = output_shapes(forward), output_shapes(backward)
    if len(fwd) != len(bwd):
        raise ValueError("the forward and backward layers must both return their states or neither")
    (f_out, *f_states), (b_out, *b_states) = fwd, bwd
    if merge == "concat":
        last = None if f_out[-1] is None or b_out[-1] is None else f_out[-1] + b_out[-1]
        outs: list[Shape] = [(*f_out[:-1], last)]
        how = f"concat: {f_out[-1]} + {b_out[-1]} = {last}"
    elif merge is None:
        outs, how = [f_out, b_out], "forward and backward outputs apart"
    else:
        outs, how = [f_out], f"{merge} of the two outputs"
    outs += f_states + b_states
    trainable = forward.trainable + backward.trainable
    non_trainable = forward.non_trainable + backward.non_trainable
    total = trainable + non_trainable
    text = f"forward {forward.explain.rsplit(' = ', 1)[0]} + backward " \
           f"{backward.explain.rsplit(' = ', 1)[0]} = {fmt(total)}"
    return LayerCount(outs[0] if len(outs) == 1 else outs, trainable, non_trainable,
                      forward.macs + backward.macs, text, how)


@handles("TimeDistributed")
def _time_distributed(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    """The wrapped layer, counted once, on each step: its shapes gain the time axis back."""
    shape = one(shapes, what="TimeDistributed")
    if not shape:
        raise ValueError("TimeDistributed needs inputs of rank 3 or more (batch, time, ...); got (None,)")
    result = _inner(cfg, "layer", shape[1:])
    outs = [(shape[0], *o) for o in output_shapes(result)]
    return LayerCount(outs[0] if len(outs) == 1 else outs, result.trainable, result.non_trainable,
                      (shape[0] or 0) * result.macs, result.explain,
                      f"each of {shape[0]} steps: {result.shape_explain or 'the inner layer'}")


@handles("SpectralNormalization")
def _spectral_norm(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    """The wrapped layer, plus a non-trainable ``vector_u`` as long as its kernel's last axis."""
    name, inner, module = read_layer(cfg)
    result = count_inner(name, inner, shapes, module)
    shape = one(shapes, what="SpectralNormalization")
    last = {"Dense": lambda: read_int(inner, "units"), "Embedding": lambda: read_int(inner, "output_dim"),
            "ReversibleEmbedding": lambda: read_int(inner, "output_dim"),
            "DepthwiseConv1D": lambda: read_int(inner, "depth_multiplier", 1),
            "DepthwiseConv2D": lambda: read_int(inner, "depth_multiplier", 1)}
    if name in last:
        n = last[name]()
    elif name.startswith(("Conv", "Convolution")) and name.endswith("Transpose"):
        n = need(shape[0 if read_data_format(inner) == "channels_first" else -1], "number of input channels")
    elif name.startswith(("Conv", "Convolution")) and name[-2:] in ("1D", "2D", "3D"):
        n = read_int(inner, "filters")
    elif name == "EinsumDense":
        from cnnzoo.count.attention import einsum_kernel

        n = einsum_kernel(inner, shape)[-1]
    else:
        raise ValueError(f"SpectralNormalization needs a layer with a kernel or embeddings; got {name}")
    total = result.trainable + result.non_trainable + n
    body = result.explain.rsplit(" = ", 1)[0] if " = " in result.explain else result.explain
    return LayerCount(result.output, result.trainable, result.non_trainable + n, result.macs,
                      f"{body} + vector_u 1*{n} (non-trainable) = {fmt(total)}", result.shape_explain)
