"""The pieces of a serialized layer graph: tensor references, calls, the model's kind.

Keras 3 configs name a call's inputs as ``__keras_tensor__`` entries (with the shape Keras
recorded); Keras 2 configs as ``[layer, node, tensor, kwargs]`` lists. Both are read here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

from cnnzoo.count import Shape

__all__ = ["calls", "unwrap", "pick", "as_refs", "Ref"]

Ref = tuple[str, int, int]


def _tensors(obj: Any) -> Iterator[tuple[Ref, Optional[Shape]]]:
    """Every Keras tensor reference (layer, node, index) inside a call's arguments."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            cfg = obj["config"]
            name, node, index = cfg["keras_history"]
            shape = cfg.get("shape")
            yield (name, node, index), None if shape is None else tuple(shape[1:])
            return
        for value in obj.values():
            yield from _tensors(value)
    elif isinstance(obj, (list, tuple)):
        # Keras 2 format: [layer_name, node_index, tensor_index, kwargs]
        if len(obj) in (3, 4) and isinstance(obj[0], str) and isinstance(obj[1], int) \
                and isinstance(obj[2], int):
            yield (obj[0], obj[1], obj[2]), None
            return
        for value in obj:
            yield from _tensors(value)


def calls(layer: dict[str, Any]) -> list[list[tuple[Ref, Optional[Shape]]]]:
    return [list(_tensors(node)) for node in layer.get("inbound_nodes", [])]


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
    if value and isinstance(value[0], str):  # a single [name, node, index]
        return [tuple(value)]  # type: ignore[list-item]
    return [tuple(v) for v in value]  # type: ignore[misc]
