"""Subclassed models and users' layers: one recorded call, one row per layer call.

Keras keeps no layer graph for a subclassed model (its own ``model.summary()`` shows
"?" or "multiple"), so, as torchinfo does for PyTorch, :func:`trace` calls the model once
with every layer call recorded (:mod:`.record`). Each call of a built-in layer is then
counted from its config by :mod:`cnnzoo.count` on the shapes it was called with, and
Keras' own count and output shape are set beside it. :func:`expand` does the same for a
user's (or KerasHub's) layer met in a functional graph, from that graph's own call.

The contract: rows are named ``layer.name`` (``outer/inner`` when nested); one row per
call of a leaf layer in call order; a later call of the same layer is ``shared`` with
``params == 0`` and no Keras count; a built-in Keras layer is a leaf (its inner calls
are its formula's business); a model or a user's layer that calls other layers is a
container summing its rows, with a row ``<name>/(own weights)`` for the variables it
holds itself (a class token, a position table, a LayerScale) read from those variables;
a user's layer that calls no layer is counted from its variables, never by the formula
of a built-in class it resembles. Rows read from variables are ``basis == "variables"``:
:attr:`Summary.formula_share` leaves them out. A variable two rows hold (tied weights)
is counted at the first (:mod:`.ledger`).
"""

from __future__ import annotations

import math
from typing import Any, Optional

from cnnzoo.count import LayerCount, UnknownLayer, count_layer
from cnnzoo.count.layer import builtin
from cnnzoo.summary.ledger import Weights, settle, weights
from cnnzoo.summary.record import UNKNOWN, Call, call_tree, replay
from cnnzoo.summary.rows import Row, Summary

__all__ = ["trace", "expand", "Tracer"]


def _size(variables: Any) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def _known(layer: Any, shapes: list[tuple]) -> list[tuple]:
    """Input shapes with sizes the graph left unknown taken from the shape ``layer`` was built on."""
    built = (layer.get_build_config() or {}).get("input_shape") if layer.built else None
    if len(shapes) != 1 or not built or not all(isinstance(d, (int, type(None))) for d in built):
        return shapes
    known = tuple(built)[1:]
    if len(known) != len(shapes[0]):
        return shapes
    return [tuple(b if d is None else d for d, b in zip(shapes[0], known))]


def _config(layer: Any) -> dict[str, Any]:
    try:
        return layer.get_config()
    except NotImplementedError:  # built with arguments it cannot serialize: its name is enough
        return {"name": layer.name, "trainable": layer.trainable}


def _count(layer: Any, shapes: list[tuple], options: dict[str, Any]) -> tuple[Optional[LayerCount], str]:
    cls = type(layer)
    try:
        if any(None in s for s in shapes):
            shapes = _known(layer, shapes)
        return count_layer(cls.__name__, _config(layer), shapes, cls.__module__, call=options), ""
    except UnknownLayer:
        return None, f"not counted: no formula for {cls.__name__}"
    except (ValueError, TypeError, KeyError, NotImplementedError) as err:
        return None, f"not counted: {err}"


def _text(variables: Weights, owner: Any = None) -> str:
    """``name shape`` of each variable and their sum; one held by a layer inside ``owner`` (not
    called) is named with that layer: ``short/kernel 3*4``."""
    def name(v: Any) -> str:
        parts = str(getattr(v, "path", v.name)).split("/")
        inner = owner is not None and len(parts) > 1 and parts[-2] != owner.name
        return "/".join(parts[-2:]) if inner else v.name

    terms = [f"{name(v)} {'*'.join(str(int(d)) for d in v.shape) or 'scalar'}" for v, _ in variables]
    return " + ".join(terms) + f" = {sum(math.prod(int(d) for d in v.shape) for v, _ in variables):,}"


class Tracer:
    """Rows from recorded calls; ``seen`` (layers) and ``variables`` (what each row counts) are
    shared by every expansion of one summary."""

    def __init__(self, max_depth: Optional[int]):
        self.max_depth = max_depth
        self.rows: list[Row] = []
        self.seen: set[int] = set()
        self.variables: dict[int, Weights] = {}

    def body(self, call: Call, prefix: str, depth: int, frozen: bool) -> LayerCount:
        """Rows for the calls inside ``call`` and for its layer's own variables; their sum."""
        total = LayerCount(output=())
        for child in call.children:
            row = self.row(child, prefix, depth, frozen)
            if row.counted and not row.shared:
                total.trainable += row.trainable or 0
                total.non_trainable += row.non_trainable or 0
            total.macs += row.macs
        own = self._own(call)
        if own:
            row = self._variables_row(prefix + "(own weights)", "weights", own, depth,
                                      "own weights: ", call.layer)
            total.trainable += row.trainable or 0
            total.non_trainable += row.non_trainable or 0
        return total

    def _own(self, call: Call) -> Weights:
        """The variables of ``call.layer`` held by no layer called inside it."""
        inside: set[int] = set()
        stack = list(call.children)
        while stack:
            c = stack.pop()
            inside.update(id(v) for v in c.layer.weights)
            stack.extend(c.children)
        return [(v, t) for v, t in weights(call.layer) if id(v) not in inside]

    def _variables_row(self, name: str, kind: str, own: Weights, depth: int, why: str,
                       owner: Any = None) -> Row:
        trainable = sum(math.prod(int(d) for d in v.shape) for v, t in own if t)
        total = sum(math.prod(int(d) for d in v.shape) for v, _ in own)
        row = Row(name=name, kind=kind, output_shape=None, params=total, trainable=trainable,
                  non_trainable=total - trainable, depth=depth, basis="variables",
                  explain=why + (_text(own, owner) if own else "no weights"))
        self.rows.append(row)
        self.variables[id(row)] = own
        return row

    def row(self, call: Call, prefix: str, depth: int, frozen: bool) -> Row:
        import keras

        layer = call.layer
        first = id(layer) not in self.seen
        self.seen.add(id(layer))
        frozen = frozen or not layer.trainable
        shape = call.outputs[0] if len(call.outputs) == 1 else (call.outputs or None)
        stock = builtin(type(layer).__module__) and not isinstance(layer, keras.Model)
        if not stock and not call.children:  # a user's layer calling no layer: its variables
            if not first:
                return self._shared(layer, prefix, depth, shape)
            row = self._variables_row(prefix + layer.name, type(layer).__name__, weights(layer), depth,
                                      f"from its variables ({type(layer).__module__}, no formula): ")
            row.output_shape = row.keras_shape = shape
            row.keras_params, row.keras_trainable = row.params, row.trainable
            return row
        row = Row(name=prefix + layer.name, kind=type(layer).__name__, output_shape=shape, params=0,
                  trainable=0, non_trainable=0, depth=depth, shared=not first)
        self.rows.append(row)
        if not stock:
            start = len(self.rows)
            total = self.body(call, row.name + "/", depth + 1, frozen)
            row.container = True
            if first:
                row.trainable, row.non_trainable = total.trainable, total.non_trainable
                row.params = total.trainable + total.non_trainable
                row.explain = f"sum of {len(self.rows) - start} nested calls" + (
                    f" (called on zeros, each unknown axis {UNKNOWN} long)" if call.options.get("on zeros") else "")
            row.macs = total.macs
            if any(not r.counted for r in self.rows[start:]):
                row.explain += " (some not counted)"
                first = False  # an incomplete sum is not compared with Keras
            if self.max_depth is not None and depth >= self.max_depth:
                row.formula_params = sum(r.formula_params for r in self.rows[start:] if not r.container)
                for r in self.rows[start:]:
                    self.variables.pop(id(r), None)
                del self.rows[start:]
                row.container = False
                self.variables[id(row)] = weights(layer) if first else []
        else:
            result, reason = _count(layer, call.inputs, call.options)
            if result is None:
                row.params = row.trainable = row.non_trainable = None
                row.explain = reason
            else:
                if frozen and result.trainable:
                    result.non_trainable, result.trainable = result.non_trainable + result.trainable, 0
                row.output_shape, row.macs = result.output, result.macs
                row.explain, row.shape_explain = result.explain, result.shape_explain
                if first:
                    row.trainable, row.non_trainable = result.trainable, result.non_trainable
                    row.params = row.formula_params = result.trainable + result.non_trainable
                    self.variables[id(row)] = weights(layer)
            row.keras_shape = shape
        if first:
            row.keras_trainable = _size(layer.trainable_weights)
            row.keras_params = row.keras_trainable + _size(layer.non_trainable_weights)
        return row

    def _shared(self, layer: Any, prefix: str, depth: int, shape: Any) -> Row:
        row = Row(name=prefix + layer.name, kind=type(layer).__name__, output_shape=shape, params=0,
                  trainable=0, non_trainable=0, depth=depth, shared=True)
        self.rows.append(row)
        return row


def trace(model: Any, input_shape: Any = None, depth: Optional[int] = None) -> Summary:
    """The :class:`Summary` of any ``keras.Model`` (subclassed too) from one traced call.

    ``input_shape`` leaves out the batch axis (a list or dict of shapes for several
    inputs); a model already built or called needs none.
    """
    root, how = call_tree(model, input_shape)
    tracer = Tracer(depth)
    tracer.seen.add(id(model))
    total = tracer.body(root, "", 0, not model.trainable)
    summary = Summary(name=model.name, rows=tracer.rows, total=total.trainable + total.non_trainable,
                      trainable=total.trainable, non_trainable=total.non_trainable, macs=total.macs,
                      source=f"keras.Model, traced ({how})", keras_total=int(model.count_params()))
    settle(summary, tracer.variables)
    return summary


def expand(tracer: Tracer, layer: Any, node: Any, name: str, depth: int) -> tuple[Row, list[Row], list]:
    """A user's model or layer met in a live functional graph: its call there made again and
    recorded (:func:`.record.replay`); its row, the rows inside it, its output shapes. A call
    that cannot be made again keeps Keras' count of the layer's variables and says why."""
    start = len(tracer.rows)
    prefix = name[: len(name) - len(layer.name)]
    try:
        call = replay(layer, node)
    except Exception as err:  # noqa: BLE001  (Keras built it: never a crash, the reason is shown)
        why = f"not expanded ({type(err).__name__}: {str(err)[:120]}): Keras' count of its variables "
        tracer.seen.add(id(layer))
        row = tracer._variables_row(name, type(layer).__name__, weights(layer), depth, why)
        row.basis, row.keras_params, row.keras_trainable = "keras", row.params, row.trainable
        del tracer.rows[start:]
        return row, [], [None]
    row = tracer.row(call, prefix, depth, not layer.trainable)
    rows = tracer.rows[start + 1:]
    del tracer.rows[start:]  # the walker keeps them; the tracer keeps what they count
    return row, rows, call.outputs or [None]
