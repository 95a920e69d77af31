"""The pieces of a serialized layer graph: tensor references, calls, the model's kind.

Keras 3 configs name a call's inputs as ``__keras_tensor__`` entries (with the shape Keras
recorded) in the call's ``args`` and ``kwargs``; Keras 2 configs as ``[layer, node, tensor,
kwargs]`` lists. Both are read here. A call's masks, initial states and other keyword tensors
are read (the call waits for them) but are not its inputs; tensors in a dict are taken in the
order of its sorted keys, as ``keras.tree.flatten`` takes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple, Optional

from cnnzoo.count import CALL_OPTIONS, Shape

__all__ = ["calls", "unwrap", "pick", "as_refs", "nested_graph", "why", "Ref", "Node"]

Ref = tuple[str, int, int]
_NOT_INPUTS = frozenset({"mask", "training", "initial_state", "constants", "count_weights"})
_FIRST = {"inputs": 0, "query": 1, "value": 2, "key": 3}  # keyword inputs in call-signature order


class Node(NamedTuple):
    """One call of a layer: its inputs, every tensor it reads, its output-changing options."""

    inputs: list[tuple[Ref, Optional[Shape]]]
    tensors: list[tuple[Ref, Optional[Shape]]]
    options: dict[str, Any]


def _tensors(obj: Any) -> Iterator[tuple[Ref, Optional[Shape]]]:
    """Every Keras tensor reference (layer, node, index) inside a call's arguments."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            cfg = obj["config"]
            name, node, index = cfg["keras_history"]
            shape = cfg.get("shape")
            yield (name, node, index), None if shape is None else tuple(shape[1:])
            return
        for key in sorted(obj, key=str):
            yield from _tensors(obj[key])
    elif isinstance(obj, (list, tuple)):
        # Keras 2 format: [layer_name, node_index, tensor_index, kwargs]
        if len(obj) in (3, 4) and isinstance(obj[0], str) and isinstance(obj[1], int) \
                and isinstance(obj[2], int):
            yield (obj[0], obj[1], obj[2]), None
            return
        for value in obj:
            yield from _tensors(value)


def _node(node: Any) -> Node:
    if not (isinstance(node, dict) and ("args" in node or "kwargs" in node)):
        found = list(_tensors(node))
        return Node(found, found, {})
    kwargs = node.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise ValueError(f"a call's 'kwargs' must be a dict; got {str(kwargs)[:80]}")
    inputs, others = list(_tensors(node.get("args") or [])), []
    for key in sorted(kwargs, key=lambda k: _FIRST.get(k, len(_FIRST))):  # stable: others as written
        skip = key in _NOT_INPUTS or str(key).endswith("_mask")
        (others if skip else inputs).extend(_tensors(kwargs[key]))
    options = {k: kwargs[k] for k in CALL_OPTIONS if isinstance(kwargs.get(k), (bool, int, str))}
    return Node(inputs, inputs + others, options)


def calls(layer: dict[str, Any]) -> list[Node]:
    nodes = layer.get("inbound_nodes", [])
    if not isinstance(nodes, list):
        raise ValueError(f"'inbound_nodes' must be a list; got {type(nodes).__name__}")
    return [_node(node) for node in nodes]


def unwrap(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(class name, inner config) of a serialized model, or of a bare get_config() dict."""
    if "config" in config and "class_name" in config:
        return str(config["class_name"]), config["config"]
    kind = "Functional" if "input_layers" in config else "Sequential"
    return kind, config


def pick(outputs: list[Optional[Shape]], index: int) -> Optional[Shape]:
    """Output ``index`` of a call; unknown (``None``) when the layer's outputs are unknown."""
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError(f"a tensor index must be a non-negative integer; got {index!r}")
    if outputs == [None]:
        return None
    if index >= len(outputs):
        raise ValueError(f"a layer is asked for output {index} but has {len(outputs)}")
    return outputs[index]


def as_refs(value: Any) -> list[Ref]:
    """A model's ``input_layers``/``output_layers``: one ``[name, node, index]``, a list of them,
    nested lists or a dict of them (flattened as Keras flattens: dict keys sorted).

    >>> as_refs({"b": ["x", 0, 0], "a": [["y", 0, 1], ["z", 1, 0]]})
    [('y', 0, 1), ('z', 1, 0), ('x', 0, 0)]
    """
    if isinstance(value, dict):
        return [r for key in sorted(value, key=str) for r in as_refs(value[key])]
    if isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str):
        return [tuple(value)]  # type: ignore[list-item]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in as_refs(v)]
    raise ValueError(f"a model's inputs and outputs must be [layer, node, index] references; got {value!r}")


def nested_graph(layer: Any) -> int:
    """1 for a nested Functional model's config (Keras numbers its outside calls from 1), else 0."""
    cfg = layer.get("config") if isinstance(layer, dict) else None
    return int(isinstance(cfg, dict) and "layers" in cfg and "input_layers" in cfg)


def why(err: BaseException) -> str:
    """A config error in words: a missing key or a wrong type named as the field it is."""
    if isinstance(err, KeyError):
        return f"the config has no field {err.args[0]!r}" if err.args else "a config field is missing"
    if isinstance(err, (TypeError, AttributeError, IndexError)):
        return f"a config field has the wrong type or length ({err})"
    return str(err)
