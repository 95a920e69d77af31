"""EinsumDense and the attention layers built of it: MultiHeadAttention, GroupedQueryAttention,
Attention, AdditiveAttention; and Dot.

``EinsumDense`` reads its kernel's shape from the equation: each kernel letter takes its size
from the output (``output_shape``, without the batch axis) or else from the input. Attention
layers are projections: ``MultiHeadAttention`` has query, key and value projections to
``num_heads*key_dim`` (value: ``value_dim``) and an output projection back.

>>> from cnnzoo.count import count_layer
>>> c = count_layer("EinsumDense", {"equation": "ab,bc->ac", "output_shape": 64, "bias_axes": "c"},
...                 [(32,)])
>>> c.output, c.explain
((64,), 'kernel 32*64 + bias 64 = 2,112')
>>> c = count_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, [(4, 6), (5, 6)])
>>> c.output, c.trainable
((4, 6), 168)
>>> c.explain
'query (6*2*3 + 2*3) + key (6*2*3 + 2*3) + value (6*2*3 + 2*3) + output (2*3*6 + 6) = 168'
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional

from cnnzoo.count.config import get_field, read_bool, read_dims, read_int, read_str
from cnnzoo.count.layer import Dim, LayerCount, Shape, fmt, handles, need, one, prod
from cnnzoo.count.quantized import Parts, kernel_parts


def _full_einsum(equation: str, bias_axes: Optional[str], full_in: tuple[Dim, ...],
                 partial: list[Dim]) -> tuple[list[Dim], Optional[list[Dim]], list[Dim], str, str, list[Dim]]:
    """Keras' ``_analyze_einsum_string`` on shapes with the batch axis: kernel shape, bias shape,
    output shape, the weight and output letters, and the output with shared sizes filled in."""
    eq = equation.replace("...", "0")
    left = False
    m = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", eq)
    if not m:
        m, left = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", eq), True
    if not m:
        m, left = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", eq), False
    if not m:
        raise ValueError(f"'equation' {equation!r} is not of the form ab,bc->ac, ...ab,bc->...ac "
                         "or ab...,bc->ac...")
    in_spec, w_spec, out_spec = m.groups()
    elided = len(full_in) - len(in_spec)
    out = [full_in[0], *partial]
    if elided > 0 and left:
        for i in range(1, elided):
            out.insert(1, full_in[i])
    elif elided > 0:
        out.extend(full_in[len(full_in) - elided:])
    if left:
        in_map = {c: i + elided - len(full_in) for i, c in enumerate(in_spec)}
        out_map = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        in_map = {c: i for i, c in enumerate(in_spec)}
        out_map = {c: i for i, c in enumerate(out_spec)}
    try:
        for c in in_spec:
            if c in out_map and out[out_map[c]] is not None and out[out_map[c]] != full_in[in_map[c]]:
                raise ValueError(f"input and 'output_shape' differ at {c!r}: {full_in[in_map[c]]} "
                                 f"and {out[out_map[c]]}")
        kernel = []
        for c in w_spec:
            if c not in out_map and c not in in_map:
                raise ValueError(f"'equation' {equation!r}: kernel letter {c!r} is in neither the "
                                 "input nor the output")
            kernel.append(out[out_map[c]] if c in out_map else full_in[in_map[c]])
        bias = None
        if bias_axes is not None:
            if any(c not in out_spec for c in bias_axes):
                raise ValueError(f"'bias_axes' {bias_axes!r} names letters not in the output {out_spec!r}")
            shift = elided if left else 0
            sizes = {c: out[i + shift] for i, c in enumerate(out_spec)}
            start = min(out_spec.find(c) for c in bias_axes)
            bias = [sizes[c] if c in bias_axes else 1 for c in out_spec[start:]]
            if not left:
                bias += [1] * max(elided, 0)
    except IndexError:
        raise ValueError(f"'equation' {equation!r} does not fit inputs of shape {full_in}") from None
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(f"'equation' {equation!r}: output letter {c!r} is in neither operand")
    known = list(out)  # for the work only: a shared axis left None takes the input's size
    for c in in_spec:
        if c in out_map and known[out_map[c]] is None:
            known[out_map[c]] = full_in[in_map[c]]
    return kernel, bias, out, w_spec, out_spec, known


def einsum_kernel(cfg: dict[str, Any], shape: Shape) -> list[int]:
    """The float kernel's shape of an ``EinsumDense`` on a batchless ``shape``."""
    kernel, _, _, w_spec, _, _ = _full_einsum(read_str(cfg, "equation"), read_str(cfg, "bias_axes", None, none=True),
                                              (None, *shape), list(read_dims(cfg, "output_shape", none_inside=True)))
    return [need(k, f"kernel size for {c!r} (from the input or 'output_shape')") for k, c in zip(kernel, w_spec)]


def einsum_count(cfg: dict[str, Any], shape: Shape) -> LayerCount:
    """One ``EinsumDense`` call on a batchless ``shape`` (LoRA and quantization included)."""
    equation = read_str(cfg, "equation")
    partial = list(read_dims(cfg, "output_shape", none_inside=True))
    bias_axes = read_str(cfg, "bias_axes", None, none=True)
    kernel, bias, out, w_spec, out_spec, known = _full_einsum(equation, bias_axes, (None, *shape), partial)
    kernel = [need(k, f"kernel size for {c!r} (from the input or 'output_shape')")
              for k, c in zip(kernel, w_spec)]
    bias_dims = [need(b, "bias size") for b in bias] if bias is not None else []
    rows = math.prod(k for k, c in zip(kernel, w_spec) if c not in out_spec)
    cols = math.prod(k for k, c in zip(kernel, w_spec) if c in out_spec)
    parts, prefix = kernel_parts(cfg, tuple(kernel), rows, cols)
    if bias is not None:
        parts.add("bias", tuple(bias_dims))
    macs = (prod(known[1:]) or 0) * rows
    return LayerCount(tuple(out[1:]), parts.trainable, parts.non_trainable, macs,
                      parts.text(prefix), f"{equation} -> {tuple(out[1:])}")


@handles("EinsumDense")
def _einsum_dense(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    return einsum_count(cfg, one(shapes, what="EinsumDense"))


def _proj(free: int, bound: int, outputs: int) -> tuple[str, str, int]:
    """Keras' ``_build_proj_equation``: (equation, bias axes, output rank)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    inp = letters[:free]
    bound_l = letters[free:free + bound]
    out_l = letters[free + bound:free + bound + outputs]
    return f"{inp}{bound_l},{bound_l}{out_l}->{inp}{out_l}", out_l, free + outputs


def _sub(cfg: dict[str, Any], equation: str, output: list[Dim], bias: str, shape: Shape) -> LayerCount:
    sub = {"equation": equation, "output_shape": output, "dtype": cfg.get("dtype"),
           "bias_axes": bias if read_bool(cfg, "use_bias", True) else None}
    return einsum_count(sub, shape)


def _attention_inputs(shapes: list[Shape], what: str) -> tuple[Shape, Shape, Shape]:
    if len(shapes) not in (2, 3):
        raise ValueError(f"{what} takes [query, value] or [query, value, key]; got {len(shapes)} inputs")
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) == 3 else value
    if value[:-1] != key[:-1]:
        raise ValueError(f"{what}: value and key must agree but for the last axis; got {value} and {key}")
    return query, value, key


def _sum(named: list[tuple[str, LayerCount]], output: Shape | list[Shape], shape_text: str) -> LayerCount:
    trainable = sum(c.trainable for _, c in named)
    non_trainable = sum(c.non_trainable for _, c in named)
    terms = []
    for name, c in named:
        body = c.explain.rsplit(" = ", 1)[0]
        if body.startswith("kernel ") and "(non-trainable)" not in body and ": " not in body:
            body = body.replace("kernel ", "").replace(" + bias ", " + ")
        terms.append(f"{name} ({body})")
    return LayerCount(output, trainable, non_trainable, sum(c.macs for _, c in named),
                      f"{' + '.join(terms)} = {fmt(trainable + non_trainable)}", shape_text)


@handles("MultiHeadAttention")
def _mha(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    query, value, key = _attention_inputs(shapes, "MultiHeadAttention")
    heads, key_dim = read_int(cfg, "num_heads"), read_int(cfg, "key_dim")
    value_dim = read_int(cfg, "value_dim", None, none=True) or key_dim
    out_shape = get_field(cfg, "output_shape", None)
    out_dims = list(read_dims(cfg, "output_shape")) if out_shape else [need(query[-1], "query's last axis")]
    axes = get_field(cfg, "attention_axes", None)
    if axes is not None:
        read_dims({"attention_axes": axes}, "attention_axes", minimum=-len(query) - 1)
    named = []
    for name, shape, dim in (("query", query, key_dim), ("key", key, key_dim), ("value", value, value_dim)):
        eq, bias, rank = _proj(len(shape), 1, 2)
        named.append((name, _sub(cfg, eq, [None] * (rank - 3) + [heads, dim], bias, shape)))
    if read_bool(cfg, "use_gate", False):
        eq, bias, rank = _proj(len(query), 1, 2)
        named.insert(1, ("gate", _sub(cfg, eq, [None] * (rank - 3) + [heads, value_dim], bias, query)))
    eq, bias, rank = _proj(len(query), 2, len(out_dims))
    projected = (*query[:-1], heads, value_dim)
    named.append(("output", _sub(cfg, eq, [None] * (rank - 1 - len(out_dims)) + out_dims, bias,
                                 projected)))
    output: Shape | list[Shape] = (*query[:-1], *out_dims) if out_shape else query
    if read_bool(cfg, "return_attention_scores", False):  # the shape Keras declares, whatever the axes
        output = [output, (heads, query[0], query[0])]  # type: ignore[list-item]
    return _sum(named, output, f"{heads} heads of {key_dim}")


@handles("GroupedQueryAttention", "GroupQueryAttention")
def _gqa(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    query, value, key = _attention_inputs(shapes, "GroupedQueryAttention")
    if len(query) != 2 or len(value) != 2:
        raise ValueError("GroupedQueryAttention takes inputs (batch, length, features)")
    if query[-1] != value[-1]:
        raise ValueError(f"query and value must have one feature size; got {query[-1]} and {value[-1]}")
    dim = read_int(cfg, "head_dim")
    q_heads, kv_heads = read_int(cfg, "num_query_heads"), read_int(cfg, "num_key_value_heads")
    if q_heads % kv_heads:
        raise ValueError(f"'num_query_heads' ({q_heads}) must be a multiple of "
                         f"'num_key_value_heads' ({kv_heads})")
    named = [("query", _sub(cfg, "bqm,muh->bquh", [None, q_heads, dim], "uh", query))]
    if read_bool(cfg, "use_gate", False):
        named.append(("gate", _sub(cfg, "bqm,muh->bquh", [None, q_heads, dim], "uh", query)))
    named.append(("key", _sub(cfg, "bkm,mvh->bkvh", [None, kv_heads, dim], "vh", key)))
    named.append(("value", _sub(cfg, "bkm,mvh->bkvh", [None, kv_heads, dim], "vh", value)))
    named.append(("output", _sub(cfg, "bquh,uhm->bqm", [None, query[-1]], "m",
                                 (None, q_heads, dim))))
    output = [query, (q_heads, query[0], key[0])] if read_bool(cfg, "return_attention_scores", False) else query
    return _sum(named, output, f"{q_heads} query heads sharing {kv_heads} key/value heads of {dim}")


def _attention(cfg: dict[str, Any], shapes: list[Shape], additive: bool) -> LayerCount:
    query, value, key = _attention_inputs(shapes, "AdditiveAttention" if additive else "Attention")
    output: Shape | list[Shape] = (*query[:-1], value[-1])
    if read_bool(cfg, "return_attention_scores", False):  # (..., Tq, Tv), as Keras declares them
        output = [output, (*query[:-1], (None, *key)[-2])]  # type: ignore[list-item]
    parts = Parts()
    if additive:
        if read_bool(cfg, "use_scale", True):
            parts.add("scale", (need(query[-1], "query's last axis"),))
    else:
        if read_bool(cfg, "use_scale", False):
            parts.add("scale", ())
        if read_str(cfg, "score_mode", "dot", ("dot", "concat")) == "concat":
            parts.add("concat_score_weight", ())
    text = parts.text() if parts.items else "no weights"
    return LayerCount(output, parts.trainable, 0, 0, text, "query's shape with the value's last axis")


handles("Attention")(lambda cfg, shapes: _attention(cfg, shapes, False))
handles("AdditiveAttention")(lambda cfg, shapes: _attention(cfg, shapes, True))


@handles("Dot")
def _dot(cfg: dict[str, Any], shapes: list[Shape]) -> LayerCount:
    if len(shapes) != 2:
        raise ValueError(f"Dot takes two inputs; got {len(shapes)}")
    s1, s2 = [None, *shapes[0]], [None, *shapes[1]]
    axes = read_dims(cfg, "axes", minimum=-max(len(s1), len(s2)))
    read_bool(cfg, "normalize", False)
    if len(axes) == 1:
        a = axes[0]
        pair = [a % len(s1), a % len(s2)] if a < 0 else [a, a]
    elif len(axes) == 2:
        pair = list(axes)
    else:
        raise ValueError(f"'axes' must be one axis or two; got {axes}")
    if not all(-len(s) <= a < len(s) for a, s in zip(pair, (s1, s2))):
        raise ValueError(f"'axes' {axes} does not fit inputs {shapes}")
    if s1[pair[0]] is not None and s2[pair[1]] is not None and s1[pair[0]] != s2[pair[1]]:
        raise ValueError(f"Dot: sizes {s1[pair[0]]} and {s2[pair[1]]} at axes {pair} differ")
    s1.pop(pair[0])
    s2.pop(pair[1])
    s2.pop(0)
    out = s1 + s2
    if len(out) == 1:
        out.append(1)
    return LayerCount(tuple(out[1:]), shape_explain=f"dot product over axes {pair}")
