"""Argument checks shared by every module: the rule and the value received, in one line.

>>> check_int(3, "stride", 1)
3
>>> positive_int(0, "epochs")
Traceback (most recent call last):
...
ValueError: epochs must be a positive integer; got 0
>>> positive_number(-1, "timeout", "seconds")
Traceback (most recent call last):
...
ValueError: timeout must be a positive number of seconds; got -1
"""

from __future__ import annotations

import numbers
from typing import Any

__all__ = ["check_int", "is_int", "positive_int", "positive_number"]


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer: NumPy integers are (they have ``__index__``); bools and
    floats are not."""
    return not isinstance(value, bool) and hasattr(type(value), "__index__")


def check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as a plain ``int``: a ``TypeError`` when it is not an integer, a
    ``ValueError`` when it is below ``minimum``."""
    if not is_int(value):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = value.__index__()
    if value < minimum:
        rule = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{name} must be {rule}; got {value}")
    return value


def positive_int(value: Any, name: str) -> int:
    """``value`` as a plain ``int`` of at least 1; anything else is a ``ValueError``."""
    if not is_int(value) or value.__index__() < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return value.__index__()


def positive_number(value: Any, name: str, unit: str = "") -> float:
    """``value`` as a number above 0 (``unit`` names what it counts, for the message)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number{' of ' + unit if unit else ''}; got {value!r}")
    return value
