"""A live ``keras.Model`` read through its own objects, for the walk of :mod:`.walk`.

A Functional model, a subclass of one too (a KerasHub backbone or task model, whose
``get_config()`` holds its constructor's arguments), is read from its layer graph as
Keras' own ``summary()`` reads it: its inputs, its operations and the calls (nodes) that
belong to it, written as the config the walk reads (:func:`graph`). A user's or
KerasHub's layer met in that graph is expanded from its own call there
(:func:`cnnzoo.summary.trace.expand`); Keras' count and output shape go beside each
row, and tied variables are counted once (:mod:`.ledger`).

Nothing here imports TensorFlow at import time; a live model brings Keras with it.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from cnnzoo.count.layer import builtin
from cnnzoo.summary.ledger import settle, weights
from cnnzoo.summary.record import batched
from cnnzoo.summary.rows import Summary
from cnnzoo.summary.trace import Tracer, expand
from cnnzoo.summary.walk import walk

__all__ = ["is_functional", "graph", "from_functional"]


def is_functional(obj: Any) -> bool:
    """Whether ``obj`` is a Keras Functional model (a subclass of one too)."""
    return any(c.__name__ == "Functional" and c.__module__.startswith("keras.")
               for c in type(obj).__mro__)


def _plain(value: Any) -> Any:
    return value if isinstance(value, (bool, int, float, str, type(None))) else None


def graph(model: Any, found: dict[str, tuple[Any, list]], prefix: str = "",
          given: Optional[dict[str, tuple]] = None) -> dict[str, Any]:
    """The config of ``model``'s layer graph, written as Keras writes a Functional model's
    (nested Functional models as graphs too); ``found`` gets each layer and its calls by path.
    ``given`` replaces input shapes (batchless) by input name."""
    import keras

    own = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
    kept = {id(op): [n for n in op._inbound_nodes if id(n) in own] for op in model.operations}
    index = {id(n): i for nodes in kept.values() for i, n in enumerate(nodes)}

    def ref(t: Any, output: bool = False) -> Any:
        op, node, tensor = t._keras_history
        return [op.name, index[id(op._inbound_nodes[node])] + (output and is_functional(op)), tensor]

    def arg(t: Any) -> Any:
        if not isinstance(t, keras.KerasTensor):
            return _plain(t)
        return {"class_name": "__keras_tensor__", "config": {
            "shape": list(t.shape), "dtype": str(t.dtype), "keras_history": ref(t)}}

    layers = []
    for op in model.operations:
        path = prefix + op.name
        found[path] = (op, kept[id(op)])
        if is_functional(op):
            entry = {"class_name": type(op).__name__, "module": type(op).__module__,
                     "config": graph(op, found, path + "/")}
        else:
            try:
                entry = keras.saving.serialize_keras_object(op)
            except Exception:  # noqa: BLE001  (a user's layer without get_config: its class is enough)
                entry = {"class_name": type(op).__name__, "module": type(op).__module__,
                         "config": {"name": op.name}}
            for inner in getattr(op, "layers", ()) if isinstance(op, keras.Model) else ():
                found[path + "/" + inner.name] = (inner, inner._inbound_nodes[-1:])
        if given and path in given and type(op).__name__ == "InputLayer":
            entry["config"] = {**entry["config"], "batch_shape": [None, *given[path]]}
        entry["name"] = op.name
        entry["inbound_nodes"] = [
            {"args": keras.tree.map_structure(arg, list(n.arguments.args)),
             "kwargs": keras.tree.map_structure(arg, dict(n.arguments.kwargs))}
            for n in kept[id(op)] if n.input_tensors]
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": keras.tree.map_structure(ref, model._inputs_struct),
            "output_layers": keras.tree.map_structure(lambda t: ref(t, True), model._outputs_struct)}


def _given(model: Any, input_shape: Any) -> dict[str, tuple]:
    """``input_shape`` (a shape, a list in ``model.inputs`` order, or a dict by input name or
    by the model's own input keys) as a dict by input layer name."""
    shapes = batched(input_shape)
    names = [t._keras_history[0].name for t in model.inputs]
    struct = model._inputs_struct
    if isinstance(shapes, dict):
        keys = {k: t._keras_history[0].name for k, t in struct.items()} if isinstance(struct, dict) else {}
        shapes = {keys.get(k, k): s for k, s in shapes.items()}
    elif isinstance(shapes, list):
        shapes = dict(zip(names, shapes)) if len(shapes) == len(names) else {}
    else:
        shapes = {names[0]: shapes} if len(names) == 1 else {}
    if sorted(shapes) != sorted(names):
        raise ValueError(f"input_shape must give one shape per input of {model.name!r} "
                         f"({', '.join(names)}); got {input_shape!r}")
    return {k: tuple(s[1:]) for k, s in shapes.items()}


class _Live:
    """Answers the walk's questions about a live model's layers (see :func:`walk`)."""

    def __init__(self, found: dict[str, tuple[Any, list]], depth: Optional[int]):
        self.found = found
        self.tracer = Tracer(depth)

    def __call__(self, path: str, node: int, depth: int) -> Any:
        import keras

        layer, nodes = self.found.get(path, (None, []))
        if layer is None or node >= len(nodes) or (
                builtin(type(layer).__module__) and not isinstance(layer, keras.Model)):
            return None  # a Keras layer no formula fits stays not counted, with its reason

        row, rows, outs = expand(self.tracer, layer, nodes[node], path, depth)
        declared = self.shapes(path, node, [])
        if declared and len(declared) != len(outs):  # the graph reads the outputs Keras declared
            outs = declared
        return row, rows, outs

    def shapes(self, path: str, node: int, shapes: list[Any]) -> Optional[list[Any]]:
        layer, nodes = self.found.get(path, (None, []))
        if layer is None or node >= len(nodes):
            return None
        return [tuple(t.shape[1:]) for t in nodes[node].outputs]


def _size(variables: Any) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def from_functional(model: Any, depth: Optional[int], input_shape: Any = None) -> Summary:
    """The :class:`Summary` of a live Functional (or Sequential) model, walked from its graph."""
    found: dict[str, tuple[Any, list]] = {}
    if is_functional(model):
        given = None if input_shape is None else _given(model, input_shape)
        config = {"class_name": "Functional", "config": graph(model, found, "", given)}
    else:  # a built Sequential: Keras' own config
        config = {"class_name": "Sequential", "config": model.get_config()}
        for layer in model.layers:
            found[layer.name] = (layer, layer._inbound_nodes[-1:])
    live = _Live(found, depth)
    summary = walk(config, model.name, "keras.Model", depth, live)
    variables = dict(live.tracer.variables)
    for row in summary.rows:
        layer, nodes = found.get(row.name, (None, []))
        if layer is None or row.basis != "formula" or (row.container and "some not counted" in row.explain):
            continue
        if not hasattr(layer, "trainable_weights"):  # an operation, not a layer
            continue
        row.keras_trainable = _size(layer.trainable_weights)
        row.keras_params = row.keras_trainable + _size(layer.non_trainable_weights)
        if row.counted and not row.container and not row.shared:
            variables[id(row)] = weights(layer)
        if input_shape is None and nodes and not row.container:  # a container's shape is Keras' own
            outs = [tuple(t.shape[1:]) for t in nodes[0].outputs]
            row.keras_shape = outs[0] if len(outs) == 1 else outs
    summary.keras_total = int(model.count_params())
    settle(summary, variables)
    return summary
