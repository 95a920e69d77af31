"""Reading a layer config: every field checked, every bad one a ``ValueError`` naming it.

A config read back from JSON holds lists where Keras wrote tuples; both are accepted.
A missing required field, or one of the wrong type, is a :class:`ValueError` that names
the field (never a ``KeyError``, ``TypeError`` or ``IndexError`` from deep inside).

>>> read_int({"units": 4}, "units")
4
>>> read_int({}, "units")
Traceback (most recent call last):
...
ValueError: the config has no 'units'
>>> read_int({"units": "4"}, "units")
Traceback (most recent call last):
...
ValueError: 'units' must be an integer; got '4'
>>> read_ints({"kernel_size": [3]}, "kernel_size", 2)
(3, 3)
"""

from __future__ import annotations

from typing import Any, Optional

from cnnzoo.checks import is_int

__all__ = ["MISSING", "get_field", "is_int", "read_int", "read_ints", "read_bool", "read_str",
           "read_data_format", "read_dims", "read_layer"]

MISSING: Any = object()


def get_field(cfg: Any, key: str, default: Any = MISSING) -> Any:
    if not isinstance(cfg, dict):
        raise ValueError(f"a layer config must be a dict; got {type(cfg).__name__}")
    if key in cfg:
        return cfg[key]
    if default is MISSING:
        raise ValueError(f"the config has no {key!r}")
    return default


def read_int(cfg: Any, key: str, default: Any = MISSING, minimum: int = 1,
         none: bool = False) -> Any:
    """An integer field at least ``minimum``; ``None`` only when ``none`` allows it."""
    value = get_field(cfg, key, default)
    if value is None and none:
        return None
    if not is_int(value):
        raise ValueError(f"{key!r} must be an integer; got {value!r}")
    value = value.__index__()
    if value < minimum:
        raise ValueError(f"{key!r} must be at least {minimum}; got {value}")
    return value


def read_ints(cfg: Any, key: str, rank: int, default: Any = MISSING, minimum: int = 1) -> tuple[int, ...]:
    """An int or a list of ``rank`` ints (one int is repeated), as a tuple."""
    value = get_field(cfg, key, default)
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) == 1:
        values = values * rank
    if len(values) != rank or not all(is_int(v) and v >= minimum for v in values):
        raise ValueError(f"{key!r} must be an integer (at least {minimum}) or {rank} of them; "
                         f"got {value!r}")
    return tuple(int(v) for v in values)


def read_bool(cfg: Any, key: str, default: Any = MISSING) -> bool:
    value = get_field(cfg, key, default)
    if value is None and default is not MISSING:
        return bool(default)
    if not isinstance(value, bool) and value not in (0, 1):
        raise ValueError(f"{key!r} must be true or false; got {value!r}")
    return bool(value)


def read_str(cfg: Any, key: str, default: Any = MISSING, choices: tuple[str, ...] = (),
         none: bool = False) -> Any:
    """A string field (lower-cased when ``choices`` are given), one of ``choices``."""
    value = get_field(cfg, key, default)
    if value is None and none:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string; got {value!r}")
    if choices:
        value = value.lower()
        if value not in choices:
            raise ValueError(f"{key!r} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def read_data_format(cfg: Any) -> str:
    value = get_field(cfg, "data_format", None)
    if value is None:
        return "channels_last"
    return read_str(cfg, "data_format", choices=("channels_last", "channels_first"))


def read_dims(cfg: Any, key: str, default: Any = MISSING, minimum: int = 1,
          none_inside: bool = False) -> tuple[Any, ...]:
    """An int or a list of ints (``None`` inside when ``none_inside``), as a tuple."""
    value = get_field(cfg, key, default)
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    for v in values:
        if (v is None and none_inside) or (is_int(v) and v >= minimum):
            continue
        raise ValueError(f"{key!r} must be an integer (at least {minimum}) or a list of them; "
                         f"got {value!r}")
    return tuple(None if v is None else int(v) for v in values)


def read_layer(cfg: Any, key: str = "layer") -> tuple[str, dict[str, Any], Optional[str]]:
    """A wrapped layer's (class name, config, module), e.g. ``Bidirectional``'s ``layer``."""
    inner = get_field(cfg, key)
    if not isinstance(inner, dict) or not isinstance(inner.get("class_name"), str) \
            or not isinstance(inner.get("config"), dict):
        raise ValueError(f"{key!r} must be a serialized layer (class_name and config); got {inner!r}")
    module = inner.get("module")
    return inner["class_name"], inner["config"], module if isinstance(module, str) else None
