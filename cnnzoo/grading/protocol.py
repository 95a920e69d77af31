"""Everything that crosses the grading boundary, on both sides: the limits, the reply mark
and the encoding of values as tagged plain data.

The grader imports this module; the grader also sends its text, as it is, to a student's
process, which runs it after ``sandbox.py`` and before ``child.py`` (all three as one
``python -I -c`` text). So both sides execute the same definitions, and this module keeps
to the standard library (NumPy and Keras are looked up in ``sys.modules``; NumPy is
imported only to read an array argument, in a child that has imported it already), defines no name ``sandbox.py`` or ``child.py`` define, and has no ``__future__``
import (it does not start the text it is part of).

A value is ``{"t": tag, ...}``: ``none``, ``bool``, ``int``, ``str``, ``float`` (its
``repr``), ``list``, ``tuple``, ``dict`` (a list of key, value pairs), ``array`` (dtype,
shape and base64 bytes), ``keras_model`` (its JSON config, its weights' rows and, for a
model of at most :data:`MAX_WEIGHT_VALUES`, their values), and ``rejected`` naming the type
of anything else (an object never compares itself on the grader's side). The grader decodes
answers strictly with :mod:`cnnzoo.grading.wire`; the child decodes the grader's arguments
with :func:`decode`.

>>> encode([1, (2.5, None), {"a": True}])["v"][1]
{'t': 'tuple', 'v': [{'t': 'float', 'v': '2.5'}, {'t': 'none', 'v': None}]}
>>> decode(encode({"k": [1, "x", 2.5]}))
{'k': [1, 'x', 2.5]}
>>> encode(object())
{'t': 'rejected', 'type': 'builtins.object'}
"""

import base64
import sys

MAX_WEIGHT_VALUES = 2_000_000  # weights sent with a model (8 MB at float32): LeNet-5 holds 61,706
MAX_NESTING = 50  # nesting of one value
MARK = b"\x00cnnzoo-reply\x00"  # the child writes it to its output just before each reply
PRELOAD = ("numpy", "keras")  # the libraries a child imports before any clock starts


def encode(value, depth=0):
    """Plain data only: anything else is named (``rejected``), never sent."""
    if depth > MAX_NESTING:
        return {"t": "rejected", "type": f"a structure nested over {MAX_NESTING} deep"}
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return {"t": kind.__name__ if value is not None else "none", "v": value}
    if kind is float:
        return {"t": "float", "v": repr(value)}
    if isinstance(value, (list, tuple)):  # subclasses too (a namedtuple): sent as plain items
        plain = "tuple" if isinstance(value, tuple) else "list"
        return {"t": plain, "v": [encode(v, depth + 1) for v in list(value)]}
    if isinstance(value, dict):  # OrderedDict, defaultdict, Counter: sent as a plain dict
        return {"t": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in list(dict(value).items())]}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if kind in (numpy.bool_,):
            return {"t": "bool", "v": bool(value)}
        if kind in set(numpy.sctypeDict.values()) and kind is not numpy.object_ and kind is not numpy.void:
            if numpy.issubdtype(kind, numpy.integer):
                return {"t": "int", "v": int(value)}
            if numpy.issubdtype(kind, numpy.floating):
                return {"t": "float", "v": repr(float(value))}
        if kind is numpy.ndarray and value.dtype.kind in "biuf":
            data = numpy.ascontiguousarray(value)
            if data.dtype.kind == "f" and data.dtype.itemsize > 8:  # longdouble: float64 is what the grader reads
                data = data.astype(numpy.float64)
            return {"t": "array", "dtype": data.dtype.str, "shape": list(data.shape),
                    "data": base64.b64encode(data.tobytes()).decode("ascii")}
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(value, keras.Model):
        return _keras_model(value, numpy)
    return {"t": "rejected", "type": f"{kind.__module__}.{kind.__qualname__}"}


def _keras_model(model, numpy):
    weights = [[w.path, list(w.shape), bool(w.trainable)] for w in model.weights]
    sent = {"t": "keras_model", "config": model.to_json(), "weights": weights}
    sizes = [1] * len(weights)
    for i, (_, shape, _) in enumerate(weights):
        for d in shape:
            sizes[i] *= int(d)
    if sum(sizes) <= MAX_WEIGHT_VALUES:  # the values too, as float arrays
        sent["values"] = [encode(numpy.asarray(w.numpy()).astype(numpy.float32, copy=False))
                          for w in model.weights]
    return sent


def decode(data):
    """The child's reading of the grader's arguments (trusted, so not checked)."""
    t = data["t"]
    if t == "none":
        return None
    if t == "float":
        return float(data["v"])
    if t in ("bool", "int", "str"):
        return data["v"]
    if t in ("list", "tuple"):
        items = [decode(v) for v in data["v"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        return {decode(k): decode(v) for k, v in data["v"]}
    if t == "array":
        import numpy

        raw = base64.b64decode(data["data"])
        return numpy.frombuffer(raw, dtype=data["dtype"]).reshape(data["shape"]).copy()
    raise ValueError(f"cannot decode {t}")
