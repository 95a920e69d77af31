"""Output sizes: convolution, "same" padding, pooling, transposed convolution."""

from __future__ import annotations

from typing import Any

from cnnzoo.arithmetic.core import Padding, Size, padding_kind, per_axis
from cnnzoo.checks import check_int

__all__ = ["effective_filter", "conv_output_size", "same_padding", "pool_output_size", "transposed_output_size"]


def effective_filter(f: Size, *, d: Size = 1, explain: bool = False) -> Any:
    """Size a dilated filter covers: ``d*(f - 1) + 1``.

    >>> effective_filter(3, d=2)
    5
    >>> print(effective_filter(3, d=2, explain=True))
    2*(3 - 1) + 1 = 5
    """

    def one(f: int, d: int) -> tuple[int, str]:
        f, d = check_int(f, "filter size", 1), check_int(d, "dilation", 1)
        value = d * (f - 1) + 1
        return value, f"{d}*({f} - 1) + 1 = {value}"

    return per_axis(one, explain, f=f, d=d)


def conv_one(n: int, f: int, p: Any, s: int, d: int) -> tuple[int, str]:
    """One axis of :func:`conv_output_size`: (size, formula), every argument checked."""
    n = check_int(n, "input size", 1)
    f = check_int(f, "filter size", 1)
    s = check_int(s, "stride", 1)
    d = check_int(d, "dilation", 1)
    mode = padding_kind(p)
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
    n: Size, f: Size, *, p: Padding = 0, s: Size = 1, d: Size = 1, explain: bool = False
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
    return per_axis(conv_one, explain, n=n, f=f, p=p, s=s, d=d)


def same_padding(
    f: Size, *, s: Size = 1, d: Size = 1, n: Size | None = None, explain: bool = False
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
    >>> same_padding(3, d=2)
    2
    >>> same_padding(3, s=2, n=8)
    (0, 1)
    >>> print(same_padding(5, explain=True))
    (5 - 1)/2 = 2 on each side
    """

    def one(f: int, d: int, s: int, n: Any) -> tuple[Any, str]:
        f, d, s = check_int(f, "filter size", 1), check_int(d, "dilation", 1), check_int(s, "stride", 1)
        fe = d * (f - 1) + 1
        if n is None:
            if s != 1:
                raise ValueError(
                    f"same padding with stride {s} depends on the input size; pass n"
                )
            total, how = fe - 1, f"{fe} - 1"
        else:
            n = check_int(n, "input size", 1)
            out = -(-n // s)
            total = max((out - 1) * s + fe - n, 0)
            how = f"max(({out} - 1)*{s} + {fe} - {n}, 0)"
        before, after = total // 2, total - total // 2
        if before == after and n is None:
            return before, f"({how})/2 = {before} on each side"
        if before == after:
            return before, f"total {how} = {total}: {before} on each side"
        return (before, after), f"total {how} = {total}: {before} before, {after} after (the extra one after, as TensorFlow does)"

    return per_axis(one, explain, f=f, d=d, s=s, n=n)


def pool_output_size(
    n: Size, f: Size, *, p: Padding = "valid", s: Size | None = None, explain: bool = False
) -> Any:
    """Output size of pooling: the convolution formula, stride defaulting to the pool size.

    Pooling has no parameters; only its window and stride set the size.

    >>> pool_output_size(28, 2)
    14
    >>> pool_output_size(55, 3, s=2)
    27
    >>> pool_output_size(5, 2, p="same")
    3
    """
    return conv_output_size(n, f, p=p, s=f if s is None else s, explain=explain)


def transposed_output_size(
    n: Size,
    f: Size,
    *,
    p: str = "valid",
    s: Size = 1,
    d: Size = 1,
    output_padding: Size | None = None,
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
    >>> transposed_output_size(4, 3, s=2, p="same")
    8
    """

    def one(n: int, f: int, s: int, padding: Any, d: int, output_padding: Any) -> tuple[int, str]:
        n, f = check_int(n, "input size", 1), check_int(f, "filter size", 1)
        s, d = check_int(s, "stride", 1), check_int(d, "dilation", 1)
        mode = padding_kind(padding)
        if not isinstance(mode, str):
            raise ValueError(f"transposed padding must be 'valid' or 'same'; got {padding!r}")
        fe = d * (f - 1) + 1
        if output_padding is None:
            if mode == "valid":
                value = n * s + max(fe - s, 0)
                return value, f"{n}*{s} + max({fe} - {s}, 0) = {value}"
            return n * s, f"same: {n}*{s} = {n * s}"
        op = check_int(output_padding, "output_padding", 0)
        if op >= s:
            raise ValueError(f"output_padding must be smaller than the stride {s}; got {op}")
        if mode == "valid":
            value = (n - 1) * s + fe + op
            return value, f"({n} - 1)*{s} + {fe} + {op} = {value}"
        value = (n - 1) * s + fe - 2 * (fe // 2) + op
        return value, f"({n} - 1)*{s} + {fe} - 2*({fe}//2) + {op} = {value}"

    return per_axis(one, explain, n=n, f=f, s=s, padding=p, d=d, output_padding=output_padding)
