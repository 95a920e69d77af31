"""Subclassed models and any callable graph: one traced call, one row per layer call.

Keras keeps no layer graph for a subclassed model (its own ``model.summary()`` shows
"?" or "multiple"), so, as torchinfo does for PyTorch, :func:`trace` calls the model once
with a hook on ``keras.layers.Layer.__call__`` and records every layer call in call
order: symbolically where the model allows it, else on zeros. Each leaf call is then
counted from the layer's config by :mod:`cnnzoo.count` on the shapes it was called with,
and Keras' own count and output shape are set beside it.

The contract: rows are named ``layer.name`` (``outer/inner`` when nested); one row per
call of a leaf layer in call order; a later call of the same layer is ``shared`` with
``params == 0`` and no Keras count; a built-in Keras layer is a leaf (its inner calls
are its formula's business); a model or a user's layer that calls other layers is a
container summing its rows; a user's layer with no inner calls is uncounted, never
guessed. Keras' warm-up build call is made before the traced one and never recorded.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Optional

from cnnzoo.count import CALL_OPTIONS, LayerCount, UnknownLayer, count_layer
from cnnzoo.count.core import _builtin
from cnnzoo.summary.rows import Row, Summary

__all__ = ["trace", "expand"]

_NOT_INPUTS = {"training", "mask", "return_attention_scores", "use_causal_mask", "initial_state",
               "constants", "count_weights"}


@dataclass
class _Call:
    layer: Any
    inputs: list[tuple] = field(default_factory=list)
    outputs: list[tuple] = field(default_factory=list)
    children: list[_Call] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)


def _shape(tensor: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in tuple(tensor.shape)[1:])


def _tensor_shapes(value: Any) -> list[tuple]:
    import keras

    return [_shape(t) for t in keras.tree.flatten(value)
            if hasattr(t, "shape") and hasattr(t, "dtype") and len(tuple(t.shape)) >= 1]


def _inputs(layer: Any, args: tuple, kwargs: dict[str, Any]) -> tuple[list[tuple], dict[str, Any]]:
    """Shapes of a call's tensor arguments, in the order of the layer's ``call`` signature,
    and its options that change the outputs (:data:`cnnzoo.count.CALL_OPTIONS`)."""
    try:
        bound = inspect.signature(layer.call).bind_partial(*args, **kwargs).arguments
    except (TypeError, ValueError):
        bound = {**{str(i): a for i, a in enumerate(args)}, **kwargs}
    options = {k: bound[k] for k in CALL_OPTIONS if isinstance(bound.get(k), (bool, int, str))}
    return [s for name, value in bound.items() if name not in _NOT_INPUTS and name not in options
            and not name.endswith("_mask") for s in _tensor_shapes(value)], options


def _record(model: Any, call_args: Any) -> _Call:
    """Call ``model`` once with every ``Layer.__call__`` recorded in a tree of calls."""
    import keras

    root = _Call(layer=None)
    stack = [root]
    original = keras.layers.Layer.__call__

    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        shapes, options = _inputs(self, args, kwargs)
        call = _Call(self, shapes, options=options)
        stack[-1].children.append(call)
        stack.append(call)
        try:
            out = original(self, *args, **kwargs)
        finally:
            stack.pop()
        call.outputs = _tensor_shapes(out)
        return out

    keras.layers.Layer.__call__ = hooked
    try:
        model(call_args)
    finally:
        keras.layers.Layer.__call__ = original
    if len(root.children) != 1:
        raise RuntimeError(f"tracing {model.name!r} recorded {len(root.children)} top-level calls")
    return root.children[0]


def _batched(input_shape: Any) -> Any:
    """``input_shape`` (batch axis excluded; a tuple, a list or dict of them) with a batch of 1."""
    def one(shape: Any) -> tuple:
        if not isinstance(shape, (tuple, list)) or not all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
            raise ValueError("input_shape must be a tuple of positive integers without the batch "
                             f"axis (or a list or dict of them); got {input_shape!r}")
        return (1, *shape)

    if isinstance(input_shape, dict):
        return {k: one(v) for k, v in input_shape.items()}
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
        return [one(s) for s in input_shape]
    return one(input_shape)


def _build_shape(model: Any) -> Any:
    config = model.get_build_config() if model.built else None
    shape = (config or {}).get("input_shape")
    if shape is None:
        raise ValueError(f"model {model.name!r} has not been built or called: pass "
                         "input_shape=(h, w, c) (batch axis excluded), or a list or dict of them")
    if isinstance(shape, dict) or (shape and isinstance(shape[0], (list, tuple))):
        items = shape.items() if isinstance(shape, dict) else enumerate(shape)
        out = {k: (1, *tuple(s)[1:]) for k, s in items}
        return out if isinstance(shape, dict) else list(out.values())
    return (1, *tuple(shape)[1:])


def _call_tree(model: Any, input_shape: Any) -> tuple[_Call, str]:
    import keras
    import numpy as np

    shapes = _build_shape(model) if input_shape is None else _batched(input_shape)
    symbolic = _map(shapes, keras.KerasTensor)
    zeros = _map(shapes, lambda s: np.zeros(s, "float32"))
    errors = []
    for args, how in ((symbolic, "symbolic call"), (zeros, "call on zeros")):
        try:
            if not model.built or input_shape is not None:
                model(args)  # Keras' warm-up (build) call, never recorded
            return _record(model, args), how
        except Exception as err:  # noqa: BLE001  (a model that cannot be traced one way may the other)
            errors.append(f"{how}: {type(err).__name__}: {err}")
    raise ValueError(f"model {model.name!r} could not be called on {input_shape or shapes}: "
                     + "; ".join(errors))


def _map(shapes: Any, fn: Any) -> Any:
    if isinstance(shapes, dict):
        return {k: fn(v) for k, v in shapes.items()}
    if isinstance(shapes, list):
        return [fn(s) for s in shapes]
    return fn(shapes)


def _size(variables: Any) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def _count(layer: Any, shapes: list[tuple], options: dict[str, Any]) -> tuple[Optional[LayerCount], str]:
    cls = type(layer)
    if not _builtin(cls.__module__):
        return None, f"not counted: {cls.__module__}.{cls.__name__} is not a Keras layer"
    try:
        return count_layer(cls.__name__, layer.get_config(), shapes, cls.__module__, call=options), ""
    except UnknownLayer:
        return None, f"not counted: no formula for {cls.__name__}"
    except (ValueError, TypeError, KeyError, NotImplementedError) as err:
        return None, f"not counted: {err}"


class _Rows:
    def __init__(self, max_depth: Optional[int]):
        self.max_depth = max_depth
        self.rows: list[Row] = []
        self.seen: set[int] = set()

    def add(self, calls: list[_Call], prefix: str, depth: int, frozen: bool) -> LayerCount:
        total = LayerCount(output=())
        for call in calls:
            row = self._row(call, prefix, depth, frozen)
            if row.counted and not row.shared:
                total.trainable += row.trainable or 0
                total.non_trainable += row.non_trainable or 0
            total.macs += row.macs
        return total

    def _row(self, call: _Call, prefix: str, depth: int, frozen: bool) -> Row:
        import keras

        layer = call.layer
        first = id(layer) not in self.seen
        self.seen.add(id(layer))
        frozen = frozen or not layer.trainable
        shape = call.outputs[0] if len(call.outputs) == 1 else (call.outputs or None)
        row = Row(name=prefix + layer.name, kind=type(layer).__name__, output_shape=shape, params=0,
                  trainable=0, non_trainable=0, depth=depth, shared=not first)
        self.rows.append(row)
        if call.children and (isinstance(layer, keras.Model) or not _builtin(type(layer).__module__)):
            start = len(self.rows)
            total = self.add(call.children, row.name + "/", depth + 1, frozen)
            row.container = True
            if first:
                row.trainable, row.non_trainable = total.trainable, total.non_trainable
                row.params = total.trainable + total.non_trainable
                row.explain = f"sum of {len(self.rows) - start} nested calls"
            row.macs = total.macs
            if any(not r.counted for r in self.rows[start:]):
                row.explain += " (some not counted)"
                first = False  # an incomplete sum is not compared with Keras
            if self.max_depth is not None and depth >= self.max_depth:
                del self.rows[start:]
                row.container = False
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
                    row.params = result.trainable + result.non_trainable
            row.keras_shape = shape
        if first:
            row.keras_trainable = _size(layer.trainable_weights)
            row.keras_params = row.keras_trainable + _size(layer.non_trainable_weights)
        return row


def trace(model: Any, input_shape: Any = None, depth: Optional[int] = None) -> Summary:
    """The :class:`Summary` of any ``keras.Model`` (subclassed too) from one traced call.

    ``input_shape`` leaves out the batch axis (a list or dict of shapes for several
    inputs); a model already built or called needs none.
    """
    root, how = _call_tree(model, input_shape)
    rows = _Rows(depth)
    total = rows.add(root.children, "", 0, not model.trainable)
    return Summary(name=model.name, rows=rows.rows, total=total.trainable + total.non_trainable,
                   trainable=total.trainable, non_trainable=total.non_trainable, macs=total.macs,
                   source=f"keras.Model, traced ({how})", keras_total=int(model.count_params()))


def expand(layer: Any, input_shapes: list[tuple], name: str, depth: int,
           max_depth: Optional[int]) -> tuple[Row, list[Row], list[tuple]]:
    """A user's model or layer met inside a functional model: its row, its traced rows, outputs."""
    root, _ = _call_tree(layer, input_shapes[0] if len(input_shapes) == 1 else list(input_shapes))
    rows = _Rows(max_depth)
    rows.seen.add(id(layer))
    row = Row(name=name, kind=type(layer).__name__, output_shape=None, params=0, trainable=0,
              non_trainable=0, depth=depth, container=True)
    total = rows.add(root.children, name + "/", depth + 1, not layer.trainable)
    row.trainable, row.non_trainable, row.macs = total.trainable, total.non_trainable, total.macs
    row.params = total.trainable + total.non_trainable
    row.output_shape = root.outputs[0] if len(root.outputs) == 1 else root.outputs
    row.explain = f"sum of {len(rows.rows)} nested calls (traced)"
    if any(not r.counted for r in rows.rows) or not root.children:
        row.explain += " (some not counted)"
        if not root.children:
            row.params = row.trainable = row.non_trainable = None
            row.explain = f"not counted: {type(layer).__module__}.{type(layer).__name__} is not a Keras layer"
            row.container = False
    if max_depth is not None and depth >= max_depth:
        rows.rows.clear()
        row.container = False
    return row, rows.rows, root.outputs or [None]
