"""The arithmetic's shared parts: :class:`Explained` values, the number format, per-axis
evaluation of ``(height, width)`` pairs, and the one argument convention.

Every function of :mod:`cnnzoo.arithmetic` takes ``(n, f, *, p, s, d)``: the input size
and the filter size by position, padding, stride and dilation by keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

from cnnzoo.checks import check_int

__all__ = ["Explained", "DTYPE_BYTES", "Size", "Padding", "fmt"]

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

    >>> from cnnzoo.arithmetic import conv_output_size
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


def fmt(n: int) -> str:
    """A count with thousands separators: ``fmt(48120) == '48,120'``."""
    return f"{n:,}"


def is_pair(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and not isinstance(value, str)


def axes(named: dict[str, Any]) -> int | None:
    """Return 2 when any argument is a pair, None when all are scalars; reject bad pairs."""
    pair = None
    for name, value in named.items():
        if is_pair(value):
            if len(value) != 2:
                raise ValueError(
                    f"{name} must be an int or an (height, width) pair; got {tuple(value)!r}"
                )
            pair = 2
    return pair


def split(value: Any, axis: int | None) -> Any:
    if axis is None or not is_pair(value):
        return value
    return value[axis]


def per_axis(
    compute: Callable[..., tuple[Any, str]], explain: bool, **named: Any
) -> Any:
    """Run ``compute`` per axis (a pair anywhere gives a pair back) and join the texts."""
    if axes(named) is None:
        value, text = compute(**named)
        return Explained(value, text) if explain else value
    results = [compute(**{k: split(v, i) for k, v in named.items()}) for i in (0, 1)]
    value = (results[0][0], results[1][0])
    if explain:
        if results[0][1] == results[1][1]:
            text = f"{results[0][1]} (height and width)"
        else:
            text = f"height: {results[0][1]}; width: {results[1][1]}"
        return Explained(value, text)
    return value


def padding_kind(p: Any) -> str | int:
    if isinstance(p, str):
        mode = p.lower()
        if mode not in ("valid", "same"):
            raise ValueError(f"padding must be an int, 'valid' or 'same'; got {p!r}")
        return mode
    return check_int(p, "padding", 0)
