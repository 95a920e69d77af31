"""Convolution arithmetic in pure Python: output sizes, padding, parameters, receptive field.

Every function takes integers (or ``(height, width)`` pairs: a pair anywhere gives a
pair back) and, with ``explain=True``, returns an :class:`Explained` value that carries
the formula with the numbers filled in.

>>> conv_output_size(32, 5)
28
>>> print(conv_output_size(32, 5, explain=True))
(32 + 2*0 - 5)//1 + 1 = 28
>>> conv_output_size((32, 24), 5, p="same", s=2)
(16, 12)

Semantics follow Keras/TensorFlow: ``"same"`` gives ``ceil(n / s)`` whatever the
filter, dilation enlarges a filter to ``d*(f - 1) + 1``, pooling strides default to the
pool size. Bad input raises ``TypeError`` (not an integer) or ``ValueError`` (the rule
it breaks and the value received); a size is never silently 0 or negative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Union

__all__ = [
    "Explained",
    "conv_output_size",
    "same_padding",
    "pool_output_size",
    "transposed_output_size",
    "effective_filter",
    "receptive_field",
    "pixel_usage",
    "conv_params",
    "dense_params",
    "param_bytes",
    "DTYPE_BYTES",
]

Size = Union[int, tuple[int, int]]
Padding = Union[int, str, tuple[int, int]]

#: Bytes per element of the dtypes a model's parameters or activations are stored in.
DTYPE_BYTES = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "mixed_float16": 4,
    "mixed_bfloat16": 4,
    "int64": 8,
    "int32": 4,
    "int8": 1,
    "uint8": 1,
    "bool": 1,
}


@dataclass(frozen=True)
class Explained:
    """A computed value together with the worked formula that produced it.

    ``str()`` gives the formula; ``.value`` the number (or pair); it compares equal to
    its value so it can stand in for the plain result.

    >>> r = conv_output_size(7, 3, p=1, s=2, explain=True)
    >>> r.value, r.text
    (4, '(7 + 2*1 - 3)//2 + 1 = 4')
    >>> r == 4
    True
    """

    value: Any
    text: str

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Explained):
            return self.value == other.value
        return self.value == other

    def __hash__(self) -> int:
        return hash(self.value)

    def __int__(self) -> int:
        return int(self.value)


# --------------------------------------------------------------------------- validation


def _check_int(value: Any, name: str, minimum: int) -> int:
    # numpy integers are integers too (they have __index__); bools and floats are not.
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = value.__index__()
    if value < minimum:
        rule = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{name} must be {rule}; got {value}")
    return value


def _is_pair(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and not isinstance(value, str)


def _axes(named: dict[str, Any]) -> int | None:
    """Return 2 when any argument is a pair, None when all are scalars; reject bad pairs."""
    pair = None
    for name, value in named.items():
        if _is_pair(value):
            if len(value) != 2:
                raise ValueError(
                    f"{name} must be an int or an (height, width) pair; got {tuple(value)!r}"
                )
            pair = 2
    return pair


def _split(value: Any, axis: int | None) -> Any:
    if axis is None or not _is_pair(value):
        return value
    return value[axis]


def _per_axis(
    compute: Callable[..., tuple[Any, str]], explain: bool, **named: Any
) -> Any:
    """Run ``compute`` per axis (a pair anywhere gives a pair back) and join the texts."""
    if _axes(named) is None:
        value, text = compute(**named)
        return Explained(value, text) if explain else value
    results = [compute(**{k: _split(v, i) for k, v in named.items()}) for i in (0, 1)]
    value = (results[0][0], results[1][0])
    if explain:
        if results[0][1] == results[1][1]:
            text = f"{results[0][1]} (height and width)"
        else:
            text = f"height: {results[0][1]}; width: {results[1][1]}"
        return Explained(value, text)
    return value


def _padding_kind(p: Any) -> str | int:
    if isinstance(p, str):
        mode = p.lower()
        if mode not in ("valid", "same"):
            raise ValueError(f"padding must be an int, 'valid' or 'same'; got {p!r}")
        return mode
    return _check_int(p, "padding", 0)


# ------------------------------------------------------------------------- output sizes


def effective_filter(f: Size, d: Size = 1, *, explain: bool = False) -> Any:
    """Size a dilated filter covers: ``d*(f - 1) + 1``.

    >>> effective_filter(3, 2)
    5
    >>> print(effective_filter(3, 2, explain=True))
    2*(3 - 1) + 1 = 5
    """

    def one(f: int, d: int) -> tuple[int, str]:
        f, d = _check_int(f, "filter size", 1), _check_int(d, "dilation", 1)
        value = d * (f - 1) + 1
        return value, f"{d}*({f} - 1) + 1 = {value}"

    return _per_axis(one, explain, f=f, d=d)


def _conv_one(n: int, f: int, p: Any, s: int, d: int) -> tuple[int, str]:
    n = _check_int(n, "input size", 1)
    f = _check_int(f, "filter size", 1)
    s = _check_int(s, "stride", 1)
    d = _check_int(d, "dilation", 1)
    mode = _padding_kind(p)
    fe = d * (f - 1) + 1
    prefix = f"f' = {d}*({f} - 1) + 1 = {fe}; " if d > 1 else ""
    if mode == "same":
        value = -(-n // s)
        return value, f"{prefix}same: ceil({n}/{s}) = {value}"
    pad = 0 if mode == "valid" else mode
    if n + 2 * pad < fe:
        what = f"filter of effective size {fe}" if d > 1 else f"filter of size {fe}"
        raise ValueError(
            f"the {what} does not fit the padded input {n} + 2*{pad} = {n + 2 * pad}; "
            "the padded input must be at least as large as the filter"
        )
    value = (n + 2 * pad - fe) // s + 1
    return value, f"{prefix}({n} + 2*{pad} - {fe})//{s} + 1 = {value}"


def conv_output_size(
    n: Size, f: Size, p: Padding = 0, s: Size = 1, d: Size = 1, *, explain: bool = False
) -> Any:
    """Output size of a convolution: ``floor((n + 2p - f') / s) + 1`` with ``f' = d(f-1)+1``.

    ``p`` is an int (zeros on every side), ``"valid"`` (no padding) or ``"same"``
    (Keras/TensorFlow: output ``ceil(n / s)``).

    >>> [conv_output_size(n, 5) for n in (32, 28, 24)]
    [28, 24, 20]
    >>> conv_output_size(5, 3, p=1, s=2)
    3
    >>> conv_output_size(32, 3, d=2)
    28
    >>> print(conv_output_size(32, 5, p="same", s=2, explain=True))
    same: ceil(32/2) = 16
    >>> conv_output_size(3, 5)
    Traceback (most recent call last):
    ...
    ValueError: the filter of size 5 does not fit the padded input 3 + 2*0 = 3; the padded input must be at least as large as the filter
    """
    return _per_axis(_conv_one, explain, n=n, f=f, p=p, s=s, d=d)


def same_padding(
    f: Size, d: Size = 1, *, s: Size = 1, n: Size | None = None, explain: bool = False
) -> Any:
    """Zero padding that keeps the size (stride 1), as TensorFlow's ``"same"`` splits it.

    An odd effective filter pads ``(f' - 1)/2`` on each side (an int). An even one
    cannot pad symmetrically: TensorFlow puts the extra pixel after (bottom/right), and
    the result is the ``(before, after)`` pair. With a stride above 1 the padding depends
    on the input size ``n``: total ``max((ceil(n/s) - 1)*s + f' - n, 0)``.

    >>> same_padding(5)
    2
    >>> same_padding(4)
    (1, 2)
    >>> same_padding(3, 2)
    2
    >>> same_padding(3, s=2, n=8)
    (0, 1)
    >>> print(same_padding(5, explain=True))
    (5 - 1)/2 = 2 on each side
    """

    def one(f: int, d: int, s: int, n: Any) -> tuple[Any, str]:
        f, d, s = _check_int(f, "filter size", 1), _check_int(d, "dilation", 1), _check_int(s, "stride", 1)
        fe = d * (f - 1) + 1
        if n is None:
            if s != 1:
                raise ValueError(
                    f"same padding with stride {s} depends on the input size; pass n"
                )
            total, how = fe - 1, f"{fe} - 1"
        else:
            n = _check_int(n, "input size", 1)
            out = -(-n // s)
            total = max((out - 1) * s + fe - n, 0)
            how = f"max(({out} - 1)*{s} + {fe} - {n}, 0)"
        before, after = total // 2, total - total // 2
        if before == after and n is None:
            return before, f"({how})/2 = {before} on each side"
        if before == after:
            return before, f"total {how} = {total}: {before} on each side"
        return (before, after), f"total {how} = {total}: {before} before, {after} after (the extra one after, as TensorFlow does)"

    return _per_axis(one, explain, f=f, d=d, s=s, n=n)


def pool_output_size(
    n: Size, pool: Size, s: Size | None = None, padding: Padding = "valid", *, explain: bool = False
) -> Any:
    """Output size of pooling: the convolution formula, stride defaulting to the pool size.

    Pooling has no parameters; only its window and stride set the size.

    >>> pool_output_size(28, 2)
    14
    >>> pool_output_size(55, 3, s=2)
    27
    >>> pool_output_size(5, 2, padding="same")
    3
    """
    return conv_output_size(n, pool, padding, pool if s is None else s, 1, explain=explain)


def transposed_output_size(
    n: Size,
    f: Size,
    s: Size = 1,
    padding: str = "valid",
    d: Size = 1,
    output_padding: Size | None = None,
    *,
    explain: bool = False,
) -> Any:
    """Output size of a transposed convolution with Keras ``Conv2DTranspose`` semantics.

    ``"valid"`` gives ``n*s + max(f' - s, 0)`` (the textbook ``(n - 1)*s + f'`` only
    when ``f' >= s``), ``"same"`` gives ``n*s``. With ``output_padding`` ``op``:
    valid ``(n - 1)*s + f' + op``, same ``(n - 1)*s + f' - 2*(f'//2) + op``.

    >>> transposed_output_size(4, 3, s=2)
    9
    >>> transposed_output_size(4, 1, s=2)
    8
    >>> transposed_output_size(4, 3, s=2, padding="same")
    8
    """

    def one(n: int, f: int, s: int, padding: Any, d: int, output_padding: Any) -> tuple[int, str]:
        n, f = _check_int(n, "input size", 1), _check_int(f, "filter size", 1)
        s, d = _check_int(s, "stride", 1), _check_int(d, "dilation", 1)
        mode = _padding_kind(padding)
        if not isinstance(mode, str):
            raise ValueError(f"transposed padding must be 'valid' or 'same'; got {padding!r}")
        fe = d * (f - 1) + 1
        if output_padding is None:
            if mode == "valid":
                value = n * s + max(fe - s, 0)
                return value, f"{n}*{s} + max({fe} - {s}, 0) = {value}"
            return n * s, f"same: {n}*{s} = {n * s}"
        op = _check_int(output_padding, "output_padding", 0)
        if op >= s:
            raise ValueError(f"output_padding must be smaller than the stride {s}; got {op}")
        if mode == "valid":
            value = (n - 1) * s + fe + op
            return value, f"({n} - 1)*{s} + {fe} + {op} = {value}"
        value = (n - 1) * s + fe - 2 * (fe // 2) + op
        return value, f"({n} - 1)*{s} + {fe} - 2*({fe}//2) + {op} = {value}"

    return _per_axis(one, explain, n=n, f=f, s=s, padding=padding, d=d, output_padding=output_padding)


# ------------------------------------------------------------------- receptive field


def _layer_triples(layers: Any) -> list[tuple[int, int, int]]:
    if isinstance(layers, str):
        from cnnzoo.specs import get_spec  # a model name: read its layers from the spec

        return get_spec(layers).receptive_layers()
    triples = []
    for i, layer in enumerate(layers):
        if isinstance(layer, dict):
            f, s, d = layer.get("f"), layer.get("s", 1), layer.get("d", 1)
        elif _is_pair(layer) and len(layer) in (2, 3):
            f, s, d = (*layer, 1)[:3]
        else:
            raise ValueError(
                f"layer {i} must be (filter, stride), (filter, stride, dilation) or a dict "
                f"with keys f, s, d; got {layer!r}"
            )
        triples.append(
            (_check_int(f, f"layer {i} filter", 1), _check_int(s, f"layer {i} stride", 1),
             _check_int(d, f"layer {i} dilation", 1))
        )
    return triples


def receptive_field(layers: Sequence[Any] | str, *, explain: bool = False) -> Any:
    """Receptive field of one output pixel after a stack of layers, in input pixels.

    ``layers`` lists ``(filter, stride)`` or ``(filter, stride, dilation)`` per layer
    (convolutions and pooling alike), or names a model in the registry.
    ``r = 1 + sum_l (f'_l - 1) * prod_{k<l} s_k``.

    >>> receptive_field([(3, 1), (3, 1)])
    5
    >>> receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)])  # LeNet-5 up to pool2
    16
    >>> print(receptive_field([(3, 1), (2, 2), (3, 1)], explain=True))
    1 + (3-1)*1 + (2-1)*1 + (3-1)*2 = 8
    """
    triples = _layer_triples(layers)
    if not triples:
        raise ValueError("receptive_field needs at least one layer; got none")
    r, jump, terms = 1, 1, []
    for f, s, d in triples:
        fe = d * (f - 1) + 1
        r += (fe - 1) * jump
        terms.append(f"({fe}-1)*{jump}")
        jump *= s
    return Explained(r, f"1 + {' + '.join(terms)} = {r}") if explain else r


def pixel_usage(n: Size, f: Size, s: Size = 1, p: Size = 0, d: Size = 1) -> list[list[int]]:
    """How many output positions read each input pixel (a grid of the input's size).

    >>> grid = pixel_usage(5, 3)
    >>> grid[0][0], grid[2][2]
    (1, 9)
    >>> grid[0]
    [1, 2, 3, 2, 1]
    """

    def counts(n: int, f: int, s: int, p: int, d: int) -> tuple[list[int], str]:
        out = _conv_one(n, f, p, s, d)[0]  # validates every argument
        use = [0] * n
        for o in range(out):
            for k in range(f):
                i = o * s - p + k * d  # input index read by output o, filter tap k
                if 0 <= i < n:
                    use[i] += 1
        return use, ""

    if not _is_pair(n):
        n = (n, n)
    rows, cols = _per_axis(counts, False, n=n, f=f, s=s, p=p, d=d)
    return [[r * c for c in cols] for r in rows]


# ------------------------------------------------------------------------ parameters


def _fmt(value: int) -> str:
    return f"{value:,}"


def conv_params(
    f: Size, c_in: int, c_out: int, *, bias: bool = True, groups: int = 1, explain: bool = False
) -> Any:
    """Parameters of a convolution: ``(fh*fw*c_in/groups + 1) * c_out`` (no ``+ 1`` without bias).

    ``f`` is an int (a square filter) or the kernel's sizes, one per spatial axis.

    >>> conv_params(5, 6, 16)
    2416
    >>> print(conv_params(5, 6, 16, explain=True))
    (5*5*6 + 1)*16 = 2,416
    >>> conv_params(5, 96, 256, groups=2)
    307456
    """
    fs = tuple(f) if isinstance(f, (tuple, list)) else (f, f)
    fs = tuple(_check_int(v, "filter size", 1) for v in fs)
    c_in, c_out = _check_int(c_in, "input channels", 1), _check_int(c_out, "filters", 1)
    groups = _check_int(groups, "groups", 1)
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"groups must divide both the input channels and the filters; got groups={groups}, "
            f"input channels={c_in}, filters={c_out}"
        )
    value = (math.prod(fs) * (c_in // groups) + bias) * c_out
    chan = f"{c_in}/{groups}" if groups > 1 else f"{c_in}"
    text = f"({'*'.join(map(str, fs))}*{chan}{' + 1' if bias else ''})*{c_out} = {_fmt(value)}"
    return Explained(value, text) if explain else value


def dense_params(inputs: int, units: int, *, bias: bool = True, explain: bool = False) -> Any:
    """Parameters of a fully connected layer: ``inputs*units + units`` (weights + biases).

    The lecture's motivation: a 108-megapixel RGB image into 100 hidden units.

    >>> dense_params(400, 120)
    48120
    >>> print(dense_params(108_000_000 * 3, 100, explain=True))
    324,000,000*100 + 100 = 32,400,000,100
    """
    inputs, units = _check_int(inputs, "inputs", 1), _check_int(units, "units", 1)
    value = inputs * units + (units if bias else 0)
    text = f"{_fmt(inputs)}*{_fmt(units)}{' + ' + _fmt(units) if bias else ''} = {_fmt(value)}"
    return Explained(value, text) if explain else value


def param_bytes(count: int, dtype: str = "float32", *, explain: bool = False) -> Any:
    """Bytes to store ``count`` numbers of ``dtype`` (float32: 32 bits = 4 bytes each).

    >>> param_bytes(32_400_000_100) / 1e9
    129.6000004
    >>> print(param_bytes(156, explain=True))
    156 * 4 bytes (float32) = 624 bytes
    """
    count = _check_int(count, "count", 0)
    if dtype not in DTYPE_BYTES:
        raise ValueError(f"dtype must be one of {sorted(DTYPE_BYTES)}; got {dtype!r}")
    value = count * DTYPE_BYTES[dtype]
    text = f"{_fmt(count)} * {DTYPE_BYTES[dtype]} bytes ({dtype}) = {_fmt(value)} bytes"
    return Explained(value, text) if explain else value
