"""Parameter counts and the memory they take."""

from __future__ import annotations

import math
from typing import Any

from cnnzoo.arithmetic.core import DTYPE_BYTES, Explained, Size, fmt
from cnnzoo.checks import check_int

__all__ = ["conv_params", "dense_params", "param_bytes"]


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
    fs = tuple(check_int(v, "filter size", 1) for v in fs)
    c_in, c_out = check_int(c_in, "input channels", 1), check_int(c_out, "filters", 1)
    groups = check_int(groups, "groups", 1)
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"groups must divide both the input channels and the filters; got groups={groups}, "
            f"input channels={c_in}, filters={c_out}"
        )
    value = (math.prod(fs) * (c_in // groups) + bias) * c_out
    chan = f"{c_in}/{groups}" if groups > 1 else f"{c_in}"
    text = f"({'*'.join(map(str, fs))}*{chan}{' + 1' if bias else ''})*{c_out} = {fmt(value)}"
    return Explained(value, text) if explain else value


def dense_params(inputs: int, units: int, *, bias: bool = True, explain: bool = False) -> Any:
    """Parameters of a fully connected layer: ``inputs*units + units`` (weights + biases).

    The lecture's motivation: a 108-megapixel RGB image into 100 hidden units.

    >>> dense_params(400, 120)
    48120
    >>> print(dense_params(108_000_000 * 3, 100, explain=True))
    324,000,000*100 + 100 = 32,400,000,100
    """
    inputs, units = check_int(inputs, "inputs", 1), check_int(units, "units", 1)
    value = inputs * units + (units if bias else 0)
    text = f"{fmt(inputs)}*{fmt(units)}{' + ' + fmt(units) if bias else ''} = {fmt(value)}"
    return Explained(value, text) if explain else value


def param_bytes(count: int, dtype: str = "float32", *, explain: bool = False) -> Any:
    """Bytes to store ``count`` numbers of ``dtype`` (float32: 32 bits = 4 bytes each).

    >>> param_bytes(32_400_000_100) / 1e9
    129.6000004
    >>> print(param_bytes(156, explain=True))
    156 * 4 bytes (float32) = 624 bytes
    """
    count = check_int(count, "count", 0)
    if dtype not in DTYPE_BYTES:
        raise ValueError(f"dtype must be one of {sorted(DTYPE_BYTES)}; got {dtype!r}")
    value = count * DTYPE_BYTES[dtype]
    text = f"{fmt(count)} * {DTYPE_BYTES[dtype]} bytes ({dtype}) = {fmt(value)} bytes"
    return Explained(value, text) if explain else value
