"""One call of a model or layer, recorded as a tree of layer calls (what :mod:`.trace` reads).

A hook on ``keras.layers.Layer.__call__`` notes every layer call made inside: the layer,
the shapes of its tensor inputs (in its ``call`` signature's order), its output shapes and
the options that change its outputs. A model or layer is run through its own ``call``
under the backend's shape inference (``keras.Operation.compute_output_spec``), so the
layers inside are recorded even when it declares its output shape itself or is a
Functional model (whose symbolic call would run no layer); else on zeros. Keras' warm-up
(build) call is made before the recorded one and never recorded. (Keras)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cnnzoo.count import CALL_OPTIONS

__all__ = ["Call", "call_tree", "replay"]

_NOT_INPUTS = {"training", "mask", "return_attention_scores", "use_causal_mask", "initial_state",
               "constants", "count_weights"}


@dataclass
class Call:
    """One recorded layer call: the layer, its input and output shapes, the calls inside it."""

    layer: Any
    inputs: list[tuple] = field(default_factory=list)
    outputs: list[tuple] = field(default_factory=list)
    children: list[Call] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)


def _dim(d: Any) -> Any:
    try:
        return None if d is None else int(d)
    except (TypeError, ValueError):  # a symbolic size (JAX's shape polymorphism): not known
        return None


def _shape(tensor: Any) -> tuple:
    return tuple(_dim(d) for d in tuple(tensor.shape)[1:])


def tensor_shapes(value: Any) -> list[tuple]:
    """Batchless shapes of the tensors in ``value`` (any nesting), in ``keras.tree`` order."""
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
            and not name.endswith("_mask") for s in tensor_shapes(value)], options


@contextmanager
def _hook(root: Call) -> Iterator[None]:
    import keras

    stack = [root]
    original = keras.layers.Layer.__call__

    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        shapes, options = _inputs(self, args, kwargs)
        call = Call(self, shapes, options=options)
        stack[-1].children.append(call)
        stack.append(call)
        try:
            out = original(self, *args, **kwargs)
        finally:
            stack.pop()
        call.outputs = tensor_shapes(out)
        return out

    keras.layers.Layer.__call__ = hooked
    try:
        yield
    finally:
        keras.layers.Layer.__call__ = original


def _run(layer: Any, args: tuple, kwargs: dict[str, Any], symbolic: bool) -> Call:
    """``layer``'s call on ``args``: a root :class:`Call` holding the calls made inside it."""
    import keras

    shapes, options = _inputs(layer, args, kwargs)
    root = Call(layer, shapes, options=options)
    with _hook(root):
        if not symbolic:  # an eager call: recorded as the one call at the top
            layer(*args, **kwargs)
            if len(root.children) != 1:
                raise RuntimeError(f"tracing {layer.name!r} recorded {len(root.children)} top-level calls")
            return root.children[0]
        out = keras.Operation.compute_output_spec(layer, *args, **kwargs)
    root.outputs = tensor_shapes(out)
    return root


UNKNOWN = 8  # the size given to an axis a graph leaves unknown, when a call is made on zeros


def replay(layer: Any, node: Any) -> Call:
    """A layer's call in a live functional graph, made again on that node's own symbolic
    tensors (masks and keyword tensors included): what the layers inside it do. A tensor
    Keras marked sparse is given dense the second time; a call that cannot run symbolically
    (Python control flow on tensors) is made on zeros, each unknown axis :data:`UNKNOWN`
    long (the root's ``options["on zeros"]`` then says so)."""
    import keras
    import numpy as np

    args, kwargs = tuple(node.arguments.args), dict(node.arguments.kwargs)

    def dense(t: Any) -> Any:
        return keras.KerasTensor(t.shape, t.dtype) if isinstance(t, keras.KerasTensor) else t

    def zeros(t: Any) -> Any:
        if not isinstance(t, keras.KerasTensor):
            return t
        return np.zeros([(1 if i == 0 else UNKNOWN) if d is None else d for i, d in enumerate(t.shape)],
                        t.dtype)  # an unknown first axis is the batch: 1

    errors = []
    for make, symbolic in ((None, True), (dense, True), (zeros, False)):
        try:
            a, k = (args, kwargs) if make is None else keras.tree.map_structure(make, (args, kwargs))
            call = _run(layer, a, k, symbolic)
        except Exception as err:  # noqa: BLE001  (the next way is tried; the first error is shown)
            errors.append(err)
            continue
        if not symbolic:
            call.options["on zeros"] = True
        return call
    raise errors[0]


def batched(input_shape: Any) -> Any:
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


def _map(shapes: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(shapes, dict):
        return {k: fn(v) for k, v in shapes.items()}
    if isinstance(shapes, list):
        return [fn(s) for s in shapes]
    return fn(shapes)


def call_tree(model: Any, input_shape: Any) -> tuple[Call, str]:
    """``model`` called once on ``input_shape`` (batchless; else the shape it was built on),
    recorded: symbolically where the model allows it, else on zeros. A call that records no
    layer while the model holds layers is a failure, never an empty table."""
    import keras
    import numpy as np

    shapes = _build_shape(model) if input_shape is None else batched(input_shape)
    errors = []
    for how, make in (("symbolic call", keras.KerasTensor),
                      ("call on zeros", lambda s: np.zeros(s, "float32"))):
        args = _map(shapes, make)
        try:
            if not model.built or input_shape is not None:
                model(args)  # Keras' warm-up (build) call, never recorded
            root = _run(model, (args,), {}, how == "symbolic call")
        except Exception as err:  # noqa: BLE001  (a model that cannot be traced one way may the other)
            errors.append(f"{how}: {type(err).__name__}: {err}")
            continue
        if root.children or not getattr(model, "_layers", None):
            return root, how
        errors.append(f"{how}: it recorded no layer call")
    raise ValueError(f"model {model.name!r} could not be traced on {input_shape or shapes}: "
                     + "; ".join(errors))
