"""The engine's entry: :func:`count_layer` picks a layer's handler from the registry of
:mod:`.layer` and calls it; :func:`count_inner` does the same for a wrapped layer.
The handlers live in :mod:`.weighted`, :mod:`.shapes`, :mod:`.historic`, :mod:`.recurrent`,
:mod:`.attention` and :mod:`.preprocessing`; :mod:`cnnzoo.count` imports them all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, Optional

from cnnzoo.count.layer import (
    CALL_OPTIONS,
    HANDLERS,
    Dim,
    LayerCount,
    Shape,
    UnknownLayer,
    builtin,
    known_layers,
)
from cnnzoo.count.shapes import keras_op

__all__ = ["LayerCount", "UnknownLayer", "count_layer", "count_inner", "known_layers", "Shape", "Dim",
           "CALL_OPTIONS"]

MAX_WRAPPING = 32  # layers inside layers (Bidirectional, TimeDistributed, Pipeline, ...)
_DEPTH: ContextVar[int] = ContextVar("cnnzoo_count_wrapping", default=0)


def count_layer(class_name: str, config: dict[str, Any], input_shapes: Sequence[Shape],
                module: str | None = None, *, registered_name: str | None = None,
                call: dict[str, Any] | None = None) -> LayerCount:
    """Shape, parameters and MACs of one call of a layer, from its config alone.

    ``module`` and ``registered_name`` are the config's entries of those names (the
    class's home): a handler is chosen by Keras' (or cnnzoo's) registered class, never by
    the name alone, so a user's own ``Dense`` is unknown. Keras operations used on symbolic tensors (``keras.src.ops.*``)
    share some class names with layers. Raises :class:`UnknownLayer` for a class the
    engine has no formula for. ``call`` holds the call's own arguments that change its
    outputs (:data:`CALL_OPTIONS`: an attention layer's ``return_attention_scores``,
    ``ReversibleEmbedding``'s ``reverse``); the handlers read them as config fields.

    >>> count_layer("Dense", {"units": 2}, [(3,)], "keras.layers").trainable
    8
    >>> count_layer("Dense", {"units": 2}, [(3,)], "my_project.layers")
    Traceback (most recent call last):
    ...
    cnnzoo.count.layer.UnknownLayer: my_project.layers.Dense (a user's class)
    """
    shapes = [tuple(s) for s in input_shapes]
    if (module is not None and not builtin(module)) or (module is None and (
            registered_name is not None and not builtin(registered_name.split(">")[0]))):
        home = registered_name if module is None else f"{module}.{class_name}"
        raise UnknownLayer(f"{home} (a user's class)")  # whatever its name
    if module and module.startswith("keras.src.ops"):
        return keras_op(class_name, shapes)
    handler = HANDLERS.get(class_name)
    if handler is None:
        raise UnknownLayer(class_name)
    if call and isinstance(config, dict):
        config = {**config, **{k: call[k] for k in CALL_OPTIONS if k in call}}
    m = None if class_name.startswith("ConvLSTM") else re.search(r"([123])D(Transpose)?$", class_name)
    if m and shapes and len(shapes[0]) != int(m.group(1)) + 1:
        raise ValueError(f"{class_name} expects inputs of rank {int(m.group(1)) + 2} (batch, "
                         f"{m.group(1)} spatial axes, channels); got shape {(None, *shapes[0])}")
    result = handler(config, shapes)
    if config.get("trainable") is False and result.trainable:
        result.non_trainable += result.trainable
        result.trainable = 0
    return result


def count_inner(class_name: str, config: dict[str, Any], shapes: Sequence[Shape],
                module: Optional[str]) -> LayerCount:
    """``count_layer`` for a wrapped layer, refusing configs nested past :data:`MAX_WRAPPING`."""
    if _DEPTH.get() >= MAX_WRAPPING:
        raise ValueError(f"layers wrapped more than {MAX_WRAPPING} deep (a config written to exhaust "
                         "the reader?)")
    token = _DEPTH.set(_DEPTH.get() + 1)
    try:
        return count_layer(class_name, config, shapes, module)
    finally:
        _DEPTH.reset(token)
