"""What crosses the grading boundary: plain data, decoded strictly on the grader's side.

A student's answer arrives as tagged JSON (:func:`cnnzoo.grading.protocol.encode`, the one
encoding of both sides, whose limits this module reads too): ``None``, bools, ints,
floats, strings, lists, tuples, dicts of those, NumPy arrays as dtype + shape + bytes, and
a Keras model as its JSON config plus its weights' shapes and values (arrays, when the model
holds at most :data:`MAX_WEIGHT_VALUES`). Nothing is unpickled, and no
object from the student ever compares itself: an always-equal object arrives as
:class:`Rejected` naming its type.

>>> decode({"t": "tuple", "v": [{"t": "int", "v": 28}, {"t": "float", "v": "28.0"}]})
(28, 28.0)
>>> decode({"t": "rejected", "type": "builtins.object"})
Rejected(type='builtins.object')
>>> encode([1, (2.5, None)])
{'t': 'list', 'v': [{'t': 'int', 'v': 1}, {'t': 'tuple', 'v': [{'t': 'float', 'v': '2.5'}, {'t': 'none', 'v': None}]}]}
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from typing import Any

from cnnzoo.grading import protocol
from cnnzoo.grading.protocol import MAX_NESTING, MAX_WEIGHT_VALUES

__all__ = ["Rejected", "KerasModel", "encode", "decode", "WireError", "MAX_WEIGHT_VALUES"]

_MAX_NODES = 2_000_000  # values in one answer (arrays count as one)
_MAX_DICT = 1_000  # entries of one dict: a bigger one can be built to make lookups quadratic
_MAX_NDIM = 8  # dimensions of one array
_DTYPES = {f"{order}{kind}{size}" for order in "<>|" for kind in "iuf" for size in (1, 2, 4, 8)} | {"|b1"}


class WireError(ValueError):
    """The child sent something that is not a well-formed answer."""


@dataclass(frozen=True)
class Rejected:
    """An answer of a type the grader does not accept (an object, a mock, an int subclass)."""

    type: str


@dataclass(frozen=True)
class KerasModel:
    """A Keras model as it crossed the boundary: its JSON config, its weights' (path, shape,
    trainable) and, for a model of at most :data:`MAX_WEIGHT_VALUES`, their values (float
    arrays, one per weight, each of its row's shape; ``None`` otherwise). Data only: the
    grader rebuilds a model from it with :mod:`cnnzoo.grading.rebuild`, never by running
    the student's code."""

    config: str
    weights: tuple[tuple[str, tuple[int, ...], bool], ...]
    values: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def keras_total(self) -> int:
        return sum(math.prod(shape) for _, shape, _ in self.weights)


def encode(value: Any) -> dict[str, Any]:
    """The grader's arguments for a student's function, in the same tagged form
    (:func:`cnnzoo.grading.protocol.encode`); a ``TypeError`` for anything but plain data."""
    import numpy  # noqa: F401  (protocol.encode finds NumPy's types once it is imported)

    sent = protocol.encode(value)
    _plain_only(sent)
    return sent


def _plain_only(sent: dict[str, Any]) -> None:
    todo = [sent]
    while todo:
        item = todo.pop()
        if item["t"] in ("rejected", "keras_model"):
            raise TypeError(f"cannot send a {item.get('type', 'Keras model')} to a student's function")
        if item["t"] in ("list", "tuple"):
            todo += item["v"]
        elif item["t"] == "dict":
            todo += [part for pair in item["v"] for part in pair]


def decode(data: Any) -> Any:
    """Rebuild an answer; a malformed or oversized message raises :class:`WireError`."""
    return _decode(data, 0, [_MAX_NODES])


def _decode(data: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise WireError(f"an answer holds at most {_MAX_NODES:,} values")
    if depth > MAX_NESTING or not isinstance(data, dict) or "t" not in data:
        raise WireError(f"malformed answer: {str(data)[:80]}")
    t, v = data["t"], data.get("v")
    if t == "none":
        return None
    if t in ("bool", "int", "str"):
        if type(v) is not {"bool": bool, "int": int, "str": str}[t]:
            raise WireError(f"malformed {t}: {v!r:.80}")
        return v
    if t == "float":
        if type(v) is not str or len(v) > 40:  # the child sends repr(float)
            raise WireError(f"malformed float: {v!r:.80}")
        try:
            return float(v)
        except (TypeError, ValueError, OverflowError):
            raise WireError(f"malformed float: {v!r:.80}") from None
    if t in ("list", "tuple") and isinstance(v, list):
        items = [_decode(item, depth + 1, budget) for item in v]
        return items if t == "list" else tuple(items)
    if t == "dict" and isinstance(v, list):
        if len(v) > _MAX_DICT:
            raise WireError(f"a dict in an answer holds at most {_MAX_DICT:,} entries; got {len(v):,}")
        out = {}
        for pair in v:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise WireError("malformed dict item")
            key = _decode(pair[0], depth + 1, budget)
            try:
                out[key] = _decode(pair[1], depth + 1, budget)
            except TypeError:
                raise WireError(f"unhashable dict key {key!r:.80}") from None
        return out
    if t == "array":
        return _array(data)
    if t == "keras_model":
        return _keras_model(data)
    if t == "rejected":
        return Rejected(str(data.get("type", "?"))[:200])
    raise WireError(f"unknown answer type {t!r:.40}")


def _array(data: dict[str, Any]) -> Any:
    import numpy as np

    dtype, shape = data.get("dtype"), data.get("shape")
    if dtype not in _DTYPES or not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise WireError(f"malformed array: dtype {dtype!r:.20}, shape {shape!r:.40}")
    if len(shape) > _MAX_NDIM or math.prod(shape) > _MAX_NODES:
        raise WireError(f"an array in an answer has at most {_MAX_NDIM} dimensions and {_MAX_NODES:,} values; "
                        f"got shape {shape!r:.60}")
    try:
        raw = base64.b64decode(data.get("data", ""), validate=True)
    except (TypeError, ValueError):
        raise WireError("malformed array data") from None
    if len(raw) != math.prod(shape) * np.dtype(dtype).itemsize:
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _keras_model(data: dict[str, Any]) -> KerasModel:
    config, weights = data.get("config"), data.get("weights")
    if not isinstance(config, str) or not isinstance(weights, list):
        raise WireError("malformed Keras model")
    try:
        json.loads(config)
        rows = tuple((str(path), tuple(int(d) for d in shape), bool(trainable))
                     for path, shape, trainable in weights)
        if any(len(shape) > _MAX_NDIM or any(d < 0 for d in shape) for _, shape, _ in rows):
            raise ValueError("a weight's shape")
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise WireError("malformed Keras model") from None
    values = data.get("values")
    if values is None:
        return KerasModel(config, rows)
    if not isinstance(values, list) or len(values) != len(rows):
        raise WireError("a Keras model's weight values must be one array per weight")
    arrays = tuple(_array(v) if isinstance(v, dict) and v.get("t") == "array" else None for v in values)
    if sum(math.prod(shape) for _, shape, _ in rows) > MAX_WEIGHT_VALUES or any(
            a is None or a.dtype.kind != "f" or a.shape != shape for a, (_, shape, _) in zip(arrays, rows)):
        raise WireError("a Keras model's weight values do not match its weights' shapes")
    return KerasModel(config, rows, arrays)
